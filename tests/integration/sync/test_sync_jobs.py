"""The metric sync jobs in-process (embedded mode): exact data, idempotence, faults, the planner."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.enums import ChannelStatus, SyncKind, SyncStatus
from domain.models import Channel, ChannelMetric, PostMetric, SyncRun
from domain.services import rollups
from domain.settings import get_settings
from domain.sync import runs
from domain.sync.base import MAX_TRIES
from domain.sync.jobs import QUEUED_GRACE, plan_syncs, request_window, requeue_stale
from domain.sync.windows import Window
from tests.integration.sync.conftest import (
    channel_row,
    connected_channel,
    ctx_of,
    last_days,
    only_run,
    reconcile,
    today,
)


@pytest.mark.parametrize("platform", ["facebook", "x"])
async def test_a_sync_stores_exactly_what_the_platform_served(emulator, inline, platform):
    channel = await connected_channel(platform)
    start, end = last_days(30)
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, start, end))
    assert run["status"] == SyncStatus.SUCCEEDED, run
    assert run["attempt"] == 1 and run["api_version"]
    assert run["items_in"] == run["items_inserted"] > 0 and run["items_updated"] == 0
    await reconcile(emulator, channel["id"], start, end)
    stored = await channel_row(channel["id"])
    assert (stored["backfilled_from"], stored["metrics_watermark"]) == (start, end)
    assert stored["last_error"] == ""
    # Rolled up in the sync's transaction (domain.services.rollups).
    assert (await rollups.verify(rollups.piccolo_sql(), sample=200))[1] == []


async def test_syncing_again_changes_nothing(emulator, inline):
    channel = await connected_channel()
    start, end = last_days(14)
    window = Window(SyncKind.METRICS, start, end)
    await request_window(inline, channel["id"], window)
    metric_rows = await ChannelMetric.count() + await PostMetric.count()
    again = await request_window(inline, channel["id"], window)
    assert again["status"] == SyncStatus.SUCCEEDED
    assert again["items_inserted"] == 0 and again["items_updated"] == 0
    assert again["items_in"] > 0
    assert await ChannelMetric.count() + await PostMetric.count() == metric_rows
    await reconcile(emulator, channel["id"], start, end)


async def test_an_expired_token_fails_at_once_and_marks_the_channel(emulator, inline):
    channel = await connected_channel()
    emulator.fault("expired_token", platform="facebook", count=None, probability=1.0)
    start, end = last_days(7)
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, start, end))
    assert run["status"] == SyncStatus.FAILED and run["error_code"] == "TOKEN_EXPIRED"
    assert run["attempt"] == 1  # refused tokens are not retried
    stored = await channel_row(channel["id"])
    assert stored["status"] == ChannelStatus.TOKEN_EXPIRED and stored["last_error"]
    assert stored["metrics_watermark"] is None
    assert await ChannelMetric.count() == 0
    assert emulator.stats()["total_calls"] == 1
    # Until someone gives it a new token, the planner leaves the channel alone.
    assert await plan_syncs(ctx_of(inline)) == 0


@pytest.mark.parametrize("fault", [
    {"kind": "429", "retry_after": 0.2, "count": 2},
    {"kind": "500", "count": 2},
    {"kind": "503", "count": 1},
    {"kind": "malformed", "count": 2},
    {"kind": "slow", "delay": 3, "count": 1},  # longer than COSO_HTTP_TIMEOUT: a timeout
    {"kind": "throttled", "retry_after": 0.2, "count": 1},
])
async def test_transient_faults_are_retried_and_the_data_is_exact(emulator, inline, fault):
    channel = await connected_channel()
    emulator.fault(platform="facebook", path="insights", **fault)
    start, end = last_days(10)
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, start, end))
    assert run["status"] == SyncStatus.SUCCEEDED, run
    assert sum(f["count"] for f in emulator.stats()["faults_served"]) == fault["count"]
    await reconcile(emulator, channel["id"], start, end)


async def test_faults_that_outlast_the_budget_are_retried_as_jobs(emulator, inline):
    """More 500s than one job's retry budget: the job tries again later and succeeds."""
    channel = await connected_channel()
    budget = get_settings().sync_max_retries + 1
    emulator.fault("500", platform="facebook", path="insights", count=budget)
    start, end = last_days(5)
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, start, end))
    assert run["status"] == SyncStatus.SUCCEEDED and run["attempt"] == 2
    await reconcile(emulator, channel["id"], start, end)


async def test_a_platform_that_stays_down_fails_the_run_with_the_reason(emulator, inline):
    channel = await connected_channel()
    emulator.fault("500", platform="facebook", count=None, probability=1.0)
    start, end = last_days(5)
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, start, end))
    assert run["status"] == SyncStatus.FAILED and run["attempt"] == MAX_TRIES
    assert run["error_code"] == "RETRY_BUDGET_EXHAUSTED"
    assert "500" in run["error"] and run["finished_at"] is not None
    stored = await channel_row(channel["id"])
    assert stored["metrics_watermark"] is None and stored["last_error"] == run["error"]
    assert stored["status"] == ChannelStatus.CONNECTED  # a platform outage is no token problem
    assert await ChannelMetric.count() == 0 and await PostMetric.count() == 0


