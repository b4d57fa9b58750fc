"""Keyset paging for exports: a page per query, each starting where the last one ended."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import Combinable

Row = dict[str, Any]
Key = tuple[Any, ...]


async def pages(read: Callable[[Key | None, int], Awaitable[list[Row]]],
                key: Callable[[Row], Key], size: int) -> AsyncIterator[list[Row]]:
    """`read(after, size)` until a page comes back short; `after` is the last row's `key`
    (None for the first page). Memory stays at one page whatever the export's size."""
    after: Key | None = None
    while True:
        page = await read(after, size)
        if page:
            yield page
        if len(page) < size:
            return
        after = key(page[-1])


def after(columns: Sequence[Column], values: Key) -> Combinable:
    """Rows whose `columns` sort after `values` (ascending, lexicographic).

    Each level leads with `first >= value` so the sort key's index scan starts where the
    last page ended and every page costs the same (a plain OR would rescan from the start).
    """
    first, value = columns[0], values[0]
    if len(columns) == 1:
        return first > value
    return (first >= value) & ((first > value) | after(columns[1:], values[1:]))
