"""Issue 17: channel tokens refreshed ahead of expiry and once on expiry, rotation honoured,
a refused refresh leaving the channel NEEDS_RECONNECT with its managers e-mailed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from api.emulator.consent import consent
from domain.connectors.oauth_flow import OAuthError, refresh
from domain.enums import ChannelStatus, PostStatus, Role, SyncKind, SyncStatus
from domain.models import AuditLog, Channel, ChannelMetric, Post
from domain.services import connections
from domain.services.secrets import decrypt_token
from domain.services.usecase import utcnow
from domain.settings import get_settings
from domain.sync.base import http_client
from domain.sync.jobs import plan_syncs, request_window
from domain.sync.publish import publish_due_posts
from domain.sync.tokens import plan_token_refreshes, refresh_channel_token
from domain.sync.windows import Window
from tests.factories import make_brand, make_membership, make_user
from tests.integration.reports.jobs_support import SmtpServer
from tests.integration.sync.conftest import channel_row, ctx_of, last_days, reconcile


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    monkeypatch.setenv("COSO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COSO_SMTP_PORT", str(server.port))
    get_settings.cache_clear()
    yield server
    server.stop()


async def oauth_channel(platform: str = "x", *, accounts: list[str] | None = None
                        ) -> dict[str, Any]:
    """A channel connected through the platform's OAuth flow on the emulator, by a manager."""
    brand = await make_brand()
    manager = await make_user()
    await make_membership(manager, brand, Role.MANAGER)
    started = await connections.start_connection(manager.id, brand.id, platform)
    back = {k: v[0] for k, v in parse_qs(urlsplit(
        await consent(started.authorization_url, accounts=accounts)).query).items()}
    row = await connections.connection_for_state(platform, back["state"])
    async with http_client() as http:
        done = await connections.authorize(row, back["code"], http)
    if not done.connected:
        [done_one] = await connections.complete(manager.id, row["id"],
                                                [done.connection["accounts"][0]["id"]])
        return done_one.channel
    return done.connected[0].channel


async def expire_soon(channel_id: int, minutes: float) -> None:
    await Channel.update({Channel.token_expires_at: utcnow() + timedelta(minutes=minutes)}
                         ).where(Channel.id == channel_id)


def tokens(row: dict[str, Any]) -> tuple[str, str]:
    return decrypt_token(row["access_token"]), decrypt_token(row["refresh_token"])


@pytest.mark.parametrize("platform, rotates", [("x", True), ("tiktok", True),
                                               ("linkedin", False), ("youtube", False)])
async def test_the_planner_refreshes_ahead_of_expiry(emulator, inline, platform, rotates):
    channel = await oauth_channel(platform)
    before = tokens(channel)
    assert await plan_token_refreshes(ctx_of(inline)) == 0  # hours (or days) left
    await expire_soon(channel["id"], 20)  # inside COSO_TOKEN_REFRESH_AHEAD (30 minutes)
    assert await plan_token_refreshes(ctx_of(inline)) == 1
    after = await channel_row(channel["id"])
    access, refresh_token = tokens(after)
    assert access != before[0] and after["token_version"] == channel["token_version"] + 1
    assert after["token_expires_at"] > utcnow() + timedelta(minutes=50)
    assert (refresh_token != before[1]) is rotates and refresh_token
    assert emulator.state.oauth.refreshes == 1
    if rotates:  # the old refresh token no longer works on the platform
        async with httpx.AsyncClient() as http:
            with pytest.raises(OAuthError) as refused:
                await refresh(platform, http, before[1])
        assert refused.value.refused and refused.value.code == "invalid_grant"
    # Nothing left to do: a second pass refreshes nothing.
    assert await plan_token_refreshes(ctx_of(inline)) == 0
    assert await AuditLog.count().where(AuditLog.action == "channel.refresh_token") == 1


async def test_meta_tokens_are_long_lived_and_never_planned(emulator, inline):
    channel = await oauth_channel("facebook")
    # The Page token a long-lived user token gives does not expire: nothing to refresh.
    assert channel["token_expires_at"] is None and channel["refresh_token"] == ""
    calls = emulator.stats()["calls"]["facebook"]
    assert calls["token:authorization_code"] == 1 and calls["token:fb_exchange_token"] == 1
    assert await plan_token_refreshes(ctx_of(inline)) == 0


async def test_a_sync_meeting_an_expired_token_refreshes_once_and_retries(emulator, inline):
    channel = await oauth_channel("x")
    emulator.fault("expired_token", platform="x", count=1)
    start, end = last_days(7)
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, start, end))
    assert run["status"] == SyncStatus.SUCCEEDED and run["attempt"] == 1, run
    assert emulator.state.oauth.refreshes == 1
    await reconcile(emulator, channel["id"], start, end)
    assert (await channel_row(channel["id"]))["status"] == ChannelStatus.CONNECTED


