"""Metric rollups stay equal to a recomputation from the raw rows after every kind of write:
metric upserts (sync, API, manual), bulk imports of metrics and posts, post edits that move
metrics between groups, deletions; `coso rollups verify` finds a difference and `rebuild`
repairs it. On PostgreSQL, and on SQLite with DATABASE_URL=sqlite:///…"""

from __future__ import annotations

import asyncio
import io
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from typer.testing import CliRunner

import api.cli
from domain.db import write_transaction
from domain.enums import ContentPillar, MediaType, Platform, PostFormat, SourceKind
from domain.imports import Entity, import_rows
from domain.imports.readers import csv_rows
from domain.models import Channel, MetricRollup, PostMetric
from domain.services import rollups
from domain.services.analytics import Subject, load_series
from domain.services.channels import delete_channel
from domain.services.metrics import Observation, upsert_channel_metrics, upsert_post_metrics
from domain.services.posts import PostChanges, update_post
from tests.factories import make_brand, make_campaign, make_channel, make_post, make_user

pytestmark = pytest.mark.storage

D = Decimal
START = date(2026, 9, 28)  # a Monday; the days cross into October


def obs(pk: int, metric: str, day: date, value: int | str, source: str = "api",
        currency: str | None = None) -> Observation:
    return Observation(subject_id=pk, metric=metric, day=day, value=D(value),
                       source_kind=SourceKind.PLATFORM_API, source_name=source,
                       source_version="v1", raw_metric=f"raw_{metric}", currency=currency)


async def differences() -> list[rollups.Difference]:
    checked, found = await rollups.verify(rollups.piccolo_sql())
    assert checked > 0
    return found


async def world():
    brand = await make_brand(slug="roll", currency="EUR")
    fb = await make_channel(brand, platform=Platform.FACEBOOK, handle="@fb")
    ig = await make_channel(brand, platform=Platform.INSTAGRAM, handle="@ig")
    campaign = await make_campaign(brand, starts_on=START, ends_on=START + timedelta(days=40))
    posts = [await make_post(brand, fb, ref="P-0", campaign=campaign.id),
             await make_post(brand, ig, ref="P-1", format=PostFormat.VIDEO),
             await make_post(brand, ig, ref="P-2", media_type=MediaType.PAID,
                             campaign=campaign.id)]
    return brand, fb, ig, campaign, posts


async def test_every_write_keeps_rollups_equal_to_the_raw_rows():
    brand, fb, ig, campaign, posts = await world()
    rng = random.Random(7)
    days = [START + timedelta(days=i) for i in range(12)]
    metrics = ("impressions", "reach", "reactions", "clicks", "spend")
    for step in range(12):
        # Random batches of new and changed values, of posts and of channels.
        batch = {}
        for _ in range(rng.randint(1, 25)):
            post, day, metric = rng.choice(posts), rng.choice(days), rng.choice(metrics)
            batch[(post.id, metric, day)] = obs(
                post.id, metric, day, rng.randint(0, 500) if metric != "spend"
                else f"{rng.randint(0, 900) / 100:.2f}", rng.choice(("api", "file.csv")),
                "EUR" if metric == "spend" else None)
        await upsert_post_metrics(list(batch.values()))
        account = {}
        for _ in range(rng.randint(0, 6)):
            channel, day = rng.choice((fb, ig)), rng.choice(days)
            for metric in ("impressions", "followers"):
                account[(channel.id, metric, day)] = obs(channel.id, metric, day,
                                                         rng.randint(100, 900))
        await upsert_channel_metrics(list(account.values()))
        if step % 4 == 3:  # a post moves to another format, campaign or channel
            post = rng.choice(posts)
            await update_post(post.id, PostChanges(
                format=rng.choice(list(PostFormat)), pillar=rng.choice(list(ContentPillar)),
                campaign_id=rng.choice((None, campaign.id)),
                channel_id=rng.choice((fb.id, ig.id))), actor_id=None)
        assert await differences() == [], f"after step {step}"
    assert await MetricRollup.count().where(MetricRollup.grain == "MONTH") > 0


async def test_series_from_rollups_equal_a_read_of_the_raw_rows():
    brand, fb, ig, _, posts = await world()
    rows = [obs(p.id, m, START + timedelta(days=i), 10 * i + n)
            for n, p in enumerate(posts) for i in range(10)
            for m in ("impressions", "reactions")]
    rows += [obs(posts[2].id, "spend", START + timedelta(days=i), "2.50", currency="EUR")
             for i in range(0, 10, 2)]
    await upsert_post_metrics(rows)
    await upsert_channel_metrics([obs(fb.id, "impressions", START + timedelta(days=i), 900 + i)
                                  for i in range(10)])
    series = (await load_series(Subject.BRAND, [brand.id], START, START + timedelta(days=9),
                                paid=True))[brand.id]
    first = START + timedelta(days=3)
    by_day = dict(series["impressions"].points)
    # Facebook from its account rows; Instagram from its posts.
    assert by_day[first] == D(903) + D(10 * 3 + 1) + D(10 * 3 + 2)
    assert series["impressions"].sources[first].rows == 3
    assert series["impressions"].sources[first].source_name == "api"
    assert dict(series["paid:spend/impressions"].points)[START] == D("2.50")
    assert dict(series["paid:impressions"].points)[START] == D(2)


