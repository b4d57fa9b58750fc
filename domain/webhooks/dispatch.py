"""Turns a published event into one delivery per matching webhook endpoint, queued as jobs.

The queue is the application's (`api.jobs.queues` installs `job_queue` with `use_queue`;
the domain does not import the API): arq with REDIS_URL, else a background task here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from domain.events import Event, webhook_body
from domain.jobs import JobQueue, QueueUnavailable
from domain.models import Webhook, WebhookDelivery

log = logging.getLogger(__name__)

JOB_NAME = "deliver_webhook"

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
