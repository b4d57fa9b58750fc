"""Dashboard figures of a brand, campaign or channel: buckets, comparisons, targets, breakdowns,
rankings, a heatmap and change attribution, all from `analytics` series and KPIs.

Every figure is read by name as `analytics.kpi_value` reads it (a KPI of the BRIEF, a
canonical metric or production cost) from `analytics.period_kpis`: the one KPI module.
The functions here compute from series already loaded (the API batches the loading with
its DataLoaders); none reads the database itself.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import ValidationFailed
from domain.rules import attribution as attr
from domain.rules import periods
from domain.rules.kpis import ADDITIVE_KPIS, KPI_NAMES, RATIO_PARTS, ratio
from domain.rules.metric_catalog import CANONICAL_METRICS, Aggregation
from domain.rules.targets import (
    CEILINGS,
    LOWER_IS_BETTER,
    TargetStatus,
    expected_by_now,
    target_status,
)
from domain.services.analytics import (
    PeriodKpis,
    Published,
    Series,
    SubjectSeries,
    kpi_value,
    period_kpis,
    series_window,
)

CostOf = Callable[[date, date], Decimal | None]
"""Production cost prorated over [start, end]; None where unknown (or not applicable)."""

FIGURE_NAMES = frozenset(KPI_NAMES) | frozenset(CANONICAL_METRICS) | {"production_cost"}
# Figures whose members add up to the total: a share of it means something.
ADDITIVE = (frozenset(n for n, m in CANONICAL_METRICS.items()
                      if m.aggregation is Aggregation.SUM)
            | ADDITIVE_KPIS | {"total_cost", "production_cost"})
MAX_RANKED = 50
"""The most posts `ranked` returns per list (`n` above it is refused)."""


class Dimension(StrEnum):
    CHANNEL = "channel"
    FORMAT = "format"
    PILLAR = "pillar"
    MEDIA_TYPE = "media_type"
    CAMPAIGN = "campaign"
    POST = "post"


class Against(StrEnum):
    PREVIOUS_PERIOD = "PREVIOUS_PERIOD"
    YEAR_EARLIER = "YEAR_EARLIER"


def check_figure(name: str, field: str = "metric") -> str:
    """`name` if it is a figure the dashboards know, else ValidationFailed UNKNOWN_METRIC."""
    if name not in FIGURE_NAMES:
        raise ValidationFailed.one(
            field, "UNKNOWN_METRIC",
            f"unknown metric or KPI {name!r}; known: {', '.join(sorted(FIGURE_NAMES))}")
    return name


def check_count(n: int, field: str = "n", limit: int = MAX_RANKED) -> int:
    if n < 1 or n > limit:
        raise ValidationFailed.one(field, "OUT_OF_RANGE",
                                   f"{field} must be from 1 to {limit}, not {n}")
    return n


def no_cost(start: date, end: date) -> Decimal | None:
    return None


Days = dict[str, list[date]]
"""Each series' days, in order: what `_slice` bisects."""


def days_of(by_metric: SubjectSeries) -> Days:
    return {name: [d for d, _ in series.points] for name, series in by_metric.items()}


def _slice(by_metric: SubjectSeries, lo: date, hi: date, days: Days | None = None
           ) -> SubjectSeries:
    """The points of [lo, hi] only (series are sorted by day), without copying the rest;
    `days` (from `days_of`) spares working them out again for every slice."""
    out: SubjectSeries = {}
    for name, series in by_metric.items():
        found = days[name] if days is not None else [d for d, _ in series.points]
        i, j = bisect_left(found, lo), bisect_right(found, hi)
        if i < j:
            out[name] = Series(name, series.points[i:j], series.currency)
    return out


def figures(by_metric: SubjectSeries, start: date, end: date,
            cost_of: CostOf = no_cost, days: Days | None = None) -> PeriodKpis | None:
    """KPIs over [start, end] from series loaded from `series_window(start)` at least; None
    when no day is measured (end before start)."""
    if end < start:
        return None
    window = _slice(by_metric, series_window(start), end, days)
    return period_kpis(window, start, end, cost_of(start, end))


# --- series by bucket ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Bucket:
    start: date  # the whole calendar day, week or month
    end: date
    first: date  # the days measured: inside the range asked and complete (last < first: none)
    last: date
    label: str
    value: Decimal | None

    @property
    def is_partial(self) -> bool:
        return (self.first, self.last) != (self.start, self.end)


def bucketed(by_metric: SubjectSeries, name: str, start: date, end: date, measured: date,
             granularity: periods.Granularity, locale: str, cost_of: CostOf = no_cost
             ) -> list[Bucket]:
    """`name` per day, week (starting on the locale's first weekday) or month over [start,
    end], from series loaded from `series_window(start)` to `end`. A bucket that reaches
    outside the range, or past `measured` (the last complete day), is measured on the days
    it has and flagged partial; one with no such day has no value."""
    week_start = periods.first_weekday(locale)
    days = days_of(by_metric)
    out = []
    for b_start, b_end in periods.buckets(start, end, granularity, week_start):
        first, last = max(b_start, start), min(b_end, end, measured)
        kpis = figures(by_metric, first, last, cost_of, days)
        out.append(Bucket(b_start, b_end, first, last,
                          periods.bucket_label(b_start, b_end, granularity, locale),
                          None if kpis is None else kpi_value(kpis, name)))
    return out


