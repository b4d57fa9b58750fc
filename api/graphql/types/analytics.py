"""Analytics of a brand, campaign or channel: one implementation, the scope differs.

Figures come from domain.services.dashboard over the series the DataLoaders batch; this
module only checks arguments, loads and shapes the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import strawberry

from api.graphql.context import Info
from api.graphql.errors import PublicError
from api.graphql.ids import global_id
from api.graphql.loaders.metrics import (
    CompleteKey,
    GroupKey,
    PublishedKey,
    SeriesKey,
    Subject,
    SubjectSeries,
)
from api.graphql.types.common import check_period
from domain.errors import ValidationFailed
from domain.rules import periods
from domain.rules.definitions import TARGET_STATUS
from domain.rules.metric_catalog import MONEY_METRICS
from domain.rules.targets import TargetStatus
from domain.services import dashboard as dash
from domain.services.analytics import (
    PAID_PREFIX,
    PeriodKpis,
    kpi_value,
    measured_end,
    series_window,
)
from domain.services.provenance import kpi_inputs
from domain.settings import get_settings

if TYPE_CHECKING:
    from api.graphql.types.campaign import Campaign
    from api.graphql.types.channel import Channel
    from api.graphql.types.post import Post

_types = "api.graphql.types"

Granularity = periods.Granularity
strawberry.enum(Granularity, description="DAY, WEEK (starting on the brand locale's first "
                                         "weekday) or MONTH.")
AnalyticsDimension = dash.Dimension
strawberry.enum(AnalyticsDimension, name="AnalyticsDimension")
ComparisonBase = dash.Against
strawberry.enum(ComparisonBase, name="ComparisonBase")
strawberry.enum(TargetStatus, name="TargetStatus", description=TARGET_STATUS)

CostOf = Callable[[date, date], Decimal | None]
MONEY_KPIS = frozenset({"cpm", "cpc", "cpa", "media_spend", "total_cost", "production_cost"})
_PLACES = Decimal("1e-10")


def shown(value: Decimal | None) -> Decimal | None:
    """A figure as the API shows it: exact when whole, else to 10 decimal places."""
    if value is None or value == value.to_integral_value():
        return None if value is None else value.quantize(Decimal(1))
    return value.quantize(_PLACES).normalize()


def _checked(run: Callable[[], Any]) -> Any:
    try:
        return run()
    except ValidationFailed as error:
        raise PublicError.of(error) from None


def _currency_of(name: str, currency: str) -> str | None:
    return currency if name in MONEY_METRICS or name in MONEY_KPIS else None


@strawberry.type(description="One day, week or month of a series. A bucket reaching outside "
                             "the period asked, or past the last complete day, is measured "
                             "on the days it has (`first`–`last`) and flagged partial.")
class SeriesBucket:
    start: date
    end: date
    first: date | None = strawberry.field(description="First day measured; null if none.")
    last: date | None = strawberry.field(description="Last day measured; null if none.")
    label: str = strawberry.field(description="The bucket's name in the brand's language.")
    value: Decimal | None
    is_partial: bool


@strawberry.type(description="A metric or KPI per bucket over the period.")
class AnalyticsSeries:
    metric: str
    granularity: Granularity
    currency: str | None
    buckets: list[SeriesBucket]


@strawberry.type(description="One member of a breakdown: its value (null when it has no "
                             "data, never 0) and its share of the members' total (additive "
                             "figures only; null for ratios or an unknown total).")
class BreakdownMember:
    key: str | None = strawberry.field(
        description="A channel's, campaign's or post's id, or a format, pillar or media "
                    "type; null for posts without a campaign.")
    value: Decimal | None
    share: Decimal | None
    _dimension: strawberry.Private[dash.Dimension]
    _pk: strawberry.Private[Any]

    @strawberry.field
    async def channel(self, info: Info
                      ) -> Annotated[Channel, strawberry.lazy(f"{_types}.channel")] | None:
        return await _channel(info, self._pk if self._dimension is dash.Dimension.CHANNEL
                              else None)

    @strawberry.field
    async def campaign(self, info: Info
                       ) -> Annotated[Campaign, strawberry.lazy(f"{_types}.campaign")] | None:
        return await _campaign(info, self._pk if self._dimension is dash.Dimension.CAMPAIGN
                               else None)

    @strawberry.field
    async def post(self, info: Info
                   ) -> Annotated[Post, strawberry.lazy(f"{_types}.post")] | None:
        return await _post(info, self._pk if self._dimension is dash.Dimension.POST else None)


@strawberry.type(description="A figure split by channel, format, pillar, media type, campaign "
                             "or post. Every member but channels adds up posts only, so its "
                             "total may differ from the headline figure, which prefers a "
                             "channel's account-level rows.")
class Breakdown:
    metric: str
    by: AnalyticsDimension
    currency: str | None
    total: Decimal | None
    members: list[BreakdownMember]


@strawberry.type(description="Days a figure is measured on.")
class DateSpan:
    start: date
    end: date | None = strawberry.field(description="Null when no day is measured.")


@strawberry.type(description="A figure now, in the previous period and a year earlier, "
                             "partial periods on equal days.")
class FigureComparison:
    metric: str
    currency: str | None
    current: Decimal | None
    previous: Decimal | None
    year_earlier: Decimal | None
    change_vs_previous: Decimal | None
    relative_vs_previous: Decimal | None = strawberry.field(
        description="(current − previous) / |previous|; null when unknown or previous is 0.")
    change_vs_year_earlier: Decimal | None
    relative_vs_year_earlier: Decimal | None


@strawberry.type(description="The period against the previous one (the previous month for a "
                             "whole month, else as many days right before) and the same "
                             "dates a year earlier; when the period is partial, both are cut "
                             "to as many days from their start.")
class Comparison:
    current: DateSpan
    previous: DateSpan
    year_earlier: DateSpan
    figures: list[FigureComparison]


@strawberry.type(description="A KPI target against the actual so far.")
class TargetProgress:
    kpi: str
    target: Decimal
    actual: Decimal | None
    expected: Decimal | None = strawberry.field(
        description="What the figure should be by now to meet the target at the end: the "
                    "target × the elapsed share for cumulative figures, the target itself "
                    "for rates and ratios.")
    days_measured: int
    days_total: int
    lower_is_better: bool = strawberry.field(description="The target is a ceiling (costs).")
    status: TargetStatus


@strawberry.type(description="A post and its value of the figure ranked by.")
class RankedPost:
    rank: int
    value: Decimal
    _pk: strawberry.Private[int]

    @strawberry.field
    async def post(self, info: Info
                   ) -> Annotated[Post, strawberry.lazy(f"{_types}.post")] | None:
        return await _post(info, self._pk)


@strawberry.type(description="Posts published on a weekday at an hour (brand's timezone).")
class HeatmapSlot:
    weekday: int = strawberry.field(description="0 = Monday … 6 = Sunday.")
    hour: int
    posts: int = strawberry.field(description="Posts published in the slot in the period.")
    measured_posts: int = strawberry.field(description="Of which with engagement data.")
    engagement: Decimal | None
    average_engagement: Decimal | None = strawberry.field(
        description="Engagement per measured post.")


@strawberry.type(description="A channel's best slots to post in, each backed by at least "
                             "`minPosts` measured posts (fewer give no advice).")
class BestTimes:
    min_posts: int
    slots: list[HeatmapSlot]
    _channel: strawberry.Private[int]

    @strawberry.field
    async def channel(self, info: Info
                      ) -> Annotated[Channel, strawberry.lazy(f"{_types}.channel")] | None:
        return await _channel(info, self._channel)


@strawberry.type(description="A member's part of a change. For ratios `before`/`after` are the "
                             "member's own rate and `rateEffect` + `mixEffect` = "
                             "`contribution`.")
class AttributionMember:
    key: str | None
    before: Decimal | None
    after: Decimal | None
    contribution: Decimal
    rate_effect: Decimal | None
    mix_effect: Decimal | None
    _dimension: strawberry.Private[dash.Dimension]
    _pk: strawberry.Private[Any]

    @strawberry.field
    async def channel(self, info: Info
                      ) -> Annotated[Channel, strawberry.lazy(f"{_types}.channel")] | None:
        return await _channel(info, self._pk if self._dimension is dash.Dimension.CHANNEL
                              else None)

    @strawberry.field
    async def campaign(self, info: Info
                       ) -> Annotated[Campaign, strawberry.lazy(f"{_types}.campaign")] | None:
        return await _campaign(info, self._pk if self._dimension is dash.Dimension.CAMPAIGN
                               else None)

    @strawberry.field
    async def post(self, info: Info
                   ) -> Annotated[Post, strawberry.lazy(f"{_types}.post")] | None:
        return await _post(info, self._pk if self._dimension is dash.Dimension.POST else None)


@strawberry.type(description="Why a figure moved between the base period and this one: the "
                             "members that contributed most, largest first; the "
                             "contributions of all members sum to `change`.")
class ChangeAttribution:
    metric: str
    by: AnalyticsDimension
    current: DateSpan
    base: DateSpan
    before: Decimal | None = strawberry.field(description="The members' figure in the base.")
    after: Decimal | None
    change: Decimal | None
    members: list[AttributionMember]
    total_members: int


async def _channel(info: Info, pk: int | None) -> Any:
    from api.graphql.types.channel import Channel

    row = await info.context.loaders.channel.load(pk) if pk is not None else None
    return Channel.from_row(row) if row else None


async def _campaign(info: Info, pk: int | None) -> Any:
    from api.graphql.types.campaign import Campaign

    row = await info.context.loaders.campaign.load(pk) if pk is not None else None
    return Campaign.from_row(row) if row else None


async def _post(info: Info, pk: int | None) -> Any:
    from api.graphql.types.post import Post

    row = await info.context.loaders.post.load(pk) if pk is not None else None
    return Post.from_row(row) if row else None


_TYPE_OF = {dash.Dimension.CHANNEL: "Channel", dash.Dimension.CAMPAIGN: "Campaign",
            dash.Dimension.POST: "Post"}


def _key(dimension: dash.Dimension, key: Hashable) -> str | None:
    if key is None:
        return None
    if dimension in _TYPE_OF:
        return str(global_id(_TYPE_OF[dimension], int(str(key))))
    return str(key)


@dataclass(frozen=True, slots=True)
class Scope:
    subject: Subject
    id: int
    brand: Mapping[str, Any]
    cost_of: CostOf
    targets: tuple[tuple[str, Decimal], ...]


@strawberry.type(description="Dashboards of a brand, campaign or channel over a period: "
                             "series, breakdowns, comparisons, targets, rankings, a heatmap "
                             "and change attribution. `metric` arguments take a canonical "
                             "metric or a KPI in snake_case (\"engagement_rate\", \"cpm\").")
class Analytics:
    start: date
    end: date
    complete_through: date | None = strawberry.field(
        description="The last day the figures include (see Kpis.completeThrough).")
    is_partial: bool
    currency: str
    _scope: strawberry.Private[Scope]
    _measured: strawberry.Private[date]

    async def _series(self, info: Info, first: date, figures: Iterable[str]) -> SubjectSeries:
        """The daily series `figures` are computed from (their inputs only: fewer rows)."""
        s = self._scope
        names, paid = _inputs(figures)
        return await info.context.loaders.series.load(
            SeriesKey(s.subject, s.id, first, self.end, names, paid=paid, sources=False))

    @strawberry.field(description="A metric or KPI per day, week or month.")
    async def series(self, info: Info, metric: str, granularity: Granularity
                     ) -> AnalyticsSeries:
        _checked(lambda: dash.check_figure(metric))
        by_metric = await self._series(info, series_window(self.start), [metric])
        buckets = dash.bucketed(by_metric, metric, self.start, self.end, self._measured,
                                granularity, self._scope.brand["locale"], self._scope.cost_of)
        return AnalyticsSeries(
            metric=metric, granularity=granularity,
            currency=_currency_of(metric, self.currency),
            buckets=[SeriesBucket(start=b.start, end=b.end,
                                  first=b.first if b.last >= b.first else None,
                                  last=b.last if b.last >= b.first else None,
                                  label=b.label, value=shown(b.value),
                                  is_partial=b.is_partial) for b in buckets])

    async def _groups(self, info: Info, by: dash.Dimension, start: date, end: date
                      ) -> dict[Any, SubjectSeries]:
        """The members' totals over [start, end] (see analytics.load_group_totals)."""
        s = self._scope
        return await info.context.loaders.groups.load(
            GroupKey(s.subject, s.id, by.value, start, end))

    @strawberry.field(description="A metric or KPI per channel, format, pillar, media type, "
                                  "campaign or post, largest first.")
    async def breakdown(self, info: Info, metric: str, by: AnalyticsDimension) -> Breakdown:
        _checked(lambda: dash.check_figure(metric))
        if self._measured < self.start:
            groups: dict[Any, SubjectSeries] = {}
        else:
            groups = await self._groups(info, by, self.start, self._measured)
        keys: list[Any] = []
        if by is dash.Dimension.CHANNEL and self._scope.subject is Subject.BRAND:
            keys = [r["id"] for r in await info.context.loaders.channels_of_brand.load(
                self._scope.id)]
        result = dash.breakdown(groups, metric, self.start, self._measured, keys,
                                await self._member_costs(info, by))
        return Breakdown(
            metric=metric, by=by, currency=_currency_of(metric, self.currency),
            total=shown(result.total),
            members=[BreakdownMember(key=_key(by, m.key), value=shown(m.value),
                                     share=shown(m.share), _dimension=by, _pk=m.key)
                     for m in result.members])

    async def _member_costs(self, info: Info, by: dash.Dimension) -> dict[Any, CostOf]:
        """Campaigns carry their production cost; no other member has one of its own."""
        if by is not dash.Dimension.CAMPAIGN or self._scope.subject is not Subject.BRAND:
            return {}
        from domain.services.analytics import prorated_production_cost

        rows = await info.context.loaders.campaigns_of_brand.load(self._scope.id)
        return {r["id"]: (lambda s, e, r=r: prorated_production_cost([r], s, e)) for r in rows}

    @strawberry.field(description="Each figure now, in the previous period and a year earlier.")
    async def comparison(self, info: Info, metrics: list[str]) -> Comparison:
        for i, name in enumerate(metrics):
            _checked(lambda name=name, i=i: dash.check_figure(name, f"metrics.{i}"))
        if len(metrics) > len(dash.FIGURE_NAMES):
            raise PublicError("too many metrics", code="OUT_OF_RANGE", field="metrics")
        by_metric = await self._series(info, dash.comparison_window(self.start), metrics)
        result = dash.compare(by_metric, self.start, self.end, self._measured,
                              self._scope.cost_of)

        def value(span: dash.Span, name: str) -> Decimal | None:
            return None if span.kpis is None else kpi_value(span.kpis, name)

        def change(now: Decimal | None, then: Decimal | None) -> Decimal | None:
            return None if now is None or then is None else now - then

        figures = []
        for name in metrics:
            now, prev, year = (value(sp, name) for sp in (result.current, result.previous,
                                                          result.year_earlier))
            figures.append(FigureComparison(
                metric=name, currency=_currency_of(name, self.currency), current=shown(now),
                previous=shown(prev), year_earlier=shown(year),
                change_vs_previous=shown(change(now, prev)),
                relative_vs_previous=shown(dash.relative_change(now, prev)),
                change_vs_year_earlier=shown(change(now, year)),
                relative_vs_year_earlier=shown(dash.relative_change(now, year))))
        return Comparison(current=_span(result.current), previous=_span(result.previous),
                          year_earlier=_span(result.year_earlier), figures=figures)

    @strawberry.field(description="KPI targets (the brand strategy's in force at the period's "
                                  "end, or the campaign's) against the actuals of the period "
                                  "so far, with a status. Channels have no targets.")
    async def targets(self, info: Info) -> list[TargetProgress]:
        if not self._scope.targets:
            return []
        by_metric = await self._series(info, series_window(self.start),
                                       [kpi for kpi, _ in self._scope.targets])
        results = dash.evaluate_targets(self._scope.targets, by_metric, self.start, self.end,
                                        self._measured, self._scope.cost_of)
        return [TargetProgress(kpi=r.kpi, target=shown(r.target) or r.target,
                               actual=shown(r.actual), expected=shown(r.expected),
                               days_measured=r.days_measured, days_total=r.days_total,
                               lower_is_better=r.lower_is_better, status=r.status) for r in results]

    async def _ranked(self, info: Info, metric: str, n: int
                      ) -> tuple[list[tuple[int, Decimal]], list[tuple[int, Decimal]]]:
        _checked(lambda: dash.check_figure(metric))
        _checked(lambda: dash.check_count(n))
        if self._measured < self.start:
            return [], []
        per_post = await info.context.loaders.groups.load(
            GroupKey(self._scope.subject, self._scope.id, "post", self.start, self._measured))
        return dash.ranked(per_post, metric, self.start, self._measured, n)

    @strawberry.field(description="The n best posts by a metric or KPI over the period (the "
                                  "lowest for costs such as CPC); posts without a value are "
                                  "left out. At most 50.")
    async def top_posts(self, info: Info, metric: str, n: int = 5) -> list[RankedPost]:
        best, _ = await self._ranked(info, metric, n)
        return [RankedPost(rank=i, value=shown(v) or Decimal(0), _pk=pk)
                for i, (pk, v) in enumerate(best, start=1)]

    @strawberry.field(description="The n worst posts, worst first; a post in `topPosts` of the "
                                  "same n is never here too. At most 50.")
    async def bottom_posts(self, info: Info, metric: str, n: int = 5) -> list[RankedPost]:
        _, worst = await self._ranked(info, metric, n)
        return [RankedPost(rank=i, value=shown(v) or Decimal(0), _pk=pk)
                for i, (pk, v) in enumerate(worst, start=1)]

    async def _slots(self, info: Info) -> dict[int | None, list[dash.Slot]]:
        if self._measured < self.start:
            return {}
        zone = ZoneInfo(self._scope.brand["timezone"])
        lower = datetime.combine(self.start, time(), zone).astimezone(UTC)
        upper = datetime.combine(self._measured + timedelta(days=1), time(), zone
                                 ).astimezone(UTC)
        s = self._scope
        posts = await info.context.loaders.published.load(
            PublishedKey(s.subject, s.id, lower, upper))
        per_post = await info.context.loaders.groups.load(
            GroupKey(s.subject, s.id, "post", self.start, self._measured))
        return dash.heatmap(posts, per_post, self.start, self._measured,
                            s.brand["timezone"])

    @strawberry.field(description="Engagement of the posts published in the period by weekday "
                                  "and hour of publication, in the brand's timezone; only "
                                  "slots with a post are listed.")
    async def heatmap(self, info: Info) -> list[HeatmapSlot]:
        return [_slot(s) for s in (await self._slots(info)).get(None, [])]

    @strawberry.field(description="Per channel, the slots with the most engagement per post, "
                                  "each backed by at least COSO_BEST_TIME_MIN_POSTS measured "
                                  "posts: the `slots` best (at most 10) a channel.")
    async def best_times(self, info: Info, slots: int = 3) -> list[BestTimes]:
        _checked(lambda: dash.check_count(slots, "slots", 10))
        minimum = get_settings().best_time_min_posts
        by_channel = await self._slots(info)
        return [BestTimes(min_posts=minimum, _channel=channel,
                          slots=[_slot(s) for s in dash.best_times(cells, minimum, slots)])
                for channel, cells in sorted(by_channel.items(), key=lambda kv: kv[0] or 0)
                if channel is not None]

    @strawberry.field(description="Why `metric` moved against the previous period (or a year "
                                  "earlier): the `first` members by channel, campaign or post "
                                  "(or format, pillar, media type) that contributed most. "
                                  "Additive metrics split by difference; ratio KPIs into "
                                  "rate and mix effects (see README).")
    async def attribution(self, info: Info, metric: str, by: AnalyticsDimension,
                          against: ComparisonBase = ComparisonBase.PREVIOUS_PERIOD,
                          first: int = 10) -> ChangeAttribution:
        _checked(lambda: dash.check_figure(metric))
        _checked(lambda: dash.check_count(first, "first"))
        current, prev, year = dash.compared_spans(self.start, self.end, self._measured)
        base = prev if against is dash.Against.PREVIOUS_PERIOD else year

        async def members(span: tuple[date, date]) -> dict[Hashable, PeriodKpis | None]:
            if span[1] < span[0]:
                return {}
            groups = await self._groups(info, by, *span)
            return dash.member_kpis(groups, *span)

        _checked(lambda: dash.check_attributable(metric))
        before, after = await members(base), await members(current)
        result = dash.attribute(metric, before, after)
        top = dash.attr.largest(result, first)
        return ChangeAttribution(
            metric=metric, by=by, current=_span_of(current), base=_span_of(base),
            before=shown(result.before), after=shown(result.after),
            change=shown(result.change), total_members=len(result.members),
            members=[AttributionMember(
                key=_key(by, c.key), before=shown(c.before), after=shown(c.after),
                contribution=shown(c.contribution) or Decimal(0),
                rate_effect=shown(c.rate_effect), mix_effect=shown(c.mix_effect),
                _dimension=by, _pk=c.key) for c in top])


