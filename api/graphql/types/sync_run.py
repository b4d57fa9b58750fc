"""SyncRun: one time Coso talked to a platform for a channel, and how it went."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.loaders.rows import CountKey, PageKey
from api.graphql.loaders.sql import Cond
from api.graphql.pagination import Connection, PageRequest, build_connection
from api.graphql.types.node import node_keys
from api.graphql.types.user import User
from domain import enums

if TYPE_CHECKING:
    from api.graphql.types.channel import Channel
    from api.graphql.types.post import Post

# A plain alias (a type to mypy), then registered: strawberry.enum() marks the class
# itself and returns it, so the alias is the GraphQL enum.
ChannelStatus = enums.ChannelStatus
strawberry.enum(ChannelStatus,
                description="Whether Coso holds a working token for a channel.")
SyncKind = enums.SyncKind
strawberry.enum(SyncKind, description="METRICS: a recent window; BACKFILL: "
                                            "history after connecting; PUBLISH: a post; "
                                            "INBOX: comments, mentions and messages.")
SyncStatus = enums.SyncStatus
strawberry.enum(SyncStatus)

_types = "api.graphql.types"


@strawberry.type(description="One sync of a channel (metrics, backfill) or one publishing of a "
                             "post: when, what came in, and what went wrong.")
class SyncRun(relay.Node):
    id: relay.NodeID[int]
    kind: SyncKind
    status: SyncStatus
    window_from: date | None = strawberry.field(description="First day synced (metric runs).")
    window_to: date | None = strawberry.field(description="Last day synced (metric runs).")
    attempt: int = strawberry.field(description="1, or more when transient failures were "
                                                "retried.")
    api_version: str = strawberry.field(description="The platform API version spoken.")
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    items_in: int = strawberry.field(description="Metric values received.")
    items_inserted: int = strawberry.field(description="Values Coso did not have before.")
    items_updated: int = strawberry.field(description="Stored values the platform revised.")
    error_code: str | None = strawberry.field(description="Stable code of the last failure.")
    error: str | None = strawberry.field(description="The last failure, in words.")
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SyncRun:
        return cls(
            id=row["id"], kind=row["kind"], status=row["status"],
            window_from=row["window_from"], window_to=row["window_to"],
            attempt=row["attempt"], api_version=row["api_version"],
            queued_at=row["queued_at"], started_at=row["started_at"],
            finished_at=row["finished_at"], items_in=row["items_in"],
            items_inserted=row["items_inserted"], items_updated=row["items_updated"],
            error_code=row["error_code"] or None, error=row["error"] or None, _row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SyncRun | None]:
        rows = await info.context.loaders.sync.run.load_many(node_keys(node_ids))
        channels = await info.context.loaders.channel.load_many(
            [row["channel"] if row else 0 for row in rows])
        access = info.context.access
        return [cls.from_row(row) if row and channel and access.can_read(channel["brand"])
                else None for row, channel in zip(rows, channels, strict=True)]

    @strawberry.field
    async def channel(
        self, info: Info
    ) -> Annotated[Channel, strawberry.lazy(f"{_types}.channel")]:
        from api.graphql.types.channel import Channel

        return Channel.from_row(await info.context.loaders.channel.load(self._row["channel"]))

    @strawberry.field(description="The post a PUBLISH run publishes.")
    async def post(self, info: Info) -> Annotated[Post, strawberry.lazy(f"{_types}.post")] | None:
        from api.graphql.types.post import Post

        prefix, _, pk = self._row["job_id"].rpartition(":")
        if self._row["kind"] != enums.SyncKind.PUBLISH or prefix != "publish" \
                or not pk.isdigit():
            return None
        row = await info.context.loaders.post.load(int(pk))
        return Post.from_row(row) if row else None

    @strawberry.field(description="Who asked for it; null for scheduled runs.")
    async def requested_by(self, info: Info) -> User | None:
        if self._row["requested_by"] is None:
            return None
        row = await info.context.loaders.user.load(self._row["requested_by"])
        return User.from_row(row) if row else None


def _filter(kind: list[enums.SyncKind] | None,
            status: list[enums.SyncStatus] | None) -> tuple[Cond, ...]:
    conds = []
    if kind:
        conds.append(Cond("kind", "IN", tuple(sorted(k.value for k in kind))))
    if status:
        conds.append(Cond("status", "IN", tuple(sorted(s.value for s in status))))
    return tuple(conds)


async def sync_run_connection(info: Info, channel_id: int, kind: list[enums.SyncKind] | None,
                              status: list[enums.SyncStatus] | None, first: int | None,
                              after: str | None) -> Connection[SyncRun]:
    """A channel's runs, newest first (the caller has checked the channel's brand)."""
    page = PageRequest.parse(first, after)
    conds = _filter(kind, status)
    loaders = info.context.loaders.sync
    rows = await loaders.page.load(PageKey(channel_id, conds, page))
    return build_connection(rows, page, SyncRun.from_row,
                            lambda: loaders.count.load(CountKey(channel_id, conds)))


async def last_sync(info: Info, channel_id: int) -> SyncRun | None:
    row = await info.context.loaders.sync.last.load(channel_id)
    return SyncRun.from_row(row) if row else None
