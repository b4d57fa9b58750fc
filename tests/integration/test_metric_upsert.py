"""Metric observations are validated as a batch and upserted idempotently on their natural key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.db import query_count
from domain.enums import SourceKind
from domain.errors import ValidationFailed
from domain.models import ChannelMetric, PostMetric
from domain.rules.metric_catalog import Level
from domain.services.metrics import (
    Observation,
    upsert_channel_metrics,
    upsert_post_metrics,
    validate_observation,
)
from tests.factories import make_brand, make_channel, make_post

pytestmark = pytest.mark.storage

DAY = date(2026, 10, 1)
FETCHED = datetime(2026, 10, 2, 6, 30, tzinfo=UTC)


def obs(subject_id: int, metric: str, value: str | int, day: date = DAY, **kw) -> Observation:
    values = {
        "source_kind": SourceKind.PLATFORM_API, "source_name": "instagram",
        "source_version": "v23.0", "raw_metric": metric, "fetched_at": FETCHED, **kw,
    }
    return Observation(subject_id=subject_id, metric=metric, day=day, value=Decimal(value),
                       **values)


def codes(observation: Observation, level: Level) -> set[str]:
    return {p.code for p in validate_observation(observation, level)}


def test_validation_codes():
    assert codes(obs(1, "reach", 10), Level.POST) == set()
    assert codes(obs(1, "reach_unique", 10), Level.POST) == {"UNKNOWN_METRIC"}
    assert codes(obs(1, "followers", 10), Level.POST) == {"WRONG_LEVEL"}
    assert codes(obs(1, "spend", "1.50"), Level.POST) == {"CURRENCY"}
    assert codes(obs(1, "spend", "1.50", currency="eur"), Level.POST) == {"CURRENCY"}
    assert codes(obs(1, "spend", "1.50", currency="EUR"), Level.POST) == set()
    assert codes(obs(1, "reach", 10, currency="EUR"), Level.POST) == {"CURRENCY"}
    assert codes(obs(1, "reach", -1), Level.POST) == {"NEGATIVE"}
    assert codes(obs(1, "reach", "1.5"), Level.POST) == {"NOT_WHOLE"}
    assert codes(obs(1, "reach", "NaN"), Level.POST) == {"NOT_FINITE"}
    assert codes(obs(1, "reach", "Infinity"), Level.POST) == {"NOT_FINITE"}
    assert codes(obs(1, "spend", "0.00001", currency="EUR"), Level.POST) == {"PRECISION"}
    assert codes(replace(obs(1, "reach", 1), value=1.0), Level.POST) == {"INVALID"}  # type: ignore[arg-type]
    naive = datetime(2026, 10, 2, 6, 30)  # noqa: DTZ001
    assert codes(obs(1, "reach", 1, fetched_at=naive), Level.POST) == {"INVALID"}


async def test_same_batch_twice_is_idempotent_and_changes_update():
    channel = await make_channel()
    batch = [obs(channel.id, m, v, DAY + timedelta(days=d))
             for d in range(3) for m, v in (("followers", 1000 + d), ("reach", 300))]
    first = await upsert_channel_metrics(batch)
    assert (first.written, first.inserted, first.updated) == (6, 6, 0)
    second = await upsert_channel_metrics(batch)
    assert (second.written, second.inserted, second.updated, second.unchanged) == (6, 0, 6, 6)
    assert await ChannelMetric.count() == 6

    changed = [replace(o, value=Decimal(999)) if o.metric == "reach" else o for o in batch]
    third = await upsert_channel_metrics(changed)
    assert (third.inserted, third.updated, third.unchanged) == (0, 6, 3)
    rows = await ChannelMetric.select(ChannelMetric.metric, ChannelMetric.value)
    assert len(rows) == 6
    assert {r["value"] for r in rows if r["metric"] == "reach"} == {Decimal(999)}


async def test_many_subjects_across_chunks():
    brand = await make_brand()
    channel = await make_channel(brand)
    posts = [await make_post(brand, channel) for _ in range(5)]
    batch = [obs(p.id, "impressions", d * 10 + i, DAY + timedelta(days=d))
             for i, p in enumerate(posts) for d in range(250)]  # 1,250 rows: two chunks
    before = query_count()
    result = await upsert_post_metrics(batch)
    # Multi-row statements: subject check, then per 1,000-row chunk one read and one write;
    # then the rollups: the posts' channels, the brand's lock (PostgreSQL), and for the one
    # channel two statements for its days and two for their weeks and months.
    assert 3 + 5 <= query_count() - before <= 8 + 6
    assert result.inserted == 1250
    assert await PostMetric.count() == 1250
    assert (await upsert_post_metrics(batch)).updated == 1250
    assert await PostMetric.count() == 1250


async def test_invalid_batch_writes_nothing_and_reports_every_row():
    channel = await make_channel()
    batch = [
        obs(channel.id, "reach", 10),
        obs(channel.id, "reactions", -3),
        obs(channel.id, "spend", "5.00"),
        obs(channel.id, "reach", 11),  # same key as row 0
        obs(channel.id, "bogus", 1),
    ]
    with pytest.raises(ValidationFailed) as caught:
        await upsert_channel_metrics(batch)
    found = {(p.line, p.code) for p in caught.value.problems}
    assert found == {(1, "NEGATIVE"), (2, "CURRENCY"), (3, "DUPLICATE"), (4, "UNKNOWN_METRIC")}
    assert "row 1: a count cannot be negative: -3" in str(caught.value)
    assert await ChannelMetric.count() == 0


async def test_unknown_subject_writes_nothing():
    channel = await make_channel()
    with pytest.raises(ValidationFailed) as caught:
        await upsert_channel_metrics([obs(channel.id, "reach", 1),
                                      obs(channel.id + 99, "reach", 1)])
    assert [(p.line, p.field, p.code) for p in caught.value.problems] == [
        (1, "channel", "UNKNOWN_SUBJECT")]
    assert await ChannelMetric.count() == 0


async def test_problems_carry_the_callers_row_numbers():
    channel = await make_channel()
    with pytest.raises(ValidationFailed) as caught:
        await upsert_channel_metrics([obs(channel.id, "reach", 1), obs(channel.id, "reach", -1)],
                                     lines=[7, 12])
    assert [(p.line, p.field, p.code) for p in caught.value.problems] == [
        (12, "value", "NEGATIVE")]
    with pytest.raises(ValidationFailed) as caught:
        await upsert_channel_metrics([obs(channel.id + 99, "reach", 1)], lines=[3])
    assert [(p.line, p.code) for p in caught.value.problems] == [(3, "UNKNOWN_SUBJECT")]
    assert await ChannelMetric.count() == 0


async def test_post_metric_on_channel_level_is_refused():
    post = await make_post()
    with pytest.raises(ValidationFailed) as caught:
        await upsert_post_metrics([obs(post.id, "followers", 10)])
    assert caught.value.problems[0].code == "WRONG_LEVEL"
    assert await PostMetric.count() == 0


async def test_missing_stays_missing():
    post = await make_post()
    await upsert_post_metrics([obs(post.id, "reach", 0), obs(post.id, "impressions", 40)])
    rows = await PostMetric.select(PostMetric.metric, PostMetric.value)
    # A real zero is stored; a metric the platform did not return has no row at all.
    assert {r["metric"]: r["value"] for r in rows} == {"reach": 0, "impressions": 40}
    assert await PostMetric.count().where(PostMetric.metric == "clicks") == 0
    assert (await upsert_post_metrics([])).written == 0


async def test_provenance_is_stored():
    post = await make_post()
    await upsert_post_metrics([obs(post.id, "reach", 12, source_name="facebook",
                                   raw_metric="post_total_media_view_unique")])
    row = await PostMetric.select().first()
    assert row is not None
    assert row["source_kind"] == "PLATFORM_API"
    assert row["source_name"] == "facebook"
    assert row["source_version"] == "v23.0"
    assert row["raw_metric"] == "post_total_media_view_unique"
    assert row["fetched_at"] == FETCHED
    assert row["currency"] is None


async def test_money_is_exact():
    post = await make_post()
    amounts = ["0.10", "0.20", "1234567.89", "99999999.9999", "0.0001"]
    await upsert_post_metrics([
        obs(post.id, "spend" if i % 2 else "revenue", a, DAY + timedelta(days=i), currency="EUR")
        for i, a in enumerate(amounts)
    ])
    rows = await PostMetric.select(PostMetric.value, PostMetric.currency).order_by(PostMetric.day)
    assert [r["value"] for r in rows] == [Decimal(a) for a in amounts]
    assert all(isinstance(r["value"], Decimal) and r["currency"] == "EUR" for r in rows)
    assert sum(r["value"] for r in rows[:2]) == Decimal("0.30")
