"""The inbox raises CONVERSATION_CREATED and CONVERSATION_CHANGED for live clients and webhooks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.events import Event, EventKind
from domain.events.broker import broker, close_broker
from domain.models import Channel, Conversation
from domain.rules.inbox import Move
from domain.services import inbox as service
from domain.settings import get_settings
from domain.sync.inbox import request_inbox_sync
from tests.integration.sync.test_inbox_sync import inbox_channel


@pytest.fixture(autouse=True)
async def in_process(monkeypatch):
    await close_broker()
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield
    await close_broker()


def drain(queue: asyncio.Queue[Event]) -> list[Event]:
    found = []
    while not queue.empty():
        found.append(queue.get_nowait())
    return found


async def test_a_sync_announces_new_threads_but_not_a_first_backfill(emulator, inline):
    channel = await inbox_channel("facebook")
    async with broker().subscribe() as queue:
        await request_inbox_sync(inline, channel["id"])
        first = [e for e in drain(queue) if e.subject_type == "Conversation"]
        assert first == []  # the history read when the channel is new is not news
        # Two hours of threads forgotten: the next sync finds them again, as new.
        mark = datetime.now(UTC) - timedelta(hours=2)
        gone = await Conversation.delete().where(
            Conversation.channel == channel["id"], Conversation.started_at >= mark
        ).returning(Conversation.external_id)
        await Channel.update({Channel.inbox_watermark: mark}).where(
            Channel.id == channel["id"])
        await request_inbox_sync(inline, channel["id"])
        await asyncio.sleep(0)
        created = [e for e in drain(queue) if e.kind is EventKind.CONVERSATION_CREATED]
    assert gone and len(created) == len(gone)
    assert {e.brand_id for e in created} == {channel["brand"]}
    assert created[0].payload["change"] == "created"
    assert created[0].payload["kind"] in {"COMMENT", "MENTION", "DM"}


async def test_working_a_conversation_announces_each_change(emulator, inline):
    channel = await inbox_channel("instagram")
    await request_inbox_sync(inline, channel["id"])
    conversation = await Conversation.select(Conversation.id).first()
    async with broker().subscribe() as queue:
        await service.move_conversation(conversation["id"], Move.ESCALATE, None)
        await service.add_note(conversation["id"], "watch this one", None)
        await service.move_conversation(conversation["id"], Move.RESOLVE, None)
        await asyncio.sleep(0)
        got = drain(queue)
    assert [(e.kind, e.payload["change"]) for e in got] == [
        (EventKind.CONVERSATION_CHANGED, "escalate"), (EventKind.CONVERSATION_CHANGED, "note"),
        (EventKind.CONVERSATION_CHANGED, "resolve")]
    assert got[-1].payload["status"] == "RESOLVED" and got[0].payload["escalated"] is True
    assert all(e.subject_id == conversation["id"] for e in got)
