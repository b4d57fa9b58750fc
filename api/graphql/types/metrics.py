"""Metric series and KPIs, resolved the same way on posts, channels, campaigns and brands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import strawberry

from api.graphql.context import Info
from api.graphql.errors import PublicError
from api.graphql.ids import global_id
from api.graphql.loaders.metrics import CompleteKey, SeriesKey, Subject, SubjectSeries
from api.graphql.pagination import Connection, PageRequest, build_connection
from api.graphql.types.common import Money, check_period
from domain.rules import kpis as rules
from domain.rules.definitions import describe
from domain.rules.metric_catalog import CANONICAL_METRICS, MONEY_METRICS, Unit
from domain.rules.metric_catalog import metric as metric_definition
from domain.services.analytics import PAID_PREFIX, measured_end, period_kpis, series_window
from domain.services.provenance import SourceGroup, kpi_inputs, kpi_sources

# A plain alias (a type to mypy), then registered: strawberry.enum() marks the class
# itself and returns it, so the alias is the GraphQL enum.
MetricUnit = Unit
strawberry.enum(MetricUnit, name="MetricUnit")

CostOf = Callable[[date, date], Decimal | None]
"""Production cost prorated over [start, end]; None where unknown."""


def _d(name: str, fallback: str | None = None) -> str | None:
    """A KPI's description: the one registry the reports' appendix prints too."""
    return describe(name) or fallback


@strawberry.type(description="One day's value of a metric, with where it came from; days "
                             "without data are absent.")
class MetricPoint:
    day: date
    value: Decimal
    rows: int = strawberry.field(description="Stored rows added up into this value (a "
                                             "brand's day adds up its channels or posts).")
    source_kind: str | None = strawberry.field(
        description="PLATFORM_API, IMPORT or MANUAL; null when the rows added up differ (see "
                    "Kpis.sources for the split).")
    source_name: str | None = strawberry.field(
        description="The platform, import file or user; null when the rows differ.")
    source_version: str | None = strawberry.field(
        description="The platform API version the rows were fetched with; null when they "
                    "differ.")
    raw_metric: str | None = strawberry.field(
        description="The platform's own name for the metric; null when the rows differ.")
    fetched_at: datetime | None = strawberry.field(
        description="When the newest of the rows was fetched or entered.")


@strawberry.type(description="A canonical metric's daily values over a period.")
class MetricSeries:
    metric: str
    unit: MetricUnit
    currency: str | None
    total: Decimal | None = strawberry.field(
        description="The period's value: sum of the days, or the last day for stocks.")
    points: list[MetricPoint]


@strawberry.type(description="A canonical metric's value over the whole period.")
class MetricTotal:
    metric: str
    value: Decimal
    currency: str | None


@strawberry.type(description="Stored rows of one metric of one channel from one source that "
                             "a KPI figure was computed from.")
class KpiSource:
    metric: str = strawberry.field(
        description="Canonical metric; \"paid:impressions\" or \"paid:clicks\" when only "
                    "PAID posts' rows count (CPM, CPC).")
    level: str = strawberry.field(description="ACCOUNT (the channel's own figures) or POST "
                                              "(the sum of its posts').")
    channel_id: strawberry.ID
    source_kind: str
    source_name: str
    source_version: str = strawberry.field(description="Platform API version; empty for "
                                                       "imports and manual entries.")
    raw_metric: str
    rows: int
    first_day: date
    last_day: date
    fetched_from: datetime
    fetched_to: datetime

    @classmethod
    def of(cls, g: SourceGroup) -> KpiSource:
        return cls(metric=g.metric, level=g.level,
                   channel_id=strawberry.ID(str(global_id("Channel", g.channel))),
                   source_kind=g.source_kind, source_name=g.source_name,
                   source_version=g.source_version, raw_metric=g.raw_metric, rows=g.rows,
                   first_day=g.first_day, last_day=g.last_day, fetched_from=g.fetched_from,
                   fetched_to=g.fetched_to)


@strawberry.type(description="The BRIEF's KPIs over a period; null when unknown, never a fake "
                             "0. A period not over, or not synced to its end, is partial: "
                             "figures run through `completeThrough`.")
class Kpis:
    start: date
    end: date
    complete_through: date | None = strawberry.field(
        description="The last day the figures include: `end`, or for a partial period the "
                    "last day every channel has data for (and before today); null when no "
                    "day of the period is complete yet.")
    is_partial: bool = strawberry.field(
        description="True when `completeThrough` is before `end`. Compare a partial period "
                    "with the same number of days of the one before.")
    currency: str
    totals: list[MetricTotal]
    engagement: float | None = strawberry.field(description=_d("engagement"))
    engagement_rate: float | None = strawberry.field(description=_d("engagement_rate"))
    engagement_rate_by_impressions: float | None = strawberry.field(
        description="Engagement / impressions.")
    engagement_rate_by_followers: float | None = strawberry.field(
        description="Engagement / followers at the end of the period.")
    ctr: float | None = strawberry.field(description=_d("ctr"))
    cpm: Money | None = strawberry.field(description=_d("cpm"))
    cpc: Money | None = strawberry.field(description=_d("cpc"))
    cpa: Money | None = strawberry.field(description=_d("cpa"))
    roas: float | None = strawberry.field(description=_d("roas"))
    roi: float | None = strawberry.field(description=_d("roi"))
    media_spend: Money | None
    production_cost: Money | None = strawberry.field(description=_d("production_cost"))
    total_cost: Money | None = strawberry.field(description=_d("total_cost"))
    revenue: Money | None
    follower_growth: float | None
    follower_growth_rate: float | None = strawberry.field(
        description=_d("follower_growth_rate"))
    amplification: float | None
    applause: float | None
    conversation: float | None
    _subject: strawberry.Private[Subject]
    _id: strawberry.Private[int]
    _brand: strawberry.Private[int]

    @strawberry.field(description="Where a figure of these KPIs came from: the stored rows "
                                  "it was computed from, per channel, metric and source "
                                  "(`kpi` is a field name in snake_case, e.g. \"cpm\", or a "
                                  "canonical metric). Production cost comes from campaigns' "
                                  "`productionCost`, not from rows.")
    async def sources(self, info: Info, kpi: str, first: int | None = None,
                      after: str | None = None) -> Connection[KpiSource]:
        # Kpis hang off a node the viewer was allowed to load; checked again here because
        # this answer lists stored rows, channel by channel.
        if not info.context.access.can_read(self._brand):
            raise PublicError("not found")
        try:
            kpi_inputs(kpi)
        except KeyError as error:
            raise PublicError(str(error.args[0])) from None
        page = PageRequest.parse(first, after)
        to = self.complete_through if self.complete_through is not None else self.start
        if self.complete_through is None:
            groups: list[SourceGroup] = []
        else:
            groups = await kpi_sources(self._subject, self._id, kpi, self.start, to)
        # The list is small and ordered: its position is the keyset.
        rows = [{"id": i, "group": g} for i, g in enumerate(groups, start=1)
                if page.after is None or i > page.after][: page.first + 1]

        async def count() -> int:
            return len(groups)

        return build_connection(rows, page, lambda r: KpiSource.of(r["group"]), count)


def check_names(names: list[str] | None) -> tuple[str, ...] | None:
    if names is None:
        return None
    unknown = [n for n in names if n not in CANONICAL_METRICS]
    if unknown:
        raise PublicError(
            f"unknown metric {', '.join(unknown)}; known: {', '.join(CANONICAL_METRICS)}"
        )
    return tuple(sorted(set(names)))


async def load_series(
    info: Info, subject: Subject, pk: int, start: date, end: date, names: list[str] | None
) -> list[MetricSeries]:
    check_period(start, end)
    by_metric = await info.context.loaders.series.load(
        SeriesKey(subject, pk, start, end, check_names(names))
    )
    out = []
    for name in sorted(by_metric):
        if name.startswith(PAID_PREFIX):
            continue
        series = by_metric[name]
        points = []
        for d, v in series.points:
            src = series.sources.get(d)
            points.append(MetricPoint(
                day=d, value=v, rows=src.rows if src else 1,
                source_kind=src.source_kind if src else None,
                source_name=src.source_name if src else None,
                source_version=src.source_version if src else None,
                raw_metric=src.raw_metric if src else None,
                fetched_at=src.fetched_at if src else None))
        out.append(
            MetricSeries(
                metric=name,
                unit=metric_definition(name).unit,
                currency=series.currency,
                total=rules.period_value(name, series.points),
                points=points,
            )
        )
    return out


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def today_utc() -> date:
    """The API's today: periods ending on or after it are partial."""
    return datetime.now(UTC).date()


