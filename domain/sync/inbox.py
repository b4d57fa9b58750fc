"""The inbox sync: comments, mentions and DMs since the channel's watermark, stored as threads.

Like the metric sync, a run reads a window (here: from a little before the channel's
inbox watermark to now) and writes it in one transaction with the watermark that covers
it; messages are keyed on (conversation, external id) and threads on (channel, kind,
external id), so reading the same window again changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from domain import sentiment
from domain.connectors import connector_for
from domain.connectors.base import ChannelAuth, InboxConnector, RemoteMessage, SyncError
from domain.connectors.oauth_flow import OAuthError
from domain.db import write_transaction
from domain.enums import ChannelStatus, ConversationStatus, MessageDirection, SyncKind
from domain.events import EventKind
from domain.jobs import JobQueue, RetryLater
from domain.models import Channel, Conversation, Message, Post
from domain.rules.inbox import PLATFORMS, reopens, summarize
from domain.services.channels import mark_token_expired
from domain.services.secrets import TokenUnreadable
from domain.services.usecase import locked
from domain.sync import runs
from domain.sync.base import TRANSIENT_DB_ERRORS, attempt_of, describe, is_transient, retry_delay
from domain.sync.inbox_events import MAX_CREATED, announce
from domain.sync.jobs import enqueue_run, failed, recorded
from domain.sync.tokens import TokenRefused, call_with_token

BACKFILL = timedelta(days=14)
"""How far back a channel's first inbox sync reads."""
OVERLAP = timedelta(minutes=30)
"""Re-read this much before the watermark: platforms index new comments a little late."""
CHUNK = 500


def inbox_job_id(channel_id: int) -> str:
    return f"inbox:{channel_id}"


def syncs_inbox(platform: str) -> bool:
    """Whether Coso's connector reads this platform's inbox."""
    found = PLATFORMS.get(platform)  # type: ignore[call-overload]
    return found is not None and found.synced


async def request_inbox_sync(queue: JobQueue, channel_id: int, *,
                             requested_by: int | None = None) -> dict[str, Any]:
    """Open (or find) the channel's INBOX run and make sure its job is queued; the run."""
    opened = await runs.open_run(channel_id, SyncKind.INBOX, inbox_job_id(channel_id),
                                 requested_by=requested_by)
    await enqueue_run(queue, opened.run)
    return await runs.get_run(opened.run["id"]) or opened.run


async def plan_inbox_syncs(ctx: dict[str, Any], channel_ids: Sequence[int] | None = None
                           ) -> int:
    """Queue an inbox sync of every connected channel whose platform Coso reads (cron)."""
    query = Channel.select(Channel.id, Channel.platform).where(
        Channel.status == ChannelStatus.CONNECTED)
    if channel_ids is not None:
        query = query.where(Channel.id.is_in(list(channel_ids) or [0]))
    queued = 0
    for channel in await query.order_by(Channel.id):
        if syncs_inbox(channel["platform"]):
            await request_inbox_sync(ctx["queue"], channel["id"])
            queued += 1
    return queued


@recorded
async def sync_inbox(ctx: dict[str, Any], run_id: int) -> str:
    """Read one channel's new comments, mentions and messages and store them."""
    attempt = attempt_of(ctx)
    try:
        run = await runs.start_run(run_id, attempt)
        if run is None:
            return "already finished"
        channel = await Channel.select().where(Channel.id == run["channel"]).first()
        assert channel is not None, "runs cascade with their channel"
    except TRANSIENT_DB_ERRORS as error:
        raise RetryLater(retry_delay(attempt), describe(error)) from error
    if channel["status"] != ChannelStatus.CONNECTED:
        await runs.fail_run(run_id, "CHANNEL_NOT_CONNECTED",
                            f"the channel is {channel['status']}: connect it to sync")
        return "not connected"
    if not syncs_inbox(channel["platform"]):
        await runs.fail_run(run_id, "UNSUPPORTED_PLATFORM", f"Coso does not read the inbox "
                                                             f"of {channel['platform']} yet")
        return "unsupported"
    api_version = ""
    try:
        connector = cast(InboxConnector, connector_for(channel["platform"], ctx["http"]))
        api_version = connector.api_version
        until = datetime.now(UTC)
        mark = channel["inbox_watermark"]
        since = mark - OVERLAP if mark is not None else until - BACKFILL

        async def fetch(auth: ChannelAuth) -> list[RemoteMessage]:
            return [m async for m in connector.messages(auth, since, until)]

        fetched, channel = await call_with_token(ctx, channel, fetch)
        stored = await store_inbox(run_id, channel, fetched, until=until,
                                   api_version=api_version)
    except TokenRefused as refused:
        await runs.fail_run(run_id, "NEEDS_RECONNECT", refused.message,
                            api_version=api_version)
        return "needs reconnection"
    except OAuthError as error:
        await failed(run_id, attempt, "TOKEN_REFRESH_FAILED", error.message, transient=True,
                     api_version=api_version, channel_id=channel["id"])
        return "token refresh failed"
    except TokenUnreadable as error:
        await mark_token_expired(channel["id"], str(error))
        await runs.fail_run(run_id, "TOKEN_UNREADABLE", str(error))
        return "token unreadable"
    except SyncError as error:
        if error.code == "TOKEN_EXPIRED":
            await mark_token_expired(channel["id"], error.message)
        await failed(run_id, attempt, error.code, error.message, transient=is_transient(error),
                     api_version=api_version, channel_id=channel["id"],
                     defer=error.retry_after)
        return error.code
    except TRANSIENT_DB_ERRORS as error:
        await failed(run_id, attempt, "DATABASE_UNAVAILABLE", describe(error), transient=True,
                     api_version=api_version, channel_id=channel["id"])
        return "database unavailable"
    return f"{len(fetched)} in, {stored[0]} new, {stored[1]} updated"


