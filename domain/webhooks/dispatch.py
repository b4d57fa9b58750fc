"""Turns a published event into one delivery per matching webhook endpoint, queued as jobs.

The queue is the application's (`api.jobs.queues` installs `job_queue` with `use_queue`;
the domain does not import the API): arq with REDIS_URL, else a background task here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from domain.events import Event, webhook_body
from domain.jobs import JobQueue, QueueUnavailable
from domain.models import Webhook, WebhookDelivery
from domain.services.usecase import utcnow

log = logging.getLogger(__name__)

JOB_NAME = "deliver_webhook"
STALLED_GRACE = timedelta(minutes=10)
"""A PENDING delivery this late for its attempt lost its job (see requeue_stalled)."""

_queue: Callable[[], JobQueue] | None = None


def use_queue(factory: Callable[[], JobQueue] | None) -> None:
    """Where delivery jobs go from now on (None: nowhere, deliveries stay PENDING)."""
    global _queue
    _queue = factory


def job_id(delivery_id: int) -> str:
    return f"webhook:{delivery_id}"


async def enqueue_deliveries(event: Event) -> int:
    """Record and queue a delivery of `event` to each enabled endpoint that wants it."""
    hooks = await Webhook.select(Webhook.id, Webhook.events).where(
        Webhook.workspace == event.workspace_id, Webhook.enabled.eq(True)
    ).output(load_json=True)
    wanted = [h["id"] for h in hooks if event.kind.value in (h["events"] or [])]
    if not wanted:
        return 0
    body = webhook_body(event).decode()
    ids = []
    for webhook in wanted:
        rows = await WebhookDelivery.insert(WebhookDelivery(
            webhook=webhook, event_id=event.id, event_kind=event.kind.value, body=body,
        )).returning(WebhookDelivery.id)
        ids.append(rows[0]["id"])
    if _queue is None:
        log.warning("no job queue installed: %d webhook deliveries left PENDING", len(ids))
        return 0
    queue = _queue()
    for delivery in ids:
        try:
            await queue.enqueue(JOB_NAME, delivery, job_id=job_id(delivery))
        except QueueUnavailable:
            log.warning("webhook delivery %s stays PENDING: the queue is unreachable", delivery)
    return len(ids)


async def requeue_stalled(queue: JobQueue, *, due_before: datetime | None = None,
                          most: int = 500) -> int:
    """Queue again the PENDING deliveries whose job was lost (a flushed Redis, a process
    that died between recording and queueing, an embedded server restarted while waiting
    to retry): those due before `due_before` (None: all). The queue drops the ones it
    still holds, and the job itself waits for a retry's time. How many were queued."""
    where: Any = WebhookDelivery.status == "PENDING"
    if due_before is not None:
        where = where & (
            (WebhookDelivery.next_attempt_at.is_null()
             & (WebhookDelivery.created_at < due_before))
            | (WebhookDelivery.next_attempt_at < due_before))
    rows = await WebhookDelivery.select(WebhookDelivery.id).where(where).order_by(
        WebhookDelivery.id).limit(most)
    queued = 0
    for row in rows:
        try:
            queued += await queue.enqueue(JOB_NAME, row["id"], job_id=job_id(row["id"]))
        except QueueUnavailable:
            break
    if queued:
        log.warning("queued %d stalled webhook deliveries again", queued)
    return queued


async def requeue_stalled_deliveries(ctx: dict[str, Any]) -> int:
    """The cron job: deliveries more than STALLED_GRACE late, on the worker's queue."""
    return await requeue_stalled(ctx["queue"], due_before=utcnow() - STALLED_GRACE)


async def resume_deliveries(queue: JobQueue) -> int:
    """Embedded mode (no Redis), when a process starts: every PENDING delivery, whose task
    went with the process that recorded it; each waits for its retry's time."""
    return await requeue_stalled(queue, most=10_000)
