"""Post mutations: create and edit drafts, one mutation per workflow step, and publishNow."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

import strawberry

from api.graphql.context import Info
from api.graphql.ids import decode_id
from api.graphql.mutations.base import (
    Payload,
    checked_then_queued,
    decode,
    forget,
    load_for,
    require,
    run,
)
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.enums import ContentPillar, MediaType, PostFormat
from api.graphql.types.post import Post
from api.graphql.types.sync_run import SyncRun
from domain import enums
from domain.enums import ChannelStatus, PostStatus
from domain.errors import ValidationFailed
from domain.jobs import JobQueue
from domain.models import Channel as ChannelTable
from domain.models import Post as PostTable
from domain.rules.content import MediaItem
from domain.rules.permissions import Action
from domain.rules.workflow import RULES, Transition, next_status
from domain.services import posts as service
from domain.services.usecase import KEEP
from domain.sync.publish import request_publish

UNSET: Any = strawberry.UNSET

# Ids are typed `ID` and decoded by `decode_id`, not parsed as `relay.GlobalID` arguments:
# the schema reads the same, and a malformed id becomes a userError (INVALID_ID, WRONG_TYPE)
# instead of a request-level error.


@strawberry.input(description="An image, GIF or video attached to a post.")
class MediaItemInput:
    url: str = strawberry.field(description="An absolute http(s) URL.")
    kind: str = strawberry.field(default="IMAGE", description="IMAGE, GIF or VIDEO.")
    alt: str = strawberry.field(default="", description="Alt text for screen readers.")


@strawberry.input
class CreatePostInput:
    brand: strawberry.ID
    channel: strawberry.ID = strawberry.field(description="One of the brand's channels.")
    campaign: strawberry.ID | None = strawberry.field(
        default=None, description="One of the brand's campaigns.")
    text: str = strawberry.field(
        default="", description="At most 5000 characters, less on some platforms (X: 280).")
    format: PostFormat = enums.PostFormat.TEXT
    pillar: ContentPillar = enums.ContentPillar.INFORMATIVE
    media_type: MediaType = enums.MediaType.OWNED
    media: list[MediaItemInput] = strawberry.field(default_factory=list)
    tags: list[str] = strawberry.field(default_factory=list,
                                       description="At most 30, each at most 50 characters.")
    scheduled_at: datetime | None = strawberry.field(
        default=None, description="When it should go out (with a timezone offset).")


@strawberry.input(description="The post to change and the fields to change; an omitted "
                              "field stays as it is, null empties it where it may be empty.")
class UpdatePostInput:
    id: strawberry.ID
    channel: strawberry.ID | None = UNSET
    campaign: strawberry.ID | None = UNSET
    text: str | None = UNSET
    format: PostFormat | None = UNSET
    pillar: ContentPillar | None = UNSET
    media_type: MediaType | None = UNSET
    media: list[MediaItemInput] | None = UNSET
    tags: list[str] | None = UNSET
    scheduled_at: datetime | None = UNSET


@strawberry.type
class PostPayload(Payload):
    post: Post | None = None


P = TypeVar("P", bound=PostPayload)


@strawberry.type
class CreatePostPayload(PostPayload):
    pass


@strawberry.type
class UpdatePostPayload(PostPayload):
    pass


@strawberry.type
class SubmitPostPayload(PostPayload):
    pass


@strawberry.type
class ApprovePostPayload(PostPayload):
    pass


@strawberry.type
class RejectPostPayload(PostPayload):
    pass


@strawberry.type
class SchedulePostPayload(PostPayload):
    pass


@strawberry.type
class UnschedulePostPayload(PostPayload):
    pass


@strawberry.type
class ArchivePostPayload(PostPayload):
    pass


@strawberry.type
class ReopenPostPayload(PostPayload):
    pass


@strawberry.type
class PublishNowPayload(Payload):
    post: Post | None = None
    sync_run: SyncRun | None = None


def _media(items: list[MediaItemInput] | None) -> list[MediaItem] | None:
    if items is None:
        return None
    return [MediaItem(url=i.url, kind=i.kind, alt=i.alt) for i in items]


def _id_or_none(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field=field)


def _done(info: Info, payload: type[P], row: dict[str, Any]) -> P:
    # Later fields of this request must see the post as it is now, not as loaded before.
    info.context.loaders.post.prime(row["id"], row, force=True)
    return payload(post=Post.from_row(row))


async def _move(info: Info, payload: type[P], id: strawberry.ID,
                transition: Transition, *, reason: str = "",
                scheduled_at: datetime | None = None) -> P:
    """One workflow step, allowed by the step's own action in the role matrix."""
    user_id = info.context.user_id

    async def work() -> P:
        pk = decode_id(id, "Post", field="id")
        await load_for(info, info.context.loaders.post, pk, RULES[transition].action, field="id",
                       type_name="Post")
        row = await service.transition_post(pk, transition, user_id, reason=reason,
                                            scheduled_at=scheduled_at)
        return _done(info, payload, row)

    return await run(payload, work)


