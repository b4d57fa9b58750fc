"""The community inbox: conversations, their messages, internal notes and saved replies."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)

from domain.enums import (
    ConversationKind,
    ConversationStatus,
    MessageDirection,
    Moderation,
    ReplyStatus,
    Sentiment,
    SentimentSource,
)
from domain.models.accounts import User
from domain.models.base import Table
from domain.models.brands import Brand, Channel
from domain.models.columns import created_at as stamped
from domain.models.posts import Post


class Conversation(Table):
    """One thread: a top-level comment with its replies, a mention, or a DM thread.

    (channel, kind, external_id) is unique (index in the migration), so a sync that reads
    the same thread again updates it instead of adding one.
    """

    brand = ForeignKey(Brand, null=False, index=True)
    channel = ForeignKey(Channel, null=False, index=True)
    kind = Varchar(length=10, choices=ConversationKind)
    post = ForeignKey(Post, null=True, default=None, on_delete=OnDelete.set_null)
    external_id = Varchar(length=200)  # the thread's id on the platform
    post_external_id = Varchar(length=200, default="")  # the post commented or mentioning
    author_handle = Varchar(length=200, default="")
    author_external_id = Varchar(length=200, default="")
    status = Varchar(length=10, choices=ConversationStatus, default=ConversationStatus.OPEN,
                     index=True)
    assignee = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null,
                          index=True)
    escalated = Boolean(default=False)
    sentiment = Varchar(length=10, choices=Sentiment, null=True, default=None)
    sentiment_source = Varchar(length=10, choices=SentimentSource, null=True, default=None)
    language = Varchar(length=10, null=True, default=None)
    started_at = Timestamptz()  # the first message's time on the platform
    last_message_at = Timestamptz(index=True)
    last_inbound_at = Timestamptz(null=True, default=None)
    first_response_at = Timestamptz(null=True, default=None)  # the brand's first reply
    first_responder = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    resolved_at = Timestamptz(null=True, default=None)
    resolved_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = stamped()


class Message(Table):
    """One message of a conversation, inbound or the brand's; (conversation, external_id)
    is unique. A reply written in Coso has no external_id until it is published."""

    conversation = ForeignKey(Conversation, null=False, index=True)
    external_id = Varchar(length=200, null=True, default=None)
    parent_external_id = Varchar(length=200, default="")  # what it answers, on the platform
    direction = Varchar(length=3, choices=MessageDirection)
    author_handle = Varchar(length=200, default="")
    author = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    text = Text(default="")
    language = Varchar(length=10, null=True, default=None)
    sentiment = Varchar(length=10, choices=Sentiment, null=True, default=None)
    created_at = Timestamptz()  # on the platform (queued replies: when written)
    hidden = Boolean(default=False)
    deleted = Boolean(default=False)
    # Replies sent through Coso: published exactly once (claim, call, record; see
    # domain.sync.replies), FAILED with the platform's reason after the last attempt.
    reply_status = Varchar(length=10, choices=ReplyStatus, null=True, default=None)
    reply_error = Text(default="")
    reply_attempts = Integer(default=0)
    reply_claim = Varchar(length=64, null=True, default=None)
    reply_claimed_at = Timestamptz(null=True, default=None)
    # Hiding or deleting on the platform goes through the job queue too: the action asked
    # for while it is pending, and why the last one failed.
    moderation = Varchar(length=10, choices=Moderation, null=True, default=None)
    moderation_error = Text(default="")
    stored_at = stamped()


class InternalNote(Table):
    """A note the team leaves on a conversation; never shown to CLIENTs, never published."""

    conversation = ForeignKey(Conversation, null=False, index=True)
    author = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    text = Text()
    created_at = stamped()


class SavedReply(Table):
    """A brand's canned answer with placeholders ({author}, {brand}); (brand, title) unique."""

    brand = ForeignKey(Brand, null=False, index=True)
    title = Varchar(length=200)
    text = Text()
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = stamped()
    updated_at = stamped()