async def test_an_expired_token_is_refreshed_before_it_is_used(emulator, inline):
    channel = await oauth_channel("youtube")
    await Channel.update({Channel.token_expires_at: utcnow() - timedelta(minutes=1)}).where(
        Channel.id == channel["id"])
    emulator.state.oauth.offset = 3600  # the platform agrees: the old token is dead
    start, end = last_days(7)
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, start, end))
    assert run["status"] == SyncStatus.SUCCEEDED, run
    assert emulator.state.oauth.refreshes == 1
    await reconcile(emulator, channel["id"], start, end)


async def test_a_refused_refresh_needs_reconnection_and_mails_the_managers(emulator, inline,
                                                                         smtp):
    channel = await oauth_channel("x")
    emulator.fault("expired_token", platform="x", count=None, probability=1.0)
    emulator.fault("expired_refresh_token", platform="x")
    start, end = last_days(7)
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, start, end))
    assert run["status"] == SyncStatus.FAILED and run["error_code"] == "NEEDS_RECONNECT"
    assert "refresh" in run["error"]
    stored = await channel_row(channel["id"])
    assert stored["status"] == ChannelStatus.NEEDS_RECONNECT
    assert "reconnect" in stored["last_error"] and "expired" in stored["last_error"]
    [message] = smtp.inbox.parsed()
    assert message["To"].endswith("@example.com") and "Reconnect x" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "startChannelConnection" in body and stored["handle"] in body
    assert decrypt_token(stored["access_token"]) not in body
    # The planners leave it alone until someone reconnects it.
    assert await plan_syncs(ctx_of(inline)) == 0
    assert await plan_token_refreshes(ctx_of(inline)) == 0
    # Reconnecting through OAuth brings the same channel back.
    emulator.clear_faults()
    again = await oauth_channel("x", accounts=[stored["external_id"]])
    assert again["external_id"] == stored["external_id"]


async def test_two_jobs_refresh_an_expired_token_once(emulator, inline):
    if get_settings().uses_sqlite:
        pytest.skip("row locks: PostgreSQL")
    channel = await oauth_channel("x")  # X rotates: a second refresh would be refused
    seen = channel["token_version"]
    async with http_client() as one, http_client() as two:
        results = await asyncio.gather(
            refresh_channel_token(channel["id"], one, seen_version=seen),
            refresh_channel_token(channel["id"], two, seen_version=seen))
    assert sorted(r.outcome for r in results) == ["already", "refreshed"]
    assert emulator.state.oauth.refreshes == 1
    after = await channel_row(channel["id"])
    assert after["token_version"] == seen + 1 and after["status"] == ChannelStatus.CONNECTED
    assert {tokens(r.channel) for r in results} == {tokens(after)}


async def test_two_syncs_meeting_the_same_expired_token_refresh_once(emulator, inline):
    if get_settings().uses_sqlite:
        pytest.skip("row locks: PostgreSQL")
    channel = await oauth_channel("x")
    emulator.fault("expired_token", platform="x", count=2)  # each sync's first call
    first, second = last_days(14)[0], last_days(1)[1]
    middle = first + timedelta(days=6)
    runs = await asyncio.gather(
        request_window(inline, channel["id"], Window(SyncKind.METRICS, first, middle)),
        request_window(inline, channel["id"], Window(SyncKind.METRICS, middle, second)))
    assert [r["status"] for r in runs] == [SyncStatus.SUCCEEDED, SyncStatus.SUCCEEDED], runs
    assert emulator.state.oauth.refreshes == 1
    await reconcile(emulator, channel["id"], first, second)


async def test_a_token_revoked_mid_backfill(emulator, inline, smtp):
    channel = await oauth_channel("x")
    start, end = last_days(14)
    before = Window(SyncKind.BACKFILL, start - timedelta(days=30), start - timedelta(days=1))
    done = await request_window(inline, channel["id"], before)
    assert done["status"] == SyncStatus.SUCCEEDED
    rows = await ChannelMetric.count() + await Post.count()
    # The user removes the app while the next window is read: its posts are refused.
    emulator.fault("revoked_app", platform="x", path="/tweets", count=None, probability=1.0)
    emulator.fault("revoked_app", platform="x", path="/oauth2/token", count=None,
                   probability=1.0)
    run = await request_window(inline, channel["id"], Window(SyncKind.BACKFILL, start, end))
    assert run["status"] == SyncStatus.FAILED and run["error_code"] == "NEEDS_RECONNECT"
    stored = await channel_row(channel["id"])
    assert stored["status"] == ChannelStatus.NEEDS_RECONNECT and stored["last_error"]
    assert stored["metrics_watermark"] == before.end
    assert len(smtp.inbox.messages) == 1
    # Nothing of the failed window was stored; what was synced before is intact.
    assert await ChannelMetric.count() + await Post.count() == rows
    await reconcile(emulator, channel["id"], before.start, before.end)


