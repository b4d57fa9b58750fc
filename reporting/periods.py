"""Report periods: the default month of each kind; comparisons come from domain.rules.periods."""

from __future__ import annotations

from datetime import date, timedelta

from domain.enums import ReportKind
from domain.rules.periods import compared_previous, month_of, previous_period

__all__ = ["compared_previous", "default_period", "month_of", "previous_period"]


def default_period(kind: ReportKind, today: date) -> tuple[date, date]:
    """ROI: the last full month before `today`; strategy: the coming month."""
    first, last = month_of(today)
    if ReportKind(kind) is ReportKind.ROI:
        return month_of(first - timedelta(days=1))
    return month_of(last + timedelta(days=1))