def _clean(text: str) -> str:
    return text.replace("\x00", "")  # PostgreSQL text cannot hold NUL


async def store_inbox(run_id: int | None, channel: dict[str, Any],
                      fetched: Sequence[RemoteMessage], *, until: datetime,
                      api_version: str = "") -> tuple[int, int]:
    """Write fetched messages into their threads, advance the watermark to `until` and
    finish the run, in one transaction; (messages inserted, messages updated)."""
    async with write_transaction():
        stored = await _known_threads(channel["id"], fetched)
        known = set(stored.values())
        fetched = _with_community(fetched, set(stored))
        threads = await _threads(channel, fetched)
        inserted, updated, touched, fresh = await _messages(threads, fetched)
        await refresh_conversations(touched, reopen=fresh)
        created = set(threads.values()) - known
        if channel["inbox_watermark"] is not None and len(created) <= MAX_CREATED:
            await announce(created, EventKind.CONVERSATION_CREATED, "created")
        await announce(fresh - created, EventKind.CONVERSATION_CHANGED, "new message")
        current = await locked(Channel.select(Channel.inbox_watermark).where(
            Channel.id == channel["id"]), "NO KEY UPDATE").first()
        mark = (current or {}).get("inbox_watermark")
        await Channel.update({Channel.inbox_watermark: max(mark, until) if mark else until}
                             ).where(Channel.id == channel["id"])
        if run_id is not None:
            await runs.succeed_run(run_id, api_version=api_version, items_in=len(fetched),
                                   inserted=inserted, updated=updated)
    return inserted, updated


def _with_community(fetched: Sequence[RemoteMessage], stored: set[tuple[str, str]]
                    ) -> list[RemoteMessage]:
    """Leave out the account's own messages in threads Coso has never seen anyone else
    write in (an answer to a comment older than the window): no conversation to put
    them in."""
    spoken = stored | {(m.kind.value, m.thread_id) for m in fetched if not m.from_account}
    return [m for m in fetched if not m.from_account or (m.kind.value, m.thread_id) in spoken]


async def _known_threads(channel_id: int, fetched: Sequence[RemoteMessage]
                         ) -> dict[tuple[str, str], int]:
    """The stored conversations these messages belong to, by (kind, thread id)."""
    keys = sorted({m.thread_id for m in fetched})
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(keys), CHUNK):
        rows = await Conversation.select(Conversation.id, Conversation.kind,
                                         Conversation.external_id).where(
            Conversation.channel == channel_id,
            Conversation.external_id.is_in(keys[start:start + CHUNK]))
        found.update({(row["kind"], row["external_id"]): row["id"] for row in rows})
    return found


async def _threads(channel: dict[str, Any], fetched: Sequence[RemoteMessage]
                   ) -> dict[tuple[str, str], int]:
    """Conversation ids by (kind, thread id), creating the threads Coso did not know."""
    first: dict[tuple[str, str], RemoteMessage] = {}
    for message in sorted(fetched, key=lambda m: m.created_at):
        first.setdefault((message.kind.value, message.thread_id), message)
    posts = await _post_ids(channel["id"], {m.post_external_id for m in first.values()})
    rows = [Conversation(
        brand=channel["brand"], channel=channel["id"], kind=kind, external_id=thread,
        post=posts.get(m.post_external_id), post_external_id=_clean(m.post_external_id),
        author_handle="" if m.from_account else _clean(m.author),
        author_external_id="" if m.from_account else m.author_id,
        status=ConversationStatus.OPEN, started_at=m.created_at, last_message_at=m.created_at,
    ) for (kind, thread), m in first.items()]
    for start in range(0, len(rows), CHUNK):
        await Conversation.insert(*rows[start:start + CHUNK]).on_conflict(
            target=(Conversation.channel, Conversation.kind, Conversation.external_id),
            action="DO NOTHING")
    ids: dict[tuple[str, str], int] = {}
    keys = sorted({thread for _, thread in first})
    for start in range(0, len(keys), CHUNK):
        for row in await Conversation.select(
                Conversation.id, Conversation.kind, Conversation.external_id).where(
                Conversation.channel == channel["id"],
                Conversation.external_id.is_in(keys[start:start + CHUNK])):
            ids[(row["kind"], row["external_id"])] = row["id"]
    return ids


