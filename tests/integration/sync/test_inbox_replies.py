"""Inbox replies through the job queue: published once under retries and faults, or FAILED."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.enums import ConversationKind, MessageDirection, Moderation, ReplyStatus
from domain.models import Conversation, Message
from domain.services import inbox as service
from domain.settings import get_settings
from domain.sync.base import MAX_TRIES
from domain.sync.inbox import request_inbox_sync
from domain.sync.moderation import request_moderation_job
from domain.sync.replies import request_reply
from tests.factories import make_user
from tests.integration.sync.test_inbox_sync import inbox_channel


async def conversation_of(kind: ConversationKind, channel_id: int) -> dict[str, Any]:
    # One the account has not answered yet in its own app (the emulator answers some).
    row = await Conversation.select().where(Conversation.channel == channel_id,
                                            Conversation.kind == kind,
                                            Conversation.first_response_at.is_null()).order_by(
        Conversation.last_inbound_at, ascending=False).first()
    assert row is not None, kind
    if kind is ConversationKind.DM:  # answerable: its last message within 24 hours
        await Message.update({Message.created_at: datetime.now(UTC) - timedelta(hours=1)}
                             ).where(Message.conversation == row["id"])
    return row


async def synced(emulator, inline, platform: str) -> dict[str, Any]:
    channel = await inbox_channel(platform)
    await request_inbox_sync(inline, channel["id"])
    return channel


async def reply(inline, conversation: dict[str, Any], text: str) -> dict[str, Any]:
    agent = await make_user()
    queued = await service.queue_reply(conversation["id"], text, None, agent.id)
    assert queued["reply_status"] == ReplyStatus.QUEUED
    await request_reply(inline, queued["id"])
    row = await Message.select().where(Message.id == queued["id"]).first()
    assert row is not None
    return row


def platform_replies(emulator, text: str) -> list[dict[str, Any]]:
    return [r for r in emulator.stats()["replies"] if r["text"] == text]


@pytest.mark.parametrize(("platform", "kind"), [
    ("facebook", ConversationKind.COMMENT), ("facebook", ConversationKind.MENTION),
    ("facebook", ConversationKind.DM), ("instagram", ConversationKind.COMMENT),
    ("instagram", ConversationKind.MENTION), ("instagram", ConversationKind.DM)])
async def test_a_reply_is_published_once_and_read_back_as_the_same_message(
        emulator, inline, platform, kind):
    channel = await synced(emulator, inline, platform)
    conversation = await conversation_of(kind, channel["id"])
    sent = await reply(inline, conversation, f"Thanks for writing, {platform} {kind}!")
    assert sent["reply_status"] == ReplyStatus.PUBLISHED, sent["reply_error"]
    (remote,) = platform_replies(emulator, sent["text"])
    assert sent["external_id"] == remote["id"] and sent["reply_attempts"] == 1
    after = await Conversation.select().where(Conversation.id == conversation["id"]).first()
    assert after["first_response_at"] == sent["created_at"]
    assert after["first_responder"] == sent["author"]
    # The next sync reads the reply back from the platform: still one message.
    if kind is not ConversationKind.MENTION:  # a mention's comments are not read back
        await Conversation.update({Conversation.last_message_at: sent["created_at"]}).where(
            Conversation.id == conversation["id"])
        await request_inbox_sync(inline, channel["id"])
    copies = await Message.select().where(Message.conversation == conversation["id"],
                                          Message.direction == MessageDirection.OUT)
    assert [c["id"] for c in copies] == [sent["id"]]


async def test_a_reply_whose_answer_was_lost_is_found_not_sent_twice(emulator, inline):
    channel = await synced(emulator, inline, "facebook")
    conversation = await conversation_of(ConversationKind.COMMENT, channel["id"])
    # The platform takes the reply but answers after the client gave up.
    emulator.fault("slow", platform="facebook", method="POST", path="/comments",
                   delay=get_settings().http_timeout + 1)
    sent = await reply(inline, conversation, "We are on it")
    assert sent["reply_status"] == ReplyStatus.PUBLISHED and sent["reply_attempts"] == 2
    assert len(platform_replies(emulator, "We are on it")) == 1
    assert emulator.stats()["reply_duplicates"] == []


async def test_a_platform_down_fails_the_reply_visibly_after_the_last_attempt(emulator, inline):
    channel = await synced(emulator, inline, "instagram")
    conversation = await conversation_of(ConversationKind.COMMENT, channel["id"])
    emulator.fault("500", platform="instagram", count=None, probability=1.0)
    sent = await reply(inline, conversation, "Sorry about that")
    assert sent["reply_status"] == ReplyStatus.FAILED
    assert sent["reply_attempts"] == MAX_TRIES and "PLATFORM_ERROR" in sent["reply_error"]
    assert sent["external_id"] is None and sent["reply_claim"] is None
    assert platform_replies(emulator, "Sorry about that") == []
    after = await Conversation.select().where(Conversation.id == conversation["id"]).first()
    assert after["first_response_at"] is None  # a failed reply is no response


async def test_a_refused_reply_fails_at_once_with_the_platforms_words(emulator, inline):
    channel = await synced(emulator, inline, "facebook")
    conversation = await conversation_of(ConversationKind.DM, channel["id"])
    emulator.fault("reject", platform="facebook", method="POST", path="/messages")
    sent = await reply(inline, conversation, "Buy now!!!")
    assert sent["reply_status"] == ReplyStatus.FAILED and sent["reply_attempts"] == 1
    assert "deemed abusive" in sent["reply_error"]


async def test_hiding_and_deleting_happen_on_the_platform(emulator, inline):
    channel = await synced(emulator, inline, "facebook")
    conversation = await conversation_of(ConversationKind.COMMENT, channel["id"])
    message = await Message.select().where(Message.conversation == conversation["id"]).first()

    async def moderate(action: Moderation) -> dict[str, Any]:
        asked = await service.request_moderation(message["id"], action, None)
        assert asked["moderation"] == action
        await request_moderation_job(inline, message["id"], action)
        row = await Message.select().where(Message.id == message["id"]).first()
        assert row is not None and row["moderation"] is None, row
        return row

    hidden = await moderate(Moderation.HIDE)
    assert hidden["hidden"] is True and hidden["moderation_error"] == ""
    assert message["external_id"] in emulator.stats()["hidden"]
    shown = await moderate(Moderation.UNHIDE)
    assert shown["hidden"] is False and message["external_id"] not in emulator.stats()["hidden"]
    deleted = await moderate(Moderation.DELETE)
    assert deleted["deleted"] is True
    assert message["external_id"] in emulator.stats()["deleted"]
    # Deleted on the platform: its listing no longer has it.
    assert ("COMMENT", message["external_id"], message["external_id"]) not in \
        emulator.expected_inbox("facebook", channel["external_id"],
                                datetime.now(UTC) - timedelta(days=14), datetime.now(UTC))


async def test_a_refused_moderation_says_why(emulator, inline):
    channel = await synced(emulator, inline, "instagram")
    conversation = await conversation_of(ConversationKind.COMMENT, channel["id"])
    message = await Message.select().where(Message.conversation == conversation["id"]).first()
    emulator.fault("500", platform="instagram", method="POST", count=None, probability=1.0)
    await service.request_moderation(message["id"], Moderation.HIDE, None)
    await request_moderation_job(inline, message["id"], Moderation.HIDE)
    row = await Message.select().where(Message.id == message["id"]).first()
    assert row["moderation"] is None and row["hidden"] is False
    assert "PLATFORM_ERROR" in row["moderation_error"]
