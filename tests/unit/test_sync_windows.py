"""The sync windows: what the planner asks for, what a request may ask, how the watermark moves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.enums import Platform, SyncKind
from domain.sync.windows import (
    MAX_WINDOW_DAYS,
    Window,
    advance_watermark,
    earliest_day,
    history_days,
    planned_window,
    window_problems,
)

TODAY = date(2026, 11, 22)
YESTERDAY = TODAY - timedelta(days=1)
D = timedelta(days=1)


def plan(watermark: date | None, platform: Platform = Platform.FACEBOOK, **kw) -> Window | None:
    return planned_window(platform, TODAY, watermark, window_days=kw.get("window", 7),
                          backfill_days=kw.get("backfill", 90))


def test_a_never_synced_channel_is_backfilled_up_to_yesterday():
    assert plan(None) == Window(SyncKind.BACKFILL, YESTERDAY - 89 * D, YESTERDAY)


def test_a_synced_channel_rereads_the_recent_window():
    assert plan(YESTERDAY) == Window(SyncKind.METRICS, YESTERDAY - 6 * D, YESTERDAY)


def test_a_gap_since_the_watermark_is_closed_by_reaching_back():
    assert plan(YESTERDAY - 30 * D) == Window(SyncKind.METRICS, YESTERDAY - 29 * D, YESTERDAY)


def test_the_platform_history_limit_caps_a_backfill():
    window = plan(None, backfill=5000)
    assert window is not None
    assert window.start == max(earliest_day(Platform.FACEBOOK, TODAY),
                               YESTERDAY - (MAX_WINDOW_DAYS - 1) * D)
    assert window.days <= MAX_WINDOW_DAYS


def test_a_watermark_already_at_yesterday_still_plans_the_refresh():
    window = plan(TODAY)  # a watermark past yesterday (clock skew): nothing new, still a refresh
    assert window is not None and window.end == YESTERDAY


@pytest.mark.parametrize(("start", "end", "codes"), [
    (YESTERDAY, YESTERDAY, []),
    (YESTERDAY, YESTERDAY - D, ["INVALID_WINDOW"]),
    (YESTERDAY, TODAY, ["FUTURE_WINDOW"]),
    (YESTERDAY - (MAX_WINDOW_DAYS) * D, YESTERDAY, ["WINDOW_TOO_LONG"]),
    (TODAY - timedelta(days=history_days(Platform.FACEBOOK) + 1), YESTERDAY - 400 * D,
     ["OUT_OF_RANGE"]),
])
def test_requested_windows_are_checked(start, end, codes):
    assert [p.code for p in window_problems(Platform.FACEBOOK, start, end, TODAY)] == codes


def test_every_problem_names_its_field():
    problems = window_problems(Platform.FACEBOOK, TODAY - 800 * D, TODAY + D, TODAY)
    assert {(p.field, p.code) for p in problems} == {
        ("to", "FUTURE_WINDOW"), ("from", "WINDOW_TOO_LONG"), ("from", "OUT_OF_RANGE")}


def test_first_sync_sets_both_ends():
    assert advance_watermark(None, None, date(2026, 10, 1), date(2026, 10, 31)) == (
        date(2026, 10, 31), date(2026, 10, 1))


@pytest.mark.parametrize(("start", "end", "expected"), [
    # overlapping the end: the watermark moves on
    (date(2026, 10, 25), date(2026, 11, 5), (date(2026, 11, 5), date(2026, 10, 1))),
    # adjacent to the end
    (date(2026, 11, 1), date(2026, 11, 2), (date(2026, 11, 2), date(2026, 10, 1))),
    # inside: nothing moves
    (date(2026, 10, 5), date(2026, 10, 6), (date(2026, 10, 31), date(2026, 10, 1))),
    # adjacent to the start: history grows backwards
    (date(2026, 9, 1), date(2026, 9, 30), (date(2026, 10, 31), date(2026, 9, 1))),
    # past a gap: the watermark stays, so the planner reaches back to close the gap
    (date(2026, 11, 3), date(2026, 11, 9), (date(2026, 10, 31), date(2026, 10, 1))),
    # before a gap
    (date(2026, 8, 1), date(2026, 8, 31), (date(2026, 10, 31), date(2026, 10, 1))),
])
def test_the_watermark_only_grows_over_contiguous_days(start, end, expected):
    assert advance_watermark(date(2026, 10, 31), date(2026, 10, 1), start, end) == expected


def test_a_sync_never_moves_the_watermark_backwards():
    watermark, _ = advance_watermark(date(2026, 10, 31), date(2026, 10, 1),
                                     date(2026, 10, 1), date(2026, 10, 7))
    assert watermark == date(2026, 10, 31)