# --- comparisons ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Span:
    """A period's measured days and its KPIs (None when no day is measured)."""

    start: date
    end: date
    kpis: PeriodKpis | None


@dataclass(frozen=True, slots=True)
class Comparison:
    current: Span
    previous: Span
    year_earlier: Span

    def span(self, against: Against) -> Span:
        return self.previous if against is Against.PREVIOUS_PERIOD else self.year_earlier


def compared_spans(start: date, end: date, measured: date) -> tuple[tuple[date, date], ...]:
    """The current period's measured days, the previous period's and the year-earlier
    period's, the latter two cut to as many days when the current one is partial."""
    return ((start, measured), periods.compared_previous(start, end, measured),
            periods.compared_year_earlier(start, end, measured))


def comparison_window(start: date) -> date:
    """The first day of series `compare` needs: the year-earlier period's eve."""
    return series_window(periods.year_earlier_period(start, start)[0])


def compare(by_metric: SubjectSeries, start: date, end: date, measured: date,
            cost_of: CostOf = no_cost) -> Comparison:
    """The period against the previous one and the same one a year earlier, partial periods
    on equal days; series loaded from `comparison_window(start)` to `end`."""
    spans = [Span(a, b, figures(by_metric, a, b, cost_of))
             for a, b in compared_spans(start, end, measured)]
    return Comparison(*spans)


def relative_change(now: Decimal | None, then: Decimal | None) -> Decimal | None:
    """(now − then) / |then|; None when either is unknown or `then` is 0."""
    if now is None or then is None or then == 0:
        return None
    return ratio(now - then, abs(then))


# --- targets -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TargetResult:
    kpi: str
    target: Decimal
    actual: Decimal | None
    expected: Decimal | None
    days_measured: int
    days_total: int
    status: TargetStatus
    lower_is_better: bool


def evaluate_targets(targets: Iterable[tuple[str, Decimal]], by_metric: SubjectSeries,
                     start: date, end: date, measured: date, cost_of: CostOf = no_cost
                     ) -> list[TargetResult]:
    """Each target over [start, end] against the actual through `measured`, with its status
    by `domain.rules.targets.target_status`. A target naming no known figure is NO_DATA."""
    kpis = figures(by_metric, start, measured, cost_of)
    done, total = periods.elapsed_share(start, end, measured if measured >= start else None)
    out = []
    for name, target in targets:
        actual = kpi_value(kpis, name) if kpis is not None and name in FIGURE_NAMES else None
        out.append(TargetResult(name, target, actual,
                                expected_by_now(name, target, done, total), done, total,
                                target_status(name, target, actual, done, total),
                                name in CEILINGS))
    return out


# --- breakdowns and rankings ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Member:
    key: Hashable  # a channel, campaign or post id, a format, pillar or media type; None: none
    value: Decimal | None
    share: Decimal | None


@dataclass(frozen=True, slots=True)
class Breakdown:
    name: str
    total: Decimal | None  # the members together (posts only, but for channels)
    members: tuple[Member, ...]


def merged(groups: Iterable[SubjectSeries]) -> SubjectSeries:
    """Series of several members added up day by day (a stock too: the members' sum)."""
    sums: dict[str, dict[date, Decimal]] = defaultdict(dict)
    currency: dict[str, str | None] = {}
    for by_metric in groups:
        for name, series in by_metric.items():
            days = sums[name]
            for d, v in series.points:
                days[d] = days.get(d, Decimal(0)) + v
            currency[name] = currency.get(name) or series.currency
    return {n: Series(n, sorted(days.items()), currency[n]) for n, days in sums.items()}


def member_kpis(groups: Mapping[Any, SubjectSeries], start: date, end: date,
                costs: Mapping[Any, CostOf] | None = None) -> dict[Any, PeriodKpis | None]:
    return {key: figures(series, start, end, (costs or {}).get(key, no_cost))
            for key, series in groups.items()}


def breakdown(groups: Mapping[Hashable, SubjectSeries], name: str, start: date, end: date,
              keys: Iterable[Hashable] = (), costs: Mapping[Hashable, CostOf] | None = None
              ) -> Breakdown:
    """`name` per member over [start, end], largest first, with its share of the members'
    total for additive figures (null for ratios, or when the total is unknown or 0). A
    member of `keys` without data is listed with a null value, never 0."""
    kpis = member_kpis(groups, start, end, costs)
    values = {key: None if k is None else kpi_value(k, name) for key, k in kpis.items()}
    for key in keys:
        values.setdefault(key, None)
    everything = figures(merged(groups.values()), start, end)
    total = None if everything is None else kpi_value(everything, name)
    if name in ADDITIVE:
        present = [v for v in values.values() if v is not None]
        total = sum(present, Decimal(0)) if present else None
    members = tuple(
        Member(key, value, ratio(value, total) if name in ADDITIVE else None)
        for key, value in sorted(values.items(), key=lambda kv: (
            kv[1] is None, -(kv[1] or 0), str(kv[0]))))
    return Breakdown(name, total, members)


