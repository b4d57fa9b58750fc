"""Telling the live subscriptions and webhooks about new and changed conversations."""

from __future__ import annotations

from collections.abc import Collection

from domain.events import Event, EventKind, global_id, publish
from domain.models import Conversation

MAX_CREATED = 200
"""New threads announced one by one per sync; past that (a first read of a busy account's
history) the sync announces none of them, rather than a flood of webhooks."""


async def announce(ids: Collection[int], kind: EventKind, change: str) -> None:
    """One event per conversation (after the commit, inside a write transaction): its
    kind, status, sentiment, assignee and what changed."""
    if not ids:
        return
    rows = await Conversation.select(
        Conversation.id, Conversation.brand, Conversation.brand.workspace.as_alias("workspace"),
        Conversation.kind, Conversation.status, Conversation.sentiment, Conversation.escalated,
        Conversation.assignee, Conversation.channel).where(Conversation.id.is_in(sorted(ids)))
    for row in rows:
        await publish(Event(kind, row["workspace"], row["brand"], "Conversation", row["id"], {
            "change": change, "kind": row["kind"], "status": row["status"],
            "sentiment": row["sentiment"], "escalated": bool(row["escalated"]),
            "assignee": None if row["assignee"] is None else global_id("User",
                                                                        row["assignee"]),
            "channel": global_id("Channel", row["channel"])}))
