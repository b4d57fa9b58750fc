"""The inbox's response times and the brand's business hours they are counted in."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.graphql.context import Info
from api.graphql.types.user import User
from domain.rules import inbox as rules
from domain.rules.kpis import BusinessHours
from domain.rules.permissions import Action
from domain.services import response_times as service

if TYPE_CHECKING:
    from api.graphql.types.channel import Channel

_types = "api.graphql.types"


@strawberry.type(description="One opening window of a weekday, local time in the brand's "
                             "timezone; closes 24:00 means midnight.")
class BusinessHoursWindow:
    weekday: int = strawberry.field(description="0 Monday … 6 Sunday.")
    opens: str
    closes: str


def _hhmm(value: time, closing: bool) -> str:
    return "24:00" if closing and value == time(0) else value.strftime("%H:%M")


def windows_of(hours: BusinessHours) -> list[BusinessHoursWindow]:
    return [BusinessHoursWindow(weekday=day, opens=_hhmm(o, False), closes=_hhmm(c, True))
            for day, windows in enumerate(hours.week) for o, c in windows]


def brand_hours(row: dict[str, Any]) -> list[BusinessHoursWindow]:
    from api.graphql.loaders.sql import json_value

    stored = json_value(row["business_hours"]) or []
    return windows_of(rules.business_hours(row["timezone"], stored))


@strawberry.input
class BusinessHoursInput:
    weekday: int = strawberry.field(description="0 Monday … 6 Sunday.")
    opens: str = strawberry.field(description="HH:MM, local time.")
    closes: str = strawberry.field(description="HH:MM, local time; 24:00 for midnight.")


@strawberry.type(description="Durations in business seconds; null when there are none.")
class DurationStats:
    count: int
    median: float | None = strawberry.field(description="The middle value (the mean of the "
                                                        "two middle ones for an even count).")
    p90: float | None = strawberry.field(description="90th percentile, nearest rank.")

    @classmethod
    def of(cls, value: rules.Durations) -> DurationStats:
        return cls(count=value.count, median=_float(value.median), p90=_float(value.p90))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@strawberry.type(description="Response figures of a set of conversations.")
class ResponseFigures:
    conversations: int = strawberry.field(
        description="Conversations the community started in the period.")
    responded: int = strawberry.field(description="Of those, the ones the brand answered.")
    response_rate: Decimal | None = strawberry.field(
        description="Responded / conversations; null when there were none.")
    first_response: DurationStats = strawberry.field(
        description="From the first message to the brand's first published reply.")
    resolution: DurationStats = strawberry.field(
        description="From the first message to the conversation resolved.")

    @classmethod
    def of(cls, value: rules.ResponseFigures) -> ResponseFigures:
        return cls(conversations=value.conversations, responded=value.responded,
                   response_rate=value.response_rate,
                   first_response=DurationStats.of(value.first_response),
                   resolution=DurationStats.of(value.resolution))


@strawberry.type
class ChannelResponseFigures:
    figures: ResponseFigures
    _channel: strawberry.Private[int]

    @strawberry.field
    async def channel(self, info: Info
                      ) -> Annotated[Channel, strawberry.lazy(f"{_types}.channel")]:
        from api.graphql.types.channel import Channel

        return Channel.from_row(await info.context.loaders.channel.load(self._channel))


@strawberry.type(description="One person's part: the conversations assigned to them and "
                             "how many were answered, the first replies they sent and the "
                             "conversations they resolved.")
class PersonResponseFigures:
    assigned: int
    responded: int
    response_rate: Decimal | None
    first_response: DurationStats
    resolution: DurationStats
    _user: strawberry.Private[int]

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        row = await info.context.loaders.user.load(self._user)
        return User.from_row(row) if row else None


@strawberry.type(description="The inbox's response times over a period, in the brand's "
                             "business hours and timezone.")
class ResponseTimes:
    from_: date = strawberry.field(name="from")
    to: date
    business_hours: list[BusinessHoursWindow]
    total: ResponseFigures
    by_channel: list[ChannelResponseFigures]
    by_community_manager: list[PersonResponseFigures] = strawberry.field(
        description="Who may read the inbox only (empty for others).")


async def load_response_times(info: Info, brand_id: int, start: date, end: date
                              ) -> ResponseTimes:
    from api.graphql.errors import PublicError

    if end < start:
        raise PublicError("to must be on or after from")
    if (end - start).days > 366:
        raise PublicError("a period of at most 367 days")
    found = await service.response_times(brand_id, start, end)
    people = [] if not info.context.access.can(brand_id, Action.INBOX_READ) else [
        PersonResponseFigures(assigned=p.assigned, responded=p.responded,
                              response_rate=p.response_rate,
                              first_response=DurationStats.of(p.first_response),
                              resolution=DurationStats.of(p.resolution), _user=p.user_id)
        for p in found.by_person]
    return ResponseTimes(
        from_=start, to=end, business_hours=windows_of(found.hours),
        total=ResponseFigures.of(found.total),
        by_channel=[ChannelResponseFigures(figures=ResponseFigures.of(f), _channel=c)
                    for c, f in found.by_channel.items()],
        by_community_manager=people)
