"""Publishing inbox replies exactly once, through the job queue, with a visible failed state.

A reply is a Message in QUEUED. Its job claims it (domain.sync.once), calls the platform,
and records the platform's id (PUBLISHED). A transient failure is retried by the queue; a
later attempt that finds the claim asks the platform (find_reply) before sending again.
A refusal, or the last attempt's failure, leaves the reply FAILED with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from domain.connectors import connector_for
from domain.connectors.base import ChannelAuth, InboxConnector, ReplyTarget, SentReply, SyncError
from domain.connectors.oauth_flow import OAuthError
from domain.db import write_transaction
from domain.enums import ChannelStatus, ConversationKind, ReplyStatus
from domain.events import EventKind
from domain.jobs import JobQueue, QueueUnavailable, RetryLater
from domain.models import Channel, Conversation, Message
from domain.services.channels import mark_token_expired
from domain.services.secrets import TokenUnreadable
from domain.services.usecase import locked
from domain.sync.base import (
    MAX_TRIES,
    TRANSIENT_DB_ERRORS,
    attempt_of,
    describe,
    is_transient,
    retry_delay,
)
from domain.sync.inbox import refresh_conversations
from domain.sync.inbox_events import announce
from domain.sync.once import CLOCK_SLACK, claim_grace, exactly_once
from domain.sync.tokens import TokenRefused, call_with_token

ERROR_LIMIT = 2000


def reply_job_id(message_id: int) -> str:
    return f"reply:{message_id}"


async def request_reply(queue: JobQueue, message_id: int) -> bool:
    """Queue the reply's job; a queue out of reach leaves it QUEUED, saying so (the next
    request_reply, or the planner of pending replies, queues it again)."""
    try:
        return await queue.enqueue("send_reply", message_id, job_id=reply_job_id(message_id))
    except QueueUnavailable as error:
        await Message.update({Message.reply_error: f"the job queue is unreachable ({error}); "
                                                   "it will be queued again"}).where(
            Message.id == message_id, Message.reply_status == ReplyStatus.QUEUED)
        return False


async def requeue_replies(ctx: dict[str, Any]) -> int:
    """Queue again every reply still QUEUED (lost with Redis); the queue ignores those it
    holds, and a job finding its reply done returns at once."""
    pending = await Message.select(Message.id).where(
        Message.reply_status == ReplyStatus.QUEUED).order_by(Message.id)
    for row in pending:
        await request_reply(ctx["queue"], row["id"])
    return len(pending)


async def send_reply(ctx: dict[str, Any], message_id: int) -> str:
    """Publish one queued reply on its platform."""
    attempt = attempt_of(ctx)
    try:
        message = await Message.select().where(Message.id == message_id).first()
        if message is None or message["reply_status"] != ReplyStatus.QUEUED:
            return "nothing to send"
        conversation = await Conversation.select().where(
            Conversation.id == message["conversation"]).first()
        assert conversation is not None, "messages cascade with their conversation"
        channel = await Channel.select().where(Channel.id == conversation["channel"]).first()
        assert channel is not None, "conversations cascade with their channel"
        await Message.update({Message.reply_attempts: attempt}).where(Message.id == message_id)
    except TRANSIENT_DB_ERRORS as error:
        raise RetryLater(retry_delay(attempt), describe(error)) from error
    if channel["status"] != ChannelStatus.CONNECTED:
        return await _refused(message_id, "CHANNEL_NOT_CONNECTED",
                              f"the channel is {channel['status']}: connect it to reply")
    target = ReplyTarget(ConversationKind(conversation["kind"]), conversation["external_id"],
                         message["parent_external_id"], conversation["author_external_id"],
                         conversation["post_external_id"])
    auth: ChannelAuth | None = None
    try:
        connector = cast(InboxConnector, connector_for(channel["platform"], ctx["http"]))

        async def send(token: ChannelAuth) -> SentReply | None:
            nonlocal auth
            auth = token
            return await exactly_once(
                Message, message_id, Message.reply_claim, Message.reply_claimed_at,
                lambda since: connector.find_reply(token, target, message["text"], since),
                lambda: connector.reply(token, target, message["text"]),
                claimable=[Message.reply_status == ReplyStatus.QUEUED])

        async def release() -> None:
            # The platform refused the token: nothing was sent, the claim goes.
            await Message.update({Message.reply_claim: None, Message.reply_claimed_at: None}
                                 ).where(Message.id == message_id)

        sent, channel = await call_with_token(ctx, channel, send, release)
        if sent is None:
            return await _again(message_id, attempt, "REPLY_IN_FLIGHT", "an earlier attempt "
                                "may still be sending this reply: waiting before looking "
                                "again", claim_grace().total_seconds())
        await _record_sent(message, conversation, sent)
        return f"sent {sent.external_id}"
    except TokenRefused as refused:
        return await _refused(message_id, "NEEDS_RECONNECT", refused.message)
    except OAuthError as error:
        return await _again(message_id, attempt, "TOKEN_REFRESH_FAILED", error.message, None)
    except TokenUnreadable as error:
        await mark_token_expired(channel["id"], str(error))
        return await _refused(message_id, "TOKEN_UNREADABLE", str(error))
    except SyncError as error:
        if error.code == "TOKEN_EXPIRED":
            await mark_token_expired(channel["id"], error.message)
        if not is_transient(error):
            return await _refused(message_id, error.code, error.message)
        if attempt < MAX_TRIES or auth is None:
            return await _again(message_id, attempt, error.code, error.message,
                                error.retry_after)
        return await _last_look(connector, auth, target, message, conversation, error)
    except TRANSIENT_DB_ERRORS as error:
        return await _again(message_id, attempt, "DATABASE_UNAVAILABLE", describe(error),
                            None)


async def _again(message_id: int, attempt: int, code: str, message: str,
                 defer: float | None) -> str:
    """Keep the reply QUEUED with what went wrong, and try again later (the claim stays:
    the next attempt asks the platform first)."""
    if attempt >= MAX_TRIES:
        return await _refused(message_id, code, message)
    await Message.update({Message.reply_error: f"{code}: {message}"[:ERROR_LIMIT]}).where(
        Message.id == message_id)
    raise RetryLater(retry_delay(attempt) if defer is None else defer, f"{code}: {message}")


async def _record_sent(message: dict[str, Any], conversation: dict[str, Any],
                       sent: SentReply) -> None:
    async with write_transaction():
        # A sync between the platform call and this record stored the same reply as one
        # made on the platform: keep ours.
        await Message.delete().where(Message.conversation == conversation["id"],
                                     Message.external_id == sent.external_id,
                                     Message.id != message["id"])
        await locked(Message.select(Message.id).where(Message.id == message["id"])).first()
        await Message.update({
            Message.external_id: sent.external_id, Message.reply_status: ReplyStatus.PUBLISHED,
            Message.created_at: sent.created_at, Message.reply_error: ""}).where(
            Message.id == message["id"])
        if conversation["first_response_at"] is None:
            await Conversation.update({Conversation.first_responder: message["author"]}).where(
                Conversation.id == conversation["id"])
        await refresh_conversations({conversation["id"]})
        await announce({conversation["id"]}, EventKind.CONVERSATION_CHANGED, "reply published")


async def _refused(message_id: int, code: str, reason: str) -> str:
    """The reply will not go out: FAILED with the reason, claim released."""
    rows = await Message.update({
        Message.reply_status: ReplyStatus.FAILED,
        Message.reply_error: f"{code}: {reason}"[:ERROR_LIMIT], Message.reply_claim: None,
        Message.reply_claimed_at: None}).where(Message.id == message_id,
                                               Message.reply_status == ReplyStatus.QUEUED
                                               ).returning(Message.conversation)
    if rows:
        await announce({rows[0]["conversation"]}, EventKind.CONVERSATION_CHANGED,
                       "reply failed")
    return code


async def _last_look(connector: InboxConnector, auth: ChannelAuth, target: ReplyTarget,
                     message: dict[str, Any], conversation: dict[str, Any],
                     error: SyncError) -> str:
    """The last attempt failed transiently: the platform may have the reply all the same."""
    claimed = await Message.select(Message.reply_claimed_at).where(
        Message.id == message["id"]).first()
    since: datetime = (claimed or {}).get("reply_claimed_at") or message["created_at"]
    try:
        found = await connector.find_reply(auth, target, message["text"], since - CLOCK_SLACK)
    except SyncError:
        found = None
    if found is not None:
        await _record_sent(message, conversation, found)
        return f"sent {found.external_id}"
    return await _refused(message["id"], error.code, error.message)
