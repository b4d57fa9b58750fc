"""The demo's ways in: a fresh login token per user, and channels connected to a platform."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from domain.connectors import API_VERSIONS
from domain.demo.agency import BRANDS, METRIC_DAYS, OWNER, ROLES, SYNCED_DAYS_AGO, USERS
from domain.enums import ChannelStatus, WorkspaceRole
from domain.models import ApiToken, Channel
from domain.models.columns import now
from domain.services.secrets import encrypt_token
from domain.services.tokens import issue_token

TOKEN_NAME = "demo"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    name: str
    workspace_role: str | None
    brand_roles: dict[str, list[str]]  # brand slug → roles
    token: str


async def logins(users: dict[str, int]) -> list[DemoLogin]:
    """A fresh "demo" token per user; the previous ones stop working."""
    await ApiToken.update({ApiToken.revoked_at: now()}).where(
        ApiToken.user.is_in(list(users.values())), ApiToken.name == TOKEN_NAME,
        ApiToken.revoked_at.is_null())
    found = []
    for email, name in USERS.items():
        roles: dict[str, list[str]] = {}
        for (who, slug), held in ROLES.items():
            if who == email:
                roles[slug] = [r.value for r in held]
        found.append(DemoLogin(
            email=email, name=name,
            workspace_role=WorkspaceRole.OWNER.value if email == OWNER else None,
            brand_roles=roles, token=await issue_token(users[email], TOKEN_NAME)))
    return found


async def connect_channels(channel_ids: dict[str, dict[str, int]], today: date,
                           channel_token: Callable[[str, str], str]) -> None:
    """Connect the channels Coso has a connector for (to the platform emulator, when
    `coso demo` runs with COSO_PLATFORM_BASE_URL). The generated history counts as synced
    up to a week ago: the first `coso sync` fetches the last week from the platform."""
    for b in BRANDS:
        for ch in b.channels:
            if ch.platform not in API_VERSIONS:
                continue
            channel_id = channel_ids[b.slug][ch.handle]
            token = encrypt_token(channel_token(ch.platform.value, ch.external_id))
            await Channel.update({
                Channel.status: ChannelStatus.CONNECTED, Channel.access_token: token,
                Channel.connected_at: now(), Channel.last_error: "",
            }).where(Channel.id == channel_id)
    await synced_through(channel_ids, today)


async def synced_through(channel_ids: dict[str, dict[str, int]], today: date) -> None:
    """The generated history of the channels Coso has a connector for counts as synced up
    to a week ago: the first sync fetches the last week from the platform."""
    for b in BRANDS:
        for ch in b.channels:
            if ch.platform not in API_VERSIONS:
                continue
            await Channel.update({
                Channel.metrics_watermark: today - timedelta(days=SYNCED_DAYS_AGO),
                Channel.backfilled_from: today - timedelta(days=METRIC_DAYS),
            }).where(Channel.id == channel_ids[b.slug][ch.handle],
                     Channel.metrics_watermark.is_null())
