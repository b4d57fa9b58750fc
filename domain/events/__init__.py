"""Domain events: one typed Event, published after the outermost transaction commits.

`await publish(Event(...))` is the one call that raises an event. Inside a
`write_transaction()` it waits for the commit (`domain.db.after_commit`) and is dropped on
a rollback; outside one it goes out at once. Going out means: counted in the metrics,
handed to the broker (Redis pub/sub with REDIS_URL, so every API process gets it, else this
process only) for the live subscriptions, and turned into webhook deliveries
(`domain.webhooks.dispatch`). A failure there is logged, never raised: the change itself
has been committed.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from domain.db import after_commit, in_write_transaction
from domain.logs import current_request_id
from domain.metrics import EVENTS_PUBLISHED
from domain.rules.permissions import Action

log = logging.getLogger(__name__)


class EventKind(StrEnum):
    POST_STATUS_CHANGED = "POST_STATUS_CHANGED"
    POST_PUBLISHED = "POST_PUBLISHED"
    POST_FAILED = "POST_FAILED"
    SYNC_RUN_FINISHED = "SYNC_RUN_FINISHED"
    SYNC_FAILED = "SYNC_FAILED"
    REPORT_READY = "REPORT_READY"
    CONVERSATION_CREATED = "CONVERSATION_CREATED"
    CONVERSATION_CHANGED = "CONVERSATION_CHANGED"
    ALERT_RAISED = "ALERT_RAISED"
    CHANNEL_NEEDS_RECONNECT = "CHANNEL_NEEDS_RECONNECT"


AUDIENCE: dict[EventKind, Action] = {
    EventKind.POST_STATUS_CHANGED: Action.READ,
    EventKind.POST_PUBLISHED: Action.READ,
    EventKind.POST_FAILED: Action.READ,
    EventKind.REPORT_READY: Action.READ,
    # Operations and the inbox are the team's, not the CLIENT's (see the matrix).
    EventKind.SYNC_RUN_FINISHED: Action.READ_OPERATIONS,
    EventKind.SYNC_FAILED: Action.READ_OPERATIONS,
    EventKind.CONVERSATION_CREATED: Action.INBOX_READ,
    EventKind.CONVERSATION_CHANGED: Action.INBOX_READ,
    EventKind.ALERT_RAISED: Action.INBOX_READ,
    # The platform refused to refresh a channel's token: those who run the brand reconnect.
    EventKind.CHANNEL_NEEDS_RECONNECT: Action.READ_OPERATIONS,
}
"""The brand action a viewer needs to receive an event of each kind live."""


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to one object of one brand."""

    kind: EventKind
    workspace_id: int
    brand_id: int | None
    subject_type: str
    """The GraphQL type of the object it happened to (`Post`, `SyncRun`, `Report`, ...)."""
    subject_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    """JSON-able facts about the change (ids as global ids or plain values, times ISO)."""
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    request_id: str | None = field(default_factory=current_request_id)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_json(self) -> str:
        return json.dumps({
            "id": self.id, "kind": self.kind.value, "workspace": self.workspace_id,
            "brand": self.brand_id, "subjectType": self.subject_type,
            "subjectId": self.subject_id, "payload": self.payload,
            "occurredAt": self.occurred_at.isoformat(), "requestId": self.request_id,
        }, default=_jsonable, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Event:
        data = json.loads(text)
        return cls(kind=EventKind(data["kind"]), workspace_id=int(data["workspace"]),
                   brand_id=None if data["brand"] is None else int(data["brand"]),
                   subject_type=str(data["subjectType"]), subject_id=int(data["subjectId"]),
                   payload=dict(data["payload"]),
                   occurred_at=datetime.fromisoformat(data["occurredAt"]),
                   request_id=data.get("requestId"), id=str(data["id"]))


def global_id(type_name: str, pk: int) -> str:
    """The id the API shows for a row: Relay's base64 of "Type:pk", spelt exactly as
    api/graphql/ids.global_id spells it (a test holds them together); webhooks send it."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def webhook_body(event: Event) -> bytes:
    """What a webhook receives: the event with global ids, as compact JSON."""
    return json.dumps({
        "id": event.id, "type": event.kind.value, "createdAt": event.occurred_at.isoformat(),
        "workspace": global_id("Workspace", event.workspace_id),
        "brand": None if event.brand_id is None else global_id("Brand", event.brand_id),
        "subject": {"type": event.subject_type,
                    "id": global_id(event.subject_type, event.subject_id)},
        "data": event.payload, "requestId": event.request_id,
    }, default=_jsonable, separators=(",", ":"), ensure_ascii=False).encode()


def _jsonable(value: Any) -> Any:
    """Times and dates as ISO 8601, anything else (an enum, a Decimal) as its text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


async def publish(event: Event) -> None:
    """Raise `event` once the outermost write transaction commits (now outside one)."""
    if in_write_transaction():
        after_commit(lambda: _go_out(event))
    else:
        await _go_out(event)


async def _go_out(event: Event) -> None:
    from domain.events.broker import broker
    from domain.webhooks.dispatch import enqueue_deliveries

    EVENTS_PUBLISHED.labels(kind=event.kind.value).inc()
    try:
        await broker().publish(event)
    except Exception:
        log.exception("event %s %s could not be broadcast", event.kind, event.id)
    try:
        await enqueue_deliveries(event)
    except Exception:
        log.exception("event %s %s: webhook deliveries could not be queued", event.kind,
                      event.id)


async def publish_for_brand(kind: EventKind, brand_id: int, subject_type: str, subject_id: int,
                            payload: dict[str, Any]) -> None:
    """`publish` for a caller that knows the brand but not its workspace (one lookup)."""
    from domain.models import Brand

    row = await Brand.select(Brand.workspace).where(Brand.id == brand_id).first()
    if row is None:  # the brand went meanwhile: nobody is left to tell
        return
    await publish(Event(kind, row["workspace"], brand_id, subject_type, subject_id, payload))
