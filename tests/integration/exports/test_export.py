"""Exports against the database: the period's posts with the API's KPIs, metrics with provenance."""

from __future__ import annotations

import csv
import gc
import io
import json
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from domain.db import query_count
from domain.enums import Platform, PostStatus, SourceKind
from domain.exports import metrics as metric_export
from domain.exports import posts as post_export
from domain.exports.columns import POST_TOTALS
from domain.exports.service import COLUMNS, ExportEntity, export, rows
from domain.exports.writers import ExportFormat, open_writer
from domain.imports.schema import SCHEMAS, Entity
from domain.models import Brand, Channel, Post
from domain.services.metrics import Observation, upsert_channel_metrics, upsert_post_metrics
from tests.api.client import gid, gql
from tests.factories import (
    make_brand,
    make_campaign,
    make_channel,
    make_membership,
    make_post,
    make_user,
)

pytestmark = pytest.mark.storage

START, END = date(2026, 10, 1), date(2026, 10, 31)
ROME = "Europe/Rome"


@dataclass
class Seeded:
    brand: Brand
    instagram: Channel
    facebook: Channel
    posts: list[Post]  # in export order
    outside: list[Post]


def _at(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _obs(subject: int, metric: str, day: date, value: str, **extra) -> Observation:
    return Observation(subject_id=subject, metric=metric, day=day, value=Decimal(value),
                       source_kind=extra.pop("source_kind", SourceKind.PLATFORM_API),
                       source_name=extra.pop("source_name", "instagram"), **extra)


@pytest.fixture
async def seeded() -> Seeded:
    brand = await make_brand(slug="aurora", timezone=ROME, currency="EUR", locale="it_IT")
    instagram = await make_channel(brand, handle="@aurora", platform=Platform.INSTAGRAM)
    facebook = await make_channel(brand, handle="@aurora", platform=Platform.FACEBOOK)
    campaign = await make_campaign(brand, ref="autumn", name="Autunno")
    unnamed = await make_campaign(brand, name="Natale")
    same_time = _at(10, 8)
    posts = [
        # 1 Oct 00:30 in Rome is 30 Sep 22:30 UTC: inside the brand's October.
        await make_post(brand, instagram, ref="p-01", scheduled_at=_at(30, 22, 30, month=9),
                        text='=HYPERLINK("http://evil.example","x")', campaign=campaign.id,
                        tags=["caffè", "autunno"], status=PostStatus.PUBLISHED,
                        external_id="ig-1", permalink="https://instagram.example/p/1",
                        published_at=_at(30, 22, 31, month=9),
                        media=[{"url": "https://cdn.example/a.jpg", "kind": "IMAGE",
                                "alt": "a cup, close up"}]),
        await make_post(brand, facebook, ref="p-02", scheduled_at=same_time,
                        text="-20% oggi\nsolo in negozio", campaign=unnamed.id,
                        tags=["sconto, grande"]),
        await make_post(brand, instagram, ref="p-03", scheduled_at=same_time, text="@tutti"),
        await make_post(brand, instagram, ref="p-04", scheduled_at=same_time, text="+1"),
        # 31 Oct 23:30 in Rome (CET) is 22:30 UTC: the last one inside.
        await make_post(brand, instagram, ref="p-05", scheduled_at=_at(31, 22, 30),
                        text="last"),
    ]
    outside = [
        await make_post(brand, instagram, ref="x-1", scheduled_at=_at(30, 21, 30, month=9)),
        await make_post(brand, instagram, ref="x-2", scheduled_at=_at(31, 23, 30)),
        await make_post(brand, instagram, ref="x-3", scheduled_at=None),
        await make_post(await make_brand(), scheduled_at=_at(10, 8)),
    ]
    first, second = posts[0].id, posts[1].id
    await upsert_post_metrics([
        _obs(first, "impressions", date(2026, 10, 1), "1000"),
        _obs(first, "impressions", date(2026, 10, 2), "500"),
        _obs(first, "reach", date(2026, 10, 1), "800"),
        _obs(first, "reactions", date(2026, 10, 1), "40"),
        _obs(first, "comments", date(2026, 10, 1), "7"),
        _obs(first, "clicks", date(2026, 10, 2), "30"),
        _obs(first, "spend", date(2026, 10, 1), "12.34", currency="EUR"),
        _obs(first, "impressions", date(2026, 9, 30), "99999"),  # before the period
        _obs(second, "impressions", date(2026, 10, 12), "300"),
        _obs(second, "spend", date(2026, 10, 12), "0", currency="EUR"),
    ])
    await upsert_channel_metrics([
        _obs(instagram.id, "followers", date(2026, 10, 1), "5400", raw_metric="follower_count",
             source_version="v23.0", fetched_at=_at(2, 3)),
        _obs(instagram.id, "followers", date(2026, 10, 2), "5410", raw_metric="follower_count"),
        _obs(facebook.id, "profile_visits", date(2026, 10, 5), "12",
             source_kind=SourceKind.MANUAL, source_name="ada@example.com",
             note="=from the app"),
        _obs(facebook.id, "profile_visits", date(2026, 11, 1), "3"),  # after the period
    ])
    return Seeded(brand, instagram, facebook, posts, outside)


def _brand(seeded: Seeded) -> dict:
    return {"id": seeded.brand.id, "timezone": ROME, "currency": "EUR"}


async def _export(entity: ExportEntity, seeded: Seeded, fmt: ExportFormat, **options) -> bytes:
    out = io.BytesIO()
    await export(entity, _brand(seeded), START, END, fmt, out, **options)
    return out.getvalue()


def _csv(data: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                               delimiter=delimiter))


