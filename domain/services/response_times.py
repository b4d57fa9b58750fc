"""The inbox's response times over a period: the brand's, per channel, per community manager.

Counted on the conversations the community started in the period (the brand's local
days), in the brand's business hours and timezone (domain.rules.inbox.response_figures
over domain.rules.kpis' business_seconds_between and response_time_stats).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from domain.models import Brand, Conversation
from domain.rules.inbox import (
    Durations,
    ResponseFigures,
    business_hours,
    response_figures,
)
from domain.rules.kpis import BusinessHours, response_rate


@dataclass(frozen=True, slots=True)
class PersonFigures:
    """One person's part: the conversations assigned to them and how many were answered,
    the first responses they sent and the conversations they resolved."""

    user_id: int
    assigned: int
    responded: int
    response_rate: Decimal | None
    first_response: Durations
    resolution: Durations


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    hours: BusinessHours
    total: ResponseFigures
    by_channel: dict[int, ResponseFigures]
    by_person: list[PersonFigures]


def _bounds(start: date, end: date, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    return (datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1),
                                                                  time(), tz))


def _person(user_id: int, rows: Sequence[dict[str, Any]], hours: BusinessHours
            ) -> PersonFigures:
    assigned = [r for r in rows if r["assignee"] == user_id]
    answered = sum(1 for r in assigned if r["first_response_at"] is not None)
    mine = response_figures([r for r in rows if r["first_responder"] == user_id], hours)
    closed = [r for r in rows if r["resolved_by"] == user_id]
    resolution = response_figures(closed, hours).resolution
    return PersonFigures(user_id, len(assigned), answered, response_rate(answered, len(assigned)),
                         mine.first_response, resolution)


async def response_times(brand_id: int, start: date, end: date) -> ResponseTimes:
    """Response rate, first response and resolution times (median, p90) of the
    conversations started from `start` to `end` (inclusive, the brand's days)."""
    brand = await Brand.select(Brand.timezone, Brand.business_hours).where(
        Brand.id == brand_id).output(load_json=True).first()
    assert brand is not None, "the caller checked the brand"
    hours = business_hours(brand["timezone"], brand["business_hours"] or [])
    low, high = _bounds(start, end, brand["timezone"])
    rows = await Conversation.select(
        Conversation.channel, Conversation.started_at, Conversation.first_response_at,
        Conversation.resolved_at, Conversation.assignee, Conversation.first_responder,
        Conversation.resolved_by).where(
        Conversation.brand == brand_id, Conversation.last_inbound_at.is_not_null(),
        Conversation.started_at >= low, Conversation.started_at < high)
    channels: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        channels[row["channel"]].append(row)
    people = sorted({r[key] for r in rows for key in ("assignee", "first_responder",
                                                      "resolved_by") if r[key] is not None})
    return ResponseTimes(
        hours, response_figures(rows, hours),
        {channel: response_figures(group, hours) for channel, group in sorted(channels.items())},
        [_person(user, rows, hours) for user in people])