@strawberry.type
class PostMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="A DRAFT post on one of the brand's channels (MANAGER).")
    async def create_post(self, info: Info, input: CreatePostInput) -> CreatePostPayload:
        user_id = info.context.user_id

        async def work() -> CreatePostPayload:
            brand_id = require(info, decode_id(input.brand, "Brand", field="brand"),
                               Action.EDIT_POST, field="brand", type_name="Brand")
            new = service.NewPost(
                brand_id=brand_id, channel_id=decode_id(input.channel, "Channel",
                                                        field="channel"),
                campaign_id=_id_or_none(input.campaign, "Campaign", "campaign"),
                text=input.text, format=input.format, pillar=input.pillar,
                media_type=input.media_type, media=_media(input.media) or [],
                tags=input.tags, scheduled_at=input.scheduled_at,
            )
            return _done(info, CreatePostPayload, await service.create_post(new, user_id))

        return await run(CreatePostPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Change a DRAFT or REJECTED post (MANAGER).")
    async def update_post(self, info: Info, input: UpdatePostInput) -> UpdatePostPayload:
        user_id = info.context.user_id

        def given(value: Any, convert: Any = None) -> Any:
            if value is UNSET:
                return KEEP
            return convert(value) if convert is not None else value

        async def work() -> UpdatePostPayload:
            pk = decode_id(input.id, "Post", field="id")
            await load_for(info, info.context.loaders.post, pk, Action.EDIT_POST, field="id",
                           type_name="Post")
            changes = service.PostChanges(
                channel_id=given(input.channel, lambda v: _id_or_none(v, "Channel", "channel")),
                campaign_id=given(input.campaign,
                                  lambda v: _id_or_none(v, "Campaign", "campaign")),
                text=given(input.text), format=given(input.format),
                pillar=given(input.pillar), media_type=given(input.media_type),
                media=given(input.media, _media), tags=given(input.tags),
                scheduled_at=given(input.scheduled_at),
            )
            return _done(info, UpdatePostPayload,
                         await service.update_post(pk, changes, user_id))

        return await run(UpdatePostPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Send a DRAFT or REJECTED post to review (MANAGER).")
    async def submit_post(self, info: Info, id: strawberry.ID) -> SubmitPostPayload:
        return await _move(info, SubmitPostPayload, id, Transition.SUBMIT)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Approve a post in review (STRATEGIST, MANAGER, CLIENT).")
    async def approve_post(self, info: Info, id: strawberry.ID) -> ApprovePostPayload:
        return await _move(info, ApprovePostPayload, id, Transition.APPROVE)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Send a post in review or approved back to its author, "
                                     "saying why (STRATEGIST, MANAGER, CLIENT).")
    async def reject_post(self, info: Info, id: strawberry.ID,
                          reason: str) -> RejectPostPayload:
        return await _move(info, RejectPostPayload, id, Transition.REJECT, reason=reason)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Schedule an APPROVED (or FAILED) post at `scheduledAt`, "
                                     "or at the time it already has (MANAGER).")
    async def schedule_post(self, info: Info, id: strawberry.ID,
                            scheduled_at: datetime | None = None) -> SchedulePostPayload:
        return await _move(info, SchedulePostPayload, id, Transition.SCHEDULE,
                           scheduled_at=scheduled_at)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Take a SCHEDULED post back to APPROVED (MANAGER).")
    async def unschedule_post(self, info: Info, id: strawberry.ID) -> UnschedulePostPayload:
        return await _move(info, UnschedulePostPayload, id, Transition.UNSCHEDULE)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Archive a post that is not scheduled: how a post is "
                                     "deleted, keeping its history (MANAGER).")
    async def archive_post(self, info: Info, id: strawberry.ID) -> ArchivePostPayload:
        return await _move(info, ArchivePostPayload, id, Transition.ARCHIVE)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Bring a REJECTED, FAILED, ARCHIVED or APPROVED post back "
                                     "to DRAFT for rework (MANAGER).")
    async def reopen_post(self, info: Info, id: strawberry.ID) -> ReopenPostPayload:
        return await _move(info, ReopenPostPayload, id, Transition.REOPEN)

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
                                     sync_run=SyncRun.from_row(row))

        return await checked_then_queued(PublishNowPayload, check, queue)
