"""The community inbox's rules: what each platform allows, summaries, saved replies, moves."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.enums import (
    ConversationKind,
    ConversationStatus,
    MessageDirection,
    Moderation,
    Platform,
)
from domain.rules.kpis import (
    BusinessHours,
    business_seconds_between,
    response_rate,
    response_time_stats,
)

_C, _M, _D = ConversationKind.COMMENT, ConversationKind.MENTION, ConversationKind.DM


@dataclass(frozen=True, slots=True)
class PlatformInbox:
    """What a platform's API lets a brand's account do with its community, as documented,
    and how much of it Coso's connector does (`synced`)."""

    reads: frozenset[ConversationKind]
    replies: frozenset[ConversationKind]
    hides: frozenset[ConversationKind]
    deletes: frozenset[ConversationKind]
    synced: bool
    note: str


PLATFORMS: dict[Platform, PlatformInbox] = {
    Platform.FACEBOOK: PlatformInbox(
        frozenset({_C, _M, _D}), frozenset({_C, _M, _D}), frozenset({_C}), frozenset({_C}),
        True, "comments on the Page's posts (pages_read_user_content), posts tagging the "
              "Page (/tagged), Messenger threads (pages_messaging, replies within 24 h); "
              "hide and delete comments (pages_manage_engagement)"),
    Platform.INSTAGRAM: PlatformInbox(
        frozenset({_C, _M, _D}), frozenset({_C, _M, _D}), frozenset({_C}), frozenset({_C}),
        True, "comments and replies on the account's media (instagram_manage_comments), "
              "media tagging it (/tags, replied via /mentions), Direct threads "
              "(instagram_manage_messages); hide and delete comments"),
    Platform.LINKEDIN: PlatformInbox(
        frozenset({_C}), frozenset({_C}), frozenset(), frozenset({_C}), False,
        "comments on the organization's posts (r_organization_social), replies as the "
        "organization (w_organization_social); no hiding, no messages API"),
    Platform.X: PlatformInbox(
        frozenset({_C, _M}), frozenset({_C, _M}), frozenset({_C}), frozenset(), False,
        "replies and mentions (/2/users/:id/mentions), answered with a reply post; replies "
        "to the account's posts can be hidden; DMs need a paid tier"),
    Platform.YOUTUBE: PlatformInbox(
        frozenset({_C}), frozenset({_C}), frozenset({_C}), frozenset({_C}), False,
        "comment threads on the channel's videos (youtube.force-ssl), replies (50 quota "
        "units each), held for review or rejected by setModerationStatus"),
    Platform.TIKTOK: PlatformInbox(
        frozenset(), frozenset(), frozenset(), frozenset(), False,
        "no comments or messages API for business accounts"),
    Platform.PINTEREST: PlatformInbox(
        frozenset(), frozenset(), frozenset(), frozenset(), False, "no comments API"),
}


def capabilities(platform: str) -> PlatformInbox:
    return PLATFORMS[Platform(platform)]


def moderation_refusal(platform: str, kind: str, direction: str, action: Moderation
                       ) -> str | None:
    """Why a message cannot be hidden or deleted; None when the platform allows it."""
    if direction != MessageDirection.IN:
        return "only messages from the community can be hidden or deleted here"
    allowed = capabilities(platform)
    kinds = allowed.deletes if action is Moderation.DELETE else allowed.hides
    if ConversationKind(kind) not in kinds:
        verb = "delete" if action is Moderation.DELETE else "hide"
        return f"{platform} does not let the account {verb} a {kind.lower()}"
    return None


# -- state transitions -------------------------------------------------------------------


class Move(StrEnum):
    RESOLVE = "RESOLVE"
    REOPEN = "REOPEN"
    ESCALATE = "ESCALATE"
    DEESCALATE = "DEESCALATE"


def move_refusal(status: str, escalated: bool, move: Move) -> str | None:
    """Why a conversation in this state cannot make the move; None when it can."""
    if move is Move.RESOLVE and status == ConversationStatus.RESOLVED:
        return "the conversation is already resolved"
    if move is Move.REOPEN and status == ConversationStatus.OPEN:
        return "the conversation is already open"
    if move is Move.ESCALATE and escalated:
        return "the conversation is already escalated"
    if move is Move.DEESCALATE and not escalated:
        return "the conversation is not escalated"
    return None


