"""Mutations for invitations: invite to a brand or a workspace, revoke, accept, decline.

An invitation's answer is the same whether or not the address has an account, so an
inviter learns nothing about who uses Coso. The link token is only e-mailed.
"""

from __future__ import annotations

import logging
from typing import Any

import strawberry

from api.graphql.context import Info
from api.graphql.errors import not_found
from api.graphql.mutations.base import Payload, decode, refresh_access, require, run
from api.graphql.mutations.brands import workspace_for
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.enums import Role, WorkspaceRole
from api.graphql.types.invitation import Invitation
from api.reports.mailer import send_link_mail
from domain.enums import WorkspaceRole as DomainWorkspaceRole
from domain.errors import ValidationFailed
from domain.models import Brand, Workspace
from domain.rules.permissions import Action, WorkspaceAction
from domain.services import invitations as service
from domain.settings import get_settings

log = logging.getLogger(__name__)
INVITATION = "invitation"


@strawberry.type
class InvitationPayload(Payload):
    invitation: Invitation | None = None


@strawberry.type
class AnswerInvitationPayload(Payload):
    invitation: Invitation | None = None
    api_token: str | None = strawberry.field(default=None, description=(
        "Accepted by link by someone without an account: the new user's first API "
        "token, in clear, shown this once. Null otherwise."))


def invitation_link(token: str) -> str:
    return f"{get_settings().public_url}/invitations/{token}"


async def _mail(row: dict[str, Any], token: str, inviter: dict[str, Any]) -> None:
    """The invitation e-mail; a failure is logged, the invitation stands (revoke, re-invite)."""
    if row["brand"] is not None:
        brand = await Brand.select(Brand.name).where(Brand.id == row["brand"]).first()
        place = f"the brand {brand['name'] if brand else ''}"
        roles = ", ".join(r.replace("_", " ").lower() for r in sorted(row["roles"]))
    else:
        workspace = await Workspace.select(Workspace.name).where(
            Workspace.id == row["workspace"]).first()
        place = f"the workspace {workspace['name'] if workspace else ''}"
        roles = row["roles"][0].lower()
    who = inviter["name"] or inviter["email"]
    body = (f"Hello,\n\n{who} invites you to {place} on Coso as {roles}.\n\n"
            f"To accept or decline, open this link (valid until "
            f"{row['expires_at']:%Y-%m-%d %H:%M} UTC; it works once):\n"
            f"{invitation_link(token)}\n\n"
            f"With a Coso account under this address you may also answer with your own "
            f"API token: acceptInvitation or declineInvitation, id {row['id_global']}.\n\n"
            f"If you do not know {who}, ignore this message: nothing changes until you "
            f"accept.\n")
    await send_link_mail(row["email"], f"Invitation to {place} on Coso", body)


async def _invite(info: Info, create: Any) -> InvitationPayload:
    made: list[tuple[dict[str, Any], str]] = []

    async def work() -> InvitationPayload:
        row, token = await create()
        made.append((row, token))
        return InvitationPayload(invitation=Invitation.from_row(row))

    result = await run(InvitationPayload, work)
    if made:
        row, token = made[0]
        invitation = result.invitation
        assert invitation is not None
        await _mail({**row, "id_global": str(invitation.id)}, token, info.context.viewer)
    return result


async def _managed(info: Info, value: strawberry.ID) -> int:
    """An invitation the viewer may revoke; one they cannot manage reads as missing."""
    pk = decode(value, "Invitation", label=INVITATION)
    row = await service.invitation_row(pk)
    if row is None:
        raise not_found("id", INVITATION)
    access = info.context.access
    allowed = (access.can(row["brand"], Action.MANAGE_MEMBERS) if row["brand"] is not None
               else access.can_in_workspace(row["workspace"], WorkspaceAction.MANAGE_ADMINS))
    if not allowed:
        raise not_found("id", INVITATION)
    return pk


def _one_of(id: strawberry.ID | None, token: str | None) -> None:
    if (id is None) == (token is None):
        raise ValidationFailed.one(None, "ID_OR_TOKEN",
                                   "give either id (signed in as the invitee) or token "
                                   "(from the invitation e-mail)")


async def _answer(info: Info, id: strawberry.ID | None, token: str | None,
                  accept: bool) -> AnswerInvitationPayload:
    async def work() -> AnswerInvitationPayload:
        _one_of(id, token)
        if id is not None:
            if info.context.user is None:
                raise ValidationFailed.one("id", "AUTHENTICATION_REQUIRED",
                                           "sign in to answer by id, or use the link's token")
            answered = await service.respond_by_id(
                info.context.user_id, decode(id, "Invitation", label="invitation to you"),
                accept)
        else:
            assert token is not None
            answered = await service.respond_by_token(token, accept)
        if info.context.user is not None:
            await refresh_access(info)
        return AnswerInvitationPayload(invitation=Invitation.from_row(answered.invitation),
                                       api_token=answered.api_token)

    return await run(AnswerInvitationPayload, work)


@strawberry.type
class InvitationMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated], description=(
        "Invite an e-mail address to a brand with these roles; they hold none until they "
        "accept. The answer is the same whether or not the address has an account. "
        "Workspace owners and admins."))
    async def invite_member(self, info: Info, brand: strawberry.ID, email: str,
                            roles: list[Role]) -> InvitationPayload:
        user_id = info.context.user_id

        def create() -> Any:
            brand_id = require(info, decode(brand, "Brand", field="brand"),
                               Action.MANAGE_MEMBERS, field="brand", type_name="Brand")
            return service.invite_to_brand(user_id, brand_id, email, roles)

        return await _invite(info, create)

    @strawberry.mutation(permission_classes=[IsAuthenticated], description=(
        "Invite an e-mail address to be an owner or admin of the workspace; the same "
        "answer whether or not it has an account. Owners."))
    async def invite_workspace_admin(
        self, info: Info, workspace: strawberry.ID, email: str,
        role: WorkspaceRole = DomainWorkspaceRole.ADMIN,
    ) -> InvitationPayload:
        user_id = info.context.user_id

        async def create() -> Any:
            pk = await workspace_for(info, workspace, WorkspaceAction.MANAGE_ADMINS,
                                     field="workspace")
            return await service.invite_to_workspace(user_id, pk, email, role)

        return await _invite(info, create)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Withdraw a pending invitation; its link stops working. "
                                     "Those who may invite to its brand or workspace.")
    async def revoke_invitation(self, info: Info, id: strawberry.ID) -> InvitationPayload:
        user_id = info.context.user_id

        async def work() -> InvitationPayload:
            row = await service.revoke(user_id, await _managed(info, id))
            return InvitationPayload(invitation=Invitation.from_row(row))

        return await run(InvitationPayload, work)

    @strawberry.mutation(description=(
        "Accept an invitation: by `id` signed in as the invitee (the viewer's e-mail is the "
        "invited one), or by the e-mailed link's `token`, which creates the account (and "
        "returns its first API token) when the address has none."))
    async def accept_invitation(self, info: Info, id: strawberry.ID | None = None,
                                token: str | None = None) -> AnswerInvitationPayload:
        return await _answer(info, id, token, True)

    @strawberry.mutation(description="Decline an invitation, by `id` signed in as the invitee "
                                     "or by the e-mailed link's `token`.")
    async def decline_invitation(self, info: Info, id: strawberry.ID | None = None,
                                 token: str | None = None) -> AnswerInvitationPayload:
        return await _answer(info, id, token, False)
