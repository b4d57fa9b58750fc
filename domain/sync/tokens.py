"""Channel tokens kept alive: refreshed ahead of expiry (plan_token_refreshes, cron) and once
when a sync or a publish meets an expired one; a refresh the platform refuses leaves the
channel NEEDS_RECONNECT and its managers are e-mailed (the `mail_reconnect_needed` job).

Two jobs finding the same expired token refresh it once: the refresh holds the channel's
row lock while it calls the platform and compares `token_version` with the one the job
read; the job that comes second finds the version moved and uses the new token.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx

from domain.connectors.base import ChannelAuth, SyncError
from domain.connectors.oauth import SPECS
from domain.connectors.oauth_flow import OAuthError, refresh
from domain.db import write_transaction
from domain.enums import ChannelStatus, Platform
from domain.events import EventKind, publish_for_brand
from domain.jobs import JobQueue, QueueUnavailable, RetryLater
from domain.models import Brand, Channel
from domain.services.audit import record
from domain.services.channels import channel_auth
from domain.services.secrets import TokenUnreadable, decrypt_token, encrypt_token
from domain.services.usecase import locked, utcnow
from domain.settings import get_settings
from domain.sync.base import attempt_of, retry_delay

REFRESHABLE = (ChannelStatus.CONNECTED, ChannelStatus.TOKEN_EXPIRED)
# A token about to expire this soon is refreshed before a sync or a publish uses it.
USE_MARGIN = timedelta(minutes=2)
MAIL_JOB = "mail_reconnect_needed"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What a refresh came to. `channel` is the row after it (None: the channel is gone)."""

    channel: dict[str, Any] | None
    outcome: str
    """"refreshed", "already" (another job did it), "fresh" (nothing to do), "refused"
    (NEEDS_RECONNECT now), "impossible" (no refresh token), "not connected"."""

    @property
    def usable(self) -> bool:
        return self.outcome in ("refreshed", "already", "fresh")


def can_refresh(channel: dict[str, Any]) -> bool:
    spec = SPECS.get(Platform(channel["platform"]))
    return bool(channel["refresh_token"]) and spec is not None and spec.refresh_tokens


def due(channel: dict[str, Any], now: datetime, ahead: timedelta) -> bool:
    expires = channel["token_expires_at"]
    return expires is not None and expires <= now + ahead


async def refresh_channel_token(channel_id: int, http: httpx.AsyncClient, *,
                                seen_version: int | None = None,
                                queue: JobQueue | None = None,
                                now: datetime | None = None) -> Refreshed:
    """Refresh one channel's access token, once however many ask.

    `seen_version`: the token_version the caller used and found expired; a channel whose
    version moved since was refreshed by someone else. Without it (the planner) the token
    is refreshed only if it is still due. OAuthError(refused=False) when the platform could
    not be reached: try again later.
    """
    now = utcnow(now)
    refused: OAuthError | None = None
    async with write_transaction():
        row = await locked(Channel.select().where(Channel.id == channel_id)).first()
        if row is None:
            return Refreshed(None, "not connected")
        if row["status"] not in REFRESHABLE:
            return Refreshed(row, "not connected")
        if seen_version is not None and row["token_version"] != seen_version:
            return Refreshed(row, "already")
        ahead = timedelta(seconds=get_settings().token_refresh_ahead)
        if seen_version is None and not due(row, now, ahead):
            return Refreshed(row, "fresh")
        if not can_refresh(row):
            return Refreshed(row, "impossible")
        try:
            tokens = await refresh(row["platform"], http, decrypt_token(row["refresh_token"]),
                                   now=now)
        except TokenUnreadable as error:
            refused = OAuthError("TOKEN_UNREADABLE", str(error), refused=True)
        except OAuthError as error:
            if not error.refused:
                raise
            refused = error
        if refused is None:
            await Channel.update({
                Channel.access_token: encrypt_token(tokens.access_token),
                Channel.refresh_token: encrypt_token(tokens.refresh_token),
                Channel.token_expires_at: tokens.expires_at,
                Channel.token_version: Channel.token_version + 1,
                Channel.status: ChannelStatus.CONNECTED, Channel.last_error: "",
            }).where(Channel.id == channel_id)
            action = "channel.refresh_token"
        else:
            await Channel.update({
                Channel.status: ChannelStatus.NEEDS_RECONNECT,
                Channel.last_error: f"reconnect the channel: the platform refused to refresh "
                                    f"its token ({refused.message})"[:2000],
                Channel.token_version: Channel.token_version + 1,
            }).where(Channel.id == channel_id)
            action = "channel.needs_reconnect"
            # After the commit, like every event: live subscriptions and webhooks.
            await publish_for_brand(
                EventKind.CHANNEL_NEEDS_RECONNECT, row["brand"], "Channel", channel_id,
                {"platform": row["platform"], "handle": row["handle"],
                 "reason": refused.message[:500]})
        after = await Channel.select().where(Channel.id == channel_id).first()
        assert after is not None
        brand = await Brand.select(Brand.workspace).where(Brand.id == row["brand"]).first()
        await record(actor_id=None, action=action, object_type="Channel", object_id=channel_id,
                     workspace_id=brand["workspace"] if brand else None, brand_id=row["brand"],
                     before=row, after=after)
    if refused is not None:
        if queue is not None:
            # One mail per refusal: the version the refusal wrote names it.
            with contextlib.suppress(QueueUnavailable):
                await queue.enqueue(MAIL_JOB, channel_id,
                                    job_id=f"reconnect-mail:{channel_id}:{after['token_version']}")
        return Refreshed(after, "refused")
    return Refreshed(after, "refreshed")