async def test_a_month_of_refreshes_keeps_a_channel_connected(emulator, inline):
    """X's tokens live two hours: across 30 simulated days the planner, run every 10
    minutes, refreshes ahead of each expiry and every sync finds a working token."""
    channel = await oauth_channel("x")
    ahead = timedelta(seconds=get_settings().token_refresh_ahead)
    for _ in range(30 * 12):  # every 2 hours of platform time
        emulator.state.oauth.offset += 7200
        # Coso's clock moved as much: the planner sees the token about to expire.
        await Channel.update({Channel.token_expires_at: utcnow() + ahead / 2}).where(
            Channel.id == channel["id"])
        assert await plan_token_refreshes(ctx_of(inline)) == 1
    assert emulator.state.oauth.refreshes == 360
    start, end = last_days(3)
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, start, end))
    assert run["status"] == SyncStatus.SUCCEEDED
    assert (await channel_row(channel["id"]))["status"] == ChannelStatus.CONNECTED


async def test_a_publish_meeting_an_expired_token_refreshes_once_and_posts_once(emulator,
                                                                                inline):
    from tests.integration.sync.test_publish_jobs import post_row, scheduled_post

    channel = await oauth_channel("x")
    post = await scheduled_post(channel, text="Fresh token, one post")
    emulator.fault("expired_token", platform="x", path="/2/tweets", method="POST", count=1)
    assert await publish_due_posts(ctx_of(inline)) == 1
    after = await post_row(post["id"])
    assert after["status"] == PostStatus.PUBLISHED, after
    assert emulator.state.oauth.refreshes == 1
    assert [p["text"] for p in emulator.stats()["published"]] == ["Fresh token, one post"]


async def test_a_publish_whose_refresh_is_refused_fails_saying_reconnect(emulator, inline,
                                                                         smtp):
    from tests.integration.sync.test_publish_jobs import post_row, scheduled_post

    channel = await oauth_channel("x")
    post = await scheduled_post(channel)
    emulator.fault("revoked_app", platform="x", count=None, probability=1.0)
    assert await publish_due_posts(ctx_of(inline)) == 1
    after = await post_row(post["id"])
    assert after["status"] == PostStatus.FAILED and "reconnect" in after["failure_reason"]
    assert after["publish_claim"] is None  # nothing went out: it may be scheduled again
    assert emulator.stats()["published"] == []
    assert (await channel_row(channel["id"]))["status"] == ChannelStatus.NEEDS_RECONNECT
    assert len(smtp.inbox.messages) == 1


async def test_a_refresh_token_past_its_lifetime_is_refused(emulator, inline, smtp):
    channel = await oauth_channel("tiktok")  # refresh tokens live 365 days
    emulator.state.oauth.offset = 366 * 86400
    await expire_soon(channel["id"], 5)
    assert await plan_token_refreshes(ctx_of(inline)) == 1
    stored = await channel_row(channel["id"])
    assert stored["status"] == ChannelStatus.NEEDS_RECONNECT
    assert "expired" in stored["last_error"]
    assert len(smtp.inbox.messages) == 1
    # The same refusal found again mails nobody twice.
    async with httpx.AsyncClient() as http:
        again = await refresh_channel_token(channel["id"], http, queue=inline)
    assert again.outcome == "not connected" and len(smtp.inbox.messages) == 1


async def test_a_refused_refresh_raises_a_live_event(emulator, inline, smtp):
    from domain.events import EventKind
    from domain.events.broker import broker, close_broker

    await close_broker()
    channel = await oauth_channel("linkedin")
    emulator.fault("expired_refresh_token", platform="linkedin")
    await expire_soon(channel["id"], 5)
    try:
        async with broker().subscribe() as queue:
            assert await plan_token_refreshes(ctx_of(inline)) == 1
            while True:  # the sync's own events may come first
                event = await asyncio.wait_for(queue.get(), 10)
                if event.kind is EventKind.CHANNEL_NEEDS_RECONNECT:
                    break
    finally:
        await close_broker()
    assert (event.brand_id, event.subject_type, event.subject_id) == (
        channel["brand"], "Channel", channel["id"])
    assert event.payload["platform"] == "linkedin" and "expired" in event.payload["reason"]
