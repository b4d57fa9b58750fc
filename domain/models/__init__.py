"""Coso's Piccolo tables, one module per area; import them from here."""

from piccolo.table import Table as PiccoloTable

from domain.models.accounts import ApiToken, User, Workspace, WorkspaceMember
from domain.models.audit import AuditLog
from domain.models.brands import Brand, Channel, Membership, Strategy
from domain.models.campaigns import Campaign, CampaignChannel
from domain.models.connections import ChannelConnection
from domain.models.inbox import Conversation, InternalNote, Message, SavedReply
from domain.models.invitations import Invitation, RecipientConfirmation
from domain.models.metrics import ChannelMetric, MetricRollup, PostMetric
from domain.models.posts import Post, PostTransition
from domain.models.reports import Report, ReportDelivery, ReportSchedule
from domain.models.sync import SyncRun
from domain.models.webhooks import Webhook, WebhookAttempt, WebhookDelivery

# Typed as Piccolo's Table: AppConfig takes a list of those (lists are invariant).
ALL_TABLES: list[type[PiccoloTable]] = [
    Workspace, User, WorkspaceMember, ApiToken,
    Brand, Membership, Channel, Strategy,
    Campaign, CampaignChannel,
    Post, PostTransition,
    ChannelMetric, PostMetric, MetricRollup,
    AuditLog,
    SyncRun,
    ReportSchedule, Report, ReportDelivery,
    Invitation, RecipientConfirmation,
    Webhook, WebhookDelivery, WebhookAttempt,
    ChannelConnection,
    Conversation, Message, InternalNote, SavedReply,
]

# Literal, so type checkers see the exports (a test checks it names every table).
__all__ = [
    "ALL_TABLES",
    "ApiToken", "User", "Workspace", "WorkspaceMember",
    "AuditLog",
    "Brand", "Channel", "Membership", "Strategy",
    "Campaign", "CampaignChannel",
    "ChannelConnection",
    "ChannelMetric", "MetricRollup", "PostMetric",
    "Conversation", "InternalNote", "Message", "SavedReply",
    "Invitation", "RecipientConfirmation",
    "Post", "PostTransition",
    "Report", "ReportDelivery", "ReportSchedule",
    "SyncRun",
    "Webhook", "WebhookAttempt", "WebhookDelivery",
]