def test_import_columns_come_first_and_are_the_import_schema():
    for entity, module in ((Entity.POSTS, post_export), (Entity.METRICS, metric_export)):
        schema = SCHEMAS[entity]
        assert all(schema.column(c) is not None and schema.column(c).name == c
                   for c in module.IMPORT_COLUMNS), entity
        assert module.COLUMNS[:len(module.IMPORT_COLUMNS)] == module.IMPORT_COLUMNS
        read_only = module.COLUMNS[len(module.IMPORT_COLUMNS):]
        assert not any(schema.column(c) for c in read_only if c != "currency"), entity


async def test_posts_of_the_brands_days_in_calendar_order(seeded):
    exported = _csv(await _export(ExportEntity.POSTS, seeded, ExportFormat.CSV))
    assert [r["ref"] for r in exported] == ["p-01", "p-02", "p-03", "p-04", "p-05"]
    assert list(exported[0]) == list(COLUMNS[ExportEntity.POSTS])
    first, second = exported[0], exported[1]
    assert first["text"] == '\'=HYPERLINK("http://evil.example","x")'
    assert second["text"] == "'-20% oggi\nsolo in negozio"
    assert exported[2]["text"] == "'@tutti" and exported[3]["text"] == "'+1"
    # A handle's @ is a formula start for Excel (implicit intersection): quoted too.
    assert (first["channel"], first["platform"]) == ("'@aurora", "instagram")
    assert (second["channel"], second["platform"]) == ("'@aurora", "facebook")
    assert first["campaign"] == "autumn" and second["campaign"] == "Natale"
    assert first["tags"] == "caffè, autunno" and second["tags"] == '["sconto, grande"]'
    assert json.loads(first["media"]) == [{"url": "https://cdn.example/a.jpg", "kind": "IMAGE",
                                           "alt": "a cup, close up"}]
    assert first["scheduled_at"] == "2026-09-30T22:30:00+00:00"
    assert first["published_at"] == "2026-09-30T22:31:00+00:00"
    assert (first["status"], first["platform_id"]) == ("PUBLISHED", "ig-1")
    assert second["published_at"] == "" and second["platform_id"] == ""
    assert first["impressions"] == "1500" and first["reach"] == "800"
    assert first["engagement"] == "47" and first["spend"] == "12.34"
    assert first["engagement_rate"] == "0.05875" and first["ctr"] == "0.02"
    # CPM and CPC read paid content: the post-days reporting spend and the count (issue 14):
    # 12.34 spent on 1 October, when the post had 1000 impressions and no clicks reported.
    assert first["cpm"] == "12.34" and first["cpc"] == "" and first["currency"] == "EUR"
    assert first["saves"] == "" and first["roas"] == "" and first["cpa"] == ""
    assert second["spend"] == "0" and second["cpm"] == "0"  # numbers, not padded text
    assert exported[4]["impressions"] == "" and exported[4]["engagement"] == ""


