"""Webhook: an endpoint of a workspace, with its recent deliveries and their attempts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import PublicError
from api.graphql.loaders.sql import json_value
from api.graphql.types.enums import EventKind
from api.graphql.types.node import node_keys
from domain.models import WebhookAttempt as AttemptTable
from domain.models import WebhookDelivery as DeliveryTable
from domain.rules.permissions import WorkspaceAction

MAX_DELIVERIES = 50
ATTEMPTS_SHOWN = 20


@strawberry.type(description="One HTTP request of a delivery.")
class WebhookAttempt:
    number: int
    at: datetime
    status_code: int | None = strawberry.field(description="null: no answer (see error).")
    response_excerpt: str = strawberry.field(description="The answer's first KiB.")
    duration_ms: float
    error: str


@strawberry.type(description="One event sent to one endpoint: PENDING (queued or waiting to "
                             "retry), DELIVERED, FAILED (gave up) or SKIPPED (disabled).")
class WebhookDelivery:
    event_id: str = strawberry.field(description="The event's id: header Coso-Event-Id.")
    event_kind: EventKind
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    next_attempt_at: datetime | None
    finished_at: datetime | None
    _pk: strawberry.Private[int]

    @strawberry.field(description="Its attempts, first first (the last 20 at most).")
    async def attempt_log(self) -> list[WebhookAttempt]:
        rows = await AttemptTable.select().where(AttemptTable.delivery == self._pk).order_by(
            AttemptTable.number, ascending=False).limit(ATTEMPTS_SHOWN)
        return [WebhookAttempt(number=r["number"], at=r["at"], status_code=r["status_code"],
                               response_excerpt=r["response_excerpt"],
                               duration_ms=r["duration_ms"], error=r["error"])
                for r in reversed(rows)]


@strawberry.type(description="An endpoint that receives the workspace's events, signed "
                             "(README \"Webhooks\"). Owners and admins.")
class Webhook(relay.Node):
    id: relay.NodeID[int]
    url: str
    description: str
    events: list[EventKind]
    enabled: bool
    disabled_reason: str = strawberry.field(
        description="Why it is disabled (repeated failures, or paused); updateWebhook "
                    "with enabled: true turns it back on.")
    consecutive_failures: int = strawberry.field(
        description="Deliveries failed in a row (after all their attempts).")
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Webhook:
        return cls(id=row["id"], url=row["url"], description=row["description"],
                   events=[EventKind(e) for e in json_value(row["events"]) or []],
                   enabled=bool(row["enabled"]), disabled_reason=row["disabled_reason"],
                   consecutive_failures=row["consecutive_failures"],
                   created_at=row["created_at"], updated_at=row["updated_at"])

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Webhook | None]:
        access = info.context.access
        rows = await info.context.loaders.webhook.load_many(node_keys(node_ids))
        return [cls.from_row(r) if r and access.can_in_workspace(
            r["workspace"], WorkspaceAction.MANAGE_WEBHOOKS) else None for r in rows]

    @strawberry.field(description="Its latest deliveries, newest first (at most 50).")
    async def recent_deliveries(self, first: int = 10) -> list[WebhookDelivery]:
        if not 0 < first <= MAX_DELIVERIES:
            raise PublicError(f"first must be between 1 and {MAX_DELIVERIES}")
        rows = await DeliveryTable.select().where(DeliveryTable.webhook == self.id).order_by(
            DeliveryTable.id, ascending=False).limit(first)
        return [WebhookDelivery(
            event_id=r["event_id"], event_kind=EventKind(r["event_kind"]), status=r["status"],
            attempts=r["attempts"], last_status_code=r["last_status_code"],
            last_error=r["last_error"], created_at=r["created_at"],
            next_attempt_at=r["next_attempt_at"], finished_at=r["finished_at"], _pk=r["id"])
            for r in rows]


async def workspace_webhooks(info: Info, workspace_id: int) -> list[Webhook] | None:
    """None (not an empty list) for a viewer who may not manage them: not "no webhooks"."""
    if not info.context.access.can_in_workspace(workspace_id, WorkspaceAction.MANAGE_WEBHOOKS):
        return None
    rows = await info.context.loaders.webhooks_of_workspace.load(workspace_id)
    return [Webhook.from_row(r) for r in rows]
