"""Inbox mutations: assign, escalate, resolve, reopen, sentiment, notes, replies, moderation,
saved replies. Community managers (INBOX_WRITE) and workspace owners and admins.

A reply is checked and queued in one transaction, then handed to the job queue once that
committed (`checked_then_queued`): arq with REDIS_URL, else it is sent before answering.
"""

from __future__ import annotations

from typing import Any

import strawberry

from api.graphql.context import Info
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
from api.graphql.types.brand import Brand
from api.graphql.types.inbox import Conversation, InternalNote, Message, SavedReply, Sentiment
from api.graphql.types.response_times import BusinessHoursInput
from domain.enums import Moderation
from domain.jobs import JobQueue
from domain.rules.inbox import Move
from domain.rules.permissions import Action
from domain.services import inbox as service
from domain.sync.moderation import request_moderation_job
from domain.sync.replies import request_reply


@strawberry.type
class ConversationPayload(Payload):
    conversation: Conversation | None = None


@strawberry.type
class InternalNotePayload(Payload):
    note: InternalNote | None = None
    conversation: Conversation | None = None


@strawberry.type
class ReplyPayload(Payload):
    message: Message | None = strawberry.field(
        default=None, description="The reply: QUEUED (a worker sends it), or already "
                                  "PUBLISHED or FAILED when Coso runs without a worker.")
    conversation: Conversation | None = None


@strawberry.type
class MessagePayload(Payload):
    message: Message | None = None


@strawberry.type
class SavedReplyPayload(Payload):
    saved_reply: SavedReply | None = None


@strawberry.type
class BusinessHoursPayload(Payload):
    brand: Brand | None = None


@strawberry.type
class DeleteSavedReplyPayload(Payload):
    deleted_id: strawberry.ID | None = None


async def _writable(info: Info, id: strawberry.ID, *, field: str = "id") -> int:
    pk = decode(id, "Conversation", field=field, label="Conversation")
    await load_for(info, info.context.loaders.inbox.conversation, pk, Action.INBOX_WRITE,
                   field=field, type_name="Conversation")
    return pk


def _conversation(info: Info, row: dict[str, Any]) -> Conversation:
    info.context.loaders.inbox.conversation.prime(row["id"], row, force=True)
    return Conversation.from_row(row)


async def _conversation_by_id(info: Info, pk: int) -> Conversation:
    forget(info.context.loaders.inbox.conversation, pk)
    return Conversation.from_row(await info.context.loaders.inbox.conversation.load(pk))


async def _move(info: Info, id: strawberry.ID, move: Move) -> ConversationPayload:
    async def work() -> ConversationPayload:
        pk = await _writable(info, id)
        row = await service.move_conversation(pk, move, info.context.user_id)
        return ConversationPayload(conversation=_conversation(info, row))

    return await run(ConversationPayload, work)


async def _moderate(info: Info, id: strawberry.ID, action: Moderation) -> MessagePayload:
    async def check() -> int:
        pk = decode(id, "Message", field="id", label="Message")
        await load_for(info, info.context.loaders.inbox.message, pk, Action.INBOX_WRITE,
                       field="id", type_name="Message")
        await service.request_moderation(pk, action, info.context.user_id)
        return pk

    async def queue(pk: int, q: JobQueue) -> MessagePayload:
        await request_moderation_job(q, pk, action)
        forget(info.context.loaders.inbox.message, pk)
        return MessagePayload(message=Message.from_row(
            await info.context.loaders.inbox.message.load(pk)))

    return await checked_then_queued(MessagePayload, check, queue)


