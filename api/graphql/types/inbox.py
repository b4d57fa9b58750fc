"""The community inbox: Conversation, Message, InternalNote and SavedReply, and their filters.

Everything here is read with INBOX_READ on the brand (strategists, managers, community
managers, workspace owners and admins): a CLIENT sees no conversation, hence no internal
note, and a hidden one reads as missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import PublicError
from api.graphql.ids import decode_id
from api.graphql.loaders.rows import CountKey, PageKey
from api.graphql.loaders.sql import Cond
from api.graphql.pagination import Connection, PageRequest, build_connection
from api.graphql.types.in_brand import InBrand
from api.graphql.types.user import User
from domain import enums
from domain.errors import ValidationFailed
from domain.rules.permissions import Action

if TYPE_CHECKING:
    from api.graphql.types.channel import Channel
    from api.graphql.types.post import Post

_types = "api.graphql.types"

ConversationKind = enums.ConversationKind
strawberry.enum(ConversationKind, description="COMMENT on one of the brand's posts (with its "
                                              "replies), MENTION of the brand's account, DM.")
ConversationStatus = enums.ConversationStatus
strawberry.enum(ConversationStatus)
MessageDirection = enums.MessageDirection
strawberry.enum(MessageDirection, description="IN from the community, OUT from the brand.")
ReplyStatus = enums.ReplyStatus
strawberry.enum(ReplyStatus, description="A reply sent through Coso: QUEUED, then PUBLISHED "
                                         "on the platform, or FAILED with replyError.")
Sentiment = enums.Sentiment
strawberry.enum(Sentiment)
MessageModeration = enums.Moderation
strawberry.enum(MessageModeration, name="MessageModeration",
                description="Hiding, showing again or deleting a comment on the platform.")
SentimentSource = enums.SentimentSource
strawberry.enum(SentimentSource, description="MODEL: the latest inbound message's; MANUAL: "
                                             "set by a person, kept until cleared.")


def _inbox_brand(row: dict[str, Any]) -> int:
    return row["brand"]


async def visible_inbox(info: Info, loader: Any, ids: Iterable[Any],
                        build: Callable[[dict[str, Any]], Any]) -> list[Any]:
    """Rows by node id, None unless the viewer may read the brand's inbox."""
    from api.graphql.types.node import node_keys

    access = info.context.access
    rows = await loader.load_many(node_keys(ids))
    return [build(r) if r is not None and access.can(r["brand"], Action.INBOX_READ) else None
            for r in rows]


async def _user(info: Info, pk: int | None) -> User | None:
    row = await info.context.loaders.user.load(pk) if pk is not None else None
    return User.from_row(row) if row else None


@strawberry.type(description="A reply sent or a message received in a conversation.")
class Message(relay.Node):
    id: relay.NodeID[int]
    direction: MessageDirection
    external_id: str | None = strawberry.field(description="Its id on the platform; null "
                                                           "until a reply is published.")
    author_handle: str
    text: str
    language: str | None
    sentiment: Sentiment | None = strawberry.field(description="The model's reading of it.")
    created_at: datetime
    hidden: bool = strawberry.field(description="Hidden on the platform (comments only).")
    deleted: bool = strawberry.field(description="Deleted on the platform; kept here.")
    reply_status: ReplyStatus | None = strawberry.field(
        description="Replies sent through Coso only.")
    reply_error: str | None = strawberry.field(description="Why the last attempt failed.")
    reply_attempts: int
    moderation: MessageModeration | None = strawberry.field(
        description="A hide, unhide or delete on its way to the platform.")
    moderation_error: str | None = strawberry.field(
        description="Why the last hide, unhide or delete did not happen.")
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Message:
        return cls(id=row["id"], direction=row["direction"], external_id=row["external_id"],
                   author_handle=row["author_handle"], text=row["text"],
                   language=row["language"], sentiment=row["sentiment"],
                   created_at=row["created_at"], hidden=bool(row["hidden"]),
                   deleted=bool(row["deleted"]), reply_status=row["reply_status"],
                   reply_error=row["reply_error"] or None,
                   reply_attempts=row["reply_attempts"], moderation=row["moderation"],
                   moderation_error=row["moderation_error"] or None, _row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str],
                            required: bool = False) -> list[Message | None]:
        return await visible_inbox(info, info.context.loaders.inbox.message, node_ids,
                                   cls.from_row)

    @strawberry.field(description="Who wrote a reply in Coso.")
    async def author(self, info: Info) -> User | None:
        return await _user(info, self._row["author"])

    @strawberry.field
    async def conversation(self, info: Info) -> Conversation:
        row = await info.context.loaders.inbox.conversation.load(self._row["conversation"])
        return Conversation.from_row(row)


