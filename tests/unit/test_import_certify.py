"""Vectorised certification never disagrees with the per-row checks, the one authority.

Generated rows (hypothesis) go through a handler's `certify` (Arrow compute) and its
`parse` (row by row): every row certified must be one `parse` takes without a problem,
and its staging record must be the one `parse` makes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.imports.base import RawRow
from domain.imports.context import BrandContext, ChannelIndex, Parsed
from domain.imports.metrics import MetricsHandler
from domain.imports.posts import CampaignIndex, PostsHandler

CTX = BrandContext(id=1, workspace=1, locale="it_IT", timezone="Europe/Rome", currency="EUR",
                   actor_id=None, source_name="file.csv", now=datetime(2026, 12, 5, tzinfo=UTC),
                   may_edit_budget=True)
CHANNELS = [{"id": 1, "platform": "instagram", "handle": "@acme"},
            {"id": 2, "platform": "x", "handle": "@acme_x"},
            {"id": 3, "platform": "facebook", "handle": "@acme"},
            {"id": 4, "platform": "linkedin", "handle": "@solo"}]
SPACES = ["", " ", "\t", "\u00a0", "\u2028", "\x1c"]


def texts(*plain: str) -> st.SearchStrategy[str]:
    """The given spellings, with white space around them sometimes, or any short text."""
    return st.one_of(
        st.sampled_from(plain),
        st.builds(lambda a, t, b: a + t + b, st.sampled_from(SPACES), st.sampled_from(plain),
                  st.sampled_from(SPACES)),
        st.text(max_size=6))


def posts_handler(present: set[str]) -> PostsHandler:
    handler = PostsHandler(CTX, frozenset(present))
    handler._choices = {}
    handler._chunk_names_ids = False
    handler.channels = ChannelIndex(CHANNELS)
    handler.campaigns = CampaignIndex([{"id": 10, "ref": "C-1", "name": "Autunno"},
                                       {"id": 11, "ref": None, "name": "Doppia"},
                                       {"id": 12, "ref": None, "name": "doppia"}])
    return handler


def metrics_handler(present: set[str]) -> MetricsHandler:
    handler = MetricsHandler(CTX, frozenset(present))
    handler.channels = ChannelIndex(CHANNELS)
    handler.source_name = CTX.source_name
    handler._refs = {}
    handler._checked = {}
    handler._has_extras = not handler.present.isdisjoint(("currency", "raw_metric", "note"))
    handler._days, handler._channel_ids, handler._metric_names = {}, {}, {}
    handler._columns = None
    return handler


POST_CELLS = {
    "ref": texts("P-1", "P-2", "coso:12", "COSO:x", "'=A1", "x" * 200, "x" * 201, "a\x00b"),
    "channel": texts("@acme", "acme", "@acme_x", "instagram:@acme", "x:@acme_x", "@nobody",
                     "@solo", "SOLO"),
    "platform": texts("", "instagram", "facebook", "X", "tiktok"),
    "text": st.one_of(texts("Ciao", "a\nb", "'+39", "=SUM(A1)", "é" * 280, "é" * 281,
                            "x\x00y", "caffè ☕"), st.just("y" * 2201)),
    "campaign": texts("", "C-1", "Autunno", "autunno", "Doppia", "C-404"),
    "format": texts("", "TEXT", "image", "Video", "reel ", "carosello", "story"),
    "pillar": texts("", "INFORMATIVE", "opinion", "Promotional", "x"),
    "status": texts("", "DRAFT", "published", "APPROVED", "nope"),
    "media": texts("", "https://x.it/a.jpg", "https://x.it/a.mp4, https://x.it/b.gif",
                   "ftp://x", '[{"url": "https://x.it/a.png", "alt": "A"}]', "[1]"),
    "tags": texts("", "a, b", "caffè, autunno, Caffè", "x" * 51, '["a", "b"]', "[x",
                  ",".join(f"t{i}" for i in range(31))),
    "scheduled_at": texts("", "2026-09-01T08:00:00+02:00", "2026-09-01T08:00:00Z",
                          "2026-02-30T08:00:00Z", "2026-09-01T08:60:00Z",
                          "2026-09-01T08:00:00+24:00", "01/09/2026 10:00", "2026-09-01",
                          "2026-10-25T02:30:00", "0999-01-01T00:00:00Z", "2026-09-01T08:00:60Z",
                          "2026-09-01 08:00:00+01:00", "2026-09-01t08:00:00z"),
    "published_at": texts("", "2026-09-01T08:00:00+00:00", "31/12/2026 23:59", "32/12/2026"),
    "platform_id": texts("", "123", "x" * 200, "x" * 201, "a\x00"),
    "permalink": texts("", "https://x.it/p/1", "http://", "nope", "https://x.it/a b"),
}


def rows_of(cells: dict[str, st.SearchStrategy[str]], good: dict[str, str],
            names: list[str]) -> st.SearchStrategy[list[dict[str, str]]]:
    """Rows of a good row's cells with a few (none to three) drawn from `cells` instead:
    rows mostly one mistake away from valid, where the two paths could disagree."""
    def row(changes: dict[str, str]) -> dict[str, str]:
        return {n: changes.get(n, good[n]) for n in names}

    changed = st.lists(st.sampled_from(names), max_size=3, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({k: cells[k] for k in keys}))
    return st.lists(changed.map(row), min_size=1, max_size=12)


GOOD_POST = {"ref": "P-1", "channel": "@acme_x", "platform": "", "text": "Ciao",
             "campaign": "C-1", "format": "image", "pillar": "", "status": "published",
             "media": "https://x.it/a.jpg", "tags": "a, b",
             "scheduled_at": "2026-09-01T08:00:00+02:00", "published_at": "",
             "platform_id": "123", "permalink": "https://x.it/p/1"}
GOOD_METRIC = {"channel": "@solo", "platform": "", "post": "P-2", "day": "2026-09-01",
               "metric": "impressions", "value": "12", "currency": "", "raw_metric": "",
               "note": ""}


def table_of(rows: list[dict[str, str]], names: list[str]) -> pa.Table:
    return pa.table({n: pa.array([r[n] for r in rows], pa.string()) for n in names})


def check_agreement(handler, rows, names, records_of):
    lines = np.arange(2, len(rows) + 2, dtype=np.int64)
    certified = handler.certify(table_of(rows, names), lines)
    records = records_of(handler, certified)
    for i, cells in enumerate(rows):
        parsed = Parsed(RawRow(int(lines[i]), dict(cells), None))
        handler.parse(parsed, cells)
        if certified.mask[i]:
            assert not parsed.problems, (cells, parsed.problems)
            assert _same(records[int(lines[i])], parsed.record), (cells, parsed.record)
    return certified


def _same(left: list, right: list) -> bool:
    norm = [Decimal(v) if isinstance(v, int | Decimal) and not isinstance(v, bool) else v
            for v in left]
    other = [Decimal(v) if isinstance(v, int | Decimal) and not isinstance(v, bool) else v
             for v in right]
    return norm == other


def post_records(handler, certified) -> dict[int, list]:
    table = certified.tables.get("post")
    if table is None:
        return {}
    return {r[0]: list(r) for r in zip(*(c.to_pylist() for c in table.columns), strict=True)}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), optional=st.sets(st.sampled_from(sorted(set(POST_CELLS) - {
    "ref", "channel", "text"}))))
def test_posts_certified_rows_are_those_parse_takes(data, optional):
    names = ["ref", "channel", "text", *sorted(optional)]
    rows = data.draw(rows_of(POST_CELLS, GOOD_POST, names))
    check_agreement(posts_handler(set(names)), rows, names, post_records)


def test_plain_posts_are_certified():
    names = ["ref", "channel", "platform", "text", "format", "tags", "scheduled_at"]
    rows = [{"ref": f"P-{i}", "channel": "@acme", "platform": "instagram",
             "text": f"Post {i}: caffè", "format": "image", "tags": "a, b",
             "scheduled_at": f"2026-09-01T08:{i:02d}:00+00:00"} for i in range(50)]
    certified = check_agreement(posts_handler(set(names)), rows, names, post_records)
    assert certified.mask.all()


METRIC_CELLS = {
    "channel": texts("@acme_x", "@solo", "@acme", "instagram:@acme", "@nobody"),
    "platform": texts("", "x", "linkedin", "instagram"),
    "post": texts("", "P-1", "P-2", "P-9", "coso:1", "'P-1"),
    "day": texts("2026-09-01", "2026-02-30", "01/09/2026", "2026-9-1", "", "99999-01-01"),
    "metric": texts("impressions", "Video Views", "video-views", "revenue", "spend",
                    "followers", "nope", ""),
    "value": texts("0", "12", "9" * 16, "9" * 17, "1.5", "1,5", "-1", "", "١٢"),
    "currency": texts("", "EUR", "usd", "XXXX"),
    "raw_metric": texts("", "page_impressions", "x" * 300),
    "note": texts("", "nota", "n" * 2000),
}
POSTS_FOUND = {"P-1": (101, 2), "P-2": (102, 4)}


def metric_records(handler, certified) -> dict[int, list]:
    handler.apply_posts(certified, POSTS_FOUND)
    records = {}
    for name, table in certified.tables.items():
        for r in zip(*(c.to_pylist() for c in table.columns), strict=True):
            records[r[0]] = [name, *r]
    return records


def check_metrics(rows, names):
    handler = metrics_handler(set(names))
    lines = np.arange(2, len(rows) + 2, dtype=np.int64)
    certified = handler.certify(table_of(rows, names), lines)
    records = metric_records(handler, certified)
    for i, cells in enumerate(rows):
        line = int(lines[i])
        parsed = Parsed(RawRow(line, dict(cells), None))
        handler.parse(parsed, cells)
        if not certified.mask[i]:
            continue
        assert not parsed.problems, (cells, parsed.problems)
        record = list(parsed.record)
        if parsed.target.table == "post_metric":  # what `resolve` does with the ref
            ref, channel = handler._refs.pop(line)
            assert ref in POSTS_FOUND and POSTS_FOUND[ref][1] == channel, cells
            record[1] = POSTS_FOUND[ref][0]
        assert records[line][0] == parsed.target.table
        assert _same(records[line][1:], record), (cells, records[line], record)
    return certified


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), optional=st.sets(st.sampled_from(
    ["platform", "post", "currency", "raw_metric", "note"])))
def test_metrics_certified_rows_are_those_parse_takes(data, optional):
    names = ["channel", "day", "metric", "value", *sorted(optional)]
    rows = data.draw(rows_of(METRIC_CELLS, GOOD_METRIC, names))
    check_metrics(rows, names)


def test_plain_metrics_are_certified():
    names = ["channel", "platform", "post", "day", "metric", "value"]
    rows = [{"channel": "@acme_x", "platform": "x", "post": "P-1" if i % 2 else "",
             "day": "2026-09-01", "metric": "impressions", "value": str(i)} for i in range(40)]
    certified = check_metrics(rows, names)
    assert certified.mask.all()