# -- saved replies ---------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = {"author": "the handle of who wrote, with @",
                "brand": "the brand's name",
                "channel": "the channel's handle",
                "agent": "the name of who answers"}


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in a saved reply's text that Coso cannot fill."""
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def render_reply(text: str, values: Mapping[str, str]) -> str:
    """A saved reply with its placeholders filled; unknown ones are left as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def author_mention(handle: str) -> str:
    handle = handle.strip()
    return handle if not handle or handle.startswith("@") else f"@{handle}"


# -- thread summaries ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    """What a conversation row derives from its messages."""

    started_at: datetime
    last_message_at: datetime
    last_inbound_at: datetime | None
    first_response_at: datetime | None
    sentiment: str | None
    language: str | None


def summarize(messages: Iterable[Mapping[str, Any]]) -> Summary | None:
    """A thread's times, and the sentiment and language of its latest inbound message
    that has one; the first response is the brand's first message after the first
    inbound one (a published reply, or one made on the platform). None for no messages."""
    rows = sorted((m for m in messages if _counts(m)),
                  key=lambda m: (m["created_at"], m.get("id") or 0))
    if not rows:
        return None
    inbound = [m for m in rows if m["direction"] == MessageDirection.IN]
    first_in = inbound[0]["created_at"] if inbound else None
    responses = [m["created_at"] for m in rows if m["direction"] == MessageDirection.OUT
                 and first_in is not None and m["created_at"] >= first_in]
    felt = [m for m in inbound if m.get("sentiment")]
    spoken = [m for m in inbound if m.get("language")]
    return Summary(
        started_at=rows[0]["created_at"], last_message_at=rows[-1]["created_at"],
        last_inbound_at=inbound[-1]["created_at"] if inbound else None,
        first_response_at=min(responses) if responses else None,
        sentiment=felt[-1]["sentiment"] if felt else None,
        language=spoken[-1]["language"] if spoken else None)


def _counts(message: Mapping[str, Any]) -> bool:
    """A queued or failed reply is not (yet) part of the conversation on the platform."""
    return message["direction"] == MessageDirection.IN or message.get("reply_status") in (
        None, "PUBLISHED")


def reopens(status: str, new_inbound: bool) -> bool:
    """A resolved conversation opens again when the community writes again."""
    return status == ConversationStatus.RESOLVED and new_inbound


# -- response times --------------------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _clock(text: str) -> time:
    """"09:30" as a time; "24:00" is midnight at the end of the day (time(0) closing)."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r} is not a time like 09:00")
    if (hours, minutes) == ("24", "00"):
        return time(0)
    return time(int(hours), int(minutes))


def business_hours(timezone: str, windows: Sequence[Mapping[str, Any]]) -> BusinessHours:
    """A brand's BusinessHours from its stored windows ({weekday, opens, closes}); no
    windows: Monday to Friday, 9 to 18. ValueError names what is wrong ("24:00" closes a
    day at midnight)."""
    if not windows:
        return BusinessHours(timezone=timezone)
    week: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for window in windows:
        day = window["weekday"]
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
        week[day].append((_clock(str(window["opens"])), _clock(str(window["closes"]))))
    return BusinessHours(timezone=timezone, week=tuple(tuple(sorted(d)) for d in week))


@dataclass(frozen=True, slots=True)
class Durations:
    """Median and 90th percentile of some durations, in business seconds; None for none."""

    count: int
    median: Decimal | None
    p90: Decimal | None


@dataclass(frozen=True, slots=True)
class ResponseFigures:
    conversations: int
    """Conversations the community started in the period (with a message of theirs)."""
    responded: int
    """Of those, the ones the brand answered (a published reply)."""
    response_rate: Decimal | None
    first_response: Durations
    resolution: Durations


def _durations(values: list[int]) -> Durations:
    median, p90 = response_time_stats(values)
    return Durations(len(values), median, p90)


def response_figures(rows: Iterable[Mapping[str, Any]], hours: BusinessHours
                     ) -> ResponseFigures:
    """Response rate, first response and resolution times of conversations (rows with
    started_at, first_response_at, resolved_at), counted in business hours: a comment at
    Friday 17:00 answered Monday 10:00 took two business hours."""
    rows = list(rows)
    first = [business_seconds_between(r["started_at"], r["first_response_at"], hours)
             for r in rows if r["first_response_at"] is not None]
    resolved = [business_seconds_between(r["started_at"], r["resolved_at"], hours)
                for r in rows if r["resolved_at"] is not None]
    return ResponseFigures(len(rows), len(first), response_rate(len(first), len(rows)),
                           _durations(first), _durations(resolved))