async def load_kpis(
    info: Info, subject: Subject, pk: int, start: date, end: date, currency: str,
    cost_of: CostOf | None = None, *, brand_id: int,
) -> Kpis:
    check_period(start, end)
    through = await info.context.loaders.complete.load(CompleteKey(subject, pk, today_utc()))
    measured = measured_end(start, end, through)
    # One day more, so followers "at the start" is the stock at the end of the day before.
    by_metric = await info.context.loaders.series.load(
        SeriesKey(subject, pk, series_window(start), end, paid=True)
    )
    cost = cost_of(start, measured) if cost_of is not None and measured >= start else None
    return kpis_from_series(by_metric, start, end, measured, currency, cost, subject, pk,
                            brand_id)


def kpis_from_series(
    by_metric: SubjectSeries, start: date, end: date, measured: date, currency: str,
    production_cost: Decimal | None, subject: Subject, pk: int, brand_id: int,
) -> Kpis:
    period = period_kpis(by_metric, start, measured, production_cost)
    k = period.kpis

    def money(value: Decimal | None) -> Money | None:
        return Money.of(value, currency)

    return Kpis(
        start=start,
        end=end,
        complete_through=measured if measured >= start else None,
        is_partial=measured < end,
        currency=currency,
        totals=[
            MetricTotal(metric=name, value=value,
                        currency=currency if name in MONEY_METRICS else None)
            for name, value in period.totals.items()
        ],
        engagement=_float(k.engagement),
        engagement_rate=_float(k.engagement_rate),
        engagement_rate_by_impressions=_float(k.engagement_rate_by_impressions),
        engagement_rate_by_followers=_float(k.engagement_rate_by_followers),
        ctr=_float(k.ctr),
        cpm=money(k.cpm),
        cpc=money(k.cpc),
        cpa=money(k.cpa),
        roas=_float(k.roas),
        roi=_float(k.roi),
        media_spend=money(k.media_spend),
        production_cost=money(production_cost),
        total_cost=money(k.total_cost),
        revenue=money(period.total("revenue")),
        follower_growth=_float(k.follower_growth),
        follower_growth_rate=_float(k.follower_growth_rate),
        amplification=_float(k.amplification),
        applause=_float(k.applause),
        conversation=_float(k.conversation),
        _subject=subject,
        _id=pk,
        _brand=brand_id,
    )