async def test_the_same_sync_asked_twice_at_once_runs_once(emulator, inline):
    channel = await connected_channel()
    window = Window(SyncKind.METRICS, *last_days(20))
    a, b = await asyncio.gather(request_window(inline, channel["id"], window),
                                request_window(inline, channel["id"], window))
    assert a["id"] == b["id"] and a["status"] == SyncStatus.SUCCEEDED
    assert await SyncRun.count() == 1
    calls_for_two = emulator.stats()["total_calls"]
    emulator.reset()
    await request_window(inline, channel["id"], window)
    assert emulator.stats()["total_calls"] == calls_for_two  # one run of work, not two
    await reconcile(emulator, channel["id"], window.start, window.end)


async def test_a_disconnected_channel_is_not_synced(emulator, inline):
    channel = await connected_channel()
    await Channel.update({Channel.status: ChannelStatus.DISCONNECTED}).where(
        Channel.id == channel["id"])
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, *last_days(3)))
    assert run["status"] == SyncStatus.FAILED and run["error_code"] == "CHANNEL_NOT_CONNECTED"
    assert emulator.stats()["total_calls"] == 0


async def test_a_token_no_key_can_open_fails_cleanly(emulator, inline):
    channel = await connected_channel()
    await Channel.update({Channel.access_token: "gAAAAAB-not-ours"}).where(
        Channel.id == channel["id"])
    run = await request_window(inline, channel["id"], Window(SyncKind.METRICS, *last_days(3)))
    assert run["status"] == SyncStatus.FAILED and run["error_code"] == "TOKEN_UNREADABLE"
    assert (await channel_row(channel["id"]))["status"] == ChannelStatus.TOKEN_EXPIRED
    assert emulator.stats()["total_calls"] == 0


# -- the planner -----------------------------------------------------------------------------


async def test_the_planner_backfills_then_keeps_channels_current(emulator, inline):
    channel = await connected_channel()
    ctx = ctx_of(inline)
    assert await plan_syncs(ctx) == 1
    backfill = await only_run()
    days = get_settings().backfill_days
    assert backfill["kind"] == SyncKind.BACKFILL and backfill["status"] == SyncStatus.SUCCEEDED
    start, end = last_days(days)
    assert (backfill["window_from"], backfill["window_to"]) == (start, end)
    await reconcile(emulator, channel["id"], start, end)

    assert await plan_syncs(ctx) == 0  # just synced: nothing is due
    assert await plan_syncs(ctx, [channel["id"]], force=True) == 1
    refresh = (await SyncRun.select().order_by(SyncRun.id))[-1]
    window = get_settings().sync_window_days
    assert refresh["kind"] == SyncKind.METRICS
    assert (refresh["window_from"], refresh["window_to"]) == last_days(window)


async def test_the_planner_closes_a_gap_from_the_watermark(emulator, inline):
    channel = await connected_channel()
    gap_from = today() - timedelta(days=20)
    await Channel.update({Channel.metrics_watermark: gap_from - timedelta(days=1),
                          Channel.backfilled_from: gap_from - timedelta(days=60)}).where(
        Channel.id == channel["id"])
    assert await plan_syncs(ctx_of(inline)) == 1
    run = await only_run()
    assert (run["window_from"], run["window_to"]) == (gap_from, last_days(1)[1])
    await reconcile(emulator, channel["id"], gap_from, run["window_to"])


async def test_runs_a_lost_queue_dropped_are_queued_again(emulator, inline):
    channel = await connected_channel()
    start, end = last_days(4)
    opened = await runs.open_run(channel["id"], SyncKind.METRICS,
                                 runs.sync_job_id(channel["id"], start, end), start=start, end=end)
    # Nobody enqueued it (Redis lost it): young, it is left alone; stale, it runs.
    assert await requeue_stale(inline) == 0
    later = datetime.now(UTC) + QUEUED_GRACE + timedelta(seconds=1)
    assert await requeue_stale(inline, now=later) == 1
    run = await runs.get_run(opened.run["id"])
    assert run is not None and run["status"] == SyncStatus.SUCCEEDED
    await reconcile(emulator, channel["id"], start, end)


async def test_the_planner_leaves_a_channel_with_a_sync_under_way(emulator, inline):
    channel = await connected_channel()
    start, end = last_days(30)
    await runs.open_run(channel["id"], SyncKind.METRICS,
                        runs.sync_job_id(channel["id"], start, end), start=start, end=end)
    assert await plan_syncs(ctx_of(inline), [channel["id"]], force=True) == 0
    assert await SyncRun.count() == 1 and emulator.stats()["total_calls"] == 0
