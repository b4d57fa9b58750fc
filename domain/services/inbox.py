"""Working the community inbox: assign, escalate, resolve, sentiment, notes, replies, saved replies.

Every write runs in one transaction with its audit row; every refusal is a Problem with a
field and a code. What goes to the platform is only asked for here, and done by a job:
replies (a Message in QUEUED, domain.sync.replies, exactly once) and hiding or deleting
(the message's `moderation`, domain.sync.moderation).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.db import write_transaction
from domain.enums import (
    ConversationKind,
    ConversationStatus,
    MessageDirection,
    Moderation,
    ReplyStatus,
    Role,
    Sentiment,
    SentimentSource,
)
from domain.errors import ValidationFailed
from domain.events import EventKind
from domain.models import (
    Brand,
    Channel,
    Conversation,
    InternalNote,
    Membership,
    Message,
    SavedReply,
    User,
    WorkspaceMember,
)
from domain.rules.inbox import (
    PLACEHOLDERS,
    Move,
    author_mention,
    business_hours,
    capabilities,
    moderation_refusal,
    move_refusal,
    render_reply,
    unknown_placeholders,
)
from domain.services.audit import record
from domain.services.usecase import Problems, insert_unique, locked, row_of, update_unique
from domain.sync.inbox import refresh_conversations, syncs_inbox
from domain.sync.inbox_events import announce

MAX_NOTE = 5000
MAX_TITLE = 200
MAX_SAVED_REPLY = 2000
# The most a platform takes in one reply: comments (Instagram 2,200 characters), Messenger
# and Instagram Direct messages (2,000 and 1,000).
MAX_REPLY = {ConversationKind.COMMENT: 2200, ConversationKind.MENTION: 2200,
             ConversationKind.DM: 1000}
CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00")
DM_REPLY_WINDOW = timedelta(hours=24)
"""Meta's standard messaging window: a page answers a DM within 24 h of the last one."""


