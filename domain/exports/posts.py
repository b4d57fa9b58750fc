"""The posts export: the editorial calendar of a period, each post with its KPIs over the period.

The first columns are the posts import columns (domain.imports.schema), so the file imports
back as it is; an import skips the KPI columns after them (domain.exports.columns). KPIs
come from domain.services.analytics, the same reading the API and the reports use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision

from domain.exports.columns import (
    POST_KPIS,
    POST_MONEY,
    POST_RATIOS,
    POST_TOTALS,
    UNREFERENCED_PREFIX,
)
from domain.exports.paging import Key, after, pages
from domain.models import Post
from domain.services.analytics import PeriodKpis, Subject, subject_kpis

PAGE_SIZE = 200
"""Posts read, and their daily series in the period loaded, per round trip: memory stays at
one page (a post with a year of every metric is about 4,000 points)."""

IMPORT_COLUMNS = ("ref", "channel", "platform", "campaign", "text", "format", "pillar",
                  "media_type", "media", "tags", "scheduled_at", "status", "published_at",
                  "platform_id", "permalink")
COLUMNS = IMPORT_COLUMNS + POST_KPIS
RATIO_PLACES = Decimal("0.000001")
"""Ratios are rounded to six places for a spreadsheet; the API gives every digit."""


def calendar_window(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the brand's timezone: the calendar's days."""
    zone = ZoneInfo(timezone)
    return (datetime.combine(start, time(), zone),
            datetime.combine(end + timedelta(days=1), time(), zone))


async def post_rows(brand: Mapping[str, Any], start: date, end: date, *,
                    page_size: int = PAGE_SIZE) -> AsyncIterator[tuple[Any, ...]]:
    """One row per post scheduled in [start, end] (the brand's days), in COLUMNS order.

    `brand` needs id, timezone and currency. Keyset-paged on (scheduled_at, id): a page
    costs one query for the posts and one for their metrics, whatever its size.
    """
    lower, upper = calendar_window(start, end, brand["timezone"])
    read = partial(_page, brand["id"], lower, upper)
    async for page in pages(read, lambda r: (r["scheduled_at"], r["id"]), page_size):
        kpis = await subject_kpis(Subject.POST, [r["id"] for r in page], start, end)
        for row in page:
            yield _row(row, kpis[row["id"]], brand["currency"])


async def _page(brand_id: int, lower: datetime, upper: datetime,
                since: Key | None, size: int) -> list[dict[str, Any]]:
    channel, campaign = Post.channel, Post.campaign
    query = Post.select(
        Post.id, Post.ref, channel.handle.as_alias("channel_handle"),
        channel.platform.as_alias("platform"), campaign.ref.as_alias("campaign_ref"),
        campaign.name.as_alias("campaign_name"), Post.text, Post.format, Post.pillar,
        Post.media_type, Post.media, Post.tags, Post.scheduled_at, Post.status,
        Post.published_at, Post.external_id, Post.permalink,
    ).where(Post.brand == brand_id, Post.scheduled_at >= lower, Post.scheduled_at < upper)
    if since is not None:
        query = query.where(after((Post.scheduled_at, Post.id), since))
    return await query.order_by(Post.scheduled_at, Post.id).limit(size).output(load_json=True)


def _row(post: dict[str, Any], period: PeriodKpis, currency: str) -> tuple[Any, ...]:
    k = period.kpis
    return (
        # A post made in Coso has no ref: `coso:<id>` finds it again on import.
        post["ref"] or f"{UNREFERENCED_PREFIX}{post['id']}",
        post["channel_handle"], post["platform"],
        post["campaign_ref"] or post["campaign_name"] or "",
        post["text"], post["format"], post["pillar"], post["media_type"],
        post["media"] or [], post["tags"] or [], post["scheduled_at"], post["status"],
        post["published_at"], post["external_id"] or "", post["permalink"],
        k.engagement,
        *(period.total(name) for name in POST_TOTALS),
        *(_rounded(getattr(k, name), RATIO_PLACES) for name in POST_RATIOS),
        *(_money(getattr(k, name), currency) for name in POST_MONEY),
        currency,
    )


def _rounded(value: Decimal | None, places: Decimal) -> Decimal | None:
    return None if value is None else value.quantize(places, ROUND_HALF_EVEN)


def _money(value: Decimal | None, currency: str) -> Decimal | None:
    """Rounded to the currency's minor unit, as the API's Money is."""
    if value is None:
        return None
    return _rounded(value, Decimal(1).scaleb(-get_currency_precision(currency)))