POST_KPIS = """
query($id: ID!) { node(id: $id) { ... on Post {
  kpis(from: "2026-10-01", to: "2026-10-31") {
    engagement engagementRate engagementRateByImpressions ctr roas
    cpm { amount } cpc { amount } cpa { amount } totals { metric value }
  } } } }"""


async def test_kpis_are_the_apis(seeded):
    user = await make_user()
    await make_membership(user, seeded.brand)
    exported = [row async for row in rows(ExportEntity.POSTS, _brand(seeded), START, END)]
    columns = COLUMNS[ExportEntity.POSTS]
    for post, values in zip(seeded.posts, exported, strict=True):
        row = dict(zip(columns, values, strict=True))
        api = (await gql(POST_KPIS, as_=user, variables={"id": gid("Post", post.id)}))
        kpis = api["node"]["kpis"]
        totals = {t["metric"]: Decimal(t["value"]) for t in kpis["totals"]}
        assert {m: row[m] for m in POST_TOTALS if row[m] is not None} == totals
        assert row["engagement"] == (None if kpis["engagement"] is None
                                     else Decimal(str(kpis["engagement"])))
        for name, field in (("engagement_rate", "engagementRate"), ("ctr", "ctr"),
                            ("engagement_rate_by_impressions", "engagementRateByImpressions"),
                            ("roas", "roas")):
            expected = kpis[field]
            assert row[name] == (None if expected is None else
                                 Decimal(str(expected)).quantize(Decimal("0.000001"))), name
        for name in ("cpm", "cpc", "cpa"):
            money = kpis[name]
            assert row[name] == (None if money is None else Decimal(money["amount"])), name


async def test_posts_are_keyset_paged_through_ties_one_page_at_a_time(seeded):
    brand = _brand(seeded)
    everything = [r async for r in post_export.post_rows(brand, START, END)]
    before = query_count()
    paged = post_export.post_rows(brand, START, END, page_size=2)
    first = await anext(paged)
    # One page read so far: its posts, their post-level series and their paid figures
    # (not the next pages).
    assert query_count() - before <= 3
    rest = [r async for r in paged]
    assert [first, *rest] == everything and len(everything) == 5


async def test_metrics_with_provenance_both_levels(seeded):
    exported = _csv(await _export(ExportEntity.METRICS, seeded, ExportFormat.CSV))
    assert list(exported[0]) == list(COLUMNS[ExportEntity.METRICS])
    channel_rows = [r for r in exported if r["post"] == ""]
    post_rows = [r for r in exported if r["post"] != ""]
    assert len(channel_rows) == 3 and len(post_rows) == 9
    assert exported[:len(channel_rows)] == channel_rows  # channel metrics come first
    followers = channel_rows[0]
    assert followers == {
        "channel": "'@aurora", "platform": "instagram", "post": "", "day": "2026-10-01",
        "metric": "followers", "value": "5400", "currency": "", "raw_metric": "follower_count",
        "note": "", "source_kind": "PLATFORM_API", "source_name": "instagram",
        "source_version": "v23.0", "fetched_at": "2026-10-02T03:00:00+00:00",
    }
    manual = channel_rows[2]
    assert (manual["platform"], manual["metric"], manual["note"]) == (
        "facebook", "profile_visits", "'=from the app")
    assert manual["source_kind"] == "MANUAL" and manual["source_name"] == "ada@example.com"
    spend = next(r for r in post_rows if r["metric"] == "spend" and r["post"] == "p-01")
    assert (spend["value"], spend["currency"]) == ("12.34", "EUR")
    keys = [(r["post"], r["metric"], r["day"]) for r in post_rows]
    assert keys == sorted(keys)  # the natural key's order (posts by id, here also by ref)
    assert not any(r["day"] < "2026-10-01" or r["day"] > "2026-10-31" for r in exported)


async def test_metrics_keyset_pages_match_one_read(seeded):
    everything = [r async for r in metric_export.metric_rows(seeded.brand.id, START, END)]
    paged = [r async for r in metric_export.metric_rows(seeded.brand.id, START, END,
                                                        page_size=2)]
    assert paged == everything and len(everything) == 12


