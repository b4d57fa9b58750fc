"""Channel connections and sync: connect, new token, disconnect, requestSync, publishNow.

Each mutation checks and writes in one transaction (`run`), then, once that committed,
hands its job to the queue: arq with REDIS_URL, else the job runs here before answering.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import strawberry

from api.graphql.context import Info
from api.graphql.mutations.base import Payload, load_for, require, run
from api.graphql.mutations.brands import decode, forget
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.channel import Channel
from api.graphql.types.enums import Platform
from api.graphql.types.post import Post
from api.graphql.types.sync_run import SyncRun
from api.jobs.queues import job_queue
from domain.enums import ChannelStatus, PostStatus, SyncKind
from domain.errors import ValidationFailed
from domain.jobs import JobQueue
from domain.models import Channel as ChannelTable
from domain.models import Post as PostTable
from domain.rules.permissions import Action
from domain.rules.workflow import Transition, next_status
from domain.services import channels as service
from domain.settings import get_settings
from domain.sync.jobs import request_window
from domain.sync.publish import request_publish
from domain.sync.windows import Window, planned_window, window_problems

P = TypeVar("P", bound=Payload)
C = TypeVar("C")


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


@strawberry.type
class RequestSyncPayload(Payload):
    sync_run: SyncRun | None = strawberry.field(
        default=None, description="QUEUED (a worker will run it), or finished when Coso runs "
                                  "without a worker. Asking again while it is queued or running "
                                  "returns the same run.")


@strawberry.type
class PublishNowPayload(Payload):
    post: Post | None = None
    sync_run: SyncRun | None = None


async def checked_then_queued(payload: type[P], check: Callable[[], Awaitable[C]],
                              queue: Callable[[C, JobQueue], Awaitable[P]]) -> P:
    """`check` (and its writes) in one transaction; only if it passed, `queue` after commit,
    so a worker never picks up a job for rows it cannot see yet."""
    checked: list[C] = []

    async def work() -> P:
        checked.append(await check())
        return payload()

    result = await run(payload, work)
    if result.user_errors:
        return result
    return await queue(checked[0], job_queue())


async def _channel_row(info: Info, pk: int) -> dict[str, Any]:
    forget(info.context.loaders.channel, pk)  # the job moved its status and watermark
    row = await info.context.loaders.channel.load(pk)
    assert row is not None
    return row


def _today() -> date:
    return datetime.now(UTC).date()


def _run(row: dict[str, Any]) -> SyncRun:
    return SyncRun.from_row(row)


@strawberry.type
class SyncMutations:
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
            window = planned_window(channel["platform"], _today(),
                                    channel["metrics_watermark"],
                                    window_days=settings.sync_window_days,
                                    backfill_days=settings.backfill_days)
            sync_run = None
            if window is not None:
                sync_run = await request_window(q, channel["id"], window,
                                                requested_by=user_id)
            return ConnectChannelPayload(
                channel=Channel.from_row(await _channel_row(info, channel["id"])),
                sync_run=_run(sync_run) if sync_run else None)

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

        async def work() -> DisconnectChannelPayload:
            pk = decode(id, "Channel", label="Channel")
            await load_for(info, info.context.loaders.channel, pk, Action.CONNECT_CHANNEL,
                           field="id", type_name="Channel")
            row = await service.disconnect_channel(user_id, pk)
            forget(info.context.loaders.channel, pk)
            return DisconnectChannelPayload(channel=Channel.from_row(row))

        return await run(DisconnectChannelPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Sync a channel's metrics for from..to (whole days, up to "
                                     "yesterday, within what the platform keeps). Managers.")
    async def request_sync(
        self, info: Info, channel: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> RequestSyncPayload:
        user_id = info.context.user_id

        async def check() -> int:
            pk = decode(channel, "Channel", field="channel", label="Channel")
            row = await load_for(info, info.context.loaders.channel, pk, Action.REQUEST_SYNC,
                                 field="channel", type_name="Channel")
            problems = window_problems(row["platform"], from_, to, _today())
            if row["status"] != ChannelStatus.CONNECTED:
                raise ValidationFailed.one("channel", "CHANNEL_NOT_CONNECTED",
                                           f"the channel is {row['status']}: connect it first")
            if problems:
                raise ValidationFailed(problems)
            return pk

        async def queue(pk: int, q: JobQueue) -> RequestSyncPayload:
            row = await request_window(q, pk, Window(SyncKind.METRICS, from_, to),
                                       requested_by=user_id)
            forget(info.context.loaders.channel, pk)  # an in-process run moved it on
            return RequestSyncPayload(sync_run=_run(row))

        return await checked_then_queued(RequestSyncPayload, check, queue)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Publish an APPROVED or SCHEDULED post now, on its "
                                     "channel. Managers.")
    async def publish_now(self, info: Info, id: strawberry.ID) -> PublishNowPayload:
        user_id = info.context.user_id

        async def check() -> dict[str, Any]:
            pk = decode(id, "Post", label="Post")
            post = await load_for(info, info.context.loaders.post, pk, Action.SCHEDULE_POST,
                                  field="id", type_name="Post")
            next_status(PostStatus(post["status"]), Transition.PUBLISH)  # WorkflowError
            channel = await ChannelTable.select(ChannelTable.status).where(
                ChannelTable.id == post["channel"]).first()
            if channel is None or channel["status"] != ChannelStatus.CONNECTED:
                raise ValidationFailed.one("channel", "CHANNEL_NOT_CONNECTED",
                                           "the post's channel is not connected: connect it first")
            return post

        async def queue(post: dict[str, Any], q: JobQueue) -> PublishNowPayload:
            row = await request_publish(q, post, requested_by=user_id)
            forget(info.context.loaders.post, post["id"])
            forget(info.context.loaders.channel, post["channel"])
            fresh = await PostTable.select().where(PostTable.id == post["id"]).output(
                load_json=True).first()
            return PublishNowPayload(post=Post.from_row(fresh) if fresh else None,
                                     sync_run=_run(row))

        return await checked_then_queued(PublishNowPayload, check, queue)