async def _conversation(conversation_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = Conversation.select().where(Conversation.id == conversation_id)
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise ValidationFailed.one("id", "NOT_FOUND", "no Conversation with this id")
    return row


async def _audit(actor_id: int | None, action: str, object_type: str, object_id: int,
                 brand_id: int, before: Any = None, after: Any = None) -> None:
    brand = await Brand.select(Brand.workspace).where(Brand.id == brand_id).first()
    await record(actor_id=actor_id, action=action, object_type=object_type,
                 object_id=object_id, workspace_id=brand["workspace"] if brand else None,
                 brand_id=brand_id, before=before, after=after)


async def _change(conversation_id: int, actor_id: int | None, action: str,
                  values: dict[Any, Any], check: Any = None) -> dict[str, Any]:
    """Lock, check, update and audit one conversation."""
    async with write_transaction():
        before = await _conversation(conversation_id, lock=True)
        if check is not None:
            check(before)
        await Conversation.update(values).where(Conversation.id == conversation_id)
        after = await _conversation(conversation_id)
        await _audit(actor_id, action, "conversation", conversation_id, before["brand"],
                     before, after)
        await announce({conversation_id}, EventKind.CONVERSATION_CHANGED,
                       action.removeprefix("conversation."))
        return after


# -- assignment and workflow -----------------------------------------------------------------


async def works_the_inbox(user_id: int, brand_id: int) -> bool:
    """A community manager of the brand, or an owner or admin of its workspace."""
    if await Membership.exists().where(Membership.user == user_id,
                                       Membership.brand == brand_id,
                                       Membership.role == Role.COMMUNITY_MANAGER):
        return True
    brand = await Brand.select(Brand.workspace).where(Brand.id == brand_id).first()
    return brand is not None and await WorkspaceMember.exists().where(
        WorkspaceMember.user == user_id, WorkspaceMember.workspace == brand["workspace"])


async def assign_conversation(conversation_id: int, assignee_id: int | None,
                              actor_id: int | None) -> dict[str, Any]:
    """Give the conversation to someone who works the brand's inbox; None unassigns it."""
    conversation = await _conversation(conversation_id)
    if assignee_id is not None and not await works_the_inbox(assignee_id,
                                                              conversation["brand"]):
        # The same answer for a user who does not exist or is someone else's: NOT_FOUND.
        raise ValidationFailed.one("assignee", "NOT_FOUND",
                                   "no community manager of this brand (nor owner or admin of "
                                   "its workspace) with this id")
    return await _change(conversation_id, actor_id, "conversation.assign",
                         {Conversation.assignee: assignee_id})


def _allowed(move: Move) -> Any:
    def check(row: dict[str, Any]) -> None:
        refusal = move_refusal(row["status"], row["escalated"], move)
        if refusal is not None:
            raise ValidationFailed.one("status" if move in (Move.RESOLVE, Move.REOPEN)
                                       else "escalated", "ILLEGAL_TRANSITION", refusal)
    return check


async def move_conversation(conversation_id: int, move: Move, actor_id: int | None
                            ) -> dict[str, Any]:
    """Resolve, reopen, escalate or de-escalate."""
    moves: dict[Move, dict[Any, Any]] = {
        Move.RESOLVE: {Conversation.status: ConversationStatus.RESOLVED,
                       Conversation.resolved_at: datetime.now(UTC),
                       Conversation.resolved_by: actor_id},
        Move.REOPEN: {Conversation.status: ConversationStatus.OPEN,
                      Conversation.resolved_at: None, Conversation.resolved_by: None},
        Move.ESCALATE: {Conversation.escalated: True},
        Move.DEESCALATE: {Conversation.escalated: False},
    }
    values = moves[move]
    return await _change(conversation_id, actor_id, f"conversation.{move.lower()}", values,
                         _allowed(move))


async def set_sentiment(conversation_id: int, sentiment: Sentiment | None,
                        actor_id: int | None) -> dict[str, Any]:
    """Correct the sentiment by hand (the model no longer overrides it); None gives it
    back to the model (the latest inbound message's)."""
    if sentiment is not None:
        return await _change(conversation_id, actor_id, "conversation.sentiment", {
            Conversation.sentiment: sentiment.value,
            Conversation.sentiment_source: SentimentSource.MANUAL})
    async with write_transaction():
        before = await _conversation(conversation_id, lock=True)
        await Conversation.update({Conversation.sentiment_source: None}).where(
            Conversation.id == conversation_id)
        await refresh_conversations({conversation_id})
        after = await _conversation(conversation_id)
        await _audit(actor_id, "conversation.sentiment", "conversation", conversation_id,
                     before["brand"], before, after)
        await announce({conversation_id}, EventKind.CONVERSATION_CHANGED, "sentiment")
        return after


# -- notes -----------------------------------------------------------------------------------


async def add_note(conversation_id: int, text: str, actor_id: int | None) -> dict[str, Any]:
    problems = Problems()
    cleaned = problems.text("text", text, max_length=MAX_NOTE, required=True)
    problems.check()
    async with write_transaction():
        conversation = await _conversation(conversation_id)
        row = (await InternalNote.insert(InternalNote(
            conversation=conversation_id, author=actor_id, text=cleaned,
            created_at=datetime.now(UTC))).returning(*InternalNote.all_columns()))[0]
        await _audit(actor_id, "conversation.note", "internal_note", row["id"],
                     conversation["brand"], None, row)
        await announce({conversation_id}, EventKind.CONVERSATION_CHANGED, "note")
        return row


# -- replies ---------------------------------------------------------------------------------


async def reply_values(conversation: dict[str, Any], actor_id: int | None) -> dict[str, str]:
    """What a saved reply's placeholders stand for in this conversation."""
    brand = await Brand.select(Brand.name).where(Brand.id == conversation["brand"]).first()
    channel = await Channel.select(Channel.handle).where(
        Channel.id == conversation["channel"]).first()
    agent = await User.select(User.name).where(User.id == (actor_id or 0)).first()
    return {"author": author_mention(conversation["author_handle"]),
            "brand": brand["name"] if brand else "", "channel": channel["handle"] if channel
            else "", "agent": agent["name"] if agent else ""}


async def queue_reply(conversation_id: int, text: str | None, saved_reply_id: int | None,
                      actor_id: int | None, *, now: datetime | None = None) -> dict[str, Any]:
    """A reply in QUEUED, to publish after commit (domain.sync.replies.request_reply)."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        conversation = await _conversation(conversation_id, lock=True)
        channel = await row_of(Channel, conversation["channel"])
        assert channel is not None, "a conversation's channel outlives it"
        problems = Problems()
        kind = ConversationKind(conversation["kind"])
        body = ""
        if saved_reply_id is not None and text is not None:
            problems.add("text", "INVALID", "give either text or savedReply, not both")
        elif saved_reply_id is not None:
            saved = await row_of(SavedReply, saved_reply_id)
            if saved is None or saved["brand"] != conversation["brand"]:
                problems.add("savedReply", "NOT_FOUND", "no SavedReply with this id")
            else:
                body = render_reply(saved["text"], await reply_values(conversation, actor_id))
                if len(body) > MAX_REPLY[kind]:
                    problems.too_long("savedReply", MAX_REPLY[kind])
        else:
            body = problems.text("text", text, max_length=MAX_REPLY[kind], required=True)
        allowed = capabilities(channel["platform"])
        if kind not in allowed.replies or not syncs_inbox(channel["platform"]):
            problems.add("id", "NOT_SUPPORTED", f"Coso cannot reply to a {kind.lower()} on "
                                                f"{channel['platform']}")
        parent = await Message.select(Message.external_id, Message.created_at).where(
            Message.conversation == conversation_id, Message.direction == MessageDirection.IN,
            Message.deleted.eq(False), Message.external_id.is_not_null()).order_by(
            Message.created_at, ascending=False).first()
        if parent is None:
            problems.add("id", "NOTHING_TO_ANSWER", "the conversation has no message from "
                                                   "the community to answer")
        elif kind is ConversationKind.DM and now - parent["created_at"] > DM_REPLY_WINDOW:
            problems.add("id", "OUTSIDE_REPLY_WINDOW", "a direct message can be answered only "
                                                       "within 24 hours of the last one")
        problems.check()
        assert parent is not None
        row = (await Message.insert(Message(
            conversation=conversation_id, direction=MessageDirection.OUT,
            parent_external_id=parent["external_id"], author=actor_id,
            author_handle=channel["handle"], text=body.strip(), created_at=now,
            reply_status=ReplyStatus.QUEUED)).returning(*Message.all_columns()))[0]
        await _audit(actor_id, "conversation.reply", "message", row["id"],
                     conversation["brand"], None, row)
        await announce({conversation_id}, EventKind.CONVERSATION_CHANGED, "reply queued")
        return row


# -- moderation ------------------------------------------------------------------------------


async def request_moderation(message_id: int, action: Moderation, actor_id: int | None
                             ) -> dict[str, Any]:
    """Ask for a community message to be hidden, shown again or deleted on the platform:
    the message's `moderation` holds the action until domain.sync.moderation has done it."""
    async with write_transaction():
        message = await locked(Message.select().where(Message.id == message_id)).first()
        if message is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no Message with this id")
        conversation = await _conversation(message["conversation"])
        channel = await row_of(Channel, conversation["channel"])
        assert channel is not None, "a conversation's channel outlives it"
        refusal = moderation_refusal(channel["platform"], conversation["kind"],
                                     message["direction"], action)
        if refusal is None and not syncs_inbox(channel["platform"]):
            refusal = f"Coso does not moderate {channel['platform']} yet"
        if refusal is not None:
            raise ValidationFailed.one("id", "NOT_SUPPORTED", refusal)
        hidden = action is Moderation.HIDE
        if message["deleted"]:
            raise ValidationFailed.one("id", "ALREADY_DELETED", "the message is deleted")
        if message["moderation"] is not None:
            raise ValidationFailed.one("id", "MODERATION_PENDING",
                                       f"a {message['moderation'].lower()} of this message is "
                                       "still on its way to the platform")
        if action is not Moderation.DELETE and message["hidden"] == hidden:
            raise ValidationFailed.one("id", "UNCHANGED", "the message is already "
                                       + ("hidden" if hidden else "visible"))
        await Message.update({Message.moderation: action, Message.moderation_error: ""}).where(
            Message.id == message_id)
        after = await row_of(Message, message_id)
        await _audit(actor_id, f"message.{action.lower()}", "message", message_id,
                     conversation["brand"], message, after)
        assert after is not None
        return after


# -- saved replies -----------------------------------------------------------------------------


def _saved_problems(problems: Problems, title: str | None, text: str | None
                    ) -> dict[str, str]:
    values: dict[str, str] = {}
    if title is not None:
        values["title"] = problems.text("title", title, max_length=MAX_TITLE, required=True)
    if text is not None:
        values["text"] = problems.text("text", text, max_length=MAX_SAVED_REPLY,
                                       required=True)
        unknown = unknown_placeholders(values["text"])
        if unknown:
            known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            problems.add("text", "UNKNOWN_PLACEHOLDER",
                         f"unknown placeholder {', '.join('{' + u + '}' for u in unknown)}: "
                         f"use {known}")
    return values


def _taken() -> ValidationFailed:
    return ValidationFailed.one("title", "TITLE_TAKEN",
                                "the brand already has a saved reply with this title")


async def create_saved_reply(brand_id: int, title: str, text: str, actor_id: int | None
                             ) -> dict[str, Any]:
    problems = Problems()
    values = _saved_problems(problems, title, text)
    problems.check()
    async with write_transaction():
        now = datetime.now(UTC)
        row = await insert_unique(SavedReply, {
            "brand": brand_id, "created_by": actor_id, "created_at": now, "updated_at": now,
            **values}, _taken)
        await _audit(actor_id, "saved_reply.create", "saved_reply", row["id"], brand_id,
                     None, row)
        return row


async def update_saved_reply(saved_id: int, title: str | None, text: str | None,
                             actor_id: int | None) -> dict[str, Any]:
    problems = Problems()
    values = _saved_problems(problems, title, text)
    problems.check()
    async with write_transaction():
        before = await row_of(SavedReply, saved_id)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no SavedReply with this id")
        changes: dict[Any, Any] = {getattr(SavedReply, k): v for k, v in values.items()}
        changes[SavedReply.updated_at] = datetime.now(UTC)
        after = await update_unique(SavedReply, saved_id, changes, _taken)
        await _audit(actor_id, "saved_reply.update", "saved_reply", saved_id,
                     before["brand"], before, after)
        return after


async def delete_saved_reply(saved_id: int, actor_id: int | None) -> dict[str, Any]:
    async with write_transaction():
        before = await row_of(SavedReply, saved_id)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no SavedReply with this id")
        await SavedReply.delete().where(SavedReply.id == saved_id)
        await _audit(actor_id, "saved_reply.delete", "saved_reply", saved_id,
                     before["brand"], before, None)
        return before


# -- business hours ----------------------------------------------------------------------------

MAX_WINDOWS = 21  # three a day


async def set_business_hours(brand_id: int, windows: list[dict[str, Any]],
                             actor_id: int | None) -> dict[str, Any]:
    """Replace the brand's business hours ({weekday, opens, closes}, local times in its
    timezone; "24:00" closes at midnight); [] goes back to Monday-Friday 9-18."""
    problems = Problems()
    if len(windows) > MAX_WINDOWS:
        problems.add("hours", "TOO_MANY", f"at most {MAX_WINDOWS} windows")
    cleaned = []
    for i, window in enumerate(windows):
        day, opens, closes = window["weekday"], window["opens"].strip(), window["closes"].strip()
        if not 0 <= day <= 6:
            problems.add(f"hours.{i}.weekday", "INVALID",
                         "weekday is 0 (Monday) to 6 (Sunday)")
        for name, value in (("opens", opens), ("closes", closes)):
            if not CLOCK.fullmatch(value):
                problems.add(f"hours.{i}.{name}", "INVALID_TIME",
                             f"{name} is a time like 09:00 (24:00 closes at midnight), "
                             f"got {value!r}")
        cleaned.append({"weekday": day, "opens": opens, "closes": closes})
    async with write_transaction():
        before = await row_of(Brand, brand_id)
        if before is None:
            raise ValidationFailed.one("brand", "NOT_FOUND", "no Brand with this id")
        if not problems:
            try:
                business_hours(before["timezone"], cleaned)
            except ValueError as error:
                problems.add("hours", "INVALID", str(error))
        problems.check()
        await Brand.update({Brand.business_hours: cleaned}).where(Brand.id == brand_id)
        after = await row_of(Brand, brand_id)
        await record(actor_id=actor_id, action="brand.business_hours", object_type="brand",
                     object_id=brand_id, workspace_id=before["workspace"], brand_id=brand_id,
                     before={"business_hours": before["business_hours"]},
                     after={"business_hours": cleaned})
        assert after is not None
        return after
