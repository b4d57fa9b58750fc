"""Storing what a connector fetched: posts, metric rows, watermark and run, in one transaction.

Either all of a window lands (rows, the watermark that covers them, the run's SUCCEEDED)
or none of it does; a retry then writes the same rows again through the natural-key upserts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.connectors.base import MetricPoint, RemotePost
from domain.db import write_transaction
from domain.enums import PostStatus, SourceKind
from domain.models import Channel, Post
from domain.services.metrics import Observation, upsert_channel_metrics, upsert_post_metrics
from domain.services.usecase import locked
from domain.sync import runs
from domain.sync.windows import advance_watermark

CHUNK = 500


@dataclass(frozen=True, slots=True)
class Stored:
    items_in: int
    inserted: int
    updated: int
    """Rows whose stored value changed; items_in - inserted - updated were already right."""
    posts_created: int
    watermark: date | None


def _clean(text: str) -> str:
    return text.replace("\x00", "")  # PostgreSQL text cannot hold NUL


async def _post_ids(channel: dict[str, Any], posts: Sequence[RemotePost]) -> tuple[dict[str, int],
                                                                                    int]:
    """Coso's post id for every remote post, creating PUBLISHED posts Coso did not know."""
    created = 0
    for start in range(0, len(posts), CHUNK):
        chunk = posts[start:start + CHUNK]
        rows = [Post(brand=channel["brand"], channel=channel["id"], status=PostStatus.PUBLISHED,
                     text=_clean(p.text), external_id=p.external_id,
                     permalink=_clean(p.permalink), published_at=p.published_at,
                     updated_at=p.published_at) for p in chunk]
        inserted = await Post.insert(*rows).on_conflict(
            target=(Post.channel, Post.external_id), action="DO NOTHING").returning(Post.id)
        created += len(inserted)
    ids: dict[str, int] = {}
    external = sorted({p.external_id for p in posts})
    for start in range(0, len(external), CHUNK):
        for row in await Post.select(Post.id, Post.external_id).where(
            Post.channel == channel["id"], Post.external_id.is_in(external[start:start + CHUNK])
        ):
            ids[row["external_id"]] = row["id"]
    return ids, created


def _observation(subject_id: int, point: MetricPoint, platform: str, api_version: str,
                 fetched_at: datetime) -> Observation:
    return Observation(subject_id=subject_id, metric=point.metric, day=point.day,
                       value=point.value, currency=point.currency,
                       source_kind=SourceKind.PLATFORM_API, source_name=platform,
                       source_version=api_version, raw_metric=point.raw_metric,
                       fetched_at=fetched_at)


async def store_window(run_id: int, channel: dict[str, Any], *, api_version: str,
                       start: date, end: date, points: Sequence[MetricPoint],
                       posts: Sequence[RemotePost], fetched_at: datetime) -> Stored:
    """Write one fetched window and mark its run SUCCEEDED, all in one transaction."""
    platform = channel["platform"]
    async with write_transaction():
        post_ids, created = await _post_ids(channel, posts)
        post_rows = [_observation(post_ids[p.external_id], point, platform, api_version,
                                  fetched_at) for p in posts for point in p.metrics]
        channel_rows = [_observation(channel["id"], point, platform, api_version, fetched_at)
                        for point in points]
        by_post = await upsert_post_metrics(post_rows)
        by_channel = await upsert_channel_metrics(channel_rows)
        # Locked last, so a long write holds the channel row only for its final moment.
        current = await locked(Channel.select(
            Channel.metrics_watermark, Channel.backfilled_from).where(
            Channel.id == channel["id"]), "NO KEY UPDATE").first()
        assert current is not None, "a channel outlives its runs (they cascade)"
        watermark, backfilled_from = advance_watermark(
            current["metrics_watermark"], current["backfilled_from"], start, end)
        await Channel.update({Channel.metrics_watermark: watermark,
                              Channel.backfilled_from: backfilled_from,
                              Channel.last_error: ""}).where(Channel.id == channel["id"])
        items_in = len(post_rows) + len(channel_rows)
        inserted = by_post.inserted + by_channel.inserted
        updated = (by_post.updated - by_post.unchanged) + (by_channel.updated
                                                           - by_channel.unchanged)
        await runs.succeed_run(run_id, api_version=api_version, items_in=items_in,
                               inserted=inserted, updated=updated)
    return Stored(items_in, inserted, updated, created, watermark)
