"""The editorial plan: every post slot of the window, its copy, format and campaign.

Everything is derived from the absolute date of each slot through seeded
`random.Random`s, so the same `today` gives the same plan and a later one moves it on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.demo.agency import METRIC_DAYS, BrandSpec, ChannelSpec
from domain.demo.platforms import FORMATS, PAID_PLATFORMS, VIDEO
from domain.enums import ContentPillar, MediaType, PostFormat, PostStatus

EPOCH = datetime(2020, 1, 6, tzinfo=UTC)  # a Monday: slot numbers count weeks from here


@dataclass
class PostSpec:
    brand: BrandSpec
    brand_id: int
    channel: ChannelSpec
    channel_id: int
    scheduled_at: datetime
    rng: random.Random
    status: PostStatus = PostStatus.DRAFT
    values: dict[str, Any] = field(default_factory=dict)
    path: list[tuple[PostStatus, PostStatus, str | None, datetime, str]] = field(
        default_factory=list)  # (from, to, actor e-mail, at, reason)
    viral: bool = False

    @property
    def seed(self) -> str:
        """Names the slot in every seeded random draw about it."""
        return f"{self.channel.handle}|{self.scheduled_at.isoformat()}"

    @property
    def local_day(self) -> date:
        return self.scheduled_at.astimezone(ZoneInfo(self.brand.timezone)).date()


def end_of_next_month(day: date) -> date:
    first_after = date(day.year + (day.month + 1) // 12, (day.month + 1) % 12 + 1, 1)
    return first_after - timedelta(days=1)


def slots(brand: BrandSpec, channel: ChannelSpec, first: date, last: date) -> list[datetime]:
    """When the channel posts between `first` and `last` (UTC instants)."""
    tz = ZoneInfo(brand.timezone)
    found = []
    day = first
    while day <= last:
        if not (channel.every_other_week and day.isocalendar().week % 2):
            for weekday, at in channel.slots:
                if day.weekday() == weekday:
                    found.append(datetime.combine(day, at, tz).astimezone(UTC))
        day += timedelta(days=1)
    return found


def deck(brand: BrandSpec) -> list[tuple[ContentPillar, str]]:
    """The brand's sentences, shuffled the same way on every run."""
    cards = [(pillar, text) for pillar, texts in brand.texts.items() for text in texts]
    random.Random(brand.slug).shuffle(cards)
    return cards


def plan(brand: BrandSpec, brand_id: int, channel_ids: dict[str, int],
         campaigns: list[dict[str, Any]], today: date) -> list[PostSpec]:
    """Every slot from METRIC_DAYS ago to the end of next month, described."""
    first, last = today - timedelta(days=METRIC_DAYS), end_of_next_month(today)
    specs = [
        PostSpec(brand, brand_id, ch, channel_ids[ch.handle], at,
                 random.Random(f"{ch.handle}|{at.isoformat()}"))
        for ch in brand.channels for at in slots(brand, ch, first, last)
    ]
    specs.sort(key=lambda s: (s.scheduled_at, s.channel.handle))
    cards = deck(brand)
    weekly = sorted((c.handle, w) for c in brand.channels for w, _ in c.slots)
    # A card per slot, numbered from a fixed epoch: a slot keeps its text on every run.
    for spec in specs:
        week = (spec.scheduled_at - EPOCH).days // 7
        position = weekly.index((spec.channel.handle, spec.local_day.weekday()))
        pillar, text = cards[(week * len(weekly) + position) % len(cards)]
        describe(spec, pillar, text, campaigns)
    return specs


def describe(spec: PostSpec, pillar: ContentPillar, text: str,
             campaigns: list[dict[str, Any]]) -> None:
    """The post's format, copy, tags, media and campaign (`spec.values`)."""
    rng, ch, brand = spec.rng, spec.channel, spec.brand
    fmt = rng.choice(FORMATS[ch.platform])
    local_day = spec.local_day
    campaign = next((c for c in campaigns if c["starts_on"] <= local_day <= c["ends_on"]
                     and spec.channel_id in c["channel_ids"] and rng.random() < 0.7), None)
    paid = ch.platform in PAID_PLATFORMS and rng.random() < (0.35 if campaign else 0.08)
    media_type = MediaType.PAID if paid else (
        MediaType.EARNED if rng.random() < 0.06 else MediaType.OWNED)
    if campaign and campaign["promotional"] and not paid and rng.random() < 0.5:
        pillar = ContentPillar.PROMOTIONAL
    tags = sorted(set(rng.sample(brand.tags, rng.randint(1, 2)))
                  | ({campaign["utm_campaign"]} if campaign else set()))
    n = f"{ch.handle.strip('@').replace('.', '-')}-{local_day:%Y%m%d}"
    ext, kind = ("mp4", "video") if fmt in VIDEO else ("jpg", "image")
    media = [] if fmt is PostFormat.TEXT else [{
        "url": f"https://demo.coso.example/media/{brand.slug}/{n}.{ext}",
        "kind": kind, "alt": text.split(". ")[0].split(": ")[0]}]
    spec.values = {
        "format": fmt, "pillar": pillar, "media_type": media_type,
        "text": text + "\n\n" + " ".join(f"#{t.replace('-', '')}" for t in tags),
        "tags": tags, "media": media, "campaign": campaign["id"] if campaign else None,
    }
