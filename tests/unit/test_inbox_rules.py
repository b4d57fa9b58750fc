"""The inbox's pure rules: what platforms allow, moves, saved replies, summaries, times."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from domain.enums import Moderation
from domain.rules.inbox import (
    Move,
    business_hours,
    moderation_refusal,
    move_refusal,
    render_reply,
    reopens,
    response_figures,
    summarize,
    unknown_placeholders,
)

ROME = "Europe/Rome"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026 in Rome (UTC+1): the 4th is a Friday, the 7th a Monday."""
    return datetime(2026, 12, day, hour - 1, minute, tzinfo=UTC)


def test_what_each_platform_lets_a_brand_moderate():
    assert moderation_refusal("facebook", "COMMENT", "IN", Moderation.HIDE) is None
    assert moderation_refusal("instagram", "COMMENT", "IN", Moderation.DELETE) is None
    assert "does not let" in moderation_refusal("facebook", "DM", "IN", Moderation.HIDE)
    assert "does not let" in moderation_refusal("linkedin", "COMMENT", "IN", Moderation.HIDE)
    assert moderation_refusal("linkedin", "COMMENT", "IN", Moderation.DELETE) is None
    assert "community" in moderation_refusal("facebook", "COMMENT", "OUT", Moderation.HIDE)


@pytest.mark.parametrize(("status", "escalated", "move", "refused"), [
    ("OPEN", False, Move.RESOLVE, False), ("RESOLVED", False, Move.RESOLVE, True),
    ("RESOLVED", False, Move.REOPEN, False), ("OPEN", False, Move.REOPEN, True),
    ("OPEN", False, Move.ESCALATE, False), ("OPEN", True, Move.ESCALATE, True),
    ("OPEN", True, Move.DEESCALATE, False), ("RESOLVED", False, Move.DEESCALATE, True),
])
def test_moves(status, escalated, move, refused):
    assert (move_refusal(status, escalated, move) is not None) is refused


def test_saved_replies_fill_known_placeholders_only():
    text = "Ciao {author}, {brand} ti risponde: {nope}"
    assert unknown_placeholders(text) == ["nope"]
    assert render_reply(text, {"author": "@marta", "brand": "Aurora"}) == (
        "Ciao @marta, Aurora ti risponde: {nope}")


def test_a_summary_reads_the_latest_inbound_sentiment_and_the_first_published_reply():
    messages = [
        {"id": 1, "direction": "IN", "created_at": at(7, 10), "sentiment": "NEUTRAL",
         "language": "it"},
        {"id": 2, "direction": "OUT", "created_at": at(7, 11), "reply_status": "FAILED"},
        {"id": 3, "direction": "IN", "created_at": at(7, 12), "sentiment": "NEGATIVE",
         "language": "en"},
        {"id": 4, "direction": "OUT", "created_at": at(7, 13), "reply_status": "PUBLISHED"},
        {"id": 5, "direction": "IN", "created_at": at(7, 14), "sentiment": None},
    ]
    summary = summarize(messages)
    assert summary is not None
    assert (summary.started_at, summary.last_message_at) == (at(7, 10), at(7, 14))
    assert summary.first_response_at == at(7, 13)  # the failed reply is no response
    assert (summary.sentiment, summary.language) == ("NEGATIVE", "en")
    assert summary.last_inbound_at == at(7, 14)
    assert summarize([]) is None
    assert reopens("RESOLVED", True) and not reopens("RESOLVED", False)
    assert not reopens("OPEN", True)


def test_business_hours_from_a_brands_windows():
    default = business_hours(ROME, [])
    assert default.week[0] == ((time(9), time(18)),) and default.week[5] == ()
    custom = business_hours(ROME, [{"weekday": 5, "opens": "10:00", "closes": "24:00"},
                                   {"weekday": 5, "opens": "08:00", "closes": "09:00"}])
    assert custom.week[5] == ((time(8), time(9)), (time(10), time(0)))
    with pytest.raises(ValueError):
        business_hours(ROME, [{"weekday": 7, "opens": "09:00", "closes": "10:00"}])
    with pytest.raises(ValueError):
        business_hours(ROME, [{"weekday": 1, "opens": "18:00", "closes": "09:00"}])


def test_response_times_count_business_hours_only():
    hours = business_hours(ROME, [])
    rows = [
        # Friday 17:00, answered Monday 10:00: one hour on Friday, one on Monday.
        {"started_at": at(4, 17), "first_response_at": at(7, 10), "resolved_at": at(7, 12)},
        # Monday 9:00, answered 9:30, resolved 11:00.
        {"started_at": at(7, 9), "first_response_at": at(7, 9, 30), "resolved_at": at(7, 11)},
        # Saturday night, answered Sunday: no business time at all.
        {"started_at": at(5, 22), "first_response_at": at(6, 9), "resolved_at": None},
        {"started_at": at(7, 15), "first_response_at": None, "resolved_at": None},
    ]
    figures = response_figures(rows, hours)
    assert (figures.conversations, figures.responded) == (4, 3)
    assert figures.response_rate == Decimal(3) / Decimal(4)
    assert figures.first_response.count == 3
    assert figures.first_response.median == 1800 and figures.first_response.p90 == 7200
    assert figures.resolution.count == 2
    assert figures.resolution.median == (4 * 3600 + 2 * 3600) / 2
    assert figures.resolution.p90 == 4 * 3600
    empty = response_figures([], hours)
    assert empty.response_rate is None and empty.first_response.median is None


def test_a_dst_change_counts_the_real_hours():
    hours = business_hours(ROME, [{"weekday": d, "opens": "00:00", "closes": "24:00"}
                                  for d in range(7)])
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # Sunday 29 March: a 23-hour day
    rows = [{"started_at": start, "first_response_at": start + timedelta(hours=25),
             "resolved_at": None}]
    assert response_figures(rows, hours).first_response.median == 25 * 3600
