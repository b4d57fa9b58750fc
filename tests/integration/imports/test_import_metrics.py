"""Importing daily metrics: an Italian `;` CSV, post and channel rows, provenance, idempotency."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from domain.enums import Platform, SourceKind
from domain.errors import Problem
from domain.imports import Entity, import_rows
from domain.imports.readers import csv_rows
from domain.models import ChannelMetric, PostMetric
from domain.services.metrics import Observation, upsert_channel_metrics
from tests.factories import make_brand, make_channel, make_post

pytestmark = pytest.mark.storage

ITALIAN = (
    "canale;post;giorno;metrica;valore;valuta;nota\n"
    "@acme;;01/10/2026;follower;1.234;;\n"  # `follower` is no canonical metric
    "@acme;;01/10/2026;followers;1.234;;\n"
    "@acme;P-1;01/10/2026;reach;987;;\n"
    "@acme;P-1;01/10/2026;spend;12,50;;campagna autunno\n"
    "@acme;P-1;02/10/2026;Video Views;10;;\n"
)


@pytest.fixture
async def world():
    brand = await make_brand(locale="it_IT", timezone="Europe/Rome", currency="EUR")
    channel = await make_channel(brand, handle="@acme", platform=Platform.INSTAGRAM)
    other = await make_channel(brand, handle="@acme", platform=Platform.FACEBOOK)
    post = await make_post(brand, channel, ref="P-1")
    return {"brand": brand, "channel": channel, "other": other, "post": post}


async def run(world, text: str, **options):
    return await import_rows(Entity.METRICS, world["brand"].id,
                             csv_rows(io.BytesIO(text.encode())), actor_id=None,
                             source_name="metriche.csv", **options)


async def test_italian_file_with_an_ambiguous_handle_and_an_unknown_metric(world):
    summary = await run(world, ITALIAN)
    assert not summary.written
    found = {(p.line, p.field, p.code) for p in summary.problems}
    # Two channels are @acme: rows that do not say which are refused, each of them.
    assert {(2, "canale", "AMBIGUOUS_CHANNEL"), (2, "metrica", "UNKNOWN_METRIC")} <= found
    assert {line for line, _, _ in found} == {2, 3, 4, 5, 6}

    fixed = ITALIAN.replace("@acme;", "instagram:@acme;").replace(";follower;", ";followers;")
    fixed = fixed.replace("instagram:@acme;;01/10/2026;followers;1.234;;\n", "", 1)
    summary = await run(world, fixed)
    assert summary.problems == [] and (summary.inserted, summary.rejected) == (4, 0)
    channel_rows = await ChannelMetric.select(ChannelMetric.metric, ChannelMetric.value,
                                              ChannelMetric.day)
    assert channel_rows == [{"metric": "followers", "value": Decimal("1234"),
                             "day": date(2026, 10, 1)}]
    posts = {r["metric"]: r for r in await PostMetric.select()}
    assert posts["spend"]["value"] == Decimal("12.50") and posts["spend"]["currency"] == "EUR"
    assert posts["spend"]["note"] == "campagna autunno"
    assert posts["video_views"]["day"] == date(2026, 10, 2)
    assert {r["source_kind"] for r in posts.values()} == {SourceKind.IMPORT}
    assert {r["source_name"] for r in posts.values()} == {"metriche.csv"}

    again = await run(world, fixed)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)


async def test_import_replaces_a_platform_value_only_when_it_differs(world):
    channel = world["channel"].id
    await upsert_channel_metrics([
        Observation(subject_id=channel, metric=m, day=date(2026, 10, 1), value=Decimal(v),
                    source_kind=SourceKind.PLATFORM_API, source_name="instagram",
                    source_version="v23.0", raw_metric=m)
        for m, v in (("followers", 100), ("reach", 50))])
    summary = await run(world, "channel;platform;day;metric;value\n"
                               "@acme;instagram;2026-10-01;followers;100\n"
                               "@acme;instagram;2026-10-01;reach;60\n")
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 1)
    rows = {r["metric"]: r for r in await ChannelMetric.select()}
    assert rows["followers"]["source_kind"] == SourceKind.PLATFORM_API  # left alone
    assert rows["reach"]["source_kind"] == SourceKind.IMPORT
    assert rows["reach"]["value"] == Decimal(60) and rows["reach"]["source_version"] == ""


async def test_post_refs_must_exist_on_that_channel(world):
    summary = await run(world, "channel;platform;post;day;metric;value\n"
                               "@acme;instagram;P-404;2026-10-01;reach;1\n"
                               "@acme;facebook;P-1;2026-10-01;reach;1\n"
                               "@acme;instagram;P-1;2026-10-01;followers;1\n"
                               "@acme;instagram;P-1;2026-10-01;reach;-1\n"
                               "@acme;instagram;P-1;2026-10-01;reach;\n"
                               "@acme;instagram;P-1;2026-10-01;spend;1;usd\n")
    assert summary.problems.pop() == Problem(None, "EXTRA_CELLS", (
        "the row has 1 cell(s) outside the named columns (first: 'usd'); is a delimiter or a "
        "quote missing?"), line=7)
    assert [(p.line, p.field, p.code) for p in summary.problems] == [
        (2, "post", "UNKNOWN_POST"), (3, "post", "CHANNEL_MISMATCH"),
        (4, "metric", "WRONG_LEVEL"), (5, "value", "NEGATIVE"), (6, "value", "REQUIRED"),
    ]
    assert summary.rejected == 6 and not summary.written
    skipped = await run(world, "channel;platform;post;day;metric;value;currency\n"
                               "@acme;instagram;P-404;2026-10-01;reach;1;\n"
                               "@acme;instagram;P-1;2026-10-01;spend;1;usd\n",
                        skip_invalid=True)
    assert (skipped.inserted, skipped.rejected) == (1, 1)
    stored = await PostMetric.select(PostMetric.currency).first()
    assert stored == {"currency": "USD"}


async def test_duplicate_keys_across_chunks(world):
    rows = "".join(f"@acme;instagram;P-1;2026-10-{d:02d};reach;{d}\n" for d in range(1, 31))
    text = ("channel;platform;post;day;metric;value\n" + rows
            + "@acme;instagram;P-1;2026-10-03;reach;9\n")
    summary = await import_rows(Entity.METRICS, world["brand"].id,
                                csv_rows(io.BytesIO(text.encode())), actor_id=None,
                                source_name="m.csv", chunk_size=7)
    assert [(p.line, p.code) for p in summary.problems] == [(32, "DUPLICATE")]
    assert "also on line 4" in summary.problems[0].message
    assert await PostMetric.count() == 0


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"])
async def test_text_a_database_cannot_store_is_refused_not_crashed_on(world, bad):
    # NUL (PostgreSQL refuses it) and a lone surrogate (not UTF-8): both come in from JSON.
    rows = [(1, {"channel": "@acme", "platform": "instagram", "post": "P-1",
                 "day": "2026-10-01", "metric": "reach", "value": "5", "note": bad,
                 "raw_metric": ""}),
            (2, {"channel": "@acme", "platform": "instagram", "day": "2026-10-01",
                 "metric": "followers", "value": "5", "note": "", "raw_metric": bad})]
    summary = await import_rows(Entity.METRICS, world["brand"].id, rows, actor_id=None,
                                source_name="api")
    assert [(p.line, p.field, p.code) for p in summary.problems] == [
        (1, "note", "INVALID"), (2, "raw_metric", "INVALID")]
    assert not summary.written and await PostMetric.count() == 0


async def test_usual_and_unusual_rows_of_one_chunk_read_alike(world):
    # The usual rows (ISO day, plain digits, a known channel) take the fast path, the others
    # the general one; the spellings the fast path remembers must not leak into the others.
    summary = await run(world, "channel;platform;post;day;metric;value;valuta\n"
                               "@acme;instagram; P-1 ;2026-10-01;Video Views;10;\n"
                               "@acme;instagram;P-1;01/10/2026;reach;1.234;\n"
                               "@acme;;;2026-10-01;followers;5;\n"
                               "@acme;instagram;;2026-10-01;followers;5;\n"
                               "@acme;instagram;P-1;2026-10-01;spend;12;\n"
                               "@acme;instagram;P-1;2026-10-02;spend;12,5;usd\n"
                               "@acme;instagram;;2026-02-30;followers;5;\n")
    assert [(p.line, p.field, p.code) for p in summary.problems] == [
        (4, "channel", "AMBIGUOUS_CHANNEL"), (8, "day", "INVALID")]
    fixed = await run(world, "channel;platform;post;day;metric;value;valuta\n"
                             "@acme;instagram; P-1 ;2026-10-01;Video Views;10;\n"
                             "@acme;instagram;P-1;01/10/2026;reach;1.234;\n"
                             "@acme;instagram;;2026-10-01;followers;5;\n"
                             "@acme;instagram;P-1;2026-10-01;spend;12;\n"
                             "@acme;instagram;P-1;2026-10-02;spend;12,5;usd\n")
    assert fixed.problems == [] and fixed.inserted == 5
    stored = {(r["metric"], r["day"]): (r["value"], r["currency"])
              for r in await PostMetric.select()}
    assert stored == {
        ("video_views", date(2026, 10, 1)): (Decimal(10), None),
        ("reach", date(2026, 10, 1)): (Decimal(1234), None),
        ("spend", date(2026, 10, 1)): (Decimal(12), "EUR"),  # the brand's currency
        ("spend", date(2026, 10, 2)): (Decimal("12.5"), "USD"),
    }
    assert (await ChannelMetric.select(ChannelMetric.value).first()) == {"value": Decimal(5)}


async def test_json_numbers_read_as_their_text_would():
    brand = await make_brand()
    await make_channel(brand, handle="@acme", platform=Platform.INSTAGRAM)

    def rows(value):
        return [(1, {"channel": "@acme", "day": "2026-10-01", "metric": "followers",
                     "value": value})]

    for bad, code in ((True, "INVALID"), (10 ** 16, "OUT_OF_RANGE"), (-3, "NEGATIVE"),
                      (2.5, "NOT_WHOLE")):
        summary = await import_rows(Entity.METRICS, brand.id, rows(bad), actor_id=None,
                                    source_name="api")
        assert [(p.field, p.code) for p in summary.problems] == [("value", code)], bad
    summary = await import_rows(Entity.METRICS, brand.id, rows(1234), actor_id=None,
                                source_name="api")
    assert summary.inserted == 1
    again = await import_rows(Entity.METRICS, brand.id, rows("1234"), actor_id=None,
                              source_name="api")
    assert again.unchanged == 1
    assert (await ChannelMetric.select(ChannelMetric.value).first()) == {"value": Decimal(1234)}


async def test_chunks_mixing_stored_new_duplicate_and_bad_rows(world):
    """Chunks of 7: stored rows updated or left alone, new ones inserted, a repeat of a row
    of an earlier chunk and a bad row refused, all counted; all-or-nothing writes none."""
    await upsert_channel_metrics([
        Observation(subject_id=world["channel"].id, metric="followers", day=date(2026, 10, d),
                    value=Decimal(d), source_kind=SourceKind.PLATFORM_API,
                    source_name="instagram", raw_metric="followers")
        for d in (2, 20)])  # d 2 unchanged, d 20 updated
    header = "channel;platform;post;day;metric;value\n"
    rows = [f"@acme;instagram;;2026-10-{d:02d};followers;{d if d != 20 else 99}\n"
            for d in range(1, 31)]
    rows.insert(25, "@acme;instagram;;2026-10-03;followers;3\n")  # line 27: a repeat
    rows.append("@acme;instagram;P-404;2026-10-01;reach;1\n")  # line 33: no such post
    text = header + "".join(rows)

    refused = await run(world, text, chunk_size=7)
    assert [(p.line, p.code) for p in refused.problems] == [(27, "DUPLICATE"),
                                                           (33, "UNKNOWN_POST")]
    assert "also on line 4" in refused.problems[0].message
    assert not refused.written and await ChannelMetric.count() == 2  # the two stored rows

    summary = await run(world, text, skip_invalid=True, chunk_size=7)
    assert summary.written and summary.rejected == 2
    assert (summary.inserted, summary.updated, summary.unchanged) == (28, 1, 1)
    stored = {r["day"].day: r for r in await ChannelMetric.select()}
    assert sorted(stored) == list(range(1, 31))
    assert stored[3]["value"] == Decimal(3) and stored[20]["value"] == Decimal(99)
    assert stored[2]["source_kind"] == SourceKind.PLATFORM_API  # unchanged, left alone
    assert {stored[d]["source_kind"] for d in (1, 20, 30)} == {SourceKind.IMPORT}

    again = await run(world, text, skip_invalid=True, chunk_size=7)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 30, 2)


async def test_a_bad_row_in_the_last_chunk_writes_nothing_of_the_chunks_before(world):
    text = "channel;platform;day;metric;value\n" + "".join(
        f"@acme;instagram;2026-10-{d:02d};followers;{d}\n" for d in range(1, 30)
    ) + "@acme;instagram;2026-10-30;followers;-1\n"
    summary = await run(world, text, chunk_size=5)
    assert [(p.line, p.code) for p in summary.problems] == [(31, "NEGATIVE")]
    assert not summary.written and await ChannelMetric.count() == 0