@strawberry.type(description="A note the team keeps on a conversation: never published, "
                             "never shown to clients.")
class InternalNote(relay.Node):
    id: relay.NodeID[int]
    text: str
    created_at: datetime
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> InternalNote:
        return cls(id=row["id"], text=row["text"], created_at=row["created_at"], _row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str],
                            required: bool = False) -> list[InternalNote | None]:
        return await visible_inbox(info, info.context.loaders.inbox.note, node_ids,
                                   cls.from_row)

    @strawberry.field
    async def author(self, info: Info) -> User | None:
        return await _user(info, self._row["author"])

    @strawberry.field
    async def conversation(self, info: Info) -> Conversation:
        row = await info.context.loaders.inbox.conversation.load(self._row["conversation"])
        return Conversation.from_row(row)


@strawberry.type(description="A thread of the community inbox: a comment with its replies, "
                             "a mention, or a direct-message thread.")
class Conversation(InBrand, relay.Node):
    id: relay.NodeID[int]
    kind: ConversationKind
    status: ConversationStatus
    external_id: str = strawberry.field(description="The thread's id on the platform.")
    author_handle: str = strawberry.field(description="Who started it.")
    escalated: bool
    sentiment: Sentiment | None = strawberry.field(
        description="The latest inbound message's, unless set by hand; null: unknown.")
    sentiment_source: SentimentSource | None
    language: str | None
    started_at: datetime
    last_message_at: datetime
    last_inbound_at: datetime | None
    first_response_at: datetime | None = strawberry.field(
        description="When the brand first answered (a published reply).")
    resolved_at: datetime | None
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Conversation:
        return cls(id=row["id"], kind=row["kind"], status=row["status"],
                   external_id=row["external_id"], author_handle=row["author_handle"],
                   escalated=bool(row["escalated"]), sentiment=row["sentiment"],
                   sentiment_source=row["sentiment_source"], language=row["language"],
                   started_at=row["started_at"], last_message_at=row["last_message_at"],
                   last_inbound_at=row["last_inbound_at"],
                   first_response_at=row["first_response_at"],
                   resolved_at=row["resolved_at"], _row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str],
                            required: bool = False) -> list[Conversation | None]:
        return await visible_inbox(info, info.context.loaders.inbox.conversation, node_ids,
                                   cls.from_row)

    @strawberry.field
    async def channel(self, info: Info
                      ) -> Annotated[Channel, strawberry.lazy(f"{_types}.channel")]:
        from api.graphql.types.channel import Channel

        return Channel.from_row(await info.context.loaders.channel.load(self._row["channel"]))

    @strawberry.field(description="The brand's post commented on; null for mentions and DMs "
                                  "(or a post Coso has not synced).")
    async def post(self, info: Info
                   ) -> Annotated[Post, strawberry.lazy(f"{_types}.post")] | None:
        from api.graphql.types.post import Post

        if self._row["post"] is None:
            return None
        row = await info.context.loaders.post.load(self._row["post"])
        return Post.from_row(row) if row else None

    @strawberry.field
    async def assignee(self, info: Info) -> User | None:
        return await _user(info, self._row["assignee"])

    @strawberry.field
    async def resolved_by(self, info: Info) -> User | None:
        return await _user(info, self._row["resolved_by"])

    @strawberry.field(description="Who sent the first published reply through Coso.")
    async def first_responder(self, info: Info) -> User | None:
        return await _user(info, self._row["first_responder"])

    @strawberry.field(description="Its messages, oldest first.")
    async def messages(self, info: Info, first: int | None = None,
                       after: str | None = None) -> Connection[Message]:
        page = PageRequest.parse(first, after)
        loaders = info.context.loaders.inbox
        rows = await loaders.message_page.load(PageKey(self.id, (), page))
        return build_connection(rows, page, Message.from_row,
                                lambda: loaders.message_count.load(CountKey(self.id, ())))

    @strawberry.field(description="The team's internal notes, oldest first.")
    async def notes(self, info: Info) -> list[InternalNote]:
        if not info.context.access.can(self._row["brand"], Action.INBOX_READ):
            return []
        return [InternalNote.from_row(r)
                for r in await info.context.loaders.inbox.notes.load(self.id)]


@strawberry.type(description="A brand's canned answer; {author}, {brand}, {channel} and "
                             "{agent} are filled in when it is used.")
