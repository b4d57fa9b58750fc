"""Metric series and KPIs, resolved the same way on posts, channels, campaigns and brands."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from api.graphql.context import Info
from api.graphql.errors import PublicError
from api.graphql.loaders.metrics import SeriesKey, Subject, SubjectSeries
from api.graphql.types.common import Money, check_period
from domain.rules import kpis as rules
from domain.rules.metric_catalog import CANONICAL_METRICS, MONEY_METRICS, Unit
from domain.rules.metric_catalog import metric as metric_definition
from domain.services.analytics import period_kpis, series_window

# A plain alias (a type to mypy), then registered: strawberry.enum() marks the class
# itself and returns it, so the alias is the GraphQL enum.
MetricUnit = Unit
strawberry.enum(MetricUnit, name="MetricUnit")


@strawberry.type(description="One day's value of a metric; days without data are absent.")
class MetricPoint:
    day: date
    value: Decimal


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


@strawberry.type(description="The BRIEF's KPIs over a period; null when unknown, never a fake 0.")
class Kpis:
    start: date
    end: date
    currency: str
    totals: list[MetricTotal]
    engagement: float | None
    engagement_rate: float | None = strawberry.field(description="Engagement / reach.")
    engagement_rate_by_impressions: float | None
    engagement_rate_by_followers: float | None
    ctr: float | None = strawberry.field(description="Clicks / impressions.")
    cpm: Money | None
    cpc: Money | None
    cpa: Money | None
    roas: float | None = strawberry.field(description="Revenue / media spend.")
    roi: float | None = strawberry.field(description="(Revenue − total cost) / total cost.")
    media_spend: Money | None
    production_cost: Money | None
    total_cost: Money | None
    revenue: Money | None
    follower_growth: float | None
    follower_growth_rate: float | None
    amplification: float | None
    applause: float | None
    conversation: float | None


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
        series = by_metric[name]
        out.append(
            MetricSeries(
                metric=name,
                unit=metric_definition(name).unit,
                currency=series.currency,
                total=rules.period_value(name, series.points),
                points=[MetricPoint(day=d, value=v) for d, v in series.points],
            )
        )
    return out


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


async def load_kpis(
    info: Info, subject: Subject, pk: int, start: date, end: date, currency: str,
    production_cost: Decimal | None = None,
) -> Kpis:
    check_period(start, end)
    # One day more, so followers "at the start" is the stock at the end of the day before.
    by_metric = await info.context.loaders.series.load(
        SeriesKey(subject, pk, series_window(start), end)
    )
    return kpis_from_series(by_metric, start, end, currency, production_cost)


def kpis_from_series(
    by_metric: SubjectSeries, start: date, end: date, currency: str,
    production_cost: Decimal | None,
) -> Kpis:
    period = period_kpis(by_metric, start, end, production_cost)
    k = period.kpis

    def money(value: Decimal | None) -> Money | None:
        return Money.of(value, currency)

    return Kpis(
        start=start,
        end=end,
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
    )
