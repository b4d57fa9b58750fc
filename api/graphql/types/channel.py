"""Channel: a brand's account on one platform."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.loaders.metrics import Subject
from api.graphql.pagination import Connection
from api.graphql.types.analytics import Analytics, load_analytics
from api.graphql.types.enums import Platform
from api.graphql.types.in_brand import InBrand
from api.graphql.types.metrics import Kpis, MetricSeries, load_kpis, load_series
from api.graphql.types.node import load_visible
from api.graphql.types.sync_run import (
    ChannelStatus,
    SyncKind,
    SyncRun,
    SyncStatus,
    last_sync,
    sync_run_connection,
)

if TYPE_CHECKING:
    from api.graphql.types.post import Post, PostFilter

_types = "api.graphql.types"


@strawberry.type
class Channel(InBrand, relay.Node):
    id: relay.NodeID[int]
    platform: Platform
    handle: str
    name: str
    external_id: str
    created_at: datetime
    # The connection; the tokens themselves are never readable.
    status: ChannelStatus
    connected_at: datetime | None
    token_expires_at: datetime | None
    metrics_watermark: date | None = strawberry.field(
        description="Every day up to this one is synced from the platform.")
    backfilled_from: date | None = strawberry.field(
        description="The first day of history fetched from the platform.")
    inbox_watermark: datetime | None = strawberry.field(
        description="Every comment, mention and message created before this instant is in "
                    "the community inbox (channels whose inbox Coso reads).")
    last_error: str | None = strawberry.field(
        description="Why the last sync or publishing failed; null after a success.")
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Channel:
        return cls(id=row["id"], platform=row["platform"], handle=row["handle"],
                   name=row["name"], external_id=row["external_id"],
                   created_at=row["created_at"], status=row["status"],
                   connected_at=row["connected_at"], token_expires_at=row["token_expires_at"],
                   metrics_watermark=row["metrics_watermark"],
                   backfilled_from=row["backfilled_from"],
                   inbox_watermark=row["inbox_watermark"],
                   last_error=row["last_error"] or None, _row=row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Channel | None]:
        return await load_visible(info, info.context.loaders.channel, node_ids, cls.from_row)

    @strawberry.field
    async def posts(
        self, info: Info,
        filter: Annotated[PostFilter, strawberry.lazy(f"{_types}.post")] | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[Annotated[Post, strawberry.lazy(f"{_types}.post")]]:
        from api.graphql.types.post import post_connection

        return await post_connection(info, "channel", self.id, self._row["brand"], filter,
                                     first, after)

    @strawberry.field
    async def kpis(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> Kpis:
        brand = await info.context.loaders.brand.load(self._row["brand"])
        return await load_kpis(info, Subject.CHANNEL, self.id, from_, to, brand["currency"],
                               brand_id=brand["id"])

    @strawberry.field(description="Dashboards of the channel over a period (no targets).")
    async def analytics(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> Analytics:
        brand = await info.context.loaders.brand.load(self._row["brand"])
        return await load_analytics(info, Subject.CHANNEL, self.id, brand, from_, to)

    @strawberry.field
    async def metrics(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
        names: list[str] | None = None,
    ) -> list[MetricSeries]:
        return await load_series(info, Subject.CHANNEL, self.id, from_, to, names)

    @strawberry.field(description="The newest metrics or backfill sync, whatever its status.")
    async def last_sync(self, info: Info) -> SyncRun | None:
        return await last_sync(info, self.id)

    @strawberry.field(description="Syncs and publishings of this channel, newest first.")
    async def sync_runs(
        self, info: Info, kind: list[SyncKind] | None = None,
        status: list[SyncStatus] | None = None, first: int | None = None,
        after: str | None = None,
    ) -> Connection[SyncRun]:
        return await sync_run_connection(info, self.id, kind, status, first, after)