def ranked(per_post: Mapping[int, SubjectSeries], name: str, start: date, end: date, n: int
           ) -> tuple[list[tuple[int, Decimal]], list[tuple[int, Decimal]]]:
    """The n best and n worst posts by `name` (best: highest, or lowest for costs such as
    CPC), ties by post id; posts without a value are in neither, and a post is on one list
    only (with 3 posts and n = 2: two best, one worst)."""
    kpis = member_kpis(per_post, start, end)
    scored = [(pk, v) for pk, k in kpis.items()
              if k is not None and (v := kpi_value(k, name)) is not None]
    sign = 1 if name in LOWER_IS_BETTER else -1
    ordered = sorted(scored, key=lambda pv: (sign * pv[1], pv[0]))
    best = ordered[:n]
    rest = ordered[len(best):]
    return best, list(reversed(rest[-n:]))


# --- heatmap -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Slot:
    weekday: int  # 0 = Monday, in the brand's timezone
    hour: int
    posts: int  # published in the slot in the period
    measured_posts: int  # of which with engagement data
    engagement: Decimal | None
    average: Decimal | None  # engagement per measured post


def heatmap(posts: Iterable[Published], per_post: Mapping[int, SubjectSeries], start: date,
            end: date, timezone: str) -> dict[int | None, list[Slot]]:
    """Weekday × hour slots of the posts published in [start, end] (local days in
    `timezone`), with their engagement over [start, end]: per channel, and all channels
    together under None. Only slots with a post are listed."""
    zone = ZoneInfo(timezone)
    kpis = member_kpis(per_post, start, end)
    cells: dict[tuple[int | None, int, int], list[Decimal | None]] = defaultdict(list)
    for p in posts:
        local = p.at.astimezone(zone)
        if not start <= local.date() <= end:
            continue
        k = kpis.get(p.post)
        value = None if k is None else k.kpis.engagement
        for channel in (p.channel, None):
            cells[(channel, local.weekday(), local.hour)].append(value)
    out: dict[int | None, list[Slot]] = defaultdict(list)
    for (channel, weekday, hour), values in sorted(cells.items(), key=lambda kv: (
            kv[0][0] is None, kv[0][0] or 0, kv[0][1], kv[0][2])):
        present = [v for v in values if v is not None]
        total = sum(present, Decimal(0)) if present else None
        out[channel].append(Slot(weekday, hour, len(values), len(present), total,
                                 ratio(total, len(present)) if present else None))
    return dict(out)


def best_times(slots: Sequence[Slot], min_posts: int, n: int) -> list[Slot]:
    """The n slots with the highest engagement per post among those with at least
    `min_posts` measured posts (fewer posts are no ground for advice); ties by slot."""
    enough = [s for s in slots if s.measured_posts >= min_posts and s.average is not None]
    return sorted(enough, key=lambda s: (-(s.average or 0), s.weekday, s.hour))[:n]


# --- change attribution --------------------------------------------------------------------

ATTRIBUTABLE = frozenset(RATIO_PARTS) | ADDITIVE - {"total_cost", "production_cost"}


def check_attributable(name: str, field: str = "metric") -> str:
    """`name` if its change can be split over members, else UNSUPPORTED_METRIC."""
    check_figure(name, field)
    if name not in ATTRIBUTABLE:
        raise ValidationFailed.one(
            field, "UNSUPPORTED_METRIC",
            f"{name} cannot be attributed to members: use an additive metric or one of "
            f"{', '.join(sorted(RATIO_PARTS))}")
    return name


def attribute(name: str, before: Mapping[Hashable, PeriodKpis | None],
              after: Mapping[Hashable, PeriodKpis | None]) -> attr.Attribution:
    """The change of `name` between two periods over the members of `before` and `after`
    (see domain.rules.attribution); UNSUPPORTED_METRIC for a figure it cannot split."""
    check_attributable(name)
    keys = sorted(set(before) | set(after), key=str)

    def value(side: Mapping[Hashable, PeriodKpis | None], key: Hashable, figure_name: str
              ) -> Decimal | None:
        k = side.get(key)
        return None if k is None else kpi_value(k, figure_name)

    if name in RATIO_PARTS:
        num, den, scale = RATIO_PARTS[name]
        return attr.ratio_change(
            {key: ((value(before, key, num), value(before, key, den)),
                   (value(after, key, num), value(after, key, den))) for key in keys}, scale)
    return attr.additive({key: (value(before, key, name), value(after, key, name))
                          for key in keys})