async def test_every_format_carries_the_same_rows(seeded, tmp_path):
    columns = COLUMNS[ExportEntity.POSTS]
    as_csv = _csv(await _export(ExportEntity.POSTS, seeded, ExportFormat.CSV, delimiter=";",
                                bom=True), delimiter=";")
    lines = (await _export(ExportEntity.POSTS, seeded, ExportFormat.NDJSON)).splitlines()
    as_json = [json.loads(line, parse_float=Decimal) for line in lines]
    path = tmp_path / "posts.xlsx"
    path.write_bytes(await _export(ExportEntity.POSTS, seeded, ExportFormat.XLSX))
    sheet = openpyxl.load_workbook(path)["posts"]
    as_xlsx = list(sheet.iter_rows(values_only=True))
    assert list(as_xlsx[0]) == list(columns) and list(as_json[0]) == list(columns)
    assert len(as_csv) == len(as_json) == len(as_xlsx) - 1 == 5
    # JSON is no spreadsheet: text as it is, lists as lists, numbers as numbers.
    assert as_json[0]["text"] == seeded.posts[0].text
    assert as_json[0]["tags"] == ["caffè", "autunno"] and as_json[0]["impressions"] == 1500
    assert as_json[0]["spend"] == Decimal("12.34") and as_json[4]["impressions"] is None
    # XLSX: text neutralised like CSV, numbers numeric.
    first = dict(zip(columns, as_xlsx[1], strict=True))
    assert first["text"] == as_csv[0]["text"] and first["impressions"] == 1500
    assert first["spend"] == pytest.approx(12.34) and first["tags"] == "caffè, autunno"


async def test_memory_stays_flat_whatever_the_row_count(seeded):
    first_day = date(2025, 1, 1)
    names = ("impressions", "reach", "reactions", "comments", "shares", "clicks", "follows",
             "mentions")
    await upsert_channel_metrics([
        _obs(seeded.facebook.id, name, first_day + timedelta(days=d), str(d * 7 + i),
             raw_metric=f"page_{name}", note=f"day {d}")
        for d in range(300) for i, name in enumerate(names)
    ])

    async def peak(days: int) -> tuple[int, int]:
        writer = open_writer(ExportFormat.CSV, _Sink(), COLUMNS[ExportEntity.METRICS])
        gc.collect()
        tracemalloc.start()
        try:
            async for row in metric_export.metric_rows(
                    seeded.brand.id, first_day, first_day + timedelta(days=days - 1),
                    page_size=100):
                writer.write(row)
            return writer.rows, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            writer.close()

    await peak(300)  # warm up: first-use caches are not what is measured
    small_rows, small_peak = await peak(75)
    big_rows, big_peak = await peak(300)
    assert (small_rows, big_rows) == (600, 2400)
    # Four times the rows through the same 100-row pages: the peak is a page (plus garbage
    # awaiting the collector), not the file; a linear growth would be about 4x.
    assert big_peak < small_peak * 1.5, (small_peak, big_peak)


class _Sink(io.RawIOBase):
    """A binary stream that keeps nothing."""

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        return len(data)


async def test_a_period_ending_before_it_starts_is_refused(seeded):
    with pytest.raises(ValueError, match="ends before it starts"):
        rows(ExportEntity.METRICS, _brand(seeded), END, START)
    assert await Post.count() == 9


async def test_a_post_without_a_ref_is_named_by_coso_id(seeded):
    draft = await make_post(seeded.brand, seeded.instagram, scheduled_at=_at(20, 9),
                            text="made in Coso")
    await upsert_post_metrics([_obs(draft.id, "reach", date(2026, 10, 20), "10")])
    posts = [r async for r in rows(ExportEntity.POSTS, _brand(seeded), START, END)]
    # The same name in both exports: the posts file's ref is what the metrics file's post is.
    assert [p[0] for p in posts if p[4] == "made in Coso"] == [f"coso:{draft.id}"]
    metrics = [r async for r in rows(ExportEntity.METRICS, _brand(seeded), START, END)]
    # Never an empty post cell: that would read back as a channel metric.
    assert [m[2] for m in metrics if m[3] == date(2026, 10, 20)] == [f"coso:{draft.id}"]