async def _post_ids(channel_id: int, external: set[str]) -> dict[str, int]:
    external.discard("")
    if not external:
        return {}
    rows = await Post.select(Post.id, Post.external_id).where(
        Post.channel == channel_id, Post.external_id.is_in(sorted(external)))
    return {row["external_id"]: row["id"] for row in rows}


async def _messages(threads: dict[tuple[str, str], int], fetched: Sequence[RemoteMessage]
                    ) -> tuple[int, int, set[int], set[int]]:
    """Insert the messages not stored yet and update the hidden flag of those that are;
    (inserted, updated, conversations touched, conversations with new inbound messages)."""
    by_conversation: dict[int, list[RemoteMessage]] = {}
    for message in fetched:
        by_conversation.setdefault(threads[(message.kind.value, message.thread_id)],
                                   []).append(message)
    known: dict[tuple[int, str], dict[str, Any]] = {}
    ids = sorted(by_conversation)
    for start in range(0, len(ids), CHUNK):
        for row in await Message.select(Message.id, Message.conversation, Message.external_id,
                                        Message.hidden).where(
                Message.conversation.is_in(ids[start:start + CHUNK]),
                Message.external_id.is_not_null()):
            known[(row["conversation"], row["external_id"])] = row
    new: list[Message] = []
    updated = 0
    fresh: set[int] = set()
    for conversation, messages in by_conversation.items():
        for m in messages:
            stored = known.get((conversation, m.external_id))
            if stored is not None:
                if stored["hidden"] != m.hidden and not m.from_account:
                    await Message.update({Message.hidden: m.hidden}).where(
                        Message.id == stored["id"])
                    updated += 1
                continue
            text = _clean(m.text)
            language = None if m.from_account else sentiment.detect_language(text)
            new.append(Message(
                conversation=conversation, external_id=m.external_id,
                parent_external_id=m.parent_id,
                direction=MessageDirection.OUT if m.from_account else MessageDirection.IN,
                author_handle=_clean(m.author), text=text, language=language,
                sentiment=None if m.from_account else sentiment.classify(text, language),
                created_at=m.created_at, hidden=m.hidden))
            known[(conversation, m.external_id)] = {}
            if not m.from_account:
                fresh.add(conversation)
    for start in range(0, len(new), CHUNK):
        await Message.insert(*new[start:start + CHUNK])
    return len(new), updated, set(by_conversation), fresh


async def refresh_conversations(ids: Collection[int], *, reopen: Collection[int] = ()
                                ) -> None:
    """Recompute each conversation's times, sentiment and language from its messages (a
    sentiment set by hand stays); a resolved one with new inbound messages opens again."""
    if not ids:
        return
    rows = await Conversation.select(Conversation.id, Conversation.status,
                                     Conversation.sentiment_source).where(
        Conversation.id.is_in(sorted(ids)))
    messages: dict[int, list[dict[str, Any]]] = {}
    for row in await Message.select(
            Message.id, Message.conversation, Message.direction, Message.created_at,
            Message.sentiment, Message.language, Message.reply_status).where(
            Message.conversation.is_in(sorted(ids)), Message.deleted.eq(False)):
        messages.setdefault(row["conversation"], []).append(row)
    for row in rows:
        summary = summarize(messages.get(row["id"], []))
        if summary is None:
            continue
        values: dict[Any, Any] = {
            Conversation.started_at: summary.started_at,
            Conversation.last_message_at: summary.last_message_at,
            Conversation.last_inbound_at: summary.last_inbound_at,
            Conversation.first_response_at: summary.first_response_at,
            Conversation.language: summary.language,
        }
        if row["sentiment_source"] != "MANUAL":
            values[Conversation.sentiment] = summary.sentiment
            values[Conversation.sentiment_source] = "MODEL" if summary.sentiment else None
        if reopens(row["status"], row["id"] in reopen):
            values.update({Conversation.status: ConversationStatus.OPEN,
                           Conversation.resolved_at: None, Conversation.resolved_by: None})
        await Conversation.update(values).where(Conversation.id == row["id"])
