"""One export: a brand's posts, metrics or campaigns of a period, streamed through a writer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any, BinaryIO

from domain.exports import campaigns, metrics, posts
from domain.exports.writers import ExportFormat, open_writer


class ExportEntity(StrEnum):
    POSTS = "posts"
    METRICS = "metrics"
    CAMPAIGNS = "campaigns"


COLUMNS: dict[ExportEntity, tuple[str, ...]] = {
    ExportEntity.POSTS: posts.COLUMNS,
    ExportEntity.METRICS: metrics.COLUMNS,
    ExportEntity.CAMPAIGNS: campaigns.COLUMNS,
}
OPEN_PERIOD = frozenset({ExportEntity.CAMPAIGNS})
"""Entities whose period may be open at either end (None): all campaigns, or those from or
until a day; a calendar or a metric series always needs both ends."""


def rows(entity: ExportEntity, brand: Mapping[str, Any], start: date | None,
         end: date | None) -> AsyncIterator[tuple[Any, ...]]:
    """The export's rows in COLUMNS[entity] order; `brand` needs id, timezone and currency."""
    if start is not None and end is not None and end < start:
        raise ValueError("the period ends before it starts")
    if entity is ExportEntity.CAMPAIGNS:
        return campaigns.campaign_rows(brand["id"], start, end)
    if start is None or end is None:
        raise ValueError(f"an export of {entity.value} needs the period's first and last day")
    if entity is ExportEntity.POSTS:
        return posts.post_rows(brand, start, end)
    return metrics.metric_rows(brand["id"], start, end)


async def export(entity: ExportEntity, brand: Mapping[str, Any], start: date | None,
                 end: date | None, fmt: ExportFormat, out: BinaryIO, *, delimiter: str = ",",
                 bom: bool = False,
                 progress: Callable[[int], None] | None = None) -> int:
    """Write the export to `out` and return its row count (the header not counted).

    On an error the writer is discarded and the error raised: `out` then holds a partial
    file, which the caller removes.
    """
    writer = open_writer(fmt, out, COLUMNS[entity], delimiter=delimiter, bom=bom,
                         sheet=entity.value)
    try:
        async for row in rows(entity, brand, start, end):
            writer.write(row)
            if progress is not None:
                progress(writer.rows)
    except BaseException:
        writer.discard()
        raise
    writer.close()
    return writer.rows
