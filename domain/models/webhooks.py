"""Webhook endpoints of a workspace, their deliveries (one per event) and each attempt."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)

from domain.models.accounts import User, Workspace
from domain.models.base import Table
from domain.models.columns import created_at


class Webhook(Table):
    """An HTTPS endpoint that receives the workspace's events of the kinds in `events`."""

    workspace = ForeignKey(Workspace, null=False, index=True)
    url = Varchar(length=2000)
    description = Varchar(length=500, default="")
    events = JSON(default=[])  # [EventKind]
    secret = Text()  # the signing secret, encrypted like channel tokens
    enabled = Boolean(default=True)
    disabled_reason = Text(default="")
    consecutive_failures = Integer(default=0)
    created_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    created_at = created_at()
    updated_at = Timestamptz(null=True, default=None)


class WebhookDelivery(Table):
    """One event for one endpoint; (webhook, event_id) is unique, so an event is sent once."""

    webhook = ForeignKey(Webhook, null=False, index=True)
    event_id = Varchar(length=64)
    event_kind = Varchar(length=40)
    body = Text()  # the exact JSON signed and sent, each attempt the same
    status = Varchar(length=20, default="PENDING")  # domain.webhooks.DeliveryState
    attempts = Integer(default=0)
    last_status_code = Integer(null=True, default=None)
    last_error = Text(default="")
    created_at = created_at()
    next_attempt_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)


class WebhookAttempt(Table):
    """One HTTP request of a delivery, as it went."""

    delivery = ForeignKey(WebhookDelivery, null=False, index=True)
    number = Integer()
    at = created_at()
    status_code = Integer(null=True, default=None)
    response_excerpt = Text(default="")
    duration_ms = Float(default=0.0)
    error = Text(default="")
