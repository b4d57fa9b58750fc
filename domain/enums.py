"""The closed vocabularies of the BRIEF, shared by tables, rules and the API."""

from __future__ import annotations

from enum import StrEnum


class WorkspaceRole(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"


class Role(StrEnum):
    """A user's role on one brand; a user may hold several."""

    STRATEGIST = "STRATEGIST"
    MANAGER = "MANAGER"
    COMMUNITY_MANAGER = "COMMUNITY_MANAGER"
    CLIENT = "CLIENT"


class Platform(StrEnum):
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    LINKEDIN = "linkedin"
    X = "x"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    PINTEREST = "pinterest"


class PostStatus(StrEnum):
    DRAFT = "DRAFT"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    SCHEDULED = "SCHEDULED"
    PUBLISHED = "PUBLISHED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    ARCHIVED = "ARCHIVED"


class PostFormat(StrEnum):
    TEXT = "TEXT"
    IMAGE = "IMAGE"
    GIF = "GIF"
    VIDEO = "VIDEO"
    CAROUSEL = "CAROUSEL"
    STORY = "STORY"
    REEL = "REEL"
    LINK = "LINK"


class ContentPillar(StrEnum):
    """Seed 003's contenuti didascalici / argomentativi / promozionali."""

    INFORMATIVE = "INFORMATIVE"
    OPINION = "OPINION"
    PROMOTIONAL = "PROMOTIONAL"


class MediaType(StrEnum):
    OWNED = "OWNED"
    PAID = "PAID"
    EARNED = "EARNED"


class CampaignObjective(StrEnum):
    BRAND_AWARENESS = "BRAND_AWARENESS"
    PRODUCT_LAUNCH = "PRODUCT_LAUNCH"
    STORE_PROMOTION = "STORE_PROMOTION"
    ENGAGEMENT = "ENGAGEMENT"
    LEAD_GENERATION = "LEAD_GENERATION"
    SHOWCASE = "SHOWCASE"


class CampaignStatus(StrEnum):
    DRAFT = "DRAFT"
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class SourceKind(StrEnum):
    """Where a metric observation came from."""

    PLATFORM_API = "PLATFORM_API"
    IMPORT = "IMPORT"
    MANUAL = "MANUAL"


class ChannelStatus(StrEnum):
    """Whether Coso holds a working access token for a channel."""

    DISCONNECTED = "DISCONNECTED"
    CONNECTED = "CONNECTED"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    NEEDS_RECONNECT = "NEEDS_RECONNECT"
    """The platform refused to refresh the token (app removed, refresh token expired):
    only a new authorization (startChannelConnection) brings the channel back."""


class ConnectionStatus(StrEnum):
    """An OAuth connection: sent to the platform, back with accounts, done."""

    STARTED = "STARTED"
    AUTHORIZED = "AUTHORIZED"
    COMPLETED = "COMPLETED"
    DENIED = "DENIED"
    FAILED = "FAILED"


class SyncKind(StrEnum):
    METRICS = "METRICS"
    BACKFILL = "BACKFILL"
    PUBLISH = "PUBLISH"
    INBOX = "INBOX"  # comments, mentions and direct messages since the inbox watermark


class SyncStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class ReportKind(StrEnum):
    STRATEGY = "STRATEGY"
    ROI = "ROI"


class ReportFormat(StrEnum):
    PDF = "PDF"
    HTML = "HTML"


class ReportStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    READY = "READY"
    FAILED = "FAILED"


class DeliveryStatus(StrEnum):
    """One scheduled report for one period: claimed, then sent or failed."""

    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class InvitationStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


class ConversationKind(StrEnum):
    """Where a community inbox thread comes from."""

    COMMENT = "COMMENT"  # a comment on one of the brand's posts, with its replies
    MENTION = "MENTION"  # someone else's post or media naming the brand's account
    DM = "DM"  # a direct (private) message thread


class ConversationStatus(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class MessageDirection(StrEnum):
    IN = "IN"  # from the community
    OUT = "OUT"  # from the brand (a reply sent through Coso, or on the platform itself)


class ReplyStatus(StrEnum):
    """A reply sent through Coso: queued, then on the platform or failed with a reason."""

    QUEUED = "QUEUED"
    PUBLISHED = "PUBLISHED"
    FAILED = "FAILED"


class Moderation(StrEnum):
    """What a community manager asks the platform to do with a community message."""

    HIDE = "HIDE"
    UNHIDE = "UNHIDE"
    DELETE = "DELETE"


class Sentiment(StrEnum):
    POSITIVE = "POSITIVE"
    NEUTRAL = "NEUTRAL"
    NEGATIVE = "NEGATIVE"


class SentimentSource(StrEnum):
    MODEL = "MODEL"  # domain.sentiment.classify of the latest inbound message
    MANUAL = "MANUAL"  # set by a community manager: the model no longer overrides it
