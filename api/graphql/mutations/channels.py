"""Channel mutations: add, edit and delete a brand's channels, connect them, rotate a token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry

from api.graphql.context import Info
from api.graphql.ids import global_id
from api.graphql.mutations.base import (
    Payload,
    checked_then_queued,
    decode,
    forget,
    given,
    load_for,
    require,
    run,
)
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.channel import Channel
from api.graphql.types.enums import Platform
from api.graphql.types.sync_run import SyncRun
from domain.jobs import JobQueue
from domain.rules.permissions import Action
from domain.services import channels as service
from domain.settings import get_settings
from domain.sync.jobs import request_window
from domain.sync.windows import planned_window


@strawberry.input
class CreateChannelInput:
    brand: strawberry.ID
    platform: Platform
    handle: str
    name: str = ""
    external_id: str = ""


@strawberry.input(description="Fields left out (or null) keep their value; the platform stays.")
class UpdateChannelInput:
    id: strawberry.ID
    handle: str | None = None
    name: str | None = None
    external_id: str | None = None


@strawberry.input(description="A brand's account on a platform and the token to read it "
                              "with. The channel (brand, platform, handle) is created if new.")
class ConnectChannelInput:
    brand: strawberry.ID
    platform: Platform
    handle: str
    external_id: str = strawberry.field(description="The account's id on the platform (Page "
                                                    "id, IG user id, organization URN, ...).")
    access_token: str = strawberry.field(description="Stored encrypted; never readable again.")
    refresh_token: str | None = None
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the access token expires, if the platform says.")
    name: str | None = None


@strawberry.type
class ChannelPayload(Payload):
    channel: Channel | None = None


@strawberry.type
class DeleteChannelPayload(Payload):
    deleted_id: strawberry.ID | None = None


@strawberry.type
class ConnectChannelPayload(Payload):
    channel: Channel | None = None
    sync_run: SyncRun | None = strawberry.field(
        default=None, description="The backfill of its history (or the catch-up sync of a "
                                  "channel connected before).")


@strawberry.type
class UpdateChannelTokenPayload(Payload):
    channel: Channel | None = None


@strawberry.type
class DisconnectChannelPayload(Payload):
    channel: Channel | None = None


async def _channel_row(info: Info, pk: int) -> dict[str, Any]:
    forget(info.context.loaders.channel, pk)  # the job moved its status and watermark
    row = await info.context.loaders.channel.load(pk)
    assert row is not None
    return row


@strawberry.type
class ChannelMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Add a brand's account on a platform. Managers.")
    async def create_channel(self, info: Info, input: CreateChannelInput) -> ChannelPayload:
        user_id = info.context.user_id

        async def work() -> ChannelPayload:
            brand_id = require(info, decode(input.brand, "Brand", field="brand"),
                               Action.CONNECT_CHANNEL, field="brand", type_name="Brand")
            row = await service.create_channel(user_id, brand_id, service.ChannelValues(
                platform=input.platform, handle=input.handle, name=input.name,
                external_id=input.external_id))
            return ChannelPayload(channel=Channel.from_row(row))

        return await run(ChannelPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Change a channel's handle, name or external id. Managers.")
    async def update_channel(self, info: Info, input: UpdateChannelInput) -> ChannelPayload:
        user_id = info.context.user_id

        async def work() -> ChannelPayload:
            pk = decode(input.id, "Channel")
            await load_for(info, info.context.loaders.channel, pk, Action.CONNECT_CHANNEL,
                           field="id", type_name="Channel")
            row = await service.update_channel(user_id, pk, **given(
                handle=input.handle, name=input.name, external_id=input.external_id))
            forget(info.context.loaders.channel, pk)
            return ChannelPayload(channel=Channel.from_row(row))

        return await run(ChannelPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Delete a channel with its posts and metrics. Managers.")
    async def delete_channel(self, info: Info, id: strawberry.ID) -> DeleteChannelPayload:
        user_id = info.context.user_id

        async def work() -> DeleteChannelPayload:
            pk = decode(id, "Channel")
            await load_for(info, info.context.loaders.channel, pk, Action.CONNECT_CHANNEL,
                           field="id", type_name="Channel")
            await service.delete_channel(user_id, pk)
            forget(info.context.loaders.channel, pk)
            return DeleteChannelPayload(deleted_id=strawberry.ID(str(global_id("Channel", pk))))

        return await run(DeleteChannelPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Connect a brand's channel with its access token; a new "
                                     "channel's history is backfilled. Managers.")
    async def connect_channel(self, info: Info,
                              input: ConnectChannelInput) -> ConnectChannelPayload:
        user_id = info.context.user_id

        async def check() -> service.Connected:
            brand_id = require(info, decode(input.brand, "Brand", field="brand"),
                               Action.CONNECT_CHANNEL, field="brand", type_name="Brand")
            return await service.connect_channel(user_id, brand_id, service.Connection(
                platform=input.platform, handle=input.handle, external_id=input.external_id,
                access_token=input.access_token, refresh_token=input.refresh_token or "",
                expires_at=input.expires_at, name=input.name or ""))

        async def queue(connected: service.Connected, q: JobQueue) -> ConnectChannelPayload:
            channel = connected.channel
            settings = get_settings()
            window = planned_window(channel["platform"], datetime.now(UTC).date(),
                                    channel["metrics_watermark"],
                                    window_days=settings.sync_window_days,
                                    backfill_days=settings.backfill_days)
            sync_run = None
            if window is not None:
                sync_run = await request_window(q, channel["id"], window,
                                                requested_by=user_id)
            return ConnectChannelPayload(
                channel=Channel.from_row(await _channel_row(info, channel["id"])),
                sync_run=SyncRun.from_row(sync_run) if sync_run else None)

        return await checked_then_queued(ConnectChannelPayload, check, queue)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Give a channel a new access token (it expired, or was "
                                     "rotated): it is CONNECTED again. Managers.")
    async def update_channel_token(
        self, info: Info, id: strawberry.ID, access_token: str,
        refresh_token: str | None = None, expires_at: datetime | None = None,
    ) -> UpdateChannelTokenPayload:
        user_id = info.context.user_id

        async def work() -> UpdateChannelTokenPayload:
            pk = decode(id, "Channel", label="Channel")
            await load_for(info, info.context.loaders.channel, pk, Action.CONNECT_CHANNEL,
                           field="id", type_name="Channel")
            row = await service.update_channel_token(
                user_id, pk, access_token=access_token, refresh_token=refresh_token or "",
                expires_at=expires_at)
            forget(info.context.loaders.channel, pk)
            return UpdateChannelTokenPayload(channel=Channel.from_row(row))

        return await run(UpdateChannelTokenPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Forget a channel's tokens and stop syncing it; its "
                                     "posts, metrics and sync history stay. Managers.")
    async def disconnect_channel(self, info: Info,
                                 id: strawberry.ID) -> DisconnectChannelPayload:
        user_id = info.context.user_id

        async def check() -> tuple[dict[str, Any], dict[str, Any]]:
            pk = decode(id, "Channel", label="Channel")
            before = await load_for(info, info.context.loaders.channel, pk,
                                    Action.CONNECT_CHANNEL, field="id", type_name="Channel")
            row = await service.disconnect_channel(user_id, pk)
            forget(info.context.loaders.channel, pk)
            return before, row

        async def revoke(done: tuple[dict[str, Any], dict[str, Any]],
                         _: JobQueue) -> DisconnectChannelPayload:
            # Once committed: the platform forgets the tokens too (best effort).
            await service.revoke_tokens(done[0])
            return DisconnectChannelPayload(channel=Channel.from_row(done[1]))

        return await checked_then_queued(DisconnectChannelPayload, check, revoke)