async def plan_token_refreshes(ctx: dict[str, Any], *, now: datetime | None = None) -> int:
    """Queue a refresh of every connected channel whose token expires within
    COSO_TOKEN_REFRESH_AHEAD seconds (cron); returns how many it queued."""
    now = utcnow(now)
    ahead = timedelta(seconds=get_settings().token_refresh_ahead)
    rows = await Channel.select(Channel.id, Channel.platform, Channel.refresh_token,
                                Channel.token_expires_at, Channel.token_version).where(
        Channel.status == ChannelStatus.CONNECTED, Channel.refresh_token != "",
        Channel.token_expires_at.is_not_null(),
        Channel.token_expires_at <= now + ahead).order_by(Channel.token_expires_at)
    queue: JobQueue = ctx["queue"]
    queued = 0
    for row in rows:
        if not can_refresh(row):
            continue
        with contextlib.suppress(QueueUnavailable):
            queued += await queue.enqueue(
                "refresh_channel_token", row["id"],
                job_id=f"refresh:{row['id']}:{row['token_version']}")
    return queued


async def refresh_token_job(ctx: dict[str, Any], channel_id: int) -> str:
    """The planner's refresh of one channel (the job `refresh_channel_token`)."""
    try:
        done = await refresh_channel_token(channel_id, ctx["http"], queue=ctx.get("queue"))
    except OAuthError as error:
        raise RetryLater(retry_delay(attempt_of(ctx)), error.message) from error
    return done.outcome




class TokenRefused(Exception):
    """The channel's token is dead and the platform refused a new one: reconnect it."""

    def __init__(self, channel: dict[str, Any] | None) -> None:
        self.channel = channel
        self.message = (channel or {}).get("last_error") or "the channel must be reconnected"
        super().__init__(self.message)


async def ensure_fresh(ctx: dict[str, Any], channel: dict[str, Any]) -> dict[str, Any]:
    """The channel row with a token that is not about to expire: refreshed first when it
    is (and can be). TokenRefused when the platform refuses; OAuthError when unreachable."""
    if not can_refresh(channel) or not due(channel, utcnow(), USE_MARGIN):
        return channel
    return await _refreshed(ctx, channel)


async def _refreshed(ctx: dict[str, Any], channel: dict[str, Any]) -> dict[str, Any]:
    done = await refresh_channel_token(channel["id"], ctx["http"],
                                       seen_version=channel["token_version"],
                                       queue=ctx.get("queue"))
    if not done.usable or done.channel is None:
        raise TokenRefused(done.channel)
    return done.channel


async def call_with_token(ctx: dict[str, Any], channel: dict[str, Any],
                          call: Callable[[ChannelAuth], Awaitable[T]],
                          before_retry: Callable[[], Awaitable[None]] | None = None
                          ) -> tuple[T, dict[str, Any]]:
    """`call(auth)` with the channel's token; when the platform says it expired, refresh it
    once (unless another job already did) and call again. (result, channel row used)."""
    channel = await ensure_fresh(ctx, channel)
    try:
        return await call(channel_auth(channel)), channel
    except SyncError as error:
        if error.code != "TOKEN_EXPIRED" or not can_refresh(channel):
            raise
    if before_retry is not None:
        await before_retry()
    channel = await _refreshed(ctx, channel)
    return await call(channel_auth(channel)), channel
