"""Row loaders: rows by primary key and pages of child rows, one query per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.table import Table
from strawberry.dataloader import DataLoader

from api.graphql.loaders.sql import Cond, Filter, fetch, where
from api.graphql.pagination import PageRequest


def row_loader(table: type[Table]) -> DataLoader[int, dict[str, Any] | None]:
    """Rows of `table` by id, None for a missing id."""
    name = table._meta.tablename

    async def load(ids: Sequence[int]) -> list[dict[str, Any] | None]:
        sql, args = where([_in("id", ids)])
        rows = await fetch(table, f'SELECT * FROM "{name}" WHERE {sql}', args)
        by_id = {row["id"]: row for row in rows}
        return [by_id.get(pk) for pk in ids]

    return DataLoader(load_fn=load)


def _in(column: str, values: Sequence[Any]) -> Cond:
    return Cond(column, "IN", tuple(values))


@dataclass(frozen=True, slots=True)
class PageKey:
    parent_id: int
    filter: Filter
    page: PageRequest


def page_loader(table: type[Table], parent: str) -> DataLoader[PageKey, list[dict[str, Any]]]:
    """Per parent, up to first + 1 child rows after the cursor, in id order.

    Keys sharing a filter and page run as one windowed query for all their parents, so
    `brands { campaigns(first: 10) }` costs one query whatever the number of brands.
    """
    name = table._meta.tablename

    async def load(keys: Sequence[PageKey]) -> list[list[dict[str, Any]]]:
        groups: dict[tuple[Filter, PageRequest], set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.filter, key.page)].add(key.parent_id)
        found: dict[tuple[Filter, PageRequest, int], list[dict[str, Any]]] = defaultdict(list)
        for (filter_, page), parents in groups.items():
            conds = [_in(parent, sorted(parents)), *filter_]
            if page.after is not None:
                conds.append(Cond("id", ">", page.after))
            sql, args = where(conds)
            rows = await fetch(
                table,
                f'SELECT * FROM (SELECT t.*, ROW_NUMBER() OVER '
                f'(PARTITION BY t."{parent}" ORDER BY t."id") AS "_rn" '
                f'FROM "{name}" t WHERE {sql}) w WHERE "_rn" <= {{}} ORDER BY "id"',
                [*args, page.first + 1],
            )
            for row in rows:
                found[(filter_, page, row[parent])].append(row)
        return [found.get((key.filter, key.page, key.parent_id), []) for key in keys]

    return DataLoader(load_fn=load)


@dataclass(frozen=True, slots=True)
class CountKey:
    parent_id: int
    filter: Filter


def count_loader(table: type[Table], parent: str) -> DataLoader[CountKey, int]:
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

    return DataLoader(load_fn=load)
