"""Numbers, money, percentages and dates as the report's locale writes them (Babel)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.numbers import (
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
)

UNKNOWN = "—"  # a KPI whose denominator is missing or zero is unknown, never 0
Number = Decimal | int | float


def _dec(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


class Formatter:
    """Every number a report prints goes through one of these methods."""

    def __init__(self, locale: str, currency: str, timezone: str = "UTC") -> None:
        self.locale = Locale.parse(locale)
        self.currency = currency
        self.zone = ZoneInfo(timezone)

    def count(self, value: Number | None) -> str:
        if value is None:
            return UNKNOWN
        return format_decimal(_dec(value), "#,##0.##", locale=self.locale)

    def compact(self, value: Number | None) -> str:
        """Axis ticks and small print: 12.3K, 1.2M where the locale has a short form."""
        if value is None:
            return UNKNOWN
        return format_compact_decimal(_dec(value), locale=self.locale, fraction_digits=1)

    def axis(self, value: float) -> str:
        """A chart tick: whole numbers, the locale's short form from a million up."""
        whole = Decimal(round(value))
        if abs(whole) >= 1_000_000:
            return self.compact(whole)
        return format_decimal(whole, "#,##0", locale=self.locale)

    def percent(self, value: Number | None) -> str:
        """Two decimals under 10% (CTR 0.83%), one above (ROI 245.1%)."""
        if value is None:
            return UNKNOWN
        v = _dec(value)
        pattern = "#,##0.00%" if abs(v) < Decimal("0.1") else "#,##0.0%"
        return format_percent(v, pattern, locale=self.locale)

    def change(self, value: Number | None) -> str:
        """A signed relative change: +12.3%, −4.0%."""
        if value is None:
            return UNKNOWN
        return format_percent(_dec(value), "+#,##0.0%;-#,##0.0%", locale=self.locale)

    def points(self, value: Number | None) -> str:
        """Percentage points from a difference of two rates (0.0123 → 1.23)."""
        if value is None:
            return UNKNOWN
        return format_decimal(_dec(value) * 100, "#,##0.0#", locale=self.locale)

    def money(self, value: Number | None, currency: str | None = None) -> str:
        if value is None:
            return UNKNOWN
        return format_currency(_dec(value), currency or self.currency, locale=self.locale)

    def ratio(self, value: Number | None) -> str:
        """A multiple such as ROAS: 3.22×."""
        if value is None:
            return UNKNOWN
        return format_decimal(_dec(value), "#,##0.00", locale=self.locale) + "×"

    def date(self, value: dt.date | None, style: str = "medium") -> str:
        if value is None:
            return UNKNOWN
        return format_date(value, style, locale=self.locale)

    def short_date(self, value: dt.date) -> str:
        """Day and abbreviated month: 5 Oct, 5 ott."""
        return format_skeleton("MMMd", value, locale=self.locale)

    def month(self, value: dt.date) -> str:
        return format_date(value, "LLLL yyyy", locale=self.locale)

    def weekday(self, value: dt.date, width: str = "abbreviated") -> str:
        names = self.locale.days["stand-alone"][width]
        name: str = names[value.weekday()]
        return name

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return UNKNOWN
        return format_datetime(value.astimezone(self.zone), "medium", tzinfo=self.zone,
                               locale=self.locale)

    def time(self, value: dt.datetime) -> str:
        return format_time(value.astimezone(self.zone), "short", tzinfo=self.zone,
                           locale=self.locale)

    def period(self, start: dt.date, end: dt.date) -> str:
        """"October 2026" for a whole month, else "1 Oct 2026 – 15 Oct 2026"."""
        from reporting.periods import month_of

        if (start, end) == month_of(start):
            return self.month(start)
        return f"{self.date(start)} – {self.date(end)}"

    def kpi(self, name: str, value: Number | None) -> str:
        """A KPI or metric value in the form its kind calls for."""
        if name in MONEY_KPIS:
            return self.money(value)
        if name in RATE_KPIS:
            return self.percent(value)
        if name in MULTIPLE_KPIS:
            return self.ratio(value)
        return self.count(value)

    def param(self, kind: str, value: object) -> str:
        """One typed parameter of a summary sentence."""
        match kind:
            case "count":
                return self.count(value)  # type: ignore[arg-type]
            case "percent":
                return self.percent(value)  # type: ignore[arg-type]
            case "change":  # a size of change, as the KPI cards show it: one decimal
                return format_percent(_dec(value), "#,##0.0%", locale=self.locale)  # type: ignore[arg-type]
            case "points":
                return self.points(value)  # type: ignore[arg-type]
            case "money":
                return self.money(value)  # type: ignore[arg-type]
            case "ratio":
                return self.ratio(value)  # type: ignore[arg-type]
            case "date":
                return self.date(value)  # type: ignore[arg-type]
            case _:
                return str(value)


MONEY_KPIS = frozenset({"cpm", "cpc", "cpa", "media_spend", "total_cost", "production_cost",
                        "revenue", "spend", "budget"})
RATE_KPIS = frozenset({"engagement_rate", "engagement_rate_by_impressions",
                       "engagement_rate_by_followers", "ctr", "roi", "follower_growth_rate",
                       "amplification", "applause", "conversation", "response_rate",
                       "share_of_voice"})
MULTIPLE_KPIS = frozenset({"roas"})
