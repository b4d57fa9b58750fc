"""Calendar periods: months, weeks in a locale, buckets of a range, what a period compares with."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval


class Granularity(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of the month `day` falls in."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


@cache
def _locale(name: str) -> Locale:
    try:
        return Locale.parse(name.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def first_weekday(locale: str) -> int:
    """The day a week starts on in `locale` (0 = Monday … 6 = Sunday), as CLDR says."""
    return int(_locale(locale).first_week_day)


def bucket_of(day: date, granularity: Granularity, week_start: int = 0) -> tuple[date, date]:
    """The whole calendar day, week (starting on `week_start`) or month holding `day`."""
    if granularity is Granularity.DAY:
        return day, day
    if granularity is Granularity.WEEK:
        first = day - timedelta(days=(day.weekday() - week_start) % 7)
        return first, first + timedelta(days=6)
    return month_of(day)


def buckets(start: date, end: date, granularity: Granularity, week_start: int = 0
            ) -> list[tuple[date, date]]:
    """The whole calendar buckets that overlap [start, end], in order; the first and last may
    reach outside it (a caller measures only the days inside and flags them partial)."""
    out: list[tuple[date, date]] = []
    day = start
    while day <= end:
        bucket = bucket_of(day, granularity, week_start)
        out.append(bucket)
        day = bucket[1] + timedelta(days=1)
    return out


@lru_cache(maxsize=8192)  # Babel takes a tenth of a millisecond a label
def bucket_label(first: date, last: date, granularity: Granularity, locale: str) -> str:
    """A bucket's name for people, in `locale`: "5 dic 2026", "30 nov – 6 dic 2026",
    "dicembre 2026"."""
    where = _locale(locale)
    if granularity is Granularity.DAY:
        return format_date(first, "medium", locale=where)
    if granularity is Granularity.WEEK:
        return format_interval(first, last, "yMMMd", locale=where)
    return format_date(first, "LLLL y", locale=where)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period just before: the previous calendar month when [start, end] is a whole
    month (October against September), else the same number of days right before."""
    first, last = month_of(start)
    if (start, end) == (first, last):
        return month_of(first - timedelta(days=1))
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def year_before(day: date) -> date:
    """The same day a year earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def year_earlier_period(start: date, end: date) -> tuple[date, date]:
    """The same dates a year earlier (a whole month stays a whole month: February 2028's
    29 days against February 2027's 28)."""
    first, last = month_of(start)
    if (start, end) == (first, last):
        return month_of(year_before(start))
    return year_before(start), year_before(end)


def equal_days(base: tuple[date, date], start: date, end: date, measured_to: date
               ) -> tuple[date, date]:
    """`base` cut to as many days from its start as [start, measured_to] has (1–3 Dec against
    1–3 Nov); the whole of `base` when nothing is cut. Empty (end before start) when no day
    is measured."""
    base_start, base_end = base
    if measured_to >= end:
        return base_start, base_end
    days = (measured_to - start).days + 1
    return base_start, min(base_end, base_start + timedelta(days=days - 1))


def compared_previous(start: date, end: date, measured_to: date) -> tuple[date, date]:
    """The period a partial one is compared with: the previous period (see
    `previous_period`) cut to equal days (see `equal_days`)."""
    return equal_days(previous_period(start, end), start, end, measured_to)


def compared_year_earlier(start: date, end: date, measured_to: date) -> tuple[date, date]:
    """The same period a year earlier, cut to equal days like `compared_previous`."""
    return equal_days(year_earlier_period(start, end), start, end, measured_to)


def elapsed_share(start: date, end: date, measured_to: date | None) -> tuple[int, int]:
    """(days measured, days in the period): how much of [start, end] the figures cover."""
    total = (end - start).days + 1
    if measured_to is None:
        return 0, total
    return max(0, min(total, (measured_to - start).days + 1)), total
