"""The demo's metric simulation: pure, deterministic functions from seeds and dates to counts.

No ORM and no I/O: every figure comes from a `random.Random` seeded with a string that
names the post or the channel and the day, so the same inputs always give the same
numbers. A metric the platform does not report (not in `reported`) or the format does not
have (video views of an image) is left out of a day's counts: missing, never zero.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from domain.demo.platforms import PAID_DAILY, POST_SHAPE, VIDEO, WEEKDAY_FACTOR
from domain.enums import ContentPillar, Platform, PostFormat

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class SimulatedPost:
    """What the simulation needs to know about one published post."""

    seed: str  # names the post: the same seed gives the same figures
    platform: Platform
    followers: int  # the channel's audience the post starts from
    published: date  # local day of publication
    format: PostFormat
    pillar: ContentPillar
    paid: bool = False  # promoted for its first week
    viral: bool = False
    order_value: Decimal = Decimal(0)  # revenue per conversion


@dataclass(frozen=True, slots=True)
class Paid:
    """A promoted day's spend and what it brought, in the brand's currency."""

    spend: Decimal
    conversions: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class Day:
    """One day's counts by canonical metric name; `paid` on a promoted post's paid days."""

    day: date
    counts: dict[str, int] = field(default_factory=dict)
    paid: Paid | None = None


def post_days(post: SimulatedPost, last: date, reported: Collection[str]) -> list[Day]:
    """Daily figures from the publish day to `last`: organic reach decays, a promotion
    runs for a week."""
    r = random.Random(f"metrics|{post.seed}")
    rate, tau, er = POST_SHAPE[post.platform]
    total = post.followers * rate * r.lognormvariate(0, 0.35)
    total *= 1.4 if post.format in VIDEO or post.format is PostFormat.CAROUSEL else 1.0
    total *= 0.8 if post.pillar is ContentPillar.PROMOTIONAL else 1.0
    if post.viral:
        total, tau = total * 25, tau * 2
    q = math.exp(-1 / tau)
    opinion = 1.6 if post.pillar is ContentPillar.OPINION else 1
    days = []
    day = post.published
    while day <= last:
        k = (day - post.published).days
        share = (1 - q) * q ** k + 0.0006  # the long tail: search, profile visits, shares
        imp = (total * share * WEEKDAY_FACTOR[post.platform][day.weekday()]
               * r.uniform(0.85, 1.15))
        spend = Decimal(0)
        if post.paid and k < 7:
            low, high, cpm_low, cpm_high = PAID_DAILY[post.platform]
            spend = Decimal(r.uniform(low, high)).quantize(CENT)
            imp += float(spend) * 1000 / r.uniform(cpm_low, cpm_high)
        eng = imp * er * r.uniform(0.8, 1.2) * (0.6 if post.paid else 1)
        clicks = imp * (0.02 if post.format is PostFormat.LINK or post.paid else 0.006)
        daily = {
            "impressions": imp, "reach": imp * r.uniform(0.6, 0.8),
            "reactions": eng * 0.72, "comments": eng * 0.08 * opinion,
            "shares": eng * 0.09, "saves": eng * 0.11,
            "clicks": clicks,
            "video_views": imp * 0.55 if post.format in VIDEO else None,
        }
        paid = None
        if spend:
            conversions = round(clicks * r.uniform(0.03, 0.07))
            revenue = (post.order_value * conversions * Decimal(r.uniform(0.8, 1.2))
                       ).quantize(CENT)
            paid = Paid(spend, conversions, revenue)
        days.append(Day(day, {name: round(value) for name, value in daily.items()
                              if value is not None and name in reported}, paid))
        day += timedelta(days=1)
    return days


def add_up(days: Iterable[Day], into: dict[date, dict[str, int]]) -> None:
    """Adds posts' daily counts into their channel's totals by day."""
    for d in days:
        bucket = into.setdefault(d.day, {})
        for name, count in d.counts.items():
            bucket[name] = bucket.get(name, 0) + count


def channel_days(seed: str, platform: Platform, followers: int, first: date, last: date,
                 from_posts: Mapping[date, Mapping[str, int]], reported: Collection[str]
                 ) -> list[Day]:
    """Daily channel figures from `first` to `last`: an organic baseline growing slowly,
    plus what the channel's posts did that day (`from_posts`, see `add_up`)."""
    audience = float(followers)
    days = []
    day = first
    while day <= last:
        r = random.Random(f"channel|{seed}|{day.isoformat()}")
        posts = from_posts.get(day, {})
        wf = WEEKDAY_FACTOR[platform][day.weekday()]
        trend = 1 + 0.004 * (day - first).days
        organic = audience * 0.12 * wf * trend * r.uniform(0.85, 1.15)
        imp = organic + posts.get("impressions", posts.get("video_views", 0))
        engaged = posts.get("reactions", 0) + posts.get("comments", 0) + posts.get("shares", 0)
        follows = audience * 0.0009 * wf * trend * r.uniform(0.7, 1.3) + engaged * 0.02
        audience += follows - audience * 0.0003 * r.uniform(0.5, 1.5)
        daily = {
            "followers": audience, "follows": follows, "impressions": imp,
            "reach": imp * r.uniform(0.55, 0.7),
            "reactions": organic * 0.01 + posts.get("reactions", 0),
            "comments": organic * 0.001 + posts.get("comments", 0),
            "shares": organic * 0.0008 + posts.get("shares", 0),
            "saves": organic * 0.001 + posts.get("saves", 0),
            "clicks": organic * 0.004 + posts.get("clicks", 0),
            "profile_visits": imp * 0.015 * r.uniform(0.8, 1.2),
            "mentions": audience * 0.0006 * r.uniform(0.3, 1.7) + posts.get("shares", 0) * 0.05,
        }
        days.append(Day(day, {name: round(value) for name, value in daily.items()
                              if name in reported}))
        day += timedelta(days=1)
    return days
