"""Numbers, money, percentages and dates as the report's locale writes them (Babel)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import (
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
)

UNKNOWN = "—"  # a KPI whose denominator is missing or zero is unknown, never 0
MINUS = "\u2212"  # the true minus sign: a hyphen is too short beside figures
Number = Decimal | int | float

# One rule per kind of figure, so a column never mixes "15.9%" with "2.49%":
RATE = "#,##0.00%"  # engagement rate, CTR, growth rates: 0.83%, 15.90%
RETURN = "#,##0.0%"  # ROI: 25.4%, 894.6%
SHARE = "#,##0.0%"  # a slice of a whole: 2.1%, 83.0%
CHANGE = "+#,##0.0%;-#,##0.0%"  # relative change: +12.3%, −4.0%
POINTS = "#,##0.00"  # percentage points, as precise as the rates they compare


def _dec(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _minus(text: str) -> str:
    """Babel writes negatives with a hyphen-minus; print the true minus sign."""
    return text.replace("-", MINUS)


class Formatter:
    """Every number a report prints goes through one of these methods."""

    def __init__(self, locale: str, currency: str, timezone: str = "UTC") -> None:
        self.locale = Locale.parse(locale)
        self.currency = currency
        self.zone = ZoneInfo(timezone)

    def count(self, value: Number | None) -> str:
        if value is None:
            return UNKNOWN
        return _minus(format_decimal(_dec(value), "#,##0.##", locale=self.locale))

    def compact(self, value: Number | None) -> str:
        """Axis ticks and small print: 12.3K, 1.2M where the locale has a short form."""
        if value is None:
            return UNKNOWN
        return _minus(format_compact_decimal(_dec(value), locale=self.locale,
                                             fraction_digits=1))

    def axis(self, value: float) -> str:
        """A chart tick: whole numbers, the locale's short form from a million up."""
        whole = Decimal(round(value))
        if abs(whole) >= 1_000_000:
            return self.compact(whole)
        return _minus(format_decimal(whole, "#,##0", locale=self.locale))

    def _pct(self, value: Number | None, pattern: str) -> str:
        if value is None:
            return UNKNOWN
        return _minus(format_percent(_dec(value), pattern, locale=self.locale))

    def percent(self, value: Number | None) -> str:
        """A rate, always two decimals: CTR 0.83%, engagement rate 15.90%."""
        return self._pct(value, RATE)

    def roi(self, value: Number | None) -> str:
        """A return on investment, always one decimal: 25.4%, −78.5%."""
        return self._pct(value, RETURN)

    def share(self, value: Number | None) -> str:
        """A slice of a whole, always one decimal: 2.1%, 83.0%."""
        return self._pct(value, SHARE)

    def change(self, value: Number | None) -> str:
        """A signed relative change: +12.3%, −4.0%."""
        return self._pct(value, CHANGE)

    def points(self, value: Number | None, places: int = 2) -> str:
        """Percentage points from a difference of two rates (0.0123 → 1.23)."""
        if value is None:
            return UNKNOWN
        pattern = POINTS if places == 2 else "#,##0." + "0" * places if places else "#,##0"
        return _minus(format_decimal(_dec(value) * 100, pattern, locale=self.locale))

    def points_change(self, value: Number | None, places: int = 2) -> str:
        """A signed difference in points, as many decimals as the figures compared:
        rates +4.27, −27.49; ROI (one decimal) −856.6."""
        if value is None:
            return UNKNOWN
        return ("+" if _dec(value) >= 0 else MINUS) + self.points(abs(_dec(value)), places)

    def money(self, value: Number | None, currency: str | None = None) -> str:
        if value is None:
            return UNKNOWN
        return _minus(format_currency(_dec(value), currency or self.currency,
                                      locale=self.locale))

    def ratio(self, value: Number | None) -> str:
        """A multiple such as ROAS: 3.22×."""
        if value is None:
            return UNKNOWN
        return _minus(format_decimal(_dec(value), "#,##0.00", locale=self.locale)) + "×"

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
        """Date and time to the minute ("20 nov 2026, 19:00"): a post's seconds mean nothing."""
        if value is None:
            return UNKNOWN
        pattern = str(self.locale.datetime_formats["medium"])
        return pattern.replace("{1}", self.date(value.astimezone(self.zone).date())).replace(
            "{0}", self.time(value))

    def time(self, value: dt.datetime) -> str:
        """Hours and minutes in the brand's zone, as the locale writes them: 19:00."""
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
        if name in RETURN_KPIS:
            return self.roi(value)
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
                return self._pct(value, "#,##0.0%")  # type: ignore[arg-type]
            case "roi":
                return self.roi(value)  # type: ignore[arg-type]
            case "share":
                return self.share(value)  # type: ignore[arg-type]
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
RETURN_KPIS = frozenset({"roi"})


# --- Italian: an articulated preposition elides before a number read with a vowel -----
# "al 5%" but "all'8%", "dell'11%", "sull'80%": the number is read aloud (otto, undici,
# ottanta, un milione), so the article follows the spoken word, not the digit.
_ELIDING = {"al": "all'", "dal": "dall'", "del": "dell'", "nel": "nell'", "sul": "sull'",
            "il": "l'", "lo": "l'"}
_IT_NUMBER = re.compile(r"\b(al|dal|del|nel|sul|il|lo|Al|Dal|Del|Nel|Sul|Il|Lo) "
                        r"([+\u2212]?)(\d{1,3}(?:\.\d{3})+|\d+)(?=[,\d%\s\u00a0€]|$)")


def _below_thousand_vowel(n: int) -> bool:
    """uno, otto, undici, ottanta…, ottocento…: the numbers under 1000 read with a vowel."""
    return n in (1, 8, 11) or 80 <= n <= 89 or 800 <= n <= 899


def italian_vowel_number(n: int) -> bool:
    """Whether the Italian reading of the whole number `n` begins with a vowel."""
    if n >= 1_000_000:  # un milione, otto milioni, undici miliardi…
        while n >= 1000:
            n //= 1000
        return _below_thousand_vowel(n)
    if n >= 1000:  # mille (not vowel), ottomila, undicimila, ottantamila…
        lead = n // 1000
        return lead != 1 and _below_thousand_vowel(lead)
    return _below_thousand_vowel(n)


def elide_italian(text: str) -> str:
    """"al 8,37%" → "all'8,37%": a translated sentence after its figures are filled in."""
    def fix(m: re.Match[str]) -> str:
        word, sign, digits = m.group(1), m.group(2), m.group(3)
        if sign or not italian_vowel_number(int(digits.replace(".", ""))):
            return m.group(0)
        elided = _ELIDING[word.lower()]
        if word[0].isupper():
            elided = elided[0].upper() + elided[1:]
        return f"{elided}{digits}"
    return _IT_NUMBER.sub(fix, text)
