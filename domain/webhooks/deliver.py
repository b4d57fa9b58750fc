"""The job `deliver_webhook`: one signed POST of a delivery, recorded, retried with backoff.

Each run is one attempt. Before it the URL is checked again (DNS rebinding) and the request
connects to the very address checked, asking for the original host (TLS verified against
it). Redirects are not followed, the whole attempt has COSO_WEBHOOK_TIMEOUT seconds, and
only the first KiB of the answer is read and kept. A 2xx answer delivers; anything else is
retried after COSO_WEBHOOK_RETRY_BASE × COSO_WEBHOOK_RETRY_FACTOR^(n-1) seconds until
COSO_WEBHOOK_MAX_ATTEMPTS, when the delivery FAILED; a refused address fails it at once.
An endpoint whose deliveries failed COSO_WEBHOOK_DISABLE_AFTER times in a row is disabled,
with the reason shown, until updateWebhook enables it again.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from domain.db import write_transaction
from domain.jobs import RetryLater
from domain.metrics import WEBHOOK_DELIVERIES
from domain.models import Webhook, WebhookAttempt, WebhookDelivery
from domain.services.secrets import TokenUnreadable, decrypt_token
from domain.services.usecase import locked, utcnow
from domain.settings import get_settings
from domain.webhooks.addresses import AddressRefused, Target, check
from domain.webhooks.signing import HEADER, signature

EXCERPT_BYTES = 1024
MAX_ATTEMPTS_CAP = 20
"""COSO_WEBHOOK_MAX_ATTEMPTS is held to this (the job registry's tries for the job)."""
USER_AGENT = "Coso-Webhooks/1.0"
RETRY_SLACK = timedelta(seconds=1)


class DeliveryState(StrEnum):
    PENDING = "PENDING"  # queued, or waiting for its next attempt
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # every attempt failed, or the address was refused
    SKIPPED = "SKIPPED"  # the endpoint was disabled before it could be sent


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None = None
    excerpt: str = ""
    duration_ms: float = 0.0
    error: str = ""
    final: bool = False
    """No use trying again (the address is not allowed)."""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`."""
    settings = get_settings()
    return settings.webhook_retry_base * settings.webhook_retry_factor ** (attempt - 1)


def max_attempts() -> int:
    return max(1, min(get_settings().webhook_max_attempts, MAX_ATTEMPTS_CAP))


def pinned(target: Target) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL with the checked address for its host, the Host header, httpx extensions."""
    parts = urlsplit(target.url)
    address = f"[{target.address}]" if ":" in target.address else target.address
    default = 443 if target.scheme == "https" else 80
    netloc = address if target.port == default else f"{address}:{target.port}"
    host = target.host if target.port == default else f"{target.host}:{target.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": host}, extensions


async def send(url: str, secret: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """One attempt; never raises for what the receiver or the network does."""
    started = time.perf_counter()
    try:
        target = await check(url)
    except AddressRefused as refused:
        return Outcome(error=f"{refused.code}: {refused}", final=refused.code != "UNRESOLVABLE")
    address, host, extensions = pinned(target)
    timeout = get_settings().webhook_timeout
    sent = {**headers, **host, "Content-Type": "application/json", "User-Agent": USER_AGENT,
            HEADER: signature(secret, body)}
    status: int | None = None
    excerpt = b""
    error = ""
    try:
        # trust_env=False: a proxy from the environment would connect by name, not to the
        # address checked.
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                     trust_env=False) as client, asyncio.timeout(timeout), \
                client.stream("POST", address, content=body, headers=sent,
                              extensions=extensions) as response:
            status = response.status_code
            async for chunk in response.aiter_bytes():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES:
                    break
    except TimeoutError:
        error = f"no answer within {timeout:g} s"
    except (httpx.HTTPError, OSError) as failure:
        error = f"{type(failure).__name__}: {failure}"[:500] or type(failure).__name__
    if status is not None and 300 <= status < 400:
        error = "redirects are not followed: answer 2xx at the registered URL"
    elif status is not None and not 200 <= status < 300 and not error:
        error = f"HTTP {status}"
    return Outcome(status_code=status,
                   excerpt=excerpt[:EXCERPT_BYTES].decode("utf-8", "replace"),
                   duration_ms=round((time.perf_counter() - started) * 1000, 1), error=error)


async def deliver_webhook(ctx: dict[str, Any], delivery_id: int) -> str:
    """The job (id `webhook:<delivery id>`): one attempt, then DELIVERED, FAILED or a retry."""
    delivery = await WebhookDelivery.select().where(WebhookDelivery.id == delivery_id).first()
    if delivery is None:
        WEBHOOK_DELIVERIES.labels(outcome="skipped").inc()
        return "gone"  # its endpoint was deleted
    if delivery["status"] != DeliveryState.PENDING:
        return str(delivery["status"])
    hook = await Webhook.select().where(Webhook.id == delivery["webhook"]).first()
    if hook is None or not hook["enabled"]:
        await _finish(delivery_id, DeliveryState.SKIPPED, "the endpoint is disabled")
        WEBHOOK_DELIVERIES.labels(outcome="skipped").inc()
        return DeliveryState.SKIPPED
    waiting = delivery["next_attempt_at"]
    if ctx.get("job_try", 1) == 1 and waiting is not None and waiting > utcnow() + RETRY_SLACK:
        # Queued afresh before its retry's time (a restart, the stalled-delivery cron); a
        # retry the queue itself deferred (job_try > 1) is on time.
        raise RetryLater((waiting - utcnow()).total_seconds(), "not yet time to retry")
    attempt = delivery["attempts"] + 1
    try:
        secret = decrypt_token(hook["secret"])
    except TokenUnreadable as error:
        outcome = Outcome(error=f"the signing secret cannot be read: {error}", final=True)
    else:
        outcome = await send(hook["url"], secret, delivery["body"].encode(), {
            "Coso-Event": delivery["event_kind"], "Coso-Event-Id": delivery["event_id"],
            "Coso-Delivery": str(delivery_id), "Coso-Attempt": str(attempt)})
    last = outcome.delivered or outcome.final or attempt >= max_attempts()
    state = (DeliveryState.DELIVERED if outcome.delivered
             else DeliveryState.FAILED if last else DeliveryState.PENDING)
    delay = retry_delay(attempt)
    async with write_transaction():
        await WebhookAttempt.insert(WebhookAttempt(
            delivery=delivery_id, number=attempt, status_code=outcome.status_code,
            response_excerpt=outcome.excerpt, duration_ms=outcome.duration_ms,
            error=outcome.error))
        now = utcnow()
        await WebhookDelivery.update({
            WebhookDelivery.status: state, WebhookDelivery.attempts: attempt,
            WebhookDelivery.last_status_code: outcome.status_code,
            WebhookDelivery.last_error: outcome.error,
            WebhookDelivery.finished_at: now if last else None,
            WebhookDelivery.next_attempt_at: None if last else now + timedelta(seconds=delay),
        }).where(WebhookDelivery.id == delivery_id)
        if last:
            await _count(hook["id"], outcome)
    if state is DeliveryState.DELIVERED:
        WEBHOOK_DELIVERIES.labels(outcome="delivered").inc()
    elif state is DeliveryState.FAILED:
        WEBHOOK_DELIVERIES.labels(outcome="refused" if outcome.final else "gave_up").inc()
    else:
        WEBHOOK_DELIVERIES.labels(outcome="failed").inc()
        raise RetryLater(delay, f"attempt {attempt} failed: {outcome.error}")
    return state


async def _count(webhook_id: int, outcome: Outcome) -> None:
    """A finished delivery resets the endpoint's run of failures, or adds to it."""
    if outcome.delivered:
        await Webhook.update({Webhook.consecutive_failures: 0}).where(Webhook.id == webhook_id)
        return
    hook = await locked(Webhook.select(Webhook.consecutive_failures, Webhook.enabled).where(
        Webhook.id == webhook_id)).first()
    if hook is None:
        return
    failures = hook["consecutive_failures"] + 1
    updates: dict[Any, Any] = {Webhook.consecutive_failures: failures}
    limit = get_settings().webhook_disable_after
    if hook["enabled"] and limit > 0 and failures >= limit:
        updates[Webhook.enabled] = False
        updates[Webhook.disabled_reason] = (
            f"disabled after {failures} failed deliveries in a row; the last: "
            f"{outcome.error or 'no answer'}"[:2000])
    await Webhook.update(updates).where(Webhook.id == webhook_id)


async def _finish(delivery_id: int, state: DeliveryState, error: str) -> None:
    await WebhookDelivery.update({
        WebhookDelivery.status: state, WebhookDelivery.last_error: error,
        WebhookDelivery.finished_at: utcnow(), WebhookDelivery.next_attempt_at: None,
    }).where(WebhookDelivery.id == delivery_id)
