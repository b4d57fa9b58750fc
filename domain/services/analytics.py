"""Metric series and KPIs of posts, channels, campaigns and brands: one reading for API and reports.

Aggregates follow one rule: a channel or brand takes a metric from its account-level
rows where the platform reports them, else from the sum of its posts' rows; a campaign
is the sum of its posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.db import raw_rows
from domain.enums import ChannelStatus
from domain.models import ChannelMetric, PostMetric
from domain.rules import kpis as rules
from domain.rules.metric_catalog import CANONICAL_METRICS, Aggregation

_EXACT = Decimal("0.0001")
_WHOLE = Decimal(1)
_CENT = Decimal("0.01")


class Subject(StrEnum):
    POST = "POST"
    CHANNEL = "CHANNEL"
    CAMPAIGN = "CAMPAIGN"
    BRAND = "BRAND"


@dataclass(frozen=True, slots=True)
class PointSource:
    """Where one day's value came from: the rows added up, and their provenance where
    they all agree (None where they differ: ask `provenance.kpi_sources` for the split)."""

    rows: int
    source_kind: str | None
    source_name: str | None
    source_version: str | None
    raw_metric: str | None
    fetched_at: datetime | None  # the latest fetch among the rows

    def merge(self, other: PointSource) -> PointSource:
        def same(a: str | None, b: str | None) -> str | None:
            return a if a == b else None

        latest = max((t for t in (self.fetched_at, other.fetched_at) if t), default=None)
        return PointSource(self.rows + other.rows, same(self.source_kind, other.source_kind),
                           same(self.source_name, other.source_name),
                           same(self.source_version, other.source_version),
                           same(self.raw_metric, other.raw_metric), latest)


@dataclass(slots=True)
class Series:
    """One metric's days in order; `currency` set for money metrics; `sources` by day."""

    metric: str
    points: list[tuple[date, Decimal]] = field(default_factory=list)
    currency: str | None = None
    sources: dict[date, PointSource] = field(default_factory=dict)


SubjectSeries = dict[str, Series]  # metric → series

# Paid content's figures, keyed "paid:<metric>" and "paid:spend/<metric>" beside the
# canonical series: the impressions (clicks) and the spend of the same post-days, the days a
# post reports both. CPM and CPC divide one by the other (see domain.rules.definitions), so
# organic impressions never dilute them and spend without a count never inflates them.
# Not canonical metrics: the API's `metrics` leaves them out.
PAID_PREFIX = "paid:"
PAID_METRICS = ("impressions", "clicks")

_JOIN_POST = 'post_metric m JOIN post p ON p."id" = m."post"'
# (subject column, FROM clause) per level; every query yields subject, metric, day, value.
_POST_LEVEL = {
    Subject.POST: ('m."post"', 'post_metric m'),
    Subject.CHANNEL: ('p."channel"', _JOIN_POST),
    Subject.CAMPAIGN: ('p."campaign"', _JOIN_POST),
    Subject.BRAND: ('p."brand"', _JOIN_POST),
}
_ACCOUNT_LEVEL = {
    Subject.CHANNEL: ('m."channel"', 'channel_metric m'),
    Subject.BRAND: ('c."brand"', 'channel_metric m JOIN channel c ON c."id" = m."channel"'),
}
_PAID_LEVEL = {**_POST_LEVEL, Subject.POST: ('m."post"', _JOIN_POST)}
_PAID_LEVEL = {k: (c.replace('m."', 's."'), f) for k, (c, f) in _PAID_LEVEL.items()}
# The channel each row belongs to, so a brand chooses account or post rows channel by channel.
_CHANNEL_OF = {'post_metric m': 'p."channel"', _JOIN_POST: 'p."channel"',
               'channel_metric m JOIN channel c ON c."id" = m."channel"': 'm."channel"',
               'channel_metric m': 'm."channel"'}


