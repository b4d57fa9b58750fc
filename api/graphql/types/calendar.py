"""The editorial calendar: scheduled posts by local day and channel."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import strawberry

from api.graphql.context import Info
from api.graphql.errors import PublicError
from api.graphql.loaders.rows import PageKey
from api.graphql.loaders.sql import Cond
from api.graphql.pagination import PageRequest
from api.graphql.types.channel import Channel
from api.graphql.types.post import Post

MAX_CALENDAR_DAYS = 92
# A calendar page holds every post of its window; this bounds a window's size instead.
MAX_CALENDAR_POSTS = 2000


@strawberry.type
class CalendarSlot:
    channel: Channel
    posts: list[Post]


@strawberry.type
class CalendarDay:
    day: date
    slots: list[CalendarSlot]


async def load_calendar(
    info: Info, brand: dict[str, Any], start: date, end: date
) -> list[CalendarDay]:
    if end < start or (end - start).days + 1 > MAX_CALENDAR_DAYS:
        raise PublicError(f"a calendar spans 1 to {MAX_CALENDAR_DAYS} days, from before to")
    zone = ZoneInfo(brand["timezone"])
    lower = datetime.combine(start, time(), zone)
    upper = datetime.combine(end + timedelta(days=1), time(), zone)
    conds = (Cond("scheduled_at", ">=", lower.astimezone(ZoneInfo("UTC"))),
             Cond("scheduled_at", "<", upper.astimezone(ZoneInfo("UTC"))))
    page = PageRequest(first=MAX_CALENDAR_POSTS, after=None)
    rows = await info.context.loaders.post_page["brand"].load(PageKey(brand["id"], conds, page))
    if len(rows) > MAX_CALENDAR_POSTS:
        raise PublicError("too many posts in this window: ask for fewer days")
    channels = {
        c["id"]: Channel.from_row(c)
        for c in await info.context.loaders.channels_of_brand.load(brand["id"])
    }
    by_day: dict[date, dict[int, list[Post]]] = defaultdict(lambda: defaultdict(list))
    for row in sorted(rows, key=lambda r: (r["scheduled_at"], r["id"])):
        local_day = row["scheduled_at"].astimezone(zone).date()
        by_day[local_day][row["channel"]].append(Post.from_row(row))
    return [
        CalendarDay(day=day, slots=[CalendarSlot(channel=channels[cid], posts=posts)
                                    for cid, posts in sorted(by_day[day].items())])
        for day in sorted(by_day)
    ]
