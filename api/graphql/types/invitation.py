"""Invitation: roles on a brand, or a workspace role, offered to an e-mail address."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import PublicError
from api.graphql.ids import global_id
from api.graphql.types.enums import InvitationStatus, Role, WorkspaceRole
from api.graphql.types.user import User
from domain.enums import WorkspaceRole as DomainWorkspaceRole
from domain.models import Brand, Workspace
from domain.rules.permissions import Action, WorkspaceAction
from domain.services import invitations as service


@strawberry.type(description="An offer of roles: the invitee holds none until they accept.")
class Invitation:
    id: relay.GlobalID
    email: str = strawberry.field(description="The address invited, as the inviter typed it.")
    roles: list[Role] = strawberry.field(description="Brand roles (empty for a workspace).")
    workspace_role: WorkspaceRole | None = strawberry.field(
        description="The workspace role offered (null for a brand).")
    status: InvitationStatus
    expires_at: datetime
    created_at: datetime
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Invitation:
        brand_scope = row["brand"] is not None
        return cls(
            id=global_id("Invitation", row["id"]), email=row["email"],
            roles=sorted(row["roles"]) if brand_scope else [],
            workspace_role=None if brand_scope else DomainWorkspaceRole(row["roles"][0]),
            status=row["status"], expires_at=row["expires_at"], created_at=row["created_at"],
            _row=row)

    @strawberry.field(description="Name of the brand offered (null for a workspace).")
    async def brand_name(self) -> str | None:
        if self._row["brand"] is None:
            return None
        row = await Brand.select(Brand.name).where(Brand.id == self._row["brand"]).first()
        return row["name"] if row else None

    @strawberry.field(description="Name of the workspace (of the brand) offered.")
    async def workspace_name(self) -> str:
        row = await Workspace.select(Workspace.name).where(
            Workspace.id == self._row["workspace"]).first()
        return row["name"] if row else ""

    @strawberry.field(description="Who sent it.")
    async def invited_by(self, info: Info) -> User | None:
        if self._row["inviter"] is None:
            return None
        row = await info.context.loaders.user.load(self._row["inviter"])
        return User.from_row(row) if row else None


async def brand_invitations(info: Info, brand_id: int) -> list[Invitation]:
    if not info.context.access.can(brand_id, Action.MANAGE_MEMBERS):
        raise PublicError("only the workspace's owners and admins see a brand's invitations")
    return [Invitation.from_row(r) for r in await service.pending(brand_id=brand_id)]


async def workspace_invitations(info: Info, workspace_id: int) -> list[Invitation]:
    if not info.context.access.can_in_workspace(workspace_id, WorkspaceAction.MANAGE_ADMINS):
        raise PublicError("only the workspace's owners see its invitations")
    return [Invitation.from_row(r) for r in await service.pending(workspace_id=workspace_id)]


async def viewer_invitations(info: Info) -> list[Invitation]:
    return [Invitation.from_row(r)
            for r in await service.pending(email=info.context.viewer["email"])]