# Each (subject, metric, day) sums rows: their count and provenance, equal or not.
_PROVENANCE = ", ".join(
    [f'MIN(m."{c}") AS {c}_lo, MAX(m."{c}") AS {c}_hi'
     for c in ("source_kind", "source_name", "source_version", "raw_metric")]
    + ['COUNT(*) AS n', 'MAX(m."fetched_at") AS fetched_at'])


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
    start: date, end: date, names: tuple[str, ...] | None, *, by_channel: bool = False,
    extra: str = "",
) -> list[dict[str, Any]]:
    if not ids:
        return []
    column, source = level[subject]
    args: list[Any] = [*ids, start, end]
    conds = [f'{column} IN ({", ".join("{}" for _ in ids)})', 'm."day" >= {}', 'm."day" <= {}']
    if extra:
        conds.append(extra)
    if names is not None:
        if not names:
            return []
        conds.append(f'm."metric" IN ({", ".join("{}" for _ in names)})')
        args += names
    part = _CHANNEL_OF[source] if by_channel else "NULL"
    group = f"{column}, {part}" if by_channel else column  # a bare constant is a position
    table = PostMetric if "post_metric" in source else ChannelMetric
    return await raw_rows(
        table,
        f'SELECT {column} AS subject, {part} AS part, m."metric" AS metric, m."day" AS day, '
        f'SUM(m."value") AS value, MAX(m."currency") AS currency, {_PROVENANCE} FROM {source} '
        f'WHERE {" AND ".join(conds)} GROUP BY {group}, m."metric", m."day" '
        f'ORDER BY 1, 3, 4',
        *args,
    )


