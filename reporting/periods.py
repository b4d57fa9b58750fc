"""Report periods: the default month of each kind and the period a report compares against."""

from __future__ import annotations

from datetime import date, timedelta

from domain.enums import ReportKind


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of the month `day` falls in."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def default_period(kind: ReportKind, today: date) -> tuple[date, date]:
    """ROI: the last full month before `today`; strategy: the coming month."""
    first, last = month_of(today)
    if ReportKind(kind) is ReportKind.ROI:
        return month_of(first - timedelta(days=1))
    return month_of(last + timedelta(days=1))


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period just before: the previous calendar month when [start, end] is a whole
    month (October against September), else the same number of days right before."""
    first, last = month_of(start)
    if (start, end) == (first, last):
        return month_of(first - timedelta(days=1))
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def compared_previous(start: date, end: date, measured_to: date) -> tuple[date, date]:
    """The period a partial one is compared with: as many days from the start of the
    previous period as [start, measured_to] has (1–3 Dec against 1–3 Nov); the whole
    previous period when nothing is cut. Empty (end before start) when no day is measured.
    """
    prev_start, prev_end = previous_period(start, end)
    if measured_to >= end:
        return prev_start, prev_end
    days = (measured_to - start).days + 1
    return prev_start, min(prev_end, prev_start + timedelta(days=days - 1))
