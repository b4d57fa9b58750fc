"""The inbox sync against the emulator over real HTTP: threads, idempotency, watermarks, spike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.enums import ConversationKind, MessageDirection, SyncKind, SyncStatus
from domain.models import Channel, Conversation, Message, SyncRun
from domain.sync.inbox import BACKFILL, OVERLAP, plan_inbox_syncs, request_inbox_sync
from tests.integration.sync.conftest import ACCOUNTS, connected_channel, ctx_of

pytestmark = pytest.mark.storage  # upserts on the natural keys, on both engines

ACCOUNTS_INBOX = {**ACCOUNTS, "instagram": "17841405822304914"}


async def inbox_channel(platform: str) -> dict[str, Any]:
    ACCOUNTS.setdefault(platform, ACCOUNTS_INBOX[platform])
    return await connected_channel(platform)


async def stored(channel_id: int) -> set[tuple[str, str, str]]:
    rows = await Message.select(Message.conversation.kind.as_alias("kind"),
                                Message.conversation.external_id.as_alias("thread"),
                                Message.external_id).where(
        Message.conversation.channel == channel_id)
    return {(r["kind"], r["thread"], r["external_id"]) for r in rows}


async def watermark(channel_id: int) -> datetime:
    row = await Channel.select(Channel.inbox_watermark).where(Channel.id == channel_id).first()
    assert row is not None and row["inbox_watermark"] is not None
    return row["inbox_watermark"]


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
async def test_the_inbox_holds_what_the_platform_served_once(emulator, inline, platform):
    channel = await inbox_channel(platform)
    before = datetime.now(UTC)
    run = await request_inbox_sync(inline, channel["id"])
    assert run["status"] == SyncStatus.SUCCEEDED, run
    assert run["kind"] == SyncKind.INBOX and run["items_inserted"] > 0
    mark = await watermark(channel["id"])
    assert before <= mark <= datetime.now(UTC)
    want = emulator.expected_inbox(platform, ACCOUNTS_INBOX[platform], mark - BACKFILL, mark)
    assert await stored(channel["id"]) == want
    kinds = {k for k, _, _ in want}
    assert kinds == {"COMMENT", "MENTION", "DM"}
    # Every thread is one conversation, with its first message's author and time.
    conversations = await Conversation.select().where(Conversation.channel == channel["id"])
    assert len(conversations) == len({(k, t) for k, t, _ in want})
    assert all(c["status"] == "OPEN" and c["author_handle"] for c in conversations)
    # The account's own answers, made in the platform's app, are the brand's responses.
    answered = [c for c in conversations if c["first_response_at"] is not None]
    assert answered and all(c["first_response_at"] > c["started_at"] for c in answered)
    out = await Message.count().where(Message.direction == MessageDirection.OUT,
                                      Message.conversation.channel == channel["id"])
    assert out > 0
    dm = next(c for c in conversations if c["kind"] == ConversationKind.DM)
    assert dm["author_external_id"] and dm["last_inbound_at"] == dm["last_message_at"]

    # Again at once: the same rows, nothing new, the watermark moves on.
    again = await request_inbox_sync(inline, channel["id"])
    assert again["status"] == SyncStatus.SUCCEEDED and again["items_inserted"] == 0
    assert again["items_updated"] == 0
    assert await watermark(channel["id"]) >= mark
    assert await stored(channel["id"]) == want
    assert emulator.stats()["reply_duplicates"] == []


async def test_a_later_sync_reads_only_from_the_watermark(emulator, inline):
    channel = await inbox_channel("facebook")
    mark = datetime.now(UTC) - timedelta(hours=5)
    await Channel.update({Channel.inbox_watermark: mark}).where(Channel.id == channel["id"])
    run = await request_inbox_sync(inline, channel["id"])
    assert run["status"] == SyncStatus.SUCCEEDED
    got = await stored(channel["id"])
    want = emulator.expected_inbox("facebook", ACCOUNTS["facebook"], mark - OVERLAP,
                                   await watermark(channel["id"]))
    assert got == want
    times = await Message.select(Message.created_at)
    assert times and min(t["created_at"] for t in times) >= mark - OVERLAP


async def test_hiding_on_the_platform_updates_the_stored_message(emulator, inline):
    channel = await inbox_channel("instagram")
    await request_inbox_sync(inline, channel["id"])
    comment = await Message.select(Message.id, Message.external_id, Message.created_at).where(
        Message.conversation.kind == "COMMENT").first()
    emulator.state.hidden.add(comment["external_id"])
    # Hidden since: the next sync's window covers it (older changes are not read again).
    await Channel.update({Channel.inbox_watermark: comment["created_at"] + OVERLAP}).where(
        Channel.id == channel["id"])
    run = await request_inbox_sync(inline, channel["id"])
    assert run["items_updated"] == 1 and run["items_inserted"] == 0
    row = await Message.select(Message.hidden).where(Message.id == comment["id"]).first()
    assert row["hidden"] is True


async def test_the_scripted_spike_brings_many_angry_messages(emulator, inline):
    emulator.configure(spike={"days_ago": 1, "hour": 9, "hours": 6})
    channel = await inbox_channel("facebook")
    await request_inbox_sync(inline, channel["id"])
    spike_start = datetime.combine(datetime.now(UTC).date() - timedelta(days=1),
                                   datetime.min.time(), UTC) + timedelta(hours=9)
    rows = await Message.select(Message.text, Message.created_at).where(
        Message.direction == MessageDirection.IN)

    def per_hour(start: datetime) -> int:
        return sum(1 for r in rows if start <= r["created_at"] < start + timedelta(hours=6))

    during, day_before = per_hour(spike_start), per_hour(spike_start - timedelta(days=1))
    assert during >= 3 * max(day_before, 1), (during, day_before)
    # Told apart by the sentiment model: the spike's threads are mostly negative.
    threads = await Conversation.select(Conversation.sentiment).where(
        Conversation.started_at >= spike_start,
        Conversation.started_at < spike_start + timedelta(hours=6))
    negative = sum(1 for t in threads if t["sentiment"] == "NEGATIVE")
    assert threads and negative >= 0.6 * len(threads), (negative, len(threads))
    languages = await Conversation.select(Conversation.language).where(
        Conversation.language.is_not_null())
    assert {row["language"] for row in languages} >= {"it", "en"}


async def test_a_failing_platform_retries_then_fails_the_run(emulator, inline):
    channel = await inbox_channel("facebook")
    emulator.fault("500", platform="facebook", path="/tagged", count=50)
    run = await request_inbox_sync(inline, channel["id"])
    assert run["status"] == SyncStatus.FAILED and run["error_code"] in (
        "PLATFORM_ERROR", "RETRY_BUDGET_EXHAUSTED")
    assert await Message.count() == 0  # all of the window or nothing
    row = await Channel.select(Channel.inbox_watermark).where(
        Channel.id == channel["id"]).first()
    assert row["inbox_watermark"] is None
    emulator.clear_faults()
    assert (await request_inbox_sync(inline, channel["id"]))["status"] == SyncStatus.SUCCEEDED


async def test_the_planner_queues_channels_it_can_read(emulator, inline):
    fb = await inbox_channel("facebook")
    await connected_channel("x")  # Coso does not read X's inbox yet
    assert await plan_inbox_syncs(ctx_of(inline)) == 1
    runs = await SyncRun.select().where(SyncRun.kind == SyncKind.INBOX)
    assert [r["channel"] for r in runs] == [fb["id"]]


async def test_coso_sync_inbox_fills_the_inbox(emulator, coso, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    channel = await inbox_channel("facebook")
    result = await coso("sync", "--no-publish", "--inbox", "--channel", str(channel["id"]))
    assert result.exit_code == 0, result.output
    assert "INBOX" in result.output and "SUCCEEDED" in result.output
    assert await Conversation.count() > 0