def _fetched(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _point_source(row: Mapping[str, Any]) -> PointSource:
    def agreed(name: str) -> str | None:
        low, high = row[f"{name}_lo"], row[f"{name}_hi"]
        return low if low == high else None

    return PointSource(int(row["n"]), agreed("source_kind"), agreed("source_name"),
                       agreed("source_version"), agreed("raw_metric"),
                       _fetched(row["fetched_at"]))


def _collect(rows: list[dict[str, Any]], prefix: str = "", *, provenance: bool = True
             ) -> dict[int, SubjectSeries]:
    """Series per subject; rows of several parts (channels) on one day are added up. Without
    `provenance`, no point sources (the dashboards do not show them)."""
    sums: dict[int, dict[str, dict[date, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    sources: dict[tuple[int, str], dict[date, PointSource]] = defaultdict(dict)
    currency: dict[tuple[int, str], str | None] = {}
    for row in rows:
        day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(row["day"])
        name = prefix + row["metric"]
        days = sums[row["subject"]][name]
        days[day] = days.get(day, Decimal(0)) + exact_decimal(row["value"])
        key = (row["subject"], name)
        currency[key] = currency.get(key) or row["currency"]
        if not provenance:
            continue
        source, known = _point_source(row), sources[key].get(day)
        sources[key][day] = source if known is None else known.merge(source)
    return {subject: {name: Series(name, sorted(days.items()), currency[(subject, name)],
                                   sources[(subject, name)])
                      for name, days in by_name.items()}
            for subject, by_name in sums.items()}


async def _paid_rows(column: str, scope: str, ids: Sequence[int], start: date, end: date,
                     *, daily: bool = True) -> list[dict[str, Any]]:
    """Paid impressions and clicks with the spend of the same post-days, per `column`
    (over `s`, the spend rows, and `p`, their posts) and metric: per day, or (`daily`
    False) over the whole window (day NULL)."""
    marks = ", ".join("{}" for _ in ids)
    day = 's."day"' if daily else "NULL"
    by_day = ', s."day"' if daily else ""
    return await raw_rows(
        PostMetric,
        f'SELECT {scope} AS scope, {column} AS subject, x."metric" AS metric, {day} AS day, '
        'SUM(x."value") AS value, SUM(s."value") AS spend, MAX(s."currency") AS currency '
        'FROM post_metric s JOIN post p ON p."id" = s."post" '
        'JOIN post_metric x ON x."post" = s."post" AND x."day" = s."day" '
        f'WHERE {scope} IN ({marks}) AND s."metric" = \'spend\' '
        f'AND x."metric" IN ({", ".join("{}" for _ in PAID_METRICS)}) '
        'AND s."day" >= {} AND s."day" <= {} '
        f'GROUP BY {scope}, {column}, x."metric"{by_day}',
        *ids, *PAID_METRICS, start, end)


def _paid_collect(rows: list[dict[str, Any]], key: str = "subject", dated: date | None = None
                  ) -> dict[Any, SubjectSeries]:
    """paid:* series per row[key] ("subject", or "pair": (scope, subject)); rows without a
    day are dated `dated`."""
    out: dict[Any, SubjectSeries] = defaultdict(dict)
    for row in rows:
        row["pair"] = (row["scope"], row["subject"])
        day = dated if row["day"] is None else row["day"] if isinstance(
            row["day"], date) else date.fromisoformat(str(row["day"])[:10])
        assert day is not None
        for name, value, currency in ((row["metric"], row["value"], None),
                                      (f"spend/{row['metric']}", row["spend"],
                                       row["currency"])):
            name_key = PAID_PREFIX + name
            series = out[row[key]].setdefault(name_key, Series(name_key, currency=currency))
            series.points.append((day, exact_decimal(value)))
    for by_metric in out.values():
        for series in by_metric.values():
            series.points.sort()
    return out


async def _paid_series(subject: Subject, ids: Sequence[int], start: date, end: date
                       ) -> dict[int, SubjectSeries]:
    """paid:impressions, paid:clicks and the spend of the same post-days (paid:spend/…)."""
    if not ids:
        return {}
    column = _PAID_LEVEL[subject][0]
    return _paid_collect(await _paid_rows(column, column, ids, start, end))


async def load_series(
    subject: Subject, ids: Sequence[int], start: date, end: date,
    names: tuple[str, ...] | None = None, *, paid: bool = False, provenance: bool = True,
) -> dict[int, SubjectSeries]:
    """Daily series of each subject id (every id present, {} when it has no data).

    Channels and brands take a metric channel by channel: from the channel's account-level
    rows where it has any for that metric in the window, else from the sum of its posts'
    rows. With `paid`, also the paid:* series CPM and CPC read (see PAID_PREFIX); without
    `provenance`, no point sources.
    """
    id_list = sorted(set(ids))
    if subject is Subject.POST:
        rows = await _level_rows(_POST_LEVEL, subject, id_list, start, end, names)
    else:  # brands, channels and campaigns read the daily rollups (domain.services.rollups)
        rows = await _rollup_rows(subject, id_list, start, end, names)
    merged = _collect(rows, provenance=provenance)
    if paid:
        paid_series = (await _paid_series(subject, id_list, start, end)
                       if subject is Subject.POST
                       else await _rollup_paid(subject, id_list, start, end))
        for subject_id, by_metric in paid_series.items():
            merged.setdefault(subject_id, {}).update(by_metric)
    return {pk: merged.get(pk, {}) for pk in id_list}


_ROLLUP_COLUMN = {Subject.BRAND: 'r."brand"', Subject.CHANNEL: 'r."channel"',
                  Subject.CAMPAIGN: 'r."campaign"'}
_ROLLUP_PROVENANCE = ", ".join(
    [f'MIN(r."{c}_lo") AS {c}_lo, MAX(r."{c}_hi") AS {c}_hi'
     for c in ("source_kind", "source_name", "source_version", "raw_metric")]
    + ['SUM(r."row_count") AS n', 'MAX(r."fetched_at") AS fetched_at'])


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("{}" for _ in values)


async def _rollup_rows(subject: Subject, ids: Sequence[int], start: date, end: date,
                       names: tuple[str, ...] | None) -> list[dict[str, Any]]:
    """Rows shaped as `_level_rows` gives them (one per subject, metric and day), from the
    daily rollups: for brands and channels, a channel's account rows of a metric where it
    has any in the window, else its posts' (the choice made in SQL, channel by channel);
    for campaigns, their posts'."""
    if not ids or names == ():
        return []
    column = _ROLLUP_COLUMN[subject]
    args: list[Any] = [*ids, start, end]
    # Posts' rows added up over format, pillar and media type (rollups.ALL); account
    # rows have no such split.
    conds = [f"{column} IN ({_marks(ids)})", "r.\"grain\" = 'DAY'",
             'r."period_start" >= {}', 'r."period_start" <= {}',
             "r.\"metric\" NOT LIKE 'paid:%'", "r.\"format\" IN ('*', '')"]
    if names is not None:
        conds.append(f'r."metric" IN ({_marks(names)})')
        args += names
    if subject in _ACCOUNT_LEVEL:
        # Not correlated, so it is computed once (a hashed subplan), not per row.
        owner = column.replace("r.", "a.", 1)
        conds.append(
            "(r.\"level\" = 'ACCOUNT' OR (r.\"channel\", r.\"metric\") NOT IN (SELECT "
            f'a."channel", a."metric" FROM metric_rollup a WHERE {owner} IN '
            f"({_marks(ids)}) AND a.\"grain\" = 'DAY' AND a.\"level\" = 'ACCOUNT' "
            'AND a."period_start" >= {} AND a."period_start" <= {}))')
        args += [*ids, start, end]
    else:
        conds.append("r.\"level\" = 'POST'")
    return await raw_rows(
        PostMetric,
        f'SELECT {column} AS subject, NULL AS part, r."metric" AS metric, '
        f'r."period_start" AS day, SUM(r."value") AS value, MAX(r."currency") AS currency, '
        f'{_ROLLUP_PROVENANCE} FROM metric_rollup r WHERE {" AND ".join(conds)} '
        f'GROUP BY {column}, r."metric", r."period_start" ORDER BY 1, 3, 4', *args)


async def _rollup_paid(subject: Subject, ids: Sequence[int], start: date, end: date
                       ) -> dict[int, SubjectSeries]:
    """The paid:* series (see PAID_PREFIX) from the daily rollups."""
    if not ids:
        return {}
    column = _ROLLUP_COLUMN[subject]
    rows = await raw_rows(
        PostMetric,
        f'SELECT {column} AS subject, r."metric" AS metric, r."period_start" AS day, '
        'SUM(r."value") AS value, MAX(r."currency") AS currency FROM metric_rollup r '
        f"WHERE {column} IN ({_marks(ids)}) AND r.\"grain\" = 'DAY' "
        "AND r.\"level\" = 'POST' AND r.\"format\" = '*' AND r.\"metric\" LIKE 'paid:%' "
        'AND r."period_start" >= {} AND r."period_start" <= {} '
        f'GROUP BY {column}, r."metric", r."period_start" ORDER BY 1, 2, 3',
        *ids, start, end)
    out: dict[int, SubjectSeries] = defaultdict(dict)
    for row in rows:
        series = out[row["subject"]].setdefault(
            row["metric"], Series(row["metric"], currency=row["currency"]))
        series.currency = series.currency or row["currency"]
        series.points.append((_as_day(row["day"]), exact_decimal(row["value"])))
    return dict(out)


def _as_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def prorated_production_cost(
    campaigns: Sequence[Mapping[str, Any]], start: date, end: date
) -> Decimal | None:
    """Each campaign's production cost times the share of its days inside the period.

    Unknown (None), never 0, when no campaign covers a day of the period or one that does
    has no production cost recorded: an unknown part would make the sum look cheaper.
    """
    total: Decimal | None = None
    for row in campaigns:
        overlap = (min(end, row["ends_on"]) - max(start, row["starts_on"])).days + 1
        if overlap <= 0:
            continue
        cost = row["production_cost"]
        if cost is None:
            return None
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
    paid: dict[str, Decimal] = field(default_factory=dict)  # "impressions", "spend/clicks", …

    def total(self, name: str) -> Decimal | None:
        return self.totals.get(name)


def series_window(start: date) -> date:
    """The first day to load for `period_kpis`: the day before, for followers at the start."""
    return start - timedelta(days=1)


def period_kpis(
    by_metric: SubjectSeries, start: date, end: date, production_cost: Decimal | None,
) -> PeriodKpis:
    """KPIs from series loaded from `series_window(start)` to `end` (with `paid=True`)."""
    totals: dict[str, Decimal | None] = {}
    paid: dict[str, Decimal] = {}
    for name, series in by_metric.items():
        in_period = [(d, v) for d, v in series.points if start <= d <= end]
        if name.startswith(PAID_PREFIX):
            if in_period:
                paid[name.removeprefix(PAID_PREFIX)] = sum((v for _, v in in_period),
                                                           Decimal(0))
            continue
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
        paid_impressions=(paid.get("spend/impressions"), paid.get("impressions")),
        paid_clicks=(paid.get("spend/clicks"), paid.get("clicks")),
    )
    present = {name: value for name, value in sorted(totals.items()) if value is not None}
    return PeriodKpis(start, end, present, kpis, production_cost, paid)


async def subject_kpis(
    subject: Subject, ids: Sequence[int], start: date, end: date,
    production_cost: Mapping[int, Decimal | None] | None = None,
) -> dict[int, PeriodKpis]:
    """`period_kpis` of several subjects of one kind, from one batch of series."""
    series = await load_series(subject, ids, series_window(start), end, paid=True)
    costs = production_cost or {}
    return {pk: period_kpis(by_metric, start, end, costs.get(pk))
            for pk, by_metric in series.items()}


def kpi_value(period: PeriodKpis, name: str) -> Decimal | None:
    """A KPI of the BRIEF, a canonical metric's period total, production cost, or a paid
    figure ("paid:impressions", "paid:spend/clicks"), by its snake_case name."""
    if name.startswith(PAID_PREFIX):
        return period.paid.get(name.removeprefix(PAID_PREFIX))
    if hasattr(period.kpis, name):
        value: Decimal | None = getattr(period.kpis, name)
        return value
    if name == "production_cost":
        return period.production_cost
    return period.total(name)


# Post columns a subject's posts can be grouped by: dimension → column of `post`.
GROUP_COLUMNS = {"channel": "channel", "format": "format", "pillar": "pillar",
                 "media_type": "media_type", "campaign": "campaign", "post": "id"}
_SCOPE_COLUMN = {Subject.BRAND: 'p."brand"', Subject.CAMPAIGN: 'p."campaign"',
                 Subject.CHANNEL: 'p."channel"', Subject.POST: 'p."id"'}
# Stocks (followers) are not summed over days, and are channel-level only anyway.
_FLOWS = tuple(n for n, m in CANONICAL_METRICS.items() if m.aggregation is Aggregation.SUM)


async def load_group_totals(
    scope: Subject, ids: Sequence[int], by: str, start: date, end: date,
) -> dict[int, dict[Any, SubjectSeries]]:
    """Per scope id, its posts grouped by `by` (a GROUP_COLUMNS key; None is the group of
    posts without a value, e.g. without a campaign): each group's totals over [start, end]
    of the summed metrics and the paid:* figures, as one point dated `start` per metric,
    ready for `period_kpis(…, start, end, …)`. From the rollups (whole months and weeks
    from theirs, the days around them from the daily ones), but per post from the raw rows.

    A brand's or channel's channels are read as `load_series` reads them: a channel's
    account rows of a metric where it has any in the period, else its posts'; their
    stocks (followers) come day by day from the day before `start`. Any other split, and
    a campaign's channels, add up posts only."""
    id_list = sorted(set(ids))
    if not id_list:
        return {}
    if by == "post":
        return await _post_totals(scope, id_list, start, end)
    from domain.services.rollups import cover  # rollups reads no analytics: no cycle

    column, group = _ROLLUP_COLUMN[scope], f'r."{GROUP_COLUMNS[by]}"'
    pieces: list[str] = []
    spans: list[Any] = []
    for grain, starts in cover(start, end).items():
        if starts:
            pieces.append(f"(r.\"grain\" = '{grain}' AND r.\"period_start\" IN "
                          f"({_marks(starts)}))")
            spans += starts
    within = " OR ".join(pieces)
    accounts = by == "channel" and scope in _ACCOUNT_LEVEL
    args: list[Any] = [*id_list, *_STOCKS, *spans]
    if accounts:
        # Not correlated, so computed once: the (channel, metric)s with account rows.
        level = ("(r.\"level\" = 'ACCOUNT' OR (r.\"channel\", r.\"metric\") NOT IN (SELECT "
                 f'r."channel", r."metric" FROM metric_rollup r WHERE {column} IN '
                 f"({_marks(id_list)}) AND r.\"level\" = 'ACCOUNT' AND ({within})))")
        args += [*id_list, *spans]
    else:
        level = "r.\"level\" = 'POST'"
    # Channels and campaigns from the rows added up over format, pillar and media type.
    split = ("r.\"format\" IN ('*', '')" if by in ("channel", "campaign")
             else "r.\"format\" NOT IN ('*', '')")
    rows = await raw_rows(
        PostMetric,
        f'SELECT {column} AS scope, {group} AS subject, r."metric" AS metric, '
        'SUM(r."value") AS value, MAX(r."currency") AS currency FROM metric_rollup r '
        f"WHERE {column} IN ({_marks(id_list)}) AND {split} "
        f'AND r."metric" NOT IN ({_marks(_STOCKS)}) AND ({within}) AND {level} '
        f'GROUP BY {column}, {group}, r."metric"', *args)
    out: dict[int, dict[Any, SubjectSeries]] = {pk: {} for pk in id_list}
    for row in rows:
        key = None if by == "campaign" and row["subject"] == 0 else row["subject"]
        out[row["scope"]].setdefault(key, {})[row["metric"]] = Series(
            row["metric"], [(start, exact_decimal(row["value"]))], row["currency"])
    if accounts:
        for row in await raw_rows(
                PostMetric,
                f'SELECT {column} AS scope, r."channel" AS subject, r."metric" AS metric, '
                'r."period_start" AS day, SUM(r."value") AS value FROM metric_rollup r '
                f"WHERE {column} IN ({_marks(id_list)}) AND r.\"grain\" = 'DAY' "
                f"AND r.\"level\" = 'ACCOUNT' AND r.\"metric\" IN ({_marks(_STOCKS)}) "
                'AND r."period_start" >= {} AND r."period_start" <= {} '
                f'GROUP BY {column}, r."channel", r."metric", r."period_start" '
                'ORDER BY 4', *id_list, *_STOCKS, series_window(start), end):
            series = out[row["scope"]].setdefault(row["subject"], {}).setdefault(
                row["metric"], Series(row["metric"]))
            series.points.append((_as_day(row["day"]), exact_decimal(row["value"])))
    return out


_STOCKS = tuple(n for n, m in CANONICAL_METRICS.items() if m.aggregation is Aggregation.LAST)


async def _post_totals(scope: Subject, id_list: list[int], start: date, end: date
                       ) -> dict[int, dict[Any, SubjectSeries]]:
    """`load_group_totals` per post, from the raw rows."""
    scope_column, column = _SCOPE_COLUMN[scope], 'p."id"'
    marks = ", ".join("{}" for _ in id_list)
    rows = await raw_rows(
        PostMetric,
        f'SELECT {scope_column} AS scope, {column} AS subject, m."metric" AS metric, '
        f'SUM(m."value") AS value, MAX(m."currency") AS currency FROM {_JOIN_POST} '
        f'WHERE {scope_column} IN ({marks}) AND m."day" >= {{}} AND m."day" <= {{}} '
        f'AND m."metric" IN ({", ".join("{}" for _ in _FLOWS)}) '
        f'GROUP BY {scope_column}, {column}, m."metric"',
        *id_list, start, end, *_FLOWS)
    out: dict[int, dict[Any, SubjectSeries]] = {pk: {} for pk in id_list}
    for row in rows:
        group = out[row["scope"]].setdefault(row["subject"], {})
        group[row["metric"]] = Series(row["metric"], [(start, exact_decimal(row["value"]))],
                                      row["currency"])
    paid = await _paid_rows(column, scope_column, id_list, start, end, daily=False)
    for (pk, key), by_metric in _paid_collect(paid, "pair", start).items():
        out[pk].setdefault(key, {}).update(by_metric)
    return out


@dataclass(frozen=True, slots=True)
class Published:
    post: int
    channel: int
    at: datetime


async def published_posts(scope: Subject, ids: Sequence[int], lower: datetime, upper: datetime
                          ) -> dict[int, list[Published]]:
    """Per scope id, its posts published in [lower, upper), in id order."""
    id_list = sorted(set(ids))
    out: dict[int, list[Published]] = {pk: [] for pk in id_list}
    if not id_list:
        return out
    column = _SCOPE_COLUMN[scope]
    rows = await raw_rows(
        PostMetric,
        f'SELECT {column} AS scope, p."id" AS post, p."channel" AS channel, '
        f'p."published_at" AS at FROM post p WHERE {column} IN '
        f'({", ".join("{}" for _ in id_list)}) AND p."published_at" >= {{}} '
        'AND p."published_at" < {} ORDER BY p."id"', *id_list, lower, upper)
    for row in rows:
        at = row["at"] if isinstance(row["at"], datetime) else datetime.fromisoformat(
            str(row["at"]))
        out[row["scope"]].append(Published(row["post"], row["channel"], at))
    return out


# --- completeness -------------------------------------------------------------------------

_CHANNELS_OF = {
    Subject.BRAND: 'SELECT c."brand" AS subject, c."id" AS channel FROM channel c '
                   'WHERE c."brand" IN ({ids})',
    Subject.CHANNEL: 'SELECT c."id" AS subject, c."id" AS channel FROM channel c '
                     'WHERE c."id" IN ({ids})',
    Subject.CAMPAIGN: 'SELECT DISTINCT p."campaign" AS subject, p."channel" AS channel '
                      'FROM post p WHERE p."campaign" IN ({ids})',
    Subject.POST: 'SELECT p."id" AS subject, p."channel" AS channel FROM post p '
                  'WHERE p."id" IN ({ids})',
}


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def channel_data_through(channel_ids: Sequence[int]) -> dict[int, date | None]:
    """The last day each channel's data is complete through: its sync watermark, else (a
    channel fed by imports or by hand) the last day it has any row; None with no data."""
    return {pk: last for pk, (last, _) in (await _channel_progress(channel_ids)).items()}


async def _channel_progress(channel_ids: Sequence[int]
                            ) -> dict[int, tuple[date | None, bool]]:
    """Each channel's last complete day (as `channel_data_through`) and whether it is
    connected."""
    ids = sorted(set(channel_ids))
    if not ids:
        return {}
    marks = ", ".join("{}" for _ in ids)
    rows = await raw_rows(
        ChannelMetric,
        'SELECT c."id" AS channel, c."status" AS status, c."metrics_watermark" AS watermark, '
        # The last day with any row, account or post: from the daily rollups (an index
        # lookup), not a scan of every post's rows.
        '(SELECT MAX(r."period_start") FROM metric_rollup r WHERE r."channel" = c."id" '
        "AND r.\"grain\" = 'DAY') AS last FROM channel c "
        f'WHERE c."id" IN ({marks})', *ids)
    out: dict[int, tuple[date | None, bool]] = {}
    for row in rows:
        watermark = _as_date(row["watermark"])
        last = [d for d in (_as_date(row["last"]),) if d]
        out[row["channel"]] = (watermark if watermark is not None else max(last, default=None),
                               row["status"] != ChannelStatus.DISCONNECTED)
    return out


# A channel that is not connected and whose data stopped this many days before yesterday
# has stopped (disconnected, or no longer imported), it is not late: waiting for it would
# leave every later period of its brand partial for good.
STOPPED_AFTER_DAYS = 7


async def complete_through(subject: Subject, ids: Sequence[int], today: date
                           ) -> dict[int, date]:
    """For each subject, the last day its data is complete: the day before `today` at the
    latest, and no later than the channel that is furthest behind. Channels with no data
    at all, and channels that stopped (not connected, nothing for `STOPPED_AFTER_DAYS`),
    are not waited for; a connected channel whose sync lags is. A period ending after this
    day is partial."""
    id_list = sorted(set(ids))
    if not id_list:
        return {}
    sql = _CHANNELS_OF[subject].format(ids=", ".join("{}" for _ in id_list))
    pairs = await raw_rows(ChannelMetric, sql, *id_list)
    progress = await _channel_progress([r["channel"] for r in pairs if r["channel"]])
    yesterday = today - timedelta(days=1)
    stopped_before = yesterday - timedelta(days=STOPPED_AFTER_DAYS)
    out = {pk: yesterday for pk in id_list}
    for row in pairs:
        last, connected = progress.get(row["channel"], (None, False))
        if last is not None and not connected and last < stopped_before:
            continue
        if last is not None and row["subject"] in out:
            out[row["subject"]] = min(out[row["subject"]], last)
    return out


def measured_end(start: date, end: date, through: date | None) -> date:
    """The last day a period's figures are read to: `end`, or the last complete day
    (which is before `start` when no day of the period is complete yet)."""
    if through is None or through >= end:
        return end
    return max(through, start - timedelta(days=1))
