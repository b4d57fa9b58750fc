"""The canonical metrics Coso stores, whatever each platform calls them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    COUNT = "COUNT"
    MONEY = "MONEY"


class Aggregation(StrEnum):
    SUM = "SUM"
    """A flow: the period's value is the sum of its days."""
    LAST = "LAST"
    """A stock (followers): the period's value is the last day's."""


class Level(StrEnum):
    POST = "POST"
    CHANNEL = "CHANNEL"
    BOTH = "BOTH"


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    name: str
    unit: Unit
    aggregation: Aggregation
    level: Level
    description: str

    def allowed_on(self, level: Level) -> bool:
        return self.level is Level.BOTH or self.level is level


def _m(name: str, description: str, *, unit: Unit = Unit.COUNT,
       aggregation: Aggregation = Aggregation.SUM, level: Level = Level.BOTH) -> MetricDefinition:
    return MetricDefinition(name, unit, aggregation, level, description)


CANONICAL_METRICS: dict[str, MetricDefinition] = {
    m.name: m
    for m in (
        _m("impressions", "Times the content was shown (Meta calls these views since 2025)."),
        _m("reach", "Accounts that saw the content that day; a period sums its days, so it "
                    "is not a count of distinct accounts."),
        _m("video_views", "Video plays."),
        _m("reactions", "Likes and other reactions."),
        _m("comments", "Comments and replies."),
        _m("shares", "Shares, reposts, retweets and quotes."),
        _m("saves", "Saves and bookmarks."),
        _m("clicks", "Link and content clicks."),
        _m("conversions", "Conversions attributed to the content."),
        _m("revenue", "Revenue attributed to the content.", unit=Unit.MONEY),
        _m("spend", "Media spend (paid promotion).", unit=Unit.MONEY),
        _m("followers", "Followers at the end of the day.", aggregation=Aggregation.LAST,
           level=Level.CHANNEL),
        _m("follows", "New followers gained that day.", level=Level.CHANNEL),
        _m("mentions", "Mentions of the brand's account.", level=Level.CHANNEL),
        _m("profile_visits", "Visits to the profile or page.", level=Level.CHANNEL),
    )
}

MONEY_METRICS = frozenset(n for n, m in CANONICAL_METRICS.items() if m.unit is Unit.MONEY)


def metric(name: str) -> MetricDefinition:
    """The definition of a canonical metric; KeyError names the unknown one."""
    try:
        return CANONICAL_METRICS[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}") from None
