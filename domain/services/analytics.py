"""Metric series and KPIs of posts, channels, campaigns and brands: one reading for API and reports.

Aggregates follow one rule: a channel or brand takes a metric from its account-level
rows where the platform reports them, else from the sum of its posts' rows; a campaign
is the sum of its posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.db import raw_rows
from domain.models import ChannelMetric, PostMetric
from domain.rules import kpis as rules

_EXACT = Decimal("0.0001")
_WHOLE = Decimal(1)
_CENT = Decimal("0.01")


class Subject(StrEnum):
    POST = "POST"
    CHANNEL = "CHANNEL"
    CAMPAIGN = "CAMPAIGN"
    BRAND = "BRAND"


@dataclass(slots=True)
class Series:
    """One metric's days in order; `currency` set for money metrics."""

    metric: str
    points: list[tuple[date, Decimal]] = field(default_factory=list)
    currency: str | None = None


SubjectSeries = dict[str, Series]  # metric → series

# (subject column, FROM clause) per level; every query yields subject, metric, day, value.
_POST_LEVEL = {
    Subject.POST: ('m."post"', 'post_metric m'),
    Subject.CHANNEL: ('p."channel"', 'post_metric m JOIN post p ON p."id" = m."post"'),
    Subject.CAMPAIGN: ('p."campaign"', 'post_metric m JOIN post p ON p."id" = m."post"'),
    Subject.BRAND: ('p."brand"', 'post_metric m JOIN post p ON p."id" = m."post"'),
}
_ACCOUNT_LEVEL = {
    Subject.CHANNEL: ('m."channel"', 'channel_metric m'),
    Subject.BRAND: ('c."brand"', 'channel_metric m JOIN channel c ON c."id" = m."channel"'),
}


def exact_decimal(value: Any) -> Decimal:
    """A stored value as the API shows it on either engine: "1403", "12.5", never "1403.0000".

    SQLite stores NUMERIC as REAL, so its sums come back as floats: back to 4 places first.
    """
    exact = (value if isinstance(value, Decimal) else Decimal(repr(value))).quantize(_EXACT)
    if exact == exact.to_integral_value():
        return exact.quantize(_WHOLE)
    return exact.normalize()


async def _level_rows(
    level: dict[Subject, tuple[str, str]], subject: Subject, ids: Sequence[int],
    start: date, end: date, names: tuple[str, ...] | None,
) -> list[dict[str, Any]]:
    if not ids:
        return []
    column, source = level[subject]
    args: list[Any] = [*ids, start, end]
    conds = [f'{column} IN ({", ".join("{}" for _ in ids)})', 'm."day" >= {}', 'm."day" <= {}']
    if names is not None:
        if not names:
            return []
        conds.append(f'm."metric" IN ({", ".join("{}" for _ in names)})')
        args += names
    table = PostMetric if "post_metric" in source else ChannelMetric
    return await raw_rows(
        table,
        f'SELECT {column} AS subject, m."metric" AS metric, m."day" AS day, '
        f'SUM(m."value") AS value, MAX(m."currency") AS currency FROM {source} '
        f'WHERE {" AND ".join(conds)} GROUP BY {column}, m."metric", m."day" ORDER BY 1, 2, 3',
        *args,
    )


def _collect(rows: list[dict[str, Any]]) -> dict[int, SubjectSeries]:
    out: dict[int, SubjectSeries] = defaultdict(dict)
    for row in rows:
        series = out[row["subject"]].get(row["metric"])
        if series is None:
            series = out[row["subject"]][row["metric"]] = Series(row["metric"])
        day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(row["day"])
        series.points.append((day, exact_decimal(row["value"])))
        series.currency = series.currency or row["currency"]
    return out


async def load_series(
    subject: Subject, ids: Sequence[int], start: date, end: date,
    names: tuple[str, ...] | None = None,
) -> dict[int, SubjectSeries]:
    """Daily series of each subject id (every id present, {} when it has no data).

    Two queries at most: post-level rows, then account-level rows overriding them metric
    by metric for channels and brands.
    """
    id_list = sorted(set(ids))
    merged = _collect(await _level_rows(_POST_LEVEL, subject, id_list, start, end, names))
    if subject in _ACCOUNT_LEVEL:
        account = _collect(await _level_rows(_ACCOUNT_LEVEL, subject, id_list, start, end,
                                             names))
        for subject_id, by_metric in account.items():
            merged.setdefault(subject_id, {}).update(by_metric)
    return {pk: merged.get(pk, {}) for pk in id_list}


def prorated_production_cost(
    campaigns: Sequence[Mapping[str, Any]], start: date, end: date
) -> Decimal | None:
    """Each campaign's production cost times the share of its days inside the period."""
    total: Decimal | None = None
    for row in campaigns:
        cost = row["production_cost"]
        if cost is None:
            continue
        overlap = (min(end, row["ends_on"]) - max(start, row["starts_on"])).days + 1
        if overlap <= 0:
            continue
        days = (row["ends_on"] - row["starts_on"]).days + 1
        share = Decimal(cost) * overlap / days if days > 0 else Decimal(cost)
        total = (total or Decimal(0)) + share.quantize(_CENT)
    return total


@dataclass(frozen=True, slots=True)
class PeriodKpis:
    """A subject's totals and KPIs over [start, end]; None means missing or unknown."""

    start: date
    end: date
    totals: dict[str, Decimal]  # metrics present in the period only
    kpis: rules.Kpis
    production_cost: Decimal | None

    def total(self, name: str) -> Decimal | None:
        return self.totals.get(name)


def series_window(start: date) -> date:
    """The first day to load for `period_kpis`: the day before, for followers at the start."""
    return start - timedelta(days=1)


def period_kpis(
    by_metric: SubjectSeries, start: date, end: date, production_cost: Decimal | None,
) -> PeriodKpis:
    """KPIs from series loaded from `series_window(start)` to `end`."""
    totals: dict[str, Decimal | None] = {}
    for name, series in by_metric.items():
        in_period = [(d, v) for d, v in series.points if start <= d <= end]
        totals[name] = rules.period_value(name, in_period)
    # Followers "at the start" is the stock at the end of the day before, else the first
    # day of the period that has one (the API has always read it this way).
    points = by_metric["followers"].points if "followers" in by_metric else []
    eve = start - timedelta(days=1)
    at_start = next((v for d, v in points if d == eve), None)
    if at_start is None:
        at_start = next((v for d, v in points if start <= d <= end), None)
    kpis = rules.compute_kpis(
        totals,
        followers_start=at_start,
        followers_end=totals.get("followers"),
        production_cost=production_cost,
    )
    present = {name: value for name, value in sorted(totals.items()) if value is not None}
    return PeriodKpis(start, end, present, kpis, production_cost)


async def subject_kpis(
    subject: Subject, ids: Sequence[int], start: date, end: date,
    production_cost: Mapping[int, Decimal | None] | None = None,
) -> dict[int, PeriodKpis]:
    """`period_kpis` of several subjects of one kind, from one batch of series."""
    series = await load_series(subject, ids, series_window(start), end)
    costs = production_cost or {}
    return {pk: period_kpis(by_metric, start, end, costs.get(pk))
            for pk, by_metric in series.items()}
