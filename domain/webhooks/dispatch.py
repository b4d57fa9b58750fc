"""Turns a published event into one delivery per matching webhook endpoint, queued as jobs."""

from __future__ import annotations

from domain.events import Event


async def enqueue_deliveries(event: Event) -> int:
    """Record and queue a delivery of `event` to each enabled endpoint that wants it."""
    return 0
