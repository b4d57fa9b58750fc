"""The BRIEF's KPI formulas, in Decimal, with missing and unknown kept apart from zero."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from zoneinfo import ZoneInfo

from domain.rules.metric_catalog import Aggregation, metric

Number = Decimal | int
"""An exact amount; floats are refused because they cannot hold money exactly."""

# Divisions use a private context, not whatever the caller's thread has set: 28 significant
# digits are kept, and rounding for display is the presentation layer's job.
_CTX = Context(prec=28, rounding=ROUND_HALF_EVEN)
_THOUSAND = Decimal(1000)


def _dec(value: Number | None) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"KPI inputs must be Decimal or int, not {type(value).__name__}")


def ratio(numerator: Number | None, denominator: Number | None) -> Decimal | None:
    """numerator / denominator; None (unknown) when either is missing or the denominator is 0.

    A present zero numerator is a real 0 (0 clicks on 100 impressions is a CTR of 0).
    """
    num, den = _dec(numerator), _dec(denominator)
    if num is None or den is None or den == 0:
        return None
    return _CTX.divide(num, den)


def _add(*values: Number | None) -> Decimal | None:
    """The sum of the values present; None only when every one is missing."""
    present = [v for v in map(_dec, values) if v is not None]
    if not present:
        return None
    return sum(present, Decimal(0))


def engagement(
    reactions: Number | None,
    comments: Number | None,
    shares: Number | None,
    saves: Number | None,
) -> Decimal | None:
    """reactions + comments + shares + saves, summing the components that are present.

    Some platforms never report a component (LinkedIn has no saves, X no saves in its
    public metrics), so a missing component does not make the whole sum unknown; the
    result is None only when all four are missing.
    """
    return _add(reactions, comments, shares, saves)


def period_value(name: str, daily_values: Sequence[tuple[date, Number]]) -> Decimal | None:
    """A canonical metric's value over a period, from its (day, value) pairs in any order.

    Flows (SUM) add their days; stocks (LAST, e.g. followers) take the latest day present,
    so a missing last day falls back to the latest known value. Days the platform did not
    return are simply absent: an empty sequence gives None (missing), never 0. A day given
    twice is a caller bug and raises ValueError rather than being double-counted.
    """
    definition = metric(name)
    if not daily_values:
        return None
    by_day: dict[date, Decimal] = {}
    for day, value in daily_values:
        if day in by_day:
            raise ValueError(f"{name}: {day.isoformat()} given twice")
        amount = _dec(value)
        if amount is None:
            raise ValueError(f"{name}: {day.isoformat()} has no value; omit missing days")
        by_day[day] = amount
    if definition.aggregation is Aggregation.LAST:
        return by_day[max(by_day)]
    return sum(by_day.values(), Decimal(0))


@dataclass(frozen=True, slots=True)
class Kpis:
    """A period's KPIs; None means missing or unknown, never zero."""

    engagement: Decimal | None
    engagement_rate: Decimal | None  # by reach
    engagement_rate_by_impressions: Decimal | None
    engagement_rate_by_followers: Decimal | None
    ctr: Decimal | None
    cpm: Decimal | None
    cpc: Decimal | None
    cpa: Decimal | None
    roas: Decimal | None
    roi: Decimal | None
    media_spend: Decimal | None
    total_cost: Decimal | None
    follower_growth: Decimal | None
    follower_growth_rate: Decimal | None
    amplification: Decimal | None
    applause: Decimal | None
    conversation: Decimal | None


KPI_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Kpis))

# The ratio KPIs `compute_kpis` divides, as (numerator, denominator, scale): figures named
# as `analytics.kpi_value` reads them ("paid:x" = the paid-content figures). Change
# attribution splits a ratio by these parts; a unit test keeps them equal to the formulas.
# The per-follower ratios, ROI and follower growth rate are left out: their denominators
# (a stock, a cost that is not a sum of the members') do not add up over channels or posts.
RATIO_PARTS: dict[str, tuple[str, str, int]] = {
    "engagement_rate": ("engagement", "reach", 1),
    "engagement_rate_by_impressions": ("engagement", "impressions", 1),
    "ctr": ("clicks", "impressions", 1),
    "cpm": ("paid:spend/impressions", "paid:impressions", 1000),
    "cpc": ("paid:spend/clicks", "paid:clicks", 1),
    "cpa": ("spend", "conversions", 1),
    "roas": ("revenue", "spend", 1),
}
# KPIs that are sums of canonical metrics, so a member's share of them adds up.
ADDITIVE_KPIS = frozenset({"engagement", "media_spend"})


