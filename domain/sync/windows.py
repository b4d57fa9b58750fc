"""Which days a sync covers and how far the watermark moves: rules without I/O.

A channel's `metrics_watermark` W means every day from `backfilled_from` up to W is
stored. A sync of days [a, b] extends that range only when it touches it (a <= W + 1 and
b >= backfilled_from - 1); a window past a gap leaves the watermark alone, so the next
planned sync starts at W + 1 and closes the gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.connectors import CONNECTORS
from domain.enums import Platform, SyncKind
from domain.errors import Problem

# Platforms without a connector (the sync fails UNSUPPORTED_PLATFORM anyway).
DEFAULT_HISTORY_DAYS = 365
# One requested window; the connectors split it further where a platform asks less per call.
MAX_WINDOW_DAYS = 366


def history_days(platform: Platform | str) -> int:
    """How far back the platform serves metrics, as its connector knows it."""
    connector = CONNECTORS.get(Platform(platform))
    return connector.history_days if connector is not None else DEFAULT_HISTORY_DAYS


def earliest_day(platform: Platform | str, today: date) -> date:
    """The first day the platform still serves."""
    return today - timedelta(days=history_days(platform))


@dataclass(frozen=True, slots=True)
class Window:
    kind: SyncKind
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def planned_window(platform: Platform | str, today: date, watermark: date | None, *,
                   window_days: int, backfill_days: int) -> Window | None:
    """The next scheduled sync of a connected channel, or None when there is nothing to do.

    Never synced: a BACKFILL of `backfill_days`. Otherwise METRICS over the last
    `window_days` (platforms revise recent days), reaching back to W + 1 when a gap opened.
    Days before the platform's history limit are skipped; the window ends yesterday, the
    last whole day.
    """
    end = today - timedelta(days=1)
    floor = earliest_day(platform, today)
    if watermark is None:
        start, kind = end - timedelta(days=max(backfill_days, 1) - 1), SyncKind.BACKFILL
    else:
        start = min(end - timedelta(days=max(window_days, 1) - 1), watermark + timedelta(days=1))
        kind = SyncKind.METRICS
    start = max(start, floor, end - timedelta(days=MAX_WINDOW_DAYS - 1))
    if start > end:
        return None
    return Window(kind, start, end)


def window_problems(platform: Platform | str, start: date, end: date,
                    today: date) -> list[Problem]:
    """Why a requested window cannot be synced (empty when it can)."""
    problems: list[Problem] = []
    if end < start:
        problems.append(Problem("to", "INVALID_WINDOW", "to must not be before from"))
        return problems
    yesterday = today - timedelta(days=1)
    if end > yesterday:
        problems.append(Problem("to", "FUTURE_WINDOW",
                                f"to must be {yesterday.isoformat()} or earlier: platforms "
                                "report whole days only"))
    if (end - start).days + 1 > MAX_WINDOW_DAYS:
        problems.append(Problem("from", "WINDOW_TOO_LONG",
                                f"a sync covers at most {MAX_WINDOW_DAYS} days"))
    floor = earliest_day(platform, today)
    if start < floor:
        problems.append(Problem("from", "OUT_OF_RANGE",
                                f"{Platform(platform).value} keeps {history_days(platform)} "
                                f"days of metrics: from must be {floor.isoformat()} or later"))
    return problems


def advance_watermark(watermark: date | None, backfilled_from: date | None,
                      start: date, end: date) -> tuple[date | None, date | None]:
    """(watermark, backfilled_from) after days start..end were stored."""
    one = timedelta(days=1)
    if watermark is None:
        return end, start
    lower = backfilled_from if backfilled_from is not None else start
    if start > watermark + one or end < lower - one:
        return watermark, backfilled_from  # disjoint: a gap stays open
    return max(watermark, end), min(lower, start)
