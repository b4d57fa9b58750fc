"""Webhook endpoints: register, change, re-enable, delete, rotate the signing secret.

Who may is the caller's check (WorkspaceAction.MANAGE_WEBHOOKS). The signing secret is
returned once, by create and rotate, and stored encrypted like channel tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.db import write_transaction
from domain.errors import ValidationFailed
from domain.events import EventKind
from domain.models import Webhook, Workspace
from domain.services.audit import record
from domain.services.secrets import encrypt_token
from domain.services.usecase import KEEP, Keep, Problems, locked, utcnow
from domain.settings import get_settings
from domain.webhooks.addresses import AddressRefused, check
from domain.webhooks.signing import new_secret

MAX_DESCRIPTION_LENGTH = 500


@dataclass(frozen=True, slots=True)
class NewWebhook:
    workspace_id: int
    url: str
    events: Sequence[str]
    description: str = ""


@dataclass(frozen=True, slots=True)
class WebhookChanges:
    url: str | Keep = KEEP
    events: Sequence[str] | Keep = KEEP
    description: str | Keep = KEEP
    enabled: bool | Keep = KEEP
    """True re-enables a disabled endpoint (its failure count starts again); False pauses it."""


async def _url(problems: Problems, url: str) -> str:
    cleaned = problems.text("url", url, max_length=2000, required=True)
    if problems.has("url"):
        return cleaned
    try:
        await check(cleaned)
    except AddressRefused as refused:
        problems.add("url", refused.code, str(refused))
    return cleaned


def _events(problems: Problems, events: Sequence[str]) -> list[str]:
    kept: list[str] = []
    for value in events:
        try:
            kind = EventKind(value).value
        except ValueError:
            problems.add("events", "INVALID", f"{value!r} is not an event kind")
            continue
        if kind not in kept:
            kept.append(kind)
    if not kept and not problems.has("events"):
        problems.add("events", "REQUIRED", "choose at least one event kind")
    return kept


async def create_webhook(new: NewWebhook, actor_id: int | None) -> tuple[dict[str, Any], str]:
    """The new endpoint's row and its signing secret (shown this once)."""
    problems = Problems()
    url = await _url(problems, new.url)  # before the transaction: DNS may take seconds
    events = _events(problems, new.events)
    description = problems.text("description", new.description,
                                max_length=MAX_DESCRIPTION_LENGTH)
    secret = new_secret()
    async with write_transaction():
        # The workspace row lock serialises concurrent creations against the cap.
        space = await locked(Workspace.select(Workspace.id).where(
            Workspace.id == new.workspace_id)).first()
        if space is None:
            raise ValidationFailed.one("workspace", "NOT_FOUND", "no Workspace with this id")
        limit = get_settings().max_webhooks_per_workspace
        if await Webhook.count().where(Webhook.workspace == new.workspace_id) >= limit:
            problems.limit("workspace", "max_webhooks_per_workspace", limit,
                           "webhooks per workspace")
        problems.check()
        row = Webhook(workspace=new.workspace_id, url=url, events=events,
                      description=description, secret=encrypt_token(secret),
                      created_by=actor_id)
        await row.save()
        after = await webhook_row(row.id)
        assert after is not None
        await _audit("webhook.create", actor_id, None, after)
        return after, secret


async def update_webhook(webhook_id: int, changes: WebhookChanges,
                         actor_id: int | None) -> dict[str, Any]:
    problems = Problems()
    updates: dict[Any, Any] = {}
    if not isinstance(changes.url, Keep):
        updates[Webhook.url] = await _url(problems, changes.url)
    if not isinstance(changes.events, Keep):
        updates[Webhook.events] = _events(problems, changes.events)
    if not isinstance(changes.description, Keep):
        updates[Webhook.description] = problems.text(
            "description", changes.description, max_length=MAX_DESCRIPTION_LENGTH)
    if changes.enabled is True:
        updates.update({Webhook.enabled: True, Webhook.disabled_reason: "",
                        Webhook.consecutive_failures: 0})
    elif changes.enabled is False:
        updates.update({Webhook.enabled: False, Webhook.disabled_reason: "paused by a user"})
    problems.check()
    async with write_transaction():
        before = await _locked_row(webhook_id)
        if updates:
            updates[Webhook.updated_at] = utcnow()
            await Webhook.update(updates).where(Webhook.id == webhook_id)
        after = await webhook_row(webhook_id)
        assert after is not None
        await _audit("webhook.update", actor_id, before, after)
        return after


async def rotate_secret(webhook_id: int, actor_id: int | None) -> tuple[dict[str, Any], str]:
    """A new signing secret replaces the old one at once (deliveries from now on use it)."""
    secret = new_secret()
    async with write_transaction():
        before = await _locked_row(webhook_id)
        await Webhook.update({Webhook.secret: encrypt_token(secret),
                              Webhook.updated_at: utcnow()}).where(Webhook.id == webhook_id)
        after = await webhook_row(webhook_id)
        assert after is not None
        await _audit("webhook.rotate_secret", actor_id, before, after)
        return after, secret


async def delete_webhook(webhook_id: int, actor_id: int | None) -> dict[str, Any]:
    """Deletes the endpoint with its deliveries; queued attempts find nothing and stop."""
    async with write_transaction():
        before = await _locked_row(webhook_id)
        await Webhook.delete().where(Webhook.id == webhook_id)
        await _audit("webhook.delete", actor_id, before, None)
        return before


async def webhook_row(webhook_id: int) -> dict[str, Any] | None:
    return await Webhook.select().where(Webhook.id == webhook_id).output(load_json=True).first()


async def _locked_row(webhook_id: int) -> dict[str, Any]:
    row = await locked(Webhook.select().where(Webhook.id == webhook_id).output(
        load_json=True)).first()
    if row is None:
        raise ValidationFailed.one("id", "NOT_FOUND", "no Webhook with this id")
    return row


async def _audit(action: str, actor_id: int | None, before: dict[str, Any] | None,
                 after: dict[str, Any] | None) -> None:
    row = after or before
    assert row is not None
    await record(actor_id=actor_id, action=action, object_type="webhook", object_id=row["id"],
                 workspace_id=row["workspace"], before=before, after=after)
