"""Hiding, showing again and deleting community messages on the platform, through the queue.

`request_moderation` (domain.services.inbox) leaves the action in the message's
`moderation`; this job does it and records the result, or clears it with the reason in
`moderation_error` after a refusal or the last attempt. Hiding is idempotent on the
platforms, so a retry after a lost answer does no harm (a delete retried after a lost
answer is refused as unknown and says so: the comment is gone either way).
"""

from __future__ import annotations

from typing import Any, cast

from domain.connectors import connector_for
from domain.connectors.base import ChannelAuth, InboxConnector, SyncError
from domain.connectors.oauth_flow import OAuthError
from domain.db import write_transaction
from domain.enums import ChannelStatus, Moderation
from domain.events import EventKind
from domain.jobs import JobQueue, QueueUnavailable, RetryLater
from domain.models import Channel, Conversation, Message
from domain.services.channels import mark_token_expired
from domain.services.secrets import TokenUnreadable
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
from domain.sync.tokens import TokenRefused, call_with_token

ERROR_LIMIT = 2000


def moderation_job_id(message_id: int, action: str) -> str:
    return f"moderate:{message_id}:{action.lower()}"


async def request_moderation_job(queue: JobQueue, message_id: int, action: str) -> bool:
    try:
        return await queue.enqueue("moderate_message", message_id,
                                   job_id=moderation_job_id(message_id, action))
    except QueueUnavailable as error:
        await _done(message_id, None, f"the job queue is unreachable ({error}): ask again")
        return False


async def requeue_moderations(ctx: dict[str, Any]) -> int:
    """Queue again every moderation still pending (lost with Redis)."""
    pending = await Message.select(Message.id, Message.moderation).where(
        Message.moderation.is_not_null()).order_by(Message.id)
    for row in pending:
        await request_moderation_job(ctx["queue"], row["id"], row["moderation"])
    return len(pending)


async def moderate_message(ctx: dict[str, Any], message_id: int) -> str:
    """Do the moderation a message waits for."""
    attempt = attempt_of(ctx)
    try:
        message = await Message.select().where(Message.id == message_id).first()
        if message is None or message["moderation"] is None:
            return "nothing to do"
        conversation = await Conversation.select().where(
            Conversation.id == message["conversation"]).first()
        assert conversation is not None, "messages cascade with their conversation"
        channel = await Channel.select().where(Channel.id == conversation["channel"]).first()
        assert channel is not None, "conversations cascade with their channel"
    except TRANSIENT_DB_ERRORS as error:
        raise RetryLater(retry_delay(attempt), describe(error)) from error
    action = Moderation(message["moderation"])
    if channel["status"] != ChannelStatus.CONNECTED:
        return await _done(message_id, None, f"CHANNEL_NOT_CONNECTED: the channel is "
                                             f"{channel['status']}: connect it first")
    try:
        connector = cast(InboxConnector, connector_for(channel["platform"], ctx["http"]))

        async def act(auth: ChannelAuth) -> None:
            if action is Moderation.DELETE:
                await connector.delete(auth, message["external_id"])
            else:
                await connector.hide(auth, message["external_id"], action is Moderation.HIDE)

        await call_with_token(ctx, channel, act)
    except TokenRefused as refused:
        return await _done(message_id, None, f"NEEDS_RECONNECT: {refused.message}")
    except OAuthError as error:
        if attempt < MAX_TRIES:
            raise RetryLater(retry_delay(attempt), str(error)) from error
        return await _done(message_id, None, f"TOKEN_REFRESH_FAILED: {error.message}")
    except TokenUnreadable as error:
        await mark_token_expired(channel["id"], str(error))
        return await _done(message_id, None, f"TOKEN_UNREADABLE: {error}")
    except SyncError as error:
        if error.code == "TOKEN_EXPIRED":
            await mark_token_expired(channel["id"], error.message)
        reason = f"{error.code}: {error.message}"
        if is_transient(error) and attempt < MAX_TRIES:
            await Message.update({Message.moderation_error: reason[:ERROR_LIMIT]}).where(
                Message.id == message_id)
            raise RetryLater(retry_delay(attempt) if error.retry_after is None
                             else error.retry_after, reason) from error
        return await _done(message_id, None, reason)
    return await _done(message_id, action, "")


async def _done(message_id: int, action: Moderation | None, error: str) -> str:
    """Record the action done (or, None, not done with `error`) and clear the request."""
    values: dict[Any, Any] = {Message.moderation: None,
                              Message.moderation_error: error[:ERROR_LIMIT]}
    if action is Moderation.DELETE:
        values[Message.deleted] = True
    elif action is not None:
        values[Message.hidden] = action is Moderation.HIDE
    async with write_transaction():
        rows = await Message.update(values).where(Message.id == message_id).returning(
            Message.conversation)
        if rows and action is Moderation.DELETE:
            await refresh_conversations({rows[0]["conversation"]})
        if rows:
            change = action.lower() if action is not None else "moderation failed"
            await announce({rows[0]["conversation"]}, EventKind.CONVERSATION_CHANGED, change)
    return action.lower() if action is not None else error.partition(":")[0]
