"""The metric sync jobs: plan_syncs (cron), sync_channel (one window of one channel).

Every job takes ids, re-reads state and returns early when its work is already done, so
running it twice (a dead worker, a lost queue, two requests) changes nothing.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.connectors import connector_for
from domain.connectors.base import ChannelAuth, MetricPoint, RemotePost, SyncError
from domain.connectors.oauth_flow import OAuthError
from domain.enums import ChannelStatus, SyncKind, SyncStatus
from domain.errors import ValidationFailed
from domain.jobs import JobQueue, QueueUnavailable, RetryLater
from domain.models import Channel, SyncRun
from domain.services.channels import mark_token_expired
from domain.services.secrets import TokenUnreadable
from domain.settings import get_settings
from domain.sync import runs
from domain.sync.base import (
    MAX_TRIES,
    TRANSIENT_DB_ERRORS,
    attempt_of,
    describe,
    is_transient,
    retry_delay,
)
from domain.sync.store import store_window
from domain.sync.tokens import TokenRefused, call_with_token
from domain.sync.windows import Window, planned_window

# Scheduled syncs re-read recent days this often: platforms revise them for a day or two,
# and each pass costs API quota.
REFRESH_EVERY = timedelta(hours=6)
# A run QUEUED this long without starting may have lost its job (Redis restarted empty).
QUEUED_GRACE = timedelta(minutes=2)


async def enqueue_run(queue: JobQueue, run: dict[str, Any]) -> bool:
    """Put a run's job on the queue; False when the queue already holds it or cannot be
    reached (the run then stays QUEUED, saying so, and the planner tries again)."""
    try:
        if run["kind"] == SyncKind.PUBLISH:
            post_id = int(run["job_id"].rpartition(":")[2])
            return await queue.enqueue("publish_post", run["id"], post_id,
                                       job_id=run["job_id"])
        if run["kind"] == SyncKind.INBOX:
            return await queue.enqueue("sync_inbox", run["id"], job_id=run["job_id"])
        return await queue.enqueue("sync_channel", run["id"], job_id=run["job_id"])
    except QueueUnavailable as error:
        await runs.retry_run(run["id"], "QUEUE_UNAVAILABLE",
                             f"the job queue is unreachable ({error}); it will be queued again")
        return False


async def request_window(queue: JobQueue, channel_id: int, window: Window, *,
                         requested_by: int | None = None) -> dict[str, Any]:
    """Open (or find) the run for this window and make sure its job is queued; the run."""
    opened = await runs.open_run(channel_id, window.kind,
                                 runs.sync_job_id(channel_id, window.start, window.end),
                                 start=window.start, end=window.end, requested_by=requested_by)
    await enqueue_run(queue, opened.run)
    return await runs.get_run(opened.run["id"]) or opened.run


def recorded(job: Callable[..., Awaitable[str]]) -> Callable[..., Awaitable[str]]:
    """Wrap a job whose first argument is its run id: a database blip becomes another try,
    and an unexpected error fails the run (INTERNAL_ERROR) instead of leaving it RUNNING
    for the planner to re-queue forever."""

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], run_id: int, *args: Any) -> str:
        try:
            return await job(ctx, run_id, *args)
        except RetryLater:
            raise
        except TRANSIENT_DB_ERRORS as error:
            raise RetryLater(retry_delay(attempt_of(ctx)), describe(error)) from error
        except Exception as error:
            with contextlib.suppress(Exception):
                await runs.fail_run(run_id, "INTERNAL_ERROR", describe(error))
            raise

    return run


# -- plan_syncs ------------------------------------------------------------------------------


async def plan_syncs(ctx: dict[str, Any], channel_ids: Sequence[int] | None = None, *,
                     force: bool = False) -> int:
    """Queue the next sync of every connected channel that is due; re-queue lost runs.

    Returns how many runs it queued. `channel_ids` narrows it and `force` ignores when a
    channel was last synced (the `coso sync` command).
    """
    settings = get_settings()
    queue: JobQueue = ctx["queue"]
    now = datetime.now(UTC)
    today = now.date()
    query = Channel.select(Channel.id, Channel.platform, Channel.metrics_watermark).where(
        Channel.status == ChannelStatus.CONNECTED)
    if channel_ids is not None:
        query = query.where(Channel.id.is_in(list(channel_ids) or [0]))
    channels = await query.order_by(Channel.id)
    busy, fresh = await _recent_syncs([c["id"] for c in channels], now - REFRESH_EVERY)
    yesterday = today - timedelta(days=1)
    queued = 0
    for channel in channels:
        window = planned_window(channel["platform"], today, channel["metrics_watermark"],
                                window_days=settings.sync_window_days,
                                backfill_days=settings.backfill_days)
        up_to_date = channel["metrics_watermark"] is not None \
            and channel["metrics_watermark"] >= yesterday
        if window is None or channel["id"] in busy \
                or (up_to_date and channel["id"] in fresh and not force):
            continue
        await request_window(queue, channel["id"], window)
        queued += 1
    if channel_ids is None:
        queued += await requeue_stale(queue, now=now)
    return queued


async def _recent_syncs(channel_ids: list[int], since: datetime) -> tuple[set[int], set[int]]:
    """Channels with a metric sync queued or running, and those synced since `since`."""
    if not channel_ids:
        return set(), set()
    rows = await SyncRun.select(SyncRun.channel, SyncRun.status).where(
        SyncRun.channel.is_in(channel_ids),
        SyncRun.kind.is_in([SyncKind.METRICS, SyncKind.BACKFILL]),
        ((SyncRun.status == SyncStatus.SUCCEEDED) & (SyncRun.finished_at >= since))
        | SyncRun.status.is_in(list(runs.ACTIVE)))
    busy = {r["channel"] for r in rows if r["status"] in runs.ACTIVE}
    return busy, {r["channel"] for r in rows} - busy


async def requeue_stale(queue: JobQueue, *, now: datetime | None = None) -> int:
    """Enqueue again the jobs of runs left QUEUED or RUNNING too long (lost with Redis, or
    outlived by their worker); the queue ignores those it still holds."""
    running_for = timedelta(seconds=get_settings().job_timeout + 60)
    count = 0
    for run in await runs.stale_runs(queued_for=QUEUED_GRACE, running_for=running_for,
                                     now=now):
        count += await enqueue_run(queue, run)
    return count


# -- sync_channel ----------------------------------------------------------------------------


@recorded
async def sync_channel(ctx: dict[str, Any], run_id: int) -> str:
    """Fetch one window of one channel from its platform and store it (one transaction)."""
    attempt = attempt_of(ctx)
    try:
        run = await runs.start_run(run_id, attempt)
        if run is None:
            return "already finished"
        channel = await Channel.select().where(Channel.id == run["channel"]).first()
        assert channel is not None, "runs cascade with their channel"
    except TRANSIENT_DB_ERRORS as error:
        raise RetryLater(retry_delay(attempt), describe(error)) from error
    if channel["status"] != ChannelStatus.CONNECTED:
        await runs.fail_run(run_id, "CHANNEL_NOT_CONNECTED",
                            f"the channel is {channel['status']}: connect it to sync")
        return "not connected"
    api_version = ""
    try:
        connector = connector_for(channel["platform"], ctx["http"])
        api_version = connector.api_version
        start, end = run["window_from"], run["window_to"]

        async def fetch(auth: ChannelAuth) -> tuple[list[MetricPoint], list[RemotePost]]:
            points = await connector.channel_metrics(auth, start, end)
            return points, [post async for post in connector.posts(auth, start, end)]

        (points, posts), channel = await call_with_token(ctx, channel, fetch)
        stored = await store_window(run_id, channel, api_version=api_version, start=start,
                                    end=end, points=points, posts=posts,
                                    fetched_at=datetime.now(UTC))
    except TokenRefused as refused:
        await runs.fail_run(run_id, "NEEDS_RECONNECT", refused.message,
                            api_version=api_version)
        return "needs reconnection"
    except OAuthError as error:
        await failed(run_id, attempt, "TOKEN_REFRESH_FAILED", error.message, transient=True,
                     api_version=api_version, channel_id=channel["id"])
        return "token refresh failed"
    except TokenUnreadable as error:
        await mark_token_expired(channel["id"], str(error))
        await runs.fail_run(run_id, "TOKEN_UNREADABLE", str(error))
        return "token unreadable"
    except SyncError as error:
        if error.code == "TOKEN_EXPIRED":
            await mark_token_expired(channel["id"], error.message)
        await failed(run_id, attempt, error.code, error.message, transient=is_transient(error),
                     api_version=api_version, channel_id=channel["id"],
                     defer=error.retry_after)
        return error.code
    except ValidationFailed as error:
        await failed(run_id, attempt, "INVALID_DATA", f"the platform sent values Coso cannot "
                     f"store: {error}", transient=False, api_version=api_version,
                     channel_id=channel["id"])
        return "invalid data"
    except TRANSIENT_DB_ERRORS as error:
        await failed(run_id, attempt, "DATABASE_UNAVAILABLE", describe(error), transient=True,
                     api_version=api_version, channel_id=channel["id"])
        return "database unavailable"
    return (f"{stored.items_in} in, {stored.inserted} inserted, {stored.updated} updated, "
            f"watermark {stored.watermark}")


async def failed(run_id: int, attempt: int, code: str, message: str, *, transient: bool,
                 api_version: str = "", channel_id: int | None = None,
                 defer: float | None = None) -> None:
    """Record a failed attempt: RetryLater while attempts remain for a transient failure,
    else the run is FAILED with the reason (and the channel shows it)."""
    if transient and attempt < MAX_TRIES:
        # The database may be down now: the next attempt records its own state then.
        with contextlib.suppress(*TRANSIENT_DB_ERRORS):
            await runs.retry_run(run_id, code, message)
        raise RetryLater(retry_delay(attempt) if defer is None else defer, f"{code}: {message}")
    try:
        await runs.fail_run(run_id, code, message, api_version=api_version)
        if channel_id is not None:
            await Channel.update({Channel.last_error: message[:2000]}).where(
                Channel.id == channel_id)
    except TRANSIENT_DB_ERRORS as error:
        # Nothing recorded: the planner finds the run still RUNNING and tries it again.
        raise RetryLater(retry_delay(attempt), describe(error)) from error
