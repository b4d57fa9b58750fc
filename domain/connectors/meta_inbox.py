"""What the Facebook and Instagram inboxes share: direct messages, newest-first edges."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import orjson

from domain.connectors.base import RemoteMessage, ReplyTarget, SentReply
from domain.connectors.common import same_text
from domain.connectors.meta import GraphApi
from domain.connectors.windows import parse_instant
from domain.enums import ConversationKind

DM_FIELDS = "id,created_time,from,message"
PAGE_SIZE = 100


async def since_newest(pages: AsyncIterator[list[Any]], since: datetime,
                       when: Callable[[dict[str, Any]], datetime]
                       ) -> AsyncIterator[dict[str, Any]]:
    """Rows of a newest-first edge down to `since`: no page past the first older row."""
    async for page in pages:
        for row in page:
            if when(row) < since:
                return
            yield row


def updated(row: dict[str, Any]) -> datetime:
    return parse_instant(row["updated_time"])


def created(row: dict[str, Any]) -> datetime:
    return parse_instant(row["created_time"])


async def direct_messages(graph: GraphApi, owner: str, token: str, platform: str,
                          since: datetime, until: datetime) -> AsyncIterator[RemoteMessage]:
    """Messages of every thread updated since `since` (threads and messages newest first)."""
    threads = graph.pages(f"{owner}/conversations", token, platform=platform,
                          fields="id,updated_time", limit=PAGE_SIZE)
    async for thread in since_newest(threads, since, updated):
        messages = graph.pages(f"{thread['id']}/messages", token, fields=DM_FIELDS,
                               limit=PAGE_SIZE)
        async for row in since_newest(messages, since, created):
            if created(row) >= until:
                continue
            sender = row.get("from") or {}
            sender_id = str(sender.get("id", ""))
            yield RemoteMessage(
                ConversationKind.DM, thread["id"], row["id"],
                str(sender.get("username") or sender.get("name") or ""), sender_id,
                row.get("message", ""), created(row), from_account=sender_id == owner)


async def send_direct(graph: GraphApi, owner: str, token: str, target: ReplyTarget,
                      text: str, now: datetime) -> SentReply:
    """The Send API: a RESPONSE to someone who wrote within the last 24 hours."""
    sent = await graph.post(f"{owner}/messages", token, {
        "recipient": orjson.dumps({"id": target.recipient_id}).decode(),
        "message": orjson.dumps({"text": text}).decode(),
        "messaging_type": "RESPONSE"}, publishing=True)
    return SentReply(str(sent["message_id"]), now)


async def find_direct(graph: GraphApi, owner: str, token: str, target: ReplyTarget,
                      text: str, since: datetime) -> SentReply | None:
    messages = graph.pages(f"{target.thread_id}/messages", token, fields=DM_FIELDS,
                           limit=PAGE_SIZE)
    async for row in since_newest(messages, since, created):
        if str((row.get("from") or {}).get("id", "")) == owner \
                and same_text(row.get("message"), text):
            return SentReply(row["id"], created(row))
    return None
