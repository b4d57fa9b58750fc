"""DataLoaders of the community inbox: conversations (newest first), messages, notes, replies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from piccolo.table import Table

from api.graphql.loaders.rows import (
    ChildrenLoader,
    CountLoader,
    PageLoader,
    RowLoader,
    count_loader,
    page_loader,
    row_loader,
)
from api.graphql.loaders.shielded import Loader
from api.graphql.loaders.sql import Cond, fetch, where
from domain.models import Conversation, InternalNote, Message, SavedReply


def in_conversation_loader(table: type[Table]) -> RowLoader:
    """Rows of a table whose rows belong to a conversation, by id, with the conversation's
    brand as `brand` (the permission check reads it)."""
    name = table._meta.tablename

    async def load(ids: Sequence[int]) -> list[dict[str, Any] | None]:
        sql, args = where([Cond('t."id"', "IN", tuple(ids))])
        rows = await fetch(table, f'SELECT t.*, c."brand" AS "brand" FROM "{name}" t JOIN '
                                  f'"conversation" c ON c."id" = t."conversation" WHERE {sql}',
                           args)
        by_id = {row["id"]: row for row in rows}
        return [by_id.get(pk) for pk in ids]

    return Loader(load_fn=load)


def notes_loader() -> ChildrenLoader:
    """Every internal note of each conversation, oldest first."""

    async def load(conversations: Sequence[int]) -> list[list[dict[str, Any]]]:
        sql, args = where([Cond("conversation", "IN", tuple(conversations))])
        rows = await fetch(InternalNote, f'SELECT * FROM "internal_note" WHERE {sql} '
                                         f'ORDER BY "id"', args)
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            grouped[row["conversation"]].append(row)
        return [grouped.get(pk, []) for pk in conversations]

    return Loader(load_fn=load)


@dataclass(slots=True)
class InboxLoaders:
    conversation: RowLoader = field(default_factory=lambda: row_loader(Conversation))
    message: RowLoader = field(default_factory=lambda: in_conversation_loader(Message))
    note: RowLoader = field(default_factory=lambda: in_conversation_loader(InternalNote))
    saved_reply: RowLoader = field(default_factory=lambda: row_loader(SavedReply))
    conversation_page: PageLoader = field(
        default_factory=lambda: page_loader(Conversation, "brand", newest_first=True))
    conversation_count: CountLoader = field(
        default_factory=lambda: count_loader(Conversation, "brand"))
    message_page: PageLoader = field(default_factory=lambda: page_loader(Message,
                                                                         "conversation"))
    message_count: CountLoader = field(
        default_factory=lambda: count_loader(Message, "conversation"))
    notes: ChildrenLoader = field(default_factory=notes_loader)
    saved_reply_page: PageLoader = field(
        default_factory=lambda: page_loader(SavedReply, "brand"))
    saved_reply_count: CountLoader = field(
        default_factory=lambda: count_loader(SavedReply, "brand"))
