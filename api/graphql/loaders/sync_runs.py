"""Loaders of sync runs: by id, a channel's runs newest first, and its last metric sync."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from api.graphql.loaders.rows import CountKey, PageKey, count_loader, row_loader
from api.graphql.loaders.sql import Cond, Filter, fetch, where
from api.graphql.pagination import PageRequest
from domain.enums import SyncKind
from domain.models import SyncRun

_TABLE = SyncRun._meta.tablename


def _newest_first(conds: list[Cond], per_parent_limit: int) -> tuple[str, list[Any]]:
    sql, args = where(conds)
    return (f'SELECT * FROM (SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t."channel" '
            f'ORDER BY t."id" DESC) AS "_rn" FROM "{_TABLE}" t WHERE {sql}) w '
            f'WHERE "_rn" <= {{}} ORDER BY "id" DESC', [*args, per_parent_limit])


def runs_page_loader() -> DataLoader[PageKey, list[dict[str, Any]]]:
    """Per channel, up to first + 1 runs older than the cursor, newest first; one windowed
    query per (filter, page) whatever the number of channels."""

    async def load(keys: Sequence[PageKey]) -> list[list[dict[str, Any]]]:
        groups: dict[tuple[Filter, PageRequest], set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.filter, key.page)].add(key.parent_id)
        found: dict[tuple[Filter, PageRequest, int], list[dict[str, Any]]] = defaultdict(list)
        for (filter_, page), channels in groups.items():
            conds = [Cond("channel", "IN", tuple(sorted(channels))), *filter_]
            if page.after is not None:
                conds.append(Cond("id", "<", page.after))
            for row in await fetch(SyncRun, *_newest_first(conds, page.first + 1)):
                found[(filter_, page, row["channel"])].append(row)
        return [found.get((k.filter, k.page, k.parent_id), []) for k in keys]

    return DataLoader(load_fn=load)


def last_sync_loader() -> DataLoader[int, dict[str, Any] | None]:
    """Per channel, its newest metrics or backfill run (publishing runs are about posts)."""

    async def load(channels: Sequence[int]) -> list[dict[str, Any] | None]:
        conds = [Cond("channel", "IN", tuple(sorted(set(channels)))),
                 Cond("kind", "<>", SyncKind.PUBLISH.value)]
        rows = await fetch(SyncRun, *_newest_first(conds, 1))
        by_channel = {row["channel"]: row for row in rows}
        return [by_channel.get(pk) for pk in channels]

    return DataLoader(load_fn=load)


@dataclass(slots=True)
class SyncLoaders:
    run: DataLoader = field(default_factory=lambda: row_loader(SyncRun))
    page: DataLoader = field(default_factory=runs_page_loader)
    count: DataLoader[CountKey, int] = field(
        default_factory=lambda: count_loader(SyncRun, "channel"))
    last: DataLoader = field(default_factory=last_sync_loader)