def _inputs(figures: Iterable[str]) -> tuple[tuple[str, ...], bool]:
    """The canonical metrics the figures read, and whether they read paid figures; a name
    that is no figure reads nothing (its value is unknown)."""
    names: set[str] = set()
    for figure in figures:
        try:
            names.update(kpi_inputs(figure))
        except KeyError:
            continue
    paid = any(n.startswith(PAID_PREFIX) for n in names)
    return tuple(sorted(n for n in names if not n.startswith(PAID_PREFIX))), paid


def _slot(s: dash.Slot) -> HeatmapSlot:
    return HeatmapSlot(weekday=s.weekday, hour=s.hour, posts=s.posts,
                       measured_posts=s.measured_posts, engagement=shown(s.engagement),
                       average_engagement=shown(s.average))


def _span_of(span: tuple[date, date]) -> DateSpan:
    return DateSpan(start=span[0], end=span[1] if span[1] >= span[0] else None)


def _span(span: dash.Span) -> DateSpan:
    return _span_of((span.start, span.end))


def brand_today(brand: Mapping[str, Any]) -> date:
    """Today in the brand's timezone: a period ending on it or later is partial."""
    return datetime.now(ZoneInfo(brand["timezone"])).date()


def parse_targets(items: Any) -> tuple[tuple[str, Decimal], ...]:
    out = []
    for item in items or ():
        try:
            out.append((str(item["kpi"]), Decimal(str(item["target"]))))
        except (KeyError, TypeError, ArithmeticError):
            continue  # a stored target that is not one is skipped, as the reports do
    return tuple(out)


async def load_analytics(info: Info, subject: Subject, pk: int, brand: Mapping[str, Any],
                         start: date, end: date, cost_of: CostOf | None = None,
                         targets: Any = None) -> Analytics:
    check_period(start, end)
    through = await info.context.loaders.complete.load(
        CompleteKey(subject, pk, brand_today(brand)))
    measured = measured_end(start, end, through)
    scope = Scope(subject, pk, brand, cost_of or dash.no_cost, parse_targets(targets))
    return Analytics(start=start, end=end,
                     complete_through=measured if measured >= start else None,
                     is_partial=measured < end, currency=brand["currency"], _scope=scope,
                     _measured=measured)
