"""Mutations for access: brand members and their roles, workspace admins, the viewer's tokens."""

from __future__ import annotations

from typing import Any

import strawberry

from api.graphql.context import Info
from api.graphql.ids import global_id
from api.graphql.mutations.base import Payload, decode, forget, refresh_access, require, run
from api.graphql.mutations.brands import workspace_for
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.api_token import ApiToken
from api.graphql.types.enums import Role, WorkspaceRole
from api.graphql.types.member import Member
from api.graphql.types.user import User
from api.graphql.types.workspace import Workspace
from domain.rules.permissions import Action, WorkspaceAction
from domain.services import members as service

# Worded as the use cases word a missing one.
MEMBER = "member of this brand"
ADMIN = "owner or admin of this workspace"


@strawberry.type(description="An owner or admin of a workspace.")
class WorkspaceAdmin:
    user: User
    role: WorkspaceRole


@strawberry.type
class MemberPayload(Payload):
    member: Member | None = strawberry.field(
        default=None, description="The user and their roles now (none after a removal).")


@strawberry.type
class RemoveMemberPayload(Payload):
    removed_user_id: strawberry.ID | None = None


@strawberry.type
class WorkspaceAdminPayload(Payload):
    admin: WorkspaceAdmin | None = None
    workspace: Workspace | None = None


@strawberry.type
class RemoveWorkspaceAdminPayload(Payload):
    removed_user_id: strawberry.ID | None = None
    workspace: Workspace | None = None


@strawberry.type
class CreateApiTokenPayload(Payload):
    token: str | None = strawberry.field(
        default=None, description="The bearer token in clear: shown this once, keep it safe.")
    api_token: ApiToken | None = None


@strawberry.type
class RevokeApiTokenPayload(Payload):
    api_token: ApiToken | None = None


def _member(user: dict[str, Any], roles: list[Any]) -> Member:
    return Member(user=User.from_row(user), roles=sorted(roles))


def _user_gid(pk: int) -> strawberry.ID:
    return strawberry.ID(str(global_id("User", pk)))


async def _workspace(info: Info, pk: int) -> Workspace:
    forget(info.context.loaders.workspace, pk)
    return Workspace.from_row(await info.context.loaders.workspace.load(pk))


@strawberry.type
class MemberMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Replace a member's roles on a brand; an empty list "
                                     "removes them. Workspace owners and admins.")
    async def set_member_roles(self, info: Info, brand: strawberry.ID, user: strawberry.ID,
                               roles: list[Role]) -> MemberPayload:
        user_id = info.context.user_id

        async def work() -> MemberPayload:
            brand_id = require(info, decode(brand, "Brand", field="brand"),
                               Action.MANAGE_MEMBERS, field="brand", type_name="Brand")
            row, now_roles = await service.set_member_roles(
                user_id, brand_id, decode(user, "User", field="user", label=MEMBER), roles)
            forget(info.context.loaders.members_of_brand, brand_id)
            await refresh_access(info)
            return MemberPayload(member=_member(row, now_roles))

        return await run(MemberPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Take every role on a brand from a user. Workspace "
                                     "owners and admins.")
    async def remove_member(self, info: Info, brand: strawberry.ID,
                            user: strawberry.ID) -> RemoveMemberPayload:
        user_id = info.context.user_id

        async def work() -> RemoveMemberPayload:
            brand_id = require(info, decode(brand, "Brand", field="brand"),
                               Action.MANAGE_MEMBERS, field="brand", type_name="Brand")
            member_id = decode(user, "User", field="user", label=MEMBER)
            await service.remove_member(user_id, brand_id, member_id)
            forget(info.context.loaders.members_of_brand, brand_id)
            await refresh_access(info)
            return RemoveMemberPayload(removed_user_id=_user_gid(member_id))

        return await run(RemoveMemberPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Change an owner's or admin's role; the last owner "
                                     "stays one (LAST_OWNER). New ones are invited: "
                                     "inviteWorkspaceAdmin. Owners.")
    async def set_workspace_admin_role(self, info: Info, workspace: strawberry.ID,
                                       user: strawberry.ID,
                                       role: WorkspaceRole) -> WorkspaceAdminPayload:
        user_id = info.context.user_id

        async def work() -> WorkspaceAdminPayload:
            pk = await workspace_for(info, workspace, WorkspaceAction.MANAGE_ADMINS,
                                     field="workspace")
            admin_id = decode(user, "User", field="user", label=ADMIN)
            row, now_role = await service.set_workspace_admin_role(user_id, pk, admin_id, role)
            await refresh_access(info)
            return WorkspaceAdminPayload(
                admin=WorkspaceAdmin(user=User.from_row(row), role=now_role),
                workspace=await _workspace(info, pk))

        return await run(WorkspaceAdminPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Remove an owner or admin from the workspace; the last "
                                     "owner stays (LAST_OWNER). Owners.")
    async def remove_workspace_admin(self, info: Info, workspace: strawberry.ID,
                                     user: strawberry.ID) -> RemoveWorkspaceAdminPayload:
        user_id = info.context.user_id

        async def work() -> RemoveWorkspaceAdminPayload:
            pk = await workspace_for(info, workspace, WorkspaceAction.MANAGE_ADMINS,
                                     field="workspace")
            admin_id = decode(user, "User", field="user", label=ADMIN)
            await service.remove_workspace_admin(user_id, pk, admin_id)
            await refresh_access(info)
            return RemoveWorkspaceAdminPayload(removed_user_id=_user_gid(admin_id),
                                               workspace=await _workspace(info, pk))

        return await run(RemoveWorkspaceAdminPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="A new API token for the viewer, returned once in clear.")
    async def create_api_token(self, info: Info, name: str) -> CreateApiTokenPayload:
        user_id = info.context.user_id

        async def work() -> CreateApiTokenPayload:
            token, row = await service.create_api_token(user_id, name)
            return CreateApiTokenPayload(token=token, api_token=ApiToken.from_row(row))

        return await run(CreateApiTokenPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Revoke one of the viewer's own API tokens.")
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> RevokeApiTokenPayload:
        user_id = info.context.user_id

        async def work() -> RevokeApiTokenPayload:
            row = await service.revoke_api_token(user_id, decode(id, "ApiToken", label="API token"))
            return RevokeApiTokenPayload(api_token=ApiToken.from_row(row))

        return await run(RevokeApiTokenPayload, work)
