"""ChannelConnection: an OAuth authorization of a brand's accounts, seen by who started it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.ids import global_id
from api.graphql.types.channel import Channel
from api.graphql.types.enums import ConnectionStatus, Platform
from domain.enums import ConnectionStatus as Status
from domain.models import ChannelConnection as Table
from domain.rules.permissions import Action
from domain.services.usecase import utcnow

RECENT = 20  # connections the viewer sees: their latest


@strawberry.type(description="An account the platform let the user connect.")
class ConnectableAccount:
    id: str = strawberry.field(description="Its id on the platform: pass it to "
                                           "completeChannelConnection.")
    name: str
    handle: str


@strawberry.type(description="An OAuth authorization of a brand's accounts on a platform, "
                             "visible only to the user who started it. Tokens never show.")
class ChannelConnection:
    id: relay.GlobalID
    platform: Platform
    status: ConnectionStatus
    expires_at: datetime = strawberry.field(description="Until when the authorization (then "
                                                        "the pick) may be completed.")
    error: str | None = strawberry.field(description="Why it was denied or failed.")
    accounts: list[ConnectableAccount] = strawberry.field(
        description="What the platform gave (AUTHORIZED): pick among them.")
    created_at: datetime
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ChannelConnection:
        return cls(id=global_id("ChannelConnection", row["id"]), platform=row["platform"],
                   status=row["status"], expires_at=row["expires_at"],
                   error=row["error"] or None, created_at=row["created_at"],
                   accounts=[ConnectableAccount(id=a["id"], name=a["name"], handle=a["handle"])
                             for a in row["accounts"] or []], _row=row)

    @strawberry.field(description="The channels it connected (COMPLETED).")
    async def channels(self, info: Info) -> list[Channel]:
        rows = await info.context.loaders.channel.load_many(list(self._row["connected"] or []))
        return [Channel.from_row(r) for r in rows
                if r and info.context.access.can_read(r["brand"])]


async def viewer_connections(info: Info) -> list[ChannelConnection]:
    """The viewer's latest connections of brands they may still connect channels on."""
    access = info.context.access
    if access.user_id is None:
        return []
    rows = await Table.select().where(Table.user == access.user_id).order_by(
        Table.id, ascending=False).limit(RECENT).output(load_json=True)
    now = utcnow()
    found = []
    for row in rows:
        if not access.can(row["brand"], Action.CONNECT_CHANNEL):
            continue
        if row["status"] in (Status.STARTED, Status.AUTHORIZED) and row["expires_at"] <= now:
            continue  # no longer usable: nothing to show
        found.append(ChannelConnection.from_row(row))
    return found
