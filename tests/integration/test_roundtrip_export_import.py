"""Issue 5's round trip: export posts and metrics in every format, import them back, nothing moves.

Into the same brand every row comes back unchanged and no stored row changes (not even
its provenance or updated_at); into a fresh brand the import recreates the data, and the
fresh brand's export equals the first one.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.enums import Platform, PostFormat, PostStatus, SourceKind
from domain.exports import metrics as metric_export
from domain.exports import posts as post_export
from domain.exports.service import ExportEntity, export
from domain.exports.writers import ExportFormat
from domain.imports import Entity, ImportSummary, import_rows, open_rows
from domain.models import AuditLog, Brand, Campaign, Channel, ChannelMetric, Post, PostMetric
from domain.services.metrics import Observation, upsert_channel_metrics, upsert_post_metrics
from tests.factories import make_brand, make_campaign, make_channel, make_post, make_user

pytestmark = pytest.mark.storage

START, END = date(2026, 10, 1), date(2026, 10, 31)
TEXTS = [
    '=HYPERLINK("http://evil.example","clicca")', "+39 02 1234 5678", "-20% solo oggi",
    "@tutti buongiorno", "'=già tra apici", "''", "Riga uno\nriga due, \"citata\"",
    "caffè ☕ — ü ß 漢字", "1.234,50 € il chilo", "0042",
]
FORMATS = [
    pytest.param(ExportFormat.CSV, {}, id="csv"),
    pytest.param(ExportFormat.CSV, {"delimiter": ";", "bom": True}, id="csv-excel-semicolon"),
    pytest.param(ExportFormat.NDJSON, {}, id="ndjson"),
    pytest.param(ExportFormat.XLSX, {}, id="xlsx"),
]


@dataclass
class Plan:
    brand: Brand
    actor: int


async def _seed_brand(brand: Brand) -> None:
    """The channels and campaigns an import looks up (by handle and platform, ref or name)."""
    await make_channel(brand, handle="@aurora", platform=Platform.INSTAGRAM)
    await make_channel(brand, handle="@aurora", platform=Platform.FACEBOOK)
    await make_campaign(brand, ref="autunno", name="Autunno")
    await make_campaign(brand, name="Natale senza ref")


@pytest.fixture
async def plan() -> Plan:
    brand = await make_brand(slug="aurora", timezone="Europe/Rome", currency="EUR",
                             locale="it_IT")
    await _seed_brand(brand)
    channels = {c.platform: c for c in await _channels(brand.id)}
    campaigns = await Campaign.select(Campaign.id, Campaign.ref).where(
        Campaign.brand == brand.id).order_by(Campaign.id)
    posts = []
    for n, text in enumerate(TEXTS):
        channel = channels[Platform.INSTAGRAM if n % 2 else Platform.FACEBOOK]
        published = n % 3 == 0
        posts.append(await make_post(
            brand, channel, ref=f"P-{n:02}", text=text,
            campaign=campaigns[n % 2]["id"] if n % 4 else None,
            format=PostFormat.IMAGE if n % 2 else PostFormat.TEXT,
            scheduled_at=datetime(2026, 10, 1 + n, 7, 30, tzinfo=UTC),
            status=PostStatus.PUBLISHED if published else PostStatus.DRAFT,
            published_at=datetime(2026, 10, 1 + n, 7, 31, tzinfo=UTC) if published else None,
            external_id=f"1789{n}" if published else None,
            permalink=f"https://social.example/p/{n}" if published else "",
            tags=["caffè", "=tag", "autunno 2026"][: n % 4],
            media=[{"url": f"https://cdn.example/{n}.jpg", "kind": "IMAGE",
                    "alt": "tazza, vicino"}] if n % 2 else [],
        ))
    fetched = datetime(2026, 11, 1, 3, tzinfo=UTC)
    await upsert_post_metrics([
        Observation(subject_id=post.id, metric=metric, day=post.scheduled_at.date() + timedelta(
            days=d), value=Decimal(value), currency=currency,
            source_kind=SourceKind.PLATFORM_API, source_name="instagram",
            source_version="v23.0", raw_metric=f"post_{metric}", fetched_at=fetched)
        for post in posts for d in range(2)
        for metric, value, currency in (("impressions", 100 * (d + 1), None),
                                        ("reactions", 7 + d, None),
                                        ("spend", "12.34", "EUR"))
        if post.scheduled_at.date() + timedelta(days=d) <= END
    ])
    await upsert_channel_metrics([
        Observation(subject_id=channel.id, metric=metric, day=START + timedelta(days=d),
                    value=Decimal(value + d), source_kind=kind, source_name="seed",
                    note="=note" if d == 0 else "")
        for channel, kind in ((channels[Platform.INSTAGRAM], SourceKind.PLATFORM_API),
                              (channels[Platform.FACEBOOK], SourceKind.MANUAL))
        for d in range(31) for metric, value in (("followers", 5400), ("profile_visits", 12))
    ])
    actor = await make_user("importer@example.com")
    return Plan(brand, actor.id)


async def _channels(brand_id: int) -> list[Channel]:
    return await Channel.objects().where(Channel.brand == brand_id).order_by(Channel.id)


def _brand_row(brand: Brand) -> dict[str, Any]:
    return {"id": brand.id, "timezone": brand.timezone, "currency": brand.currency}


async def _export(entity: ExportEntity, brand: Brand, path: Path, fmt: ExportFormat,
                  **options: Any) -> int:
    with path.open("wb") as out:
        return await export(entity, _brand_row(brand), START, END, fmt, out, **options)


async def _import(entity: Entity, brand: Brand, path: Path, actor: int) -> ImportSummary:
    with open_rows(path) as reader:
        return await import_rows(entity, brand.id, reader, actor_id=actor,
                                 source_name=path.name)


def _counts(summary: ImportSummary) -> tuple[int, int, int, int]:
    return summary.inserted, summary.updated, summary.unchanged, summary.rejected


async def _state() -> dict[str, list[dict[str, Any]]]:
    return {
        "post": await Post.select().order_by(Post.id),
        "post_metric": await PostMetric.select().order_by(PostMetric.id),
        "channel_metric": await ChannelMetric.select().order_by(ChannelMetric.id),
    }


def _suffix(fmt: ExportFormat) -> str:
    return f".{fmt.value}"


@pytest.mark.parametrize(("fmt", "options"), FORMATS)
async def test_same_brand_everything_comes_back_unchanged(plan, tmp_path, fmt, options):
    # A post past review may be re-imported as long as it is unchanged.
    approved = await make_post(plan.brand, (await _channels(plan.brand.id))[0], ref="P-ok",
                               text="approvata", status=PostStatus.APPROVED,
                               scheduled_at=datetime(2026, 10, 25, 9, tzinfo=UTC))
    assert approved.id
    before = await _state()
    posts_file, metrics_file = tmp_path / f"posts{_suffix(fmt)}", tmp_path / f"m{_suffix(fmt)}"
    post_count = await _export(ExportEntity.POSTS, plan.brand, posts_file, fmt, **options)
    metric_count = await _export(ExportEntity.METRICS, plan.brand, metrics_file, fmt,
                                 **options)
    assert post_count == len(TEXTS) + 1
    assert metric_count == len(before["post_metric"]) + len(before["channel_metric"])

    posts = await _import(Entity.POSTS, plan.brand, posts_file, plan.actor)
    assert posts.problems == [] and _counts(posts) == (0, 0, post_count, 0)
    metrics = await _import(Entity.METRICS, plan.brand, metrics_file, plan.actor)
    assert metrics.problems == [] and _counts(metrics) == (0, 0, metric_count, 0)
    assert await _state() == before  # provenance and updated_at included
    audits = await AuditLog.select(AuditLog.action).where(AuditLog.brand_id == plan.brand.id)
    assert sorted(a["action"] for a in audits) == ["import.metrics", "import.posts"]


@pytest.mark.parametrize(("fmt", "options"), FORMATS)
async def test_fresh_brand_gets_the_same_data(plan, tmp_path, fmt, options):
    source = {e: tmp_path / f"{e.value}{_suffix(fmt)}" for e in ExportEntity}
    for entity, path in source.items():
        await _export(entity, plan.brand, path, fmt, **options)
    stored = await PostMetric.count() + await ChannelMetric.count()
    # Another workspace, another locale: the files carry ISO dates and plain numbers.
    fresh = await make_brand(slug="aurora-bis", timezone=plan.brand.timezone,
                             currency=plan.brand.currency, locale="en_US")
    await _seed_brand(fresh)

    posts = await _import(Entity.POSTS, fresh, source[ExportEntity.POSTS], plan.actor)
    assert posts.problems == [] and _counts(posts) == (len(TEXTS), 0, 0, 0)
    metrics = await _import(Entity.METRICS, fresh, source[ExportEntity.METRICS], plan.actor)
    assert metrics.problems == [] and _counts(metrics) == (stored, 0, 0, 0)

    # The fresh brand exports what the first one did (provenance aside: it is the import).
    original = await _rows_of(plan.brand)
    copy = await _rows_of(fresh)
    assert copy[ExportEntity.POSTS] == original[ExportEntity.POSTS]
    assert copy[ExportEntity.METRICS] == original[ExportEntity.METRICS]
    assert copy[ExportEntity.POSTS][0][4] == TEXTS[0]  # the formula is text again

    again = await _import(Entity.POSTS, fresh, source[ExportEntity.POSTS], plan.actor)
    assert _counts(again) == (0, 0, len(TEXTS), 0)


async def _rows_of(brand: Brand) -> dict[ExportEntity, list[tuple[Any, ...]]]:
    """Each export as NDJSON records, import columns only (KPIs included for posts)."""
    out: dict[ExportEntity, list[tuple[Any, ...]]] = {}
    for entity, keep in ((ExportEntity.POSTS, len(post_export.COLUMNS)),
                         (ExportEntity.METRICS, len(metric_export.IMPORT_COLUMNS))):
        buffer = io.BytesIO()
        await export(entity, _brand_row(brand), START, END, ExportFormat.NDJSON, buffer)
        out[entity] = [tuple(json.loads(line).values())[:keep]
                       for line in buffer.getvalue().splitlines()]
    return out


async def _made_in_coso(brand: Brand) -> list[Post]:
    """Posts as the demo and the API make them: no ref, some with platform metrics."""
    channel = (await _channels(brand.id))[0]
    made = [
        await make_post(brand, channel, text="Bozza fatta in Coso, \"citata\"",
                        scheduled_at=datetime(2026, 10, 5, 8, tzinfo=UTC), tags=["demo"]),
        await make_post(brand, channel, text="=in revisione", status=PostStatus.IN_REVIEW,
                        scheduled_at=datetime(2026, 10, 6, 8, tzinfo=UTC)),
        await make_post(brand, channel, text="Uscito", status=PostStatus.PUBLISHED,
                        scheduled_at=datetime(2026, 10, 7, 8, tzinfo=UTC),
                        published_at=datetime(2026, 10, 7, 8, 1, tzinfo=UTC),
                        external_id="555", permalink="https://social.example/p/555"),
    ]
    await upsert_post_metrics([
        Observation(subject_id=made[2].id, metric="impressions", day=date(2026, 10, 7 + d),
                    value=Decimal(300 + d), source_kind=SourceKind.PLATFORM_API,
                    source_name="instagram", fetched_at=datetime(2026, 11, 1, tzinfo=UTC))
        for d in range(3)])
    return made


@pytest.mark.parametrize(("fmt", "options"), FORMATS)
async def test_posts_made_in_coso_come_back_unchanged(plan, tmp_path, fmt, options):
    made = await _made_in_coso(plan.brand)
    before = await _state()
    posts_file, metrics_file = tmp_path / f"posts{_suffix(fmt)}", tmp_path / f"m{_suffix(fmt)}"
    post_count = await _export(ExportEntity.POSTS, plan.brand, posts_file, fmt, **options)
    metric_count = await _export(ExportEntity.METRICS, plan.brand, metrics_file, fmt,
                                 **options)
    exported = (await _rows_of(plan.brand))[ExportEntity.POSTS]
    assert {row[0] for row in exported} >= {f"coso:{post.id}" for post in made}

    posts = await _import(Entity.POSTS, plan.brand, posts_file, plan.actor)
    assert posts.problems == [] and _counts(posts) == (0, 0, post_count, 0)
    metrics = await _import(Entity.METRICS, plan.brand, metrics_file, plan.actor)
    assert metrics.problems == [] and _counts(metrics) == (0, 0, metric_count, 0)
    assert await _state() == before  # no ref given, nothing touched

    # Into another brand a `coso:` row names nothing: refused, nothing written there.
    fresh = await make_brand(slug="aurora-ter", timezone=plan.brand.timezone,
                             currency=plan.brand.currency)
    await _seed_brand(fresh)
    refused = await _import(Entity.POSTS, fresh, posts_file, plan.actor)
    assert {(p.field, p.code) for p in refused.problems} == {("ref", "UNKNOWN_POST")}
    assert refused.rejected == len(made) and not refused.written
    assert await Post.count().where(Post.brand == fresh.id) == 0
    assert await _state() == before
