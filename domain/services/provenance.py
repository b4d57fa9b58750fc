"""Where a KPI figure came from: the stored rows it read, grouped by source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.db import raw_rows
from domain.models import ChannelMetric
from domain.rules.definitions import DEFINITIONS
from domain.rules.kpis import KPI_NAMES
from domain.rules.metric_catalog import CANONICAL_METRICS
from domain.services.analytics import (
    _ACCOUNT_LEVEL,
    _CHANNEL_OF,
    _JOIN_POST,
    _PAID_LEVEL,
    _POST_LEVEL,
    PAID_PREFIX,
    Subject,
    series_window,
)

_EXTRA_INPUTS = {  # KPIs without a definition text of their own
    "engagement_rate_by_impressions": ("reactions", "comments", "shares", "saves",
                                       "impressions"),
    "engagement_rate_by_followers": ("reactions", "comments", "shares", "saves", "followers"),
    "media_spend": ("spend",), "follower_growth": ("followers",),
    "amplification": ("shares", "followers"), "applause": ("reactions", "followers"),
    "conversation": ("comments", "followers"),
}


def kpi_inputs(kpi: str) -> tuple[str, ...]:
    """The stored metrics a KPI (or a canonical metric) is computed from; KeyError if unknown."""
    if kpi in DEFINITIONS:
        return DEFINITIONS[kpi].inputs
    if kpi in _EXTRA_INPUTS:
        return _EXTRA_INPUTS[kpi]
    if kpi in CANONICAL_METRICS:
        return (kpi,)
    raise KeyError(f"unknown KPI {kpi!r}; known: {', '.join((*KPI_NAMES, *CANONICAL_METRICS))}")


@dataclass(frozen=True, slots=True)
class SourceGroup:
    """Stored rows of one metric of one channel from one source, read into a figure."""

    metric: str  # canonical name; "paid:x" when only paid posts' rows count
    level: str  # ACCOUNT (channel_metric) or POST (post_metric)
    channel: int
    source_kind: str
    source_name: str
    source_version: str
    raw_metric: str
    rows: int
    first_day: date
    last_day: date
    fetched_from: datetime
    fetched_to: datetime


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def _groups(level: dict[Subject, tuple[str, str]], subject: Subject, pk: int,
                  start: date, end: date, metrics: Sequence[str], extra: str = ""
                  ) -> list[dict[str, Any]]:
    if not metrics:
        return []
    column, source = level[subject]
    if source == "post_metric m":  # a post's rows: join its post for the channel
        source = _JOIN_POST
    part = _CHANNEL_OF[source]
    conds = [f"{column} = {{}}", 'm."day" >= {}', 'm."day" <= {}',
             f'm."metric" IN ({", ".join("{}" for _ in metrics)})']
    if extra:
        conds.append(extra)
    keys = 'm."metric", m."source_kind", m."source_name", m."source_version", m."raw_metric"'
    return await raw_rows(
        ChannelMetric,
        f'SELECT {part} AS channel, {keys}, COUNT(*) AS n, '
        f'MIN(m."day") AS first_day, MAX(m."day") AS last_day, '
        f'MIN(m."fetched_at") AS fetched_from, MAX(m."fetched_at") AS fetched_to '
        f'FROM {source} WHERE {" AND ".join(conds)} GROUP BY {part}, {keys} '
        f'ORDER BY 2, 1, 3, 4, 5, 6',
        pk, start, end, *metrics)


async def _paid_groups(subject: Subject, pk: int, start: date, end: date, name: str
                       ) -> list[dict[str, Any]]:
    """Rows of `name` and of spend on the post-days reporting both (what CPM/CPC read)."""
    column = _PAID_LEVEL[subject][0]
    out = []
    for row_alias, label in (("x", name), ("s", f"spend/{name}")):
        keys = ", ".join(f'{row_alias}."{c}"' for c in
                         ("source_kind", "source_name", "source_version", "raw_metric"))
        rows = await raw_rows(
            ChannelMetric,
            f'SELECT p."channel" AS channel, {keys}, COUNT(*) AS n, '
            f'MIN({row_alias}."day") AS first_day, MAX({row_alias}."day") AS last_day, '
            f'MIN({row_alias}."fetched_at") AS fetched_from, '
            f'MAX({row_alias}."fetched_at") AS fetched_to '
            'FROM post_metric s JOIN post p ON p."id" = s."post" '
            'JOIN post_metric x ON x."post" = s."post" AND x."day" = s."day" '
            f'WHERE {column} = {{}} AND s."metric" = \'spend\' AND x."metric" = {{}} '
            'AND s."day" >= {} AND s."day" <= {} '
            f'GROUP BY p."channel", {keys}',
            pk, name, start, end)
        out += [{**row, "metric": label} for row in rows]
    return out


def _group(row: dict[str, Any], level: str, prefix: str = "") -> SourceGroup:
    return SourceGroup(prefix + row["metric"], level, row["channel"], row["source_kind"],
                       row["source_name"], row["source_version"], row["raw_metric"],
                       int(row["n"]), _day(row["first_day"]), _day(row["last_day"]),
                       _when(row["fetched_from"]), _when(row["fetched_to"]))


async def kpi_sources(subject: Subject, pk: int, kpi: str, start: date, end: date
                      ) -> list[SourceGroup]:
    """The rows `analytics` reads for `kpi` of one subject over [start, end], by source.

    Channels and brands follow the same per-channel choice as `load_series`: a channel's
    account-level rows of a metric when it has any in the window, else its posts' rows.
    """
    inputs = kpi_inputs(kpi)
    plain = tuple(sorted({m for m in inputs if not m.startswith(PAID_PREFIX)}))
    paid = tuple(sorted({m.removeprefix(PAID_PREFIX) for m in inputs
                         if m.startswith(PAID_PREFIX)}))
    # Followers at the start of the period is the day before's stock.
    first = series_window(start) if "followers" in plain else start
    post = [_group(r, "POST") for r in await _groups(_POST_LEVEL, subject, pk, first, end,
                                                     plain)]
    out = post
    if subject in _ACCOUNT_LEVEL:
        account = [_group(r, "ACCOUNT")
                   for r in await _groups(_ACCOUNT_LEVEL, subject, pk, first, end, plain)]
        chosen = {(g.channel, g.metric) for g in account}
        out = [g for g in post if (g.channel, g.metric) not in chosen] + account
    for name in paid:
        out += [_group(r, "POST", PAID_PREFIX) for r in await _paid_groups(subject, pk, start,
                                                                          end, name)]
    return sorted(out, key=lambda g: (g.metric, g.channel, g.level, g.source_kind,
                                      g.source_name, g.source_version, g.raw_metric))