def compute_kpis(
    totals: Mapping[str, Number | None],
    *,
    followers_start: Number | None,
    followers_end: Number | None,
    production_cost: Number | None = None,
    paid_impressions: tuple[Number | None, Number | None] | None = None,
    paid_clicks: tuple[Number | None, Number | None] | None = None,
) -> Kpis:
    """Every KPI of the BRIEF from a period's totals of canonical metrics.

    `totals` maps canonical metric names (see metric_catalog; an unknown name raises
    KeyError) to period values as `period_value` gives them; an absent key is missing.
    "Followers" in the per-follower ratios is `followers_end`, the audience at the end
    of the period; `totals["followers"]` is not read.

    Total cost is media spend plus production and staff cost. An unknown production cost
    makes total cost and ROI unknown (never a cost of 0); missing spend means no paid
    media (spend is reported only for ads), so it adds nothing. CPM and CPC read paid
    content only: `paid_impressions` and `paid_clicks` are (spend, count) over the post-days
    that report both, so organic impressions do not dilute them and spend whose count the
    platform does not report does not inflate them. ROAS uses media spend only.
    Definitions for people are in `domain.rules.definitions`.
    """
    for name in totals:
        metric(name)

    def total(name: str) -> Decimal | None:
        return _dec(totals.get(name))

    spend, impressions, revenue = total("spend"), total("impressions"), total("revenue")
    start, end = _dec(followers_start), _dec(followers_end)
    spend_views, paid_views = (_dec(v) for v in (paid_impressions or (None, None)))
    spend_taps, paid_taps = (_dec(v) for v in (paid_clicks or (None, None)))

    eng = engagement(total("reactions"), total("comments"), total("shares"), total("saves"))
    production = _dec(production_cost)
    cost = None if production is None else production + (spend or Decimal(0))
    profit = None if revenue is None or cost is None else revenue - cost
    growth = None if start is None or end is None else end - start
    return Kpis(
        engagement=eng,
        engagement_rate=ratio(eng, total("reach")),
        engagement_rate_by_impressions=ratio(eng, impressions),
        engagement_rate_by_followers=ratio(eng, end),
        ctr=ratio(total("clicks"), impressions),
        # Multiply before dividing so e.g. 1.00 over 3 impressions keeps all its digits.
        cpm=ratio(None if spend_views is None else spend_views * _THOUSAND, paid_views),
        cpc=ratio(spend_taps, paid_taps),
        cpa=ratio(spend, total("conversions")),
        roas=ratio(revenue, spend),
        roi=ratio(profit, cost),
        media_spend=spend,
        total_cost=cost,
        follower_growth=growth,
        follower_growth_rate=ratio(growth, start),
        amplification=ratio(total("shares"), end),
        applause=ratio(total("reactions"), end),
        conversation=ratio(total("comments"), end),
    )


def response_rate(replied: int, total: int) -> Decimal | None:
    """Replied conversations / conversations; None when there were no conversations."""
    if replied < 0 or total < 0 or replied > total:
        raise ValueError(f"impossible counts: {replied} replied of {total}")
    return ratio(replied, total)


def share_of_voice(
    brand_mentions: Number | None, competitor_mentions: Sequence[Number | None]
) -> Decimal | None:
    """brand / (brand + competitors' mentions).

    None when the brand's count or any competitor's is missing (an incomplete denominator
    would overstate the brand's share) or when nobody was mentioned. With no competitors
    tracked the share is 1 if the brand was mentioned at all.
    """
    brand = _dec(brand_mentions)
    others = [_dec(m) for m in competitor_mentions]
    if brand is None or any(m is None for m in others):
        return None
    return ratio(brand, brand + sum((m for m in others if m is not None), Decimal(0)))


Window = tuple[time, time]
_NINE_TO_SIX: tuple[Window, ...] = ((time(9), time(18)),)
_WORKWEEK: tuple[tuple[Window, ...], ...] = (_NINE_TO_SIX,) * 5 + ((), ())


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """A brand's opening hours: per weekday (0 = Monday) its (open, close) windows.

    Times are local wall-clock times in `timezone` (an IANA name). A window closing at
    time(0) runs to midnight, so ((time(0), time(0)),) is a whole day.
    """

    timezone: str = "UTC"
    week: tuple[tuple[Window, ...], ...] = _WORKWEEK

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError on an unknown name
        if len(self.week) != 7:
            raise ValueError("business hours need exactly 7 weekdays, Monday first")
        for day in self.week:
            previous_close = time(0)
            for opens, closes in sorted(day):
                if closes != time(0) and closes <= opens:
                    raise ValueError(f"window {opens}–{closes} closes before it opens")
                if opens < previous_close:
                    raise ValueError("a day's windows overlap")
                previous_close = time.max if closes == time(0) else closes


def business_seconds_between(start: datetime, end: datetime, hours: BusinessHours) -> int:
    """Whole seconds from start to end that fall inside business hours (0 if end <= start).

    Both datetimes must be timezone-aware. Windows are placed on each local calendar day
    and measured in UTC, so nights, weekends and DST changes count their real length (a
    23-hour or 25-hour day is 23 or 25 hours). A window edge inside a DST gap or fold is
    resolved as zoneinfo does with fold=0.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("business_seconds_between needs timezone-aware datetimes")
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    if end_utc <= start_utc:
        return 0
    zone = ZoneInfo(hours.timezone)
    day, last_day = start_utc.astimezone(zone).date(), end_utc.astimezone(zone).date()
    open_time = timedelta(0)
    while day <= last_day:
        for opens, closes in hours.week[day.weekday()]:
            close_day = day + timedelta(days=1) if closes == time(0) else day
            w_start = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
            w_end = datetime.combine(close_day, closes, tzinfo=zone).astimezone(UTC)
            overlap = min(w_end, end_utc) - max(w_start, start_utc)
            if overlap > timedelta(0):
                open_time += overlap
        day += timedelta(days=1)
    return open_time // timedelta(seconds=1)


def response_time_stats(
    durations_seconds: Sequence[int],
) -> tuple[Decimal | None, Decimal | None]:
    """(median, p90) of first response times in seconds; (None, None) when there are none.

    The median is the middle value, or the mean of the two middle values for an even
    count. The 90th percentile uses the nearest-rank method: the smallest value with at
    least 90% of the values at or below it, i.e. the ceil(0.9 × n)-th smallest.
    """
    if not durations_seconds:
        return None, None
    if any(d < 0 for d in durations_seconds):
        raise ValueError("response times cannot be negative")
    ordered = sorted(durations_seconds)
    n = len(ordered)
    middle = n // 2
    if n % 2:
        median = Decimal(ordered[middle])
    else:
        median = _CTX.divide(Decimal(ordered[middle - 1] + ordered[middle]), Decimal(2))
    rank = -(-9 * n // 10)  # ceil(0.9 × n) in integers, free of float rounding
    return median, Decimal(ordered[rank - 1])
