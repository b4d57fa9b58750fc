"""Webhook mutations: register, change or re-enable, delete, rotate the signing secret.

Workspace owners and admins (WorkspaceAction.MANAGE_WEBHOOKS). A webhook the viewer may not
see reads exactly like one that does not exist.
"""

from __future__ import annotations

import strawberry

from api.graphql.access import Refusal
from api.graphql.context import Info
from api.graphql.errors import forbidden, not_found
from api.graphql.ids import global_id
from api.graphql.mutations.base import Payload, decode, forget, require_in_workspace, run
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.enums import EventKind
from api.graphql.types.webhook import Webhook
from domain.rules.permissions import WorkspaceAction, allowed_workspace_roles
from domain.services import webhooks as service
from domain.services.usecase import KEEP

MANAGE = WorkspaceAction.MANAGE_WEBHOOKS


@strawberry.type
class WebhookPayload(Payload):
    webhook: Webhook | None = None


@strawberry.type
class WebhookSecretPayload(Payload):
    webhook: Webhook | None = None
    secret: str | None = strawberry.field(default=None, description=(
        "The signing secret (whsec_…): shown this once, store it with the receiver."))


@strawberry.type
class DeleteWebhookPayload(Payload):
    deleted_id: strawberry.ID | None = None


async def _webhook_for(info: Info, value: strawberry.ID) -> int:
    """A webhook the viewer may manage; NOT_FOUND for a missing or unseen one alike."""
    pk = decode(value, "Webhook", field="id", label="Webhook")
    row = await info.context.loaders.webhook.load(pk)
    refusal = None if row is None else info.context.access.workspace_refusal(
        row["workspace"], MANAGE)
    if row is None or refusal is Refusal.NOT_FOUND:
        raise not_found("id", "Webhook")
    if refusal is Refusal.FORBIDDEN:
        raise forbidden("id", f"only the workspace's {allowed_workspace_roles(MANAGE)} "
                              f"may {info.field_name}")
    return pk


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated], description=(
        "Register an endpoint for the workspace's events of `events`; the answer holds its "
        "signing secret, shown this once. The URL must be https:// and resolve to public "
        "addresses. Owners and admins."))
    async def create_webhook(self, info: Info, workspace: strawberry.ID, url: str,
                             events: list[EventKind], description: str = ""
                             ) -> WebhookSecretPayload:
        user_id = info.context.user_id

        async def work() -> WebhookSecretPayload:
            space = require_in_workspace(info, decode(workspace, "Workspace",
                                                      field="workspace"), MANAGE,
                                         field="workspace")
            row, secret = await service.create_webhook(service.NewWebhook(
                workspace_id=space, url=url, events=[e.value for e in events],
                description=description), user_id)
            return WebhookSecretPayload(webhook=Webhook.from_row(row), secret=secret)

        return await run(WebhookSecretPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated], description=(
        "Change an endpoint; `enabled: true` turns a disabled one back on (its failure count "
        "starts again), `false` pauses it. Owners and admins."))
    async def update_webhook(self, info: Info, id: strawberry.ID, url: str | None = None,
                             events: list[EventKind] | None = None,
                             description: str | None = None,
                             enabled: bool | None = None) -> WebhookPayload:
        user_id = info.context.user_id

        async def work() -> WebhookPayload:
            pk = await _webhook_for(info, id)
            row = await service.update_webhook(pk, service.WebhookChanges(
                url=KEEP if url is None else url,
                events=KEEP if events is None else [e.value for e in events],
                description=KEEP if description is None else description,
                enabled=KEEP if enabled is None else enabled), user_id)
            forget(info.context.loaders.webhook, pk)
            return WebhookPayload(webhook=Webhook.from_row(row))

        return await run(WebhookPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated], description=(
        "A new signing secret for an endpoint, in force at once; shown this once. "
        "Owners and admins."))
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID
                                    ) -> WebhookSecretPayload:
        user_id = info.context.user_id

        async def work() -> WebhookSecretPayload:
            pk = await _webhook_for(info, id)
            row, secret = await service.rotate_secret(pk, user_id)
            forget(info.context.loaders.webhook, pk)
            return WebhookSecretPayload(webhook=Webhook.from_row(row), secret=secret)

        return await run(WebhookSecretPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated], description=(
        "Delete an endpoint with its delivery history. Owners and admins."))
    async def delete_webhook(self, info: Info, id: strawberry.ID) -> DeleteWebhookPayload:
        user_id = info.context.user_id

        async def work() -> DeleteWebhookPayload:
            pk = await _webhook_for(info, id)
            await service.delete_webhook(pk, user_id)
            forget(info.context.loaders.webhook, pk)
            return DeleteWebhookPayload(deleted_id=strawberry.ID(str(global_id("Webhook", pk))))

        return await run(DeleteWebhookPayload, work)
