"""Sync jobs against real PostgreSQL, real Redis and the platform emulator over real HTTP.

Every test ends with `reconcile`: the rows Coso stored for a window are exactly what the
emulator served for it (its in-process oracle), with no duplicates and the right watermark.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from api.emulator import token_for
from api.emulator.server import EmulatorServer
from api.jobs.queues import inline_queue
from domain.connectors import API_VERSIONS
from domain.enums import Platform, SourceKind
from domain.jobs import InlineQueue
from domain.models import Channel, ChannelMetric, Post, PostMetric, SyncRun
from domain.services.channels import Connection, connect_channel
from domain.settings import get_settings
from tests.factories import make_brand
from tests.integration.test_cli import coso  # noqa: F401 - `coso …` in a thread, a fixture

ACCOUNTS = {"facebook": "104857362918274", "x": "1532987462015201280"}
# Quick to give up on a platform call, so faults cost seconds, not minutes.
FAST_SETTINGS = {"COSO_HTTP_TIMEOUT": "2", "COSO_SYNC_MAX_RETRIES": "2",
                 "COSO_SYNC_MAX_WAIT": "1"}


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:  # the clock's today, like the jobs' windows
        yield server


@pytest.fixture(autouse=True)
def platforms(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every platform call of this test goes to a fresh emulator, with quick give-ups."""
    emulator.reset()
    monkeypatch.setenv("COSO_PLATFORM_BASE_URL", emulator.url)
    for name, value in FAST_SETTINGS.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def no_wait(seconds: float) -> None:
    """The in-process runner's pause between attempts, shortened: only the order matters."""
    await asyncio.sleep(0)


@pytest.fixture
def inline() -> InlineQueue:
    return inline_queue(sleep=no_wait)


def ctx_of(queue: InlineQueue) -> dict[str, Any]:
    """The ctx of a cron job (plan_syncs, publish_due_posts) called directly."""
    return {"queue": queue, "job_try": 1}


def today() -> date:
    return datetime.now(UTC).date()


def last_days(n: int) -> tuple[date, date]:
    """The last n whole days."""
    end = today() - timedelta(days=1)
    return end - timedelta(days=n - 1), end


async def connected_channel(platform: str = "facebook", *, brand: Any = None,
                            handle: str | None = None) -> dict[str, Any]:
    """A channel connected with the token the emulator ties to its account."""
    brand = brand or await make_brand()
    account = ACCOUNTS[platform]
    done = await connect_channel(None, brand.id, Connection(
        platform=platform, handle=handle or f"@{platform}-{brand.id}", external_id=account,
        access_token=token_for(platform, account)))
    return done.channel


async def channel_row(channel_id: int) -> dict[str, Any]:
    row = await Channel.select().where(Channel.id == channel_id).first()
    assert row is not None
    return row


async def only_run() -> dict[str, Any]:
    runs = await SyncRun.select().order_by(SyncRun.id)
    assert len(runs) == 1, runs
    return runs[0]


def _rows(rows: list[dict[str, Any]]) -> list[tuple[str, date, Decimal, str]]:
    return sorted((r["metric"], r["day"], Decimal(r["value"]), r["raw_metric"]) for r in rows)


async def reconcile(emulator: EmulatorServer, channel_id: int, start: date, end: date, *,
                    ignore_posts: frozenset[int] = frozenset()) -> None:
    """Stored rows for start..end == what the emulator served, exactly; no duplicates.

    `ignore_posts`: posts Coso had before that the platform never saw (the demo's own)."""
    channel = await channel_row(channel_id)
    # The emulator serves a LinkedIn organization by its number, whether asked by URN or not.
    platform, account = channel["platform"], channel["external_id"].rsplit(":", 1)[-1]
    version = API_VERSIONS[Platform(platform)]

    stored = await ChannelMetric.select().where(
        ChannelMetric.channel == channel_id, ChannelMetric.day >= start, ChannelMetric.day <= end)
    expected = emulator.expected_channel_metrics(platform, account, start, end)
    assert _rows(stored) == sorted((r.metric, r.day, r.value, r.raw_metric) for r in expected)
    assert {(r["source_kind"], r["source_name"], r["source_version"]) for r in stored} <= {
        (SourceKind.PLATFORM_API.value, platform, version)}

    remote = {p.external_id: p for p in emulator.expected_posts(platform, account, start, end)}
    assert expected or remote, "a window with no data proves nothing"
    first = datetime.combine(start, datetime.min.time(), UTC)
    after = datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)
    posts = await Post.select(Post.id, Post.external_id, Post.permalink, Post.status).where(
        Post.channel == channel_id, Post.published_at >= first, Post.published_at < after,
        Post.external_id.is_not_null(), Post.id.not_in(list(ignore_posts) or [0]))
    assert sorted(p["external_id"] for p in posts) == sorted(remote)  # each exactly once
    metrics = await PostMetric.select().where(
        PostMetric.post.is_in([p["id"] for p in posts] or [0]))
    by_post: dict[int, list[dict[str, Any]]] = {}
    for row in metrics:
        by_post.setdefault(row["post"], []).append(row)
    for post in posts:
        want = remote[post["external_id"]]
        assert post["permalink"] == want.permalink
        assert post["status"] == "PUBLISHED"
        assert _rows(by_post.get(post["id"], [])) == sorted(
            (r.metric, r.day, r.value, r.raw_metric) for r in want.metrics), post
    assert channel["metrics_watermark"] is not None and channel["metrics_watermark"] >= end
    assert emulator.stats()["duplicates"] == []


def worker_env(emulator: EmulatorServer, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `coso worker` subprocess: this test's database and emulator."""
    return {**os.environ, "REDIS_URL": redis_url, "COSO_PLATFORM_BASE_URL": emulator.url,
            **FAST_SETTINGS, **extra}