class SavedReply(InBrand, relay.Node):
    id: relay.NodeID[int]
    title: str
    text: str
    created_at: datetime
    updated_at: datetime
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SavedReply:
        return cls(id=row["id"], title=row["title"], text=row["text"],
                   created_at=row["created_at"], updated_at=row["updated_at"], _row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str],
                            required: bool = False) -> list[SavedReply | None]:
        return await visible_inbox(info, info.context.loaders.inbox.saved_reply, node_ids,
                                   cls.from_row)

    @strawberry.field
    async def created_by(self, info: Info) -> User | None:
        return await _user(info, self._row["created_by"])


@strawberry.input(description="Conversations matching every condition given.")
class ConversationFilter:
    unassigned: bool | None = strawberry.field(default=None,
                                               description="true: nobody is assigned.")
    mine: bool | None = strawberry.field(default=None,
                                         description="true: assigned to the viewer.")
    status: list[ConversationStatus] | None = strawberry.field(
        default=None, description="[OPEN] for the open ones.")
    escalated: bool | None = None
    sentiment: list[Sentiment] | None = strawberry.field(
        default=None, description="[NEGATIVE] for the negative ones.")
    kind: list[ConversationKind] | None = None
    channels: list[strawberry.ID] | None = None
    post: strawberry.ID | None = None
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Last message at or after this instant.")
    to: datetime | None = strawberry.field(default=None,
                                           description="Last message before this instant.")
    search: str | None = strawberry.field(
        default=None, description="Words in a message's text or the author's handle "
                                  "(case-insensitive).")


MAX_SEARCH = 200


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise PublicError("from/to need a timezone offset, e.g. 2026-11-01T00:00:00Z")
    return value.astimezone(UTC)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def conversation_filter(f: ConversationFilter | None, viewer: int | None) -> tuple[Cond, ...]:
    if f is None:
        return ()
    conds: list[Cond] = []
    if f.unassigned is not None:
        conds.append(Cond("assignee", "IS NULL", None) if f.unassigned
                     else Cond("assignee", ">", 0))
    if f.mine is not None:
        conds.append(Cond("assignee", "=" if f.mine else "<>", viewer or 0))
    for column, values in (("status", f.status), ("sentiment", f.sentiment),
                           ("kind", f.kind)):
        if values:
            conds.append(Cond(column, "IN", tuple(sorted(v.value for v in values))))
    if f.escalated is not None:
        conds.append(Cond("escalated", "=", f.escalated))
    try:
        if f.channels:
            conds.append(Cond("channel", "IN", tuple(sorted(
                decode_id(c, "Channel", field="channels") for c in f.channels))))
        if f.post is not None:
            conds.append(Cond("post", "=", decode_id(f.post, "Post", field="post")))
    except ValidationFailed as exc:  # a query reports it as a plain error
        raise PublicError(str(exc)) from None
    if f.from_ is not None:
        conds.append(Cond("last_message_at", ">=", _utc(f.from_)))
    if f.to is not None:
        conds.append(Cond("last_message_at", "<", _utc(f.to)))
    if f.search is not None and f.search.strip():
        words = f.search.strip()
        if len(words) > MAX_SEARCH:
            raise PublicError(f"search takes at most {MAX_SEARCH} characters")
        pattern = _like(words)
        conds.append(Cond(
            "LOWER(\"author_handle\") LIKE {} ESCAPE '\\' OR \"id\" IN (SELECT "
            "m.\"conversation\" FROM \"message\" m WHERE LOWER(m.\"text\") LIKE {} "
            "ESCAPE '\\')", "SQL", (pattern, pattern)))
    return tuple(conds)


async def conversation_connection(info: Info, brand_id: int, f: ConversationFilter | None,
                                  first: int | None, after: str | None
                                  ) -> Connection[Conversation]:
    """The brand's conversations, newest first; empty for a viewer without INBOX_READ."""
    page = PageRequest.parse(first, after)
    conds = conversation_filter(f, info.context.user_id)
    if not info.context.access.can(brand_id, Action.INBOX_READ):
        conds = (Cond("id", "IN", ()),)
    loaders = info.context.loaders.inbox
    rows = await loaders.conversation_page.load(PageKey(brand_id, conds, page))
    return build_connection(rows, page, Conversation.from_row,
                            lambda: loaders.conversation_count.load(CountKey(brand_id, conds)))


async def saved_reply_connection(info: Info, brand_id: int, first: int | None,
                                 after: str | None) -> Connection[SavedReply]:
    page = PageRequest.parse(first, after)
    conds: tuple[Cond, ...] = ()
    if not info.context.access.can(brand_id, Action.INBOX_READ):
        conds = (Cond("id", "IN", ()),)
    loaders = info.context.loaders.inbox
    rows = await loaders.saved_reply_page.load(PageKey(brand_id, conds, page))
    return build_connection(rows, page, SavedReply.from_row,
                            lambda: loaders.saved_reply_count.load(CountKey(brand_id, conds)))
