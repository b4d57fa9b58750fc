"""The one small interface every platform connector implements, in Coso's terms.

Connectors speak HTTP (httpx) to one documented API version per platform, page through
everything, respect rate limits and map raw metrics to canonical ones. They never touch
the database: the sync jobs (domain.sync) store what they return.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from domain.enums import ConversationKind, Platform, PostFormat


@dataclass(frozen=True, slots=True)
class ChannelAuth:
    """Who to ask about: the channel's id on the platform and its decrypted token."""

    platform: Platform
    external_id: str
    access_token: str


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One canonical metric for one day; a metric the platform did not return is absent."""

    metric: str  # canonical name (domain.rules.metric_catalog)
    day: date
    value: Decimal
    raw_metric: str  # the platform's own name, kept as provenance
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class RemotePost:
    """A post published inside the asked window, with its metric points.

    Daily figures (Facebook, LinkedIn, YouTube) come as one point per day of the window
    from the publish day on. Platforms that only give a post's lifetime totals (Instagram
    media, X, TikTok) come as ONE point per metric dated on the publish day (UTC), whose
    raw_metric ends in ":lifetime": re-reading overwrites that row with the newer total,
    so stored rows stay idempotent and a period's sum is the lifetime total of the posts
    published in it.
    """

    external_id: str
    permalink: str
    published_at: datetime
    text: str
    metrics: list[MetricPoint] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OutgoingPost:
    text: str
    media: list[dict]  # [{url, kind, alt}]
    format: PostFormat  # connectors compare it with `is`


@dataclass(frozen=True, slots=True)
class Published:
    external_id: str
    permalink: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class RemoteComment:
    external_id: str
    post_external_id: str
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RemoteMessage:
    """One message of the community inbox as the platform gives it.

    `thread_id` names the conversation it belongs to: a top-level comment's id for it and
    its replies, the mentioning post's id, the DM thread's id. `from_account` marks what
    the channel's own account wrote (a reply, from Coso or from the platform's own app).
    """

    kind: ConversationKind
    thread_id: str
    external_id: str
    author: str
    author_id: str
    text: str
    created_at: datetime
    from_account: bool = False
    post_external_id: str = ""
    parent_id: str = ""
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """What a reply answers: the thread, the message it replies to and, for a DM, who to."""

    kind: ConversationKind
    thread_id: str
    message_id: str
    recipient_id: str = ""
    post_external_id: str = ""


@dataclass(frozen=True, slots=True)
class SentReply:
    external_id: str
    created_at: datetime


class SyncError(Exception):
    """A platform call that failed for good; `code` is stable, `message` is for people.

    Codes: RATE_LIMITED, PLATFORM_ERROR, TIMEOUT, MALFORMED_RESPONSE, TOKEN_EXPIRED,
    PERMISSION_DENIED, REJECTED (the platform refused the content), RETRY_BUDGET_EXHAUSTED
    (the call kept failing transiently; the message names the last failure),
    UNSUPPORTED_PLATFORM. `retryable` says whether the same call may succeed later;
    `retry_after` (seconds) is set when the platform said how long to wait and that was
    longer than a connector waits in-process, so the job can re-queue itself that late.
    """

    def __init__(self, code: str, message: str, *, retryable: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


class Connector(Protocol):
    platform: Platform
    api_version: str  # recorded as source_version with every metric
    history_days: int  # how far back the platform serves metrics (a backfill's limit)

    async def channel_metrics(self, auth: ChannelAuth, start: date, end: date) -> list[MetricPoint]:
        """Account-level daily metrics for start..end inclusive (splits long windows)."""
        ...

    def posts(self, auth: ChannelAuth, start: date, end: date) -> AsyncIterator[RemotePost]:
        """Posts with their daily metrics for start..end, every page."""
        ...

    async def publish(self, auth: ChannelAuth, post: OutgoingPost) -> Published:
        """Publish now; raises SyncError(REJECTED) with the platform's reason."""
        ...

    async def find_published(
        self, auth: ChannelAuth, text: str, since: datetime
    ) -> Published | None:
        """The post with this text published since `since`, if any: how a retry after a
        crash learns the platform already has the post instead of posting it twice."""
        ...

    def comments(self, auth: ChannelAuth, post_external_id: str) -> AsyncIterator[RemoteComment]:
        """Every comment of one post (for the community inbox)."""
        ...


class InboxConnector(Protocol):
    """What a connector whose platform lets a page read and answer its community adds.

    `inbox_kinds` are the kinds it reads, `moderated` the kinds whose inbound messages it
    can hide and delete (comments on the account's own posts, where the API allows).
    """

    platform: Platform
    api_version: str
    inbox_kinds: frozenset[ConversationKind]
    moderated: frozenset[ConversationKind]

    def messages(self, auth: ChannelAuth, since: datetime, until: datetime
                 ) -> AsyncIterator[RemoteMessage]:
        """Every comment on recent posts, mention and direct message created since..until."""
        ...

    async def reply(self, auth: ChannelAuth, target: ReplyTarget, text: str) -> SentReply:
        """Publish a reply now (not retried in-process: see find_reply)."""
        ...

    async def find_reply(self, auth: ChannelAuth, target: ReplyTarget, text: str,
                         since: datetime) -> SentReply | None:
        """The account's reply with this text in the thread since `since`, if any: how a
        retry after a crash learns the platform already has it instead of sending twice."""
        ...

    async def hide(self, auth: ChannelAuth, message_id: str, hidden: bool) -> None:
        ...

    async def delete(self, auth: ChannelAuth, message_id: str) -> None:
        ...
