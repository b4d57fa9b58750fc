"""OAuth connections: start one (the platform's authorization URL), complete it with the
accounts picked. The platform's redirect lands on /oauth/callback/<platform> (api/oauth.py)."""

from __future__ import annotations

import strawberry

from api.graphql.context import Info
from api.graphql.mutations.base import (
    Payload,
    checked_then_queued,
    decode,
    forget,
    require,
    run,
)
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.channel import Channel
from api.graphql.types.channel_connection import ChannelConnection
from api.graphql.types.enums import Platform
from api.graphql.types.sync_run import SyncRun
from api.oauth import queue_backfills
from domain.errors import ValidationFailed
from domain.jobs import JobQueue
from domain.models import ChannelConnection as Table
from domain.rules.permissions import Action
from domain.services import connections as service
from domain.services.channels import Connected


@strawberry.type
class StartChannelConnectionPayload(Payload):
    connection: ChannelConnection | None = None
    authorization_url: str | None = strawberry.field(
        default=None, description="Send the user's browser here: the platform's consent "
                                  "page. It comes back to /oauth/callback/<platform>.")


@strawberry.type
class CompleteChannelConnectionPayload(Payload):
    connection: ChannelConnection | None = None
    channels: list[Channel] = strawberry.field(default_factory=list)
    sync_runs: list[SyncRun] = strawberry.field(
        default_factory=list, description="The backfill of each new channel's history (or "
                                          "the catch-up of one connected before).")


def _not_found() -> ValidationFailed:
    return ValidationFailed.one("connection", "NOT_FOUND", "no ChannelConnection with this id")


@strawberry.type
class ConnectionMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Connect a brand's accounts on a platform through OAuth: "
                                     "answers the platform's authorization URL, valid "
                                     "COSO_OAUTH_STATE_MINUTES and for this viewer only. "
                                     "Managers.")
    async def start_channel_connection(self, info: Info, brand: strawberry.ID,
                                       platform: Platform) -> StartChannelConnectionPayload:
        user_id = info.context.user_id

        async def work() -> StartChannelConnectionPayload:
            brand_id = require(info, decode(brand, "Brand", field="brand"),
                               Action.CONNECT_CHANNEL, field="brand", type_name="Brand")
            started = await service.start_connection(user_id, brand_id, platform.value)
            return StartChannelConnectionPayload(
                connection=ChannelConnection.from_row(started.connection),
                authorization_url=started.authorization_url)

        return await run(StartChannelConnectionPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Connect the accounts picked (their platform ids, among "
                                     "the AUTHORIZED connection's accounts); each new channel's "
                                     "history is backfilled. Only who started it. Managers.")
    async def complete_channel_connection(
        self, info: Info, connection: strawberry.ID, accounts: list[str],
    ) -> CompleteChannelConnectionPayload:
        user_id = info.context.user_id

        async def check() -> list[Connected]:
            pk = decode(connection, "ChannelConnection", field="connection",
                        label="ChannelConnection")
            row = await Table.select(Table.brand, Table.user).where(Table.id == pk).first()
            # Someone else's connection reads exactly like a missing one.
            if row is None or row["user"] != user_id:
                raise _not_found()
            require(info, row["brand"], Action.CONNECT_CHANNEL, field="connection",
                    type_name="ChannelConnection")
            return await service.complete(user_id, pk, accounts)

        async def queue(connected: list[Connected],
                        q: JobQueue) -> CompleteChannelConnectionPayload:
            sync_runs = await queue_backfills(connected, q, user_id)
            pk = decode(connection, "ChannelConnection", field="connection")
            row = await Table.select().where(Table.id == pk).output(load_json=True).first()
            forget(info.context.loaders.channel, *[c.channel["id"] for c in connected])
            rows = await info.context.loaders.channel.load_many(
                [c.channel["id"] for c in connected])
            return CompleteChannelConnectionPayload(
                connection=ChannelConnection.from_row(row) if row else None,
                channels=[Channel.from_row(r) for r in rows if r],
                sync_runs=[SyncRun.from_row(r) for r in sync_runs])

        return await checked_then_queued(CompleteChannelConnectionPayload, check, queue)
