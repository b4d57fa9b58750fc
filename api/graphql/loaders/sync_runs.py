"""Loaders of sync runs: by id, a channel's runs newest first, and its last metric sync."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from api.graphql.loaders.rows import (
    CountLoader,
    PageLoader,
    RowLoader,
    count_loader,
    page_loader,
    row_loader,
    windowed,
)
from api.graphql.loaders.shielded import Loader
from api.graphql.loaders.sql import Cond, fetch
from domain.enums import SyncKind
from domain.models import SyncRun


def last_sync_loader() -> RowLoader:
    """Per channel, its newest metrics or backfill run (publishing runs are about posts)."""

    async def load(channels: Sequence[int]) -> list[dict[str, Any] | None]:
        conds = [Cond("channel", "IN", tuple(sorted(set(channels)))),
                 Cond("kind", "IN", (SyncKind.METRICS.value, SyncKind.BACKFILL.value))]
        rows = await fetch(SyncRun, *windowed(SyncRun, "channel", conds, 1, newest_first=True))
        by_channel = {row["channel"]: row for row in rows}
        return [by_channel.get(pk) for pk in channels]

    return Loader(load_fn=load)


@dataclass(slots=True)
class SyncLoaders:
    run: RowLoader = field(default_factory=lambda: row_loader(SyncRun))
    page: PageLoader = field(
        default_factory=lambda: page_loader(SyncRun, "channel", newest_first=True))
    count: CountLoader = field(default_factory=lambda: count_loader(SyncRun, "channel"))
    last: RowLoader = field(default_factory=last_sync_loader)