async def test_imports_of_metrics_and_posts_keep_rollups_up_to_date():
    brand, fb, ig, campaign, posts = await world()
    text = "channel,post,day,metric,value\n" + "".join(
        f"@ig,P-{n},{START + timedelta(days=i)},impressions,{100 + i + n}\n"
        for n in (1, 2) for i in range(9)) + "".join(
        f"@fb,,{START + timedelta(days=i)},reach,{50 + i}\n" for i in range(9))
    summary = await import_rows(Entity.METRICS, brand.id, csv_rows(io.BytesIO(text.encode())),
                                actor_id=None, source_name="metrics.csv")
    assert summary.written and summary.problems == [], summary.problems
    assert await differences() == []
    # A posts file moves P-1 to another format and pillar: its days are rolled up again.
    user = await make_user()
    text = "ref,channel,text,format,pillar\nP-1,@ig,Moved,IMAGE,OPINION\n"
    summary = await import_rows(Entity.POSTS, brand.id, csv_rows(io.BytesIO(text.encode())),
                                actor_id=user.id, source_name="plan.csv")
    assert summary.written and summary.problems == [], summary.problems
    formats = {r["format"] for r in await MetricRollup.select(MetricRollup.format).where(
        MetricRollup.channel == ig.id, MetricRollup.level == "POST")}
    assert "VIDEO" not in formats and "IMAGE" in formats and rollups.ALL in formats
    assert await differences() == []


async def test_deleting_a_channel_deletes_its_rollups():
    brand, fb, ig, _, posts = await world()
    await upsert_post_metrics([obs(posts[0].id, "reach", START, 4),
                               obs(posts[1].id, "reach", START, 5)])
    await upsert_channel_metrics([obs(ig.id, "reach", START, 7)])
    assert await MetricRollup.count().where(MetricRollup.channel == ig.id) > 0
    owner = await make_user()
    await delete_channel(owner.id, ig.id)
    assert await MetricRollup.count().where(MetricRollup.channel == ig.id) == 0
    assert await differences() == []


async def test_concurrent_writers_of_one_channel_day_both_count():
    brand, fb, ig, _, posts = await world()
    extra = [await make_post(brand, ig) for _ in range(6)]
    # Seven writers of the same Instagram day at once, each its own post and transaction.
    await asyncio.gather(*(upsert_post_metrics([obs(p.id, "reach", START, 10 + n)])
                           for n, p in enumerate([posts[1], *extra])))
    assert await differences() == []
    series = await load_series(Subject.CHANNEL, [ig.id], START, START)
    assert series[ig.id]["reach"].points == [(START, D(sum(10 + n for n in range(7))))]


async def test_the_publishing_merge_of_a_synced_twin_moves_its_rollups():
    from domain.sync.publish import _absorb_synced_twin

    brand, fb, ig, campaign, posts = await world()
    ours = await make_post(brand, ig, external_id=None, format=PostFormat.REEL)
    twin = await make_post(brand, ig, external_id="ig-1", format=PostFormat.IMAGE)
    await upsert_post_metrics([obs(twin.id, "reach", START + timedelta(days=i), 40 + i)
                               for i in range(3)])
    async with write_transaction():
        await _absorb_synced_twin({"id": ours.id, "channel": ig.id}, "ig-1")
    assert await differences() == []
    formats = {r["format"] for r in await MetricRollup.select(MetricRollup.format).where(
        MetricRollup.channel == ig.id)}
    assert formats == {"REEL", rollups.ALL}


@pytest.fixture
def coso(database):
    """`coso …` in its own thread and event loop (see tests/integration/test_cli.py)."""
    runner = CliRunner()
    pool = getattr(database, "pool", None)

    async def invoke(*args: str):
        if pool is not None:
            database.pool = None
        try:
            return await asyncio.to_thread(runner.invoke, api.cli.app, list(args))
        finally:
            if pool is not None:
                database.pool = pool

    return invoke


async def test_verify_finds_a_difference_and_rebuild_repairs_it(coso):
    brand, fb, ig, _, posts = await world()
    await upsert_post_metrics([obs(p.id, "reach", START + timedelta(days=i), 10 + i)
                               for p in posts for i in range(5)])
    result = await coso("rollups", "verify", "--brand", "roll")
    assert result.exit_code == 0, result.output
    assert ", 0 differences" in result.output
    # A raw row changed behind the writers' back (a manual SQL fix, a restore).
    async with write_transaction():
        await PostMetric.update({PostMetric.value: D(999)}).where(
            PostMetric.post == posts[0].id, PostMetric.day == START)
    result = await coso("rollups", "verify", "--brand", "roll", "--sample", "500")
    assert result.exit_code == 1 and "differs:" in result.output, result.output
    result = await coso("rollups", "rebuild", "--brand", "roll")
    assert result.exit_code == 0 and "rebuilt for 2 channels" in result.output, result.output
    assert await differences() == []
    result = await coso("rollups", "verify", "--brand", "nope")
    assert result.exit_code == 2 and "no brand" in result.output
    assert await Channel.count() == 2
