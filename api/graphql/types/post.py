"""Post: one item of the editorial plan, with its workflow history and its metrics."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import PublicError
from api.graphql.ids import decode_id
from api.graphql.loaders.metrics import Subject
from api.graphql.loaders.rows import CountKey, PageKey
from api.graphql.loaders.sql import Cond, json_value
from api.graphql.pagination import Connection, PageRequest, build_connection
from api.graphql.types.enums import ContentPillar, MediaType, PostFormat, PostStatus
from api.graphql.types.in_brand import InBrand
from api.graphql.types.metrics import Kpis, MetricSeries, load_kpis, load_series
from api.graphql.types.node import load_visible
from api.graphql.types.user import User

if TYPE_CHECKING:
    from api.graphql.types.campaign import Campaign
    from api.graphql.types.channel import Channel

_types = "api.graphql.types"


@strawberry.type
class MediaItem:
    url: str
    kind: str
    alt: str


@strawberry.type(description="One step of a post's workflow: who moved it, when, and why.")
class PostTransition:
    from_status: PostStatus
    to_status: PostStatus
    reason: str
    at: datetime
    _actor: strawberry.Private[int | None]

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        if self._actor is None:
            return None
        row = await info.context.loaders.user.load(self._actor)
        return User.from_row(row) if row else None


@strawberry.type
class Post(InBrand, relay.Node):
    id: relay.NodeID[int]
    status: PostStatus
    format: PostFormat
    pillar: ContentPillar
    media_type: MediaType
    text: str
    media: list[MediaItem]
    tags: list[str]
    scheduled_at: datetime | None
    rejection_reason: str
    external_id: str | None
    permalink: str
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Post:
        return cls(
            id=row["id"], status=row["status"], format=row["format"], pillar=row["pillar"],
            media_type=row["media_type"], text=row["text"],
            media=[MediaItem(url=m.get("url", ""), kind=m.get("kind", ""), alt=m.get("alt", ""))
                   for m in json_value(row["media"]) or []],
            tags=json_value(row["tags"]) or [],
            scheduled_at=row["scheduled_at"], rejection_reason=row["rejection_reason"],
            external_id=row["external_id"], permalink=row["permalink"],
            published_at=row["published_at"], created_at=row["created_at"],
            updated_at=row["updated_at"], _row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Post | None]:
        return await load_visible(info, info.context.loaders.post, node_ids, cls.from_row)

    @strawberry.field
    async def channel(
        self, info: Info
    ) -> Annotated[Channel, strawberry.lazy(f"{_types}.channel")]:
        from api.graphql.types.channel import Channel

        return Channel.from_row(await info.context.loaders.channel.load(self._row["channel"]))

    @strawberry.field
    async def campaign(
        self, info: Info
    ) -> Annotated[Campaign, strawberry.lazy(f"{_types}.campaign")] | None:
        from api.graphql.types.campaign import Campaign

        if self._row["campaign"] is None:
            return None
        return Campaign.from_row(await info.context.loaders.campaign.load(self._row["campaign"]))

    @strawberry.field
    async def created_by(self, info: Info) -> User | None:
        if self._row["created_by"] is None:
            return None
        row = await info.context.loaders.user.load(self._row["created_by"])
        return User.from_row(row) if row else None

    @strawberry.field(description="Every workflow transition, oldest first.")
    async def history(self, info: Info) -> list[PostTransition]:
        rows = await info.context.loaders.transitions_of_post.load(self.id)
        return [PostTransition(from_status=r["from_status"], to_status=r["to_status"],
                               reason=r["reason"], at=r["at"], _actor=r["actor"]) for r in rows]

    @strawberry.field
    async def kpis(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> Kpis:
        brand = await info.context.loaders.brand.load(self._row["brand"])
        return await load_kpis(info, Subject.POST, self.id, from_, to, brand["currency"],
                               brand_id=brand["id"])

    @strawberry.field
    async def metrics(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
        names: list[str] | None = None,
    ) -> list[MetricSeries]:
        return await load_series(info, Subject.POST, self.id, from_, to, names)


@strawberry.input
class PostFilter:
    status: list[PostStatus] | None = None
    channel: relay.GlobalID | None = None
    campaign: relay.GlobalID | None = None
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Scheduled at or after this instant.")
    to: datetime | None = strawberry.field(default=None, description="Scheduled before this.")
    pillar: list[ContentPillar] | None = None
    format: list[PostFormat] | None = None
    media_type: list[MediaType] | None = None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise PublicError("from/to need a timezone offset, e.g. 2026-11-01T00:00:00Z")
    return value.astimezone(UTC)


def post_filter(f: PostFilter | None) -> tuple[Cond, ...]:
    if f is None:
        return ()
    conds: list[Cond] = []
    for column, values in (("status", f.status), ("pillar", f.pillar), ("format", f.format),
                           ("media_type", f.media_type)):
        if values:
            conds.append(Cond(column, "IN", tuple(v.value for v in values)))
    try:
        if f.channel is not None:
            conds.append(Cond("channel", "=", decode_id(f.channel, "Channel", field="channel")))
        if f.campaign is not None:
            conds.append(Cond("campaign", "=",
                              decode_id(f.campaign, "Campaign", field="campaign")))
    except Exception as exc:  # ValidationFailed: a query reports it as a plain error
        raise PublicError(str(exc)) from None
    if f.from_ is not None:
        conds.append(Cond("scheduled_at", ">=", _utc(f.from_)))
    if f.to is not None:
        conds.append(Cond("scheduled_at", "<", _utc(f.to)))
    return tuple(conds)


async def post_connection(
    info: Info, parent: str, parent_id: int, brand_id: int, f: PostFilter | None,
    first: int | None, after: str | None,
) -> Connection[Post]:
    """Posts under a brand, campaign or channel (the caller has already checked the brand)."""
    page = PageRequest.parse(first, after)
    conds = post_filter(f)
    loaders = info.context.loaders
    rows = await loaders.post_page[parent].load(PageKey(parent_id, conds, page))
    return build_connection(
        rows, page, Post.from_row,
        lambda: loaders.post_count[parent].load(CountKey(parent_id, conds)),
    )
