"""The campaigns export: a brand's campaigns in exactly the campaigns import's columns.

The columns are the import schema's own (domain.imports.schema), so the file imports back
as it is. A period keeps the campaigns running at some point in it: those whose days
[starts_on, ends_on] overlap it; either end may be left open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from functools import partial
from typing import Any

from domain.exports.columns import UNREFERENCED_PREFIX
from domain.exports.paging import Key, after, pages
from domain.imports.schema import SCHEMAS, Entity
from domain.models import Campaign

PAGE_SIZE = 500

COLUMNS = tuple(column.name for column in SCHEMAS[Entity.CAMPAIGNS].columns)
# Every import column is the Campaign column of the same name: an import column without
# one fails here, at import time, rather than exporting a file that cannot round-trip.
_SELECTED = (Campaign.id, *(getattr(Campaign, name) for name in COLUMNS))


async def campaign_rows(brand_id: int, start: date | None, end: date | None, *,
                        page_size: int = PAGE_SIZE) -> AsyncIterator[tuple[Any, ...]]:
    """Campaigns overlapping [start, end] (None: unbounded), by first day then id, in COLUMNS
    order; keyset-paged on (starts_on, id)."""
    read = partial(_page, brand_id, start, end)
    async for page in pages(read, lambda r: (r["starts_on"], r["id"]), page_size):
        for row in page:
            yield _row(row)


async def _page(brand_id: int, start: date | None, end: date | None, since: Key | None,
                size: int) -> list[dict[str, Any]]:
    query = Campaign.select(*_SELECTED).where(Campaign.brand == brand_id)
    if start is not None:
        query = query.where(Campaign.ends_on >= start)
    if end is not None:
        query = query.where(Campaign.starts_on <= end)
    if since is not None:
        query = query.where(after((Campaign.starts_on, Campaign.id), since))
    return await query.order_by(Campaign.starts_on, Campaign.id).limit(size)


def _row(campaign: dict[str, Any]) -> tuple[Any, ...]:
    # A campaign made in Coso has no ref: `coso:<id>` finds it again on import, as for posts.
    named = {**campaign, "ref": campaign["ref"] or f"{UNREFERENCED_PREFIX}{campaign['id']}"}
    return tuple(named[name] for name in COLUMNS)