@strawberry.type
class InboxMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Give a conversation to a community manager of the brand; "
                                     "assignee null unassigns it.")
    async def assign_conversation(self, info: Info, id: strawberry.ID,
                                  assignee: strawberry.ID | None = None) -> ConversationPayload:
        async def work() -> ConversationPayload:
            pk = await _writable(info, id)
            user = decode(assignee, "User", field="assignee", label="User") \
                if assignee is not None else None
            row = await service.assign_conversation(pk, user, info.context.user_id)
            return ConversationPayload(conversation=_conversation(info, row))

        return await run(ConversationPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Flag a conversation for a manager's attention "
                                     "(escalated: false takes the flag off).")
    async def escalate_conversation(self, info: Info, id: strawberry.ID,
                                    escalated: bool = True) -> ConversationPayload:
        return await _move(info, id, Move.ESCALATE if escalated else Move.DEESCALATE)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Mark an open conversation resolved.")
    async def resolve_conversation(self, info: Info, id: strawberry.ID) -> ConversationPayload:
        return await _move(info, id, Move.RESOLVE)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Open a resolved conversation again.")
    async def reopen_conversation(self, info: Info, id: strawberry.ID) -> ConversationPayload:
        return await _move(info, id, Move.REOPEN)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Correct the sentiment by hand; null hands it back to "
                                     "the model.")
    async def set_conversation_sentiment(self, info: Info, id: strawberry.ID,
                                         sentiment: Sentiment | None) -> ConversationPayload:
        async def work() -> ConversationPayload:
            pk = await _writable(info, id)
            row = await service.set_sentiment(pk, sentiment, info.context.user_id)
            return ConversationPayload(conversation=_conversation(info, row))

        return await run(ConversationPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Leave a note for the team (never published, never "
                                     "shown to clients).")
    async def add_internal_note(self, info: Info, conversation: strawberry.ID,
                                text: str) -> InternalNotePayload:
        async def work() -> InternalNotePayload:
            pk = await _writable(info, conversation, field="conversation")
            row = await service.add_note(pk, text, info.context.user_id)
            forget(info.context.loaders.inbox.notes, pk)
            return InternalNotePayload(note=InternalNote.from_row(row),
                                       conversation=await _conversation_by_id(info, pk))

        return await run(InternalNotePayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Answer on the platform, with text or a saved reply "
                                     "(placeholders filled). Sent by the job queue exactly "
                                     "once, retried, FAILED with the reason if it cannot be.")
    async def reply_to_conversation(self, info: Info, id: strawberry.ID,
                                    text: str | None = None,
                                    saved_reply: strawberry.ID | None = None) -> ReplyPayload:
        async def check() -> tuple[int, int]:
            pk = await _writable(info, id)
            saved = decode(saved_reply, "SavedReply", field="savedReply",
                           label="SavedReply") if saved_reply is not None else None
            row = await service.queue_reply(pk, text, saved, info.context.user_id)
            return pk, row["id"]

        async def queue(ids: tuple[int, int], q: JobQueue) -> ReplyPayload:
            conversation, message = ids
            await request_reply(q, message)
            loaders = info.context.loaders.inbox
            forget(loaders.message, message)
            row = await loaders.message.load(message)
            return ReplyPayload(message=Message.from_row(row),
                                conversation=await _conversation_by_id(info, conversation))

        return await checked_then_queued(ReplyPayload, check, queue)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Hide a comment on the platform (hidden: false shows it "
                                     "again), where the platform allows it; done by the job "
                                     "queue (`moderation` pending meanwhile).")
    async def hide_message(self, info: Info, id: strawberry.ID,
                           hidden: bool = True) -> MessagePayload:
        return await _moderate(info, id, Moderation.HIDE if hidden else Moderation.UNHIDE)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Delete a comment on the platform, where the platform "
                                     "allows it; Coso keeps it, marked deleted.")
    async def delete_message(self, info: Info, id: strawberry.ID) -> MessagePayload:
        return await _moderate(info, id, Moderation.DELETE)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="A canned answer for the brand's inbox; its text may use "
                                     "{author}, {brand}, {channel} and {agent}.")
    async def create_saved_reply(self, info: Info, brand: strawberry.ID, title: str,
                                 text: str) -> SavedReplyPayload:
        async def work() -> SavedReplyPayload:
            brand_id = require(info, decode(brand, "Brand", field="brand", label="Brand"),
                               Action.INBOX_WRITE, field="brand", type_name="Brand")
            row = await service.create_saved_reply(brand_id, title, text, info.context.user_id)
            return SavedReplyPayload(saved_reply=SavedReply.from_row(row))

        return await run(SavedReplyPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Change a saved reply; an omitted field stays.")
    async def update_saved_reply(self, info: Info, id: strawberry.ID,
                                 title: str | None = None,
                                 text: str | None = None) -> SavedReplyPayload:
        async def work() -> SavedReplyPayload:
            pk = decode(id, "SavedReply", field="id", label="SavedReply")
            await load_for(info, info.context.loaders.inbox.saved_reply, pk,
                           Action.INBOX_WRITE, field="id", type_name="SavedReply")
            row = await service.update_saved_reply(pk, title, text, info.context.user_id)
            return SavedReplyPayload(saved_reply=SavedReply.from_row(row))

        return await run(SavedReplyPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Delete a saved reply.")
    async def delete_saved_reply(self, info: Info, id: strawberry.ID
                                 ) -> DeleteSavedReplyPayload:
        async def work() -> DeleteSavedReplyPayload:
            pk = decode(id, "SavedReply", field="id", label="SavedReply")
            await load_for(info, info.context.loaders.inbox.saved_reply, pk,
                           Action.INBOX_WRITE, field="id", type_name="SavedReply")
            await service.delete_saved_reply(pk, info.context.user_id)
            info.context.loaders.inbox.saved_reply.prime(pk, None, force=True)
            return DeleteSavedReplyPayload(deleted_id=id)

        return await run(DeleteSavedReplyPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Set when the brand's community team works (local times "
                                     "in its timezone); [] means Monday-Friday 9-18. Workspace "
                                     "owners and admins.")
    async def set_business_hours(self, info: Info, brand: strawberry.ID,
                                 hours: list[BusinessHoursInput]) -> BusinessHoursPayload:
        async def work() -> BusinessHoursPayload:
            brand_id = require(info, decode(brand, "Brand", field="brand", label="Brand"),
                               Action.EDIT_BRAND, field="brand", type_name="Brand")
            row = await service.set_business_hours(brand_id, [
                {"weekday": h.weekday, "opens": h.opens, "closes": h.closes} for h in hours],
                info.context.user_id)
            info.context.loaders.brand.prime(brand_id, row, force=True)
            return BusinessHoursPayload(brand=Brand.from_row(row))

        return await run(BusinessHoursPayload, work)
