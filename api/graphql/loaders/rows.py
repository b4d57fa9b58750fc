"""Row loaders: rows by primary key and pages of child rows, one query per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.table import Table
from strawberry.dataloader import DataLoader

from api.graphql.loaders.shielded import Loader
from api.graphql.loaders.sql import Cond, Filter, fetch, where
from api.graphql.pagination import PageRequest

RowLoader = DataLoader[int, dict[str, Any] | None]
"""Rows by primary key, None for a missing one."""
ChildrenLoader = DataLoader[int, list[dict[str, Any]]]
"""Every child row per parent id."""


def row_loader(table: type[Table]) -> RowLoader:
    """Rows of `table` by id, None for a missing id."""
    name = table._meta.tablename

    async def load(ids: Sequence[int]) -> list[dict[str, Any] | None]:
        sql, args = where([_in("id", ids)])
        rows = await fetch(table, f'SELECT * FROM "{name}" WHERE {sql}', args)
        by_id = {row["id"]: row for row in rows}
        return [by_id.get(pk) for pk in ids]

    return Loader(load_fn=load)


def _in(column: str, values: Sequence[Any]) -> Cond:
    return Cond(column, "IN", tuple(values))


@dataclass(frozen=True, slots=True)
class PageKey:
    parent_id: int
    filter: Filter
    page: PageRequest


def windowed(table: type[Table], parent: str, conds: list[Cond], per_parent: int, *,
             newest_first: bool = False) -> tuple[str, list[Any]]:
    """SQL for up to `per_parent` rows of each parent matching `conds`, in id order."""
    sql, args = where(conds)
    order = '"id" DESC' if newest_first else '"id"'
    return (f'SELECT * FROM (SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t."{parent}" '
            f'ORDER BY t.{order}) AS "_rn" FROM "{table._meta.tablename}" t WHERE {sql}) w '
            f'WHERE "_rn" <= {{}} ORDER BY {order}', [*args, per_parent])


PageLoader = DataLoader[PageKey, list[dict[str, Any]]]
"""One page (first + 1 rows) of child rows per parent, filter and cursor."""


def page_loader(table: type[Table], parent: str, *, newest_first: bool = False) -> PageLoader:
    """Per parent, up to first + 1 child rows after the cursor, in id order (or, newest
    first, the rows before the cursor with the highest ids first).

    Keys sharing a filter and page run as one windowed query for all their parents, so
    `brands { campaigns(first: 10) }` costs one query whatever the number of brands.
    """

    async def load(keys: Sequence[PageKey]) -> list[list[dict[str, Any]]]:
        groups: dict[tuple[Filter, PageRequest], set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.filter, key.page)].add(key.parent_id)
        found: dict[tuple[Filter, PageRequest, int], list[dict[str, Any]]] = defaultdict(list)
        for (filter_, page), parents in groups.items():
            conds = [_in(parent, sorted(parents)), *filter_]
            if page.after is not None:
                conds.append(Cond("id", "<" if newest_first else ">", page.after))
            sql = windowed(table, parent, conds, page.first + 1, newest_first=newest_first)
            for row in await fetch(table, *sql):
                found[(filter_, page, row[parent])].append(row)
        return [found.get((key.filter, key.page, key.parent_id), []) for key in keys]

    return Loader(load_fn=load)


@dataclass(frozen=True, slots=True)
class CountKey:
    parent_id: int
    filter: Filter


CountLoader = DataLoader[CountKey, int]
"""How many child rows per parent match a filter."""


def count_loader(table: type[Table], parent: str) -> CountLoader:
    """Per parent, how many child rows match the filter (one GROUP BY per filter)."""
    name = table._meta.tablename

    async def load(keys: Sequence[CountKey]) -> list[int]:
        groups: dict[Filter, set[int]] = defaultdict(set)
        for key in keys:
            groups[key.filter].add(key.parent_id)
        counts: dict[tuple[Filter, int], int] = {}
        for filter_, parents in groups.items():
            sql, args = where([_in(parent, sorted(parents)), *filter_])
            rows = await fetch(
                table,
                f'SELECT "{parent}" AS parent, COUNT(*) AS n FROM "{name}" WHERE {sql} '
                f'GROUP BY "{parent}"',
                args,
            )
            for row in rows:
                counts[(filter_, row["parent"])] = row["n"]
        return [counts.get((key.filter, key.parent_id), 0) for key in keys]

    return Loader(load_fn=load)
