"""The demo, pointed at the emulator: its channels are connected and sync the last week."""

from __future__ import annotations

from datetime import timedelta

from api.emulator import token_for
from domain.connectors import API_VERSIONS
from domain.demo import METRIC_DAYS, SYNCED_DAYS_AGO, seed_demo
from domain.enums import ChannelStatus, SyncKind, SyncStatus
from domain.models import Channel, Post, SyncRun
from domain.services.secrets import decrypt_token
from domain.sync.jobs import plan_syncs
from tests.integration.sync.conftest import ctx_of, last_days, reconcile, today


async def test_the_demo_channels_sync_from_the_emulator(emulator, inline):
    await seed_demo(today(), channel_token=token_for)
    channels = await Channel.select().order_by(Channel.id)
    assert channels and all(c["status"] == ChannelStatus.CONNECTED for c in channels)
    assert {c["platform"] for c in channels} <= {p.value for p in API_VERSIONS}
    for channel in channels:
        assert decrypt_token(channel["access_token"]) == token_for(channel["platform"],
                                                                   channel["external_id"])
        assert channel["metrics_watermark"] == today() - timedelta(days=SYNCED_DAYS_AGO)
        assert channel["backfilled_from"] == today() - timedelta(days=METRIC_DAYS)

    demo_posts = frozenset(p["id"] for p in await Post.select(Post.id))
    assert await plan_syncs(ctx_of(inline)) == len(channels)
    runs = await SyncRun.select().order_by(SyncRun.id)
    assert {(r["kind"], r["status"]) for r in runs} == {(SyncKind.METRICS, SyncStatus.SUCCEEDED)}
    start, end = today() - timedelta(days=SYNCED_DAYS_AGO - 1), last_days(1)[1]
    assert {(r["window_from"], r["window_to"]) for r in runs} == {(start, end)}
    for channel in channels:
        await reconcile(emulator, channel["id"], start, end, ignore_posts=demo_posts)

    # Seeding again keeps the connection and does not move a synced watermark back.
    await seed_demo(today(), channel_token=token_for)
    watermarks = {c["metrics_watermark"] for c in await Channel.select(Channel.metrics_watermark)}
    assert watermarks == {end}


async def test_the_demo_channels_connect_through_oauth(emulator, inline, monkeypatch):
    from api.demo_connect import connect_demo_channels
    from domain.connectors.oauth import SPECS
    from domain.settings import get_settings

    # Embedded mode, as in scripts/demo: each connection's catch-up sync runs at once.
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("COSO_PUBLIC_URL", "http://coso.test")
    get_settings.cache_clear()
    await seed_demo(today(), synced=True)
    assert {c["status"] for c in await Channel.select(Channel.status)} == {
        ChannelStatus.DISCONNECTED}
    demo_posts = frozenset(p["id"] for p in await Post.select(Post.id))
    connected = await connect_demo_channels()
    channels = await Channel.select().order_by(Channel.id)
    assert len(connected) == len(channels) == 7
    start, end = today() - timedelta(days=SYNCED_DAYS_AGO - 1), last_days(1)[1]
    for channel in channels:
        assert channel["status"] == ChannelStatus.CONNECTED, channel
        spec = SPECS[channel["platform"]]
        token = decrypt_token(channel["access_token"])
        assert token and token != token_for(channel["platform"], channel["external_id"])
        assert bool(channel["refresh_token"]) == spec.refresh_tokens
        await reconcile(emulator, channel["id"], start, end, ignore_posts=demo_posts)
    runs = await SyncRun.select().order_by(SyncRun.id)
    assert {(r["kind"], r["status"]) for r in runs} == {(SyncKind.METRICS, SyncStatus.SUCCEEDED)}
    assert len(runs) == len(channels)
