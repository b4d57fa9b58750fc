"""The metrics export: every daily value of a brand's channels and posts, with its provenance.

The first columns are the metrics import columns (domain.imports.schema), so the file
imports back as it is; the provenance columns after them are read-only (an import records
its own provenance: the file).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from functools import partial
from typing import Any

from piccolo.columns import ForeignKey

from domain.exports.columns import METRIC_PROVENANCE, UNREFERENCED_PREFIX
from domain.exports.paging import Key, after, pages
from domain.models import ChannelMetric, PostMetric
from domain.services.analytics import exact_decimal

PAGE_SIZE = 2000

IMPORT_COLUMNS = ("channel", "platform", "post", "day", "metric", "value", "currency",
                  "raw_metric", "note")
COLUMNS = IMPORT_COLUMNS + METRIC_PROVENANCE

Table = type[ChannelMetric] | type[PostMetric]


async def metric_rows(brand_id: int, start: date, end: date, *,
                      page_size: int = PAGE_SIZE) -> AsyncIterator[tuple[Any, ...]]:
    """Channel metrics, then post metrics, of days in [start, end], in COLUMNS order.

    Each table is keyset-paged on its natural key (subject, metric, day), which its
    unique index serves: one query a page, memory at one page.
    """
    for table in (ChannelMetric, PostMetric):
        read = partial(_page, table, brand_id, start, end)
        async for page in pages(read, lambda r: (r["subject"], r["metric"], r["day"]),
                                page_size):
            for row in page:
                yield _row(row)


async def _page(table: Table, brand_id: int, start: date, end: date,
                since: Key | None, size: int) -> list[dict[str, Any]]:
    # The subject's foreign key, and the channel's (followed through the post for posts).
    subject: ForeignKey[Any]
    channel: Any
    if table is ChannelMetric:
        subject, channel = ChannelMetric.channel, ChannelMetric.channel
        post_ref = None
        brand = channel.brand
    else:
        subject, channel = PostMetric.post, PostMetric.post.channel
        post_ref = PostMetric.post.ref.as_alias("post_ref")
        brand = PostMetric.post.brand
    columns = [subject.as_alias("subject"), channel.handle.as_alias("channel_handle"),
               channel.platform.as_alias("platform"), table.day, table.metric, table.value,
               table.currency, table.raw_metric, table.note, table.source_kind,
               table.source_name, table.source_version, table.fetched_at]
    if post_ref is not None:
        columns.append(post_ref)
    query = table.select(*columns).where(brand == brand_id, table.day >= start,
                                         table.day <= end)
    if since is not None:
        # The natural key's unique index serves this order.
        query = query.where(after((subject, table.metric, table.day), since))
    return await query.order_by(subject, table.metric, table.day).limit(size)


def _post_key(row: dict[str, Any]) -> str:
    """The post's ref; `coso:<id>` for a post without one (made in Coso, not imported).

    Never empty for a post metric: an empty post cell reads back as a channel metric.
    """
    if "post_ref" not in row:
        return ""
    return row["post_ref"] or f"{UNREFERENCED_PREFIX}{row['subject']}"


def _row(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["channel_handle"], row["platform"], _post_key(row), row["day"],
        row["metric"], exact_decimal(row["value"]), row["currency"] or "", row["raw_metric"],
        row["note"], row["source_kind"], row["source_name"], row["source_version"],
        row["fetched_at"],
    )
