"""Mutations for workspaces and brands."""

from __future__ import annotations

from typing import Any

import strawberry

from api.graphql.context import Info
from api.graphql.ids import global_id
from api.graphql.mutations.base import (
    Payload,
    decode,
    forget,
    given,
    load_for,
    refresh_access,
    require_in_workspace,
    run,
)
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.brand import Brand
from api.graphql.types.workspace import Workspace
from api.reports.storage import brand_folders, remove_after_commit
from domain.rules.permissions import Action, WorkspaceAction
from domain.services import brands as service


async def workspace_for(info: Info, value: strawberry.ID, action: WorkspaceAction, *,
                        field: str) -> int:
    """A workspace the viewer may do `action` on (see WORKSPACE_MATRIX).

    Members of its brands see the workspace and are refused; everyone else gets NOT_FOUND.
    """
    return require_in_workspace(info, decode(value, "Workspace", field=field), action,
                                field=field)


@strawberry.input
class WhiteLabelInput:
    agency_name: str | None = None
    agency_logo: str | None = strawberry.field(default=None, description=(
        "Only \"\" to remove it: upload a logo with PUT /workspaces/{id}/logo."))
    report_footer: str | None = None


@strawberry.input(description="Brand kit fields; those left out keep their value.")
class BrandKitInput:
    logo: str | None = strawberry.field(default=None, description=(
        "Only \"\" to remove it: upload a logo with PUT /brands/{id}/logo."))
    primary_color: str | None = strawberry.field(default=None, description="#RRGGBB")
    secondary_color: str | None = strawberry.field(default=None, description="#RRGGBB")
    font: str | None = None


@strawberry.input
class CreateBrandInput:
    workspace: strawberry.ID
    name: str
    slug: str
    locale: str | None = strawberry.field(default=None, description="e.g. en_US (default)")
    timezone: str | None = strawberry.field(default=None, description="IANA, default UTC")
    currency: str | None = strawberry.field(default=None, description="ISO 4217, default EUR")
    kit: BrandKitInput | None = None


@strawberry.input(description="Fields left out (or null) keep their value.")
class UpdateBrandInput:
    id: strawberry.ID
    name: str | None = None
    slug: str | None = None
    locale: str | None = None
    timezone: str | None = None
    currency: str | None = None
    kit: BrandKitInput | None = None


def _brand_fields(data: CreateBrandInput | UpdateBrandInput) -> dict[str, Any]:
    kit = data.kit or BrandKitInput()
    return given(name=data.name, slug=data.slug, locale=data.locale, timezone=data.timezone,
                 currency=data.currency, logo=kit.logo, primary_color=kit.primary_color,
                 secondary_color=kit.secondary_color, font=kit.font)


@strawberry.type
class WorkspacePayload(Payload):
    workspace: Workspace | None = None


@strawberry.type
class BrandPayload(Payload):
    brand: Brand | None = None


@strawberry.type
class DeleteBrandPayload(Payload):
    deleted_id: strawberry.ID | None = None


@strawberry.type
class DeleteWorkspacePayload(Payload):
    deleted_id: strawberry.ID | None = None


def _drop_replaced(before: str | None, after: str) -> None:
    """A logo removed or replaced: its old file goes once the change is committed."""
    if before and before != after:
        remove_after_commit(keys=[before])


@strawberry.type
class BrandMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="A new workspace (agency or company); the viewer owns it.")
    async def create_workspace(self, info: Info, name: str, slug: str) -> WorkspacePayload:
        user_id = info.context.user_id

        async def work() -> WorkspacePayload:
            row = await service.create_workspace(user_id, name=name, slug=slug)
            await refresh_access(info)
            return WorkspacePayload(workspace=Workspace.from_row(row))

        return await run(WorkspacePayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Rename a workspace or change its white-label. "
                                     "Workspace owners and admins.")
    async def update_workspace(self, info: Info, id: strawberry.ID, name: str | None = None,
                               white_label: WhiteLabelInput | None = None) -> WorkspacePayload:
        user_id = info.context.user_id

        async def work() -> WorkspacePayload:
            pk = await workspace_for(info, id, WorkspaceAction.EDIT_WORKSPACE, field="id")
            label = white_label or WhiteLabelInput()
            before = await info.context.loaders.workspace.load(pk)
            row = await service.update_workspace(
                user_id, pk, **given(name=name, agency_name=label.agency_name,
                                     agency_logo=label.agency_logo,
                                     report_footer=label.report_footer))
            forget(info.context.loaders.workspace, pk)
            _drop_replaced(before and before["agency_logo"], row["agency_logo"])
            return WorkspacePayload(workspace=Workspace.from_row(row))

        return await run(WorkspacePayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Delete a workspace with all its brands and their files "
                                     "(reports, logos). Owners.")
    async def delete_workspace(self, info: Info, id: strawberry.ID) -> DeleteWorkspacePayload:
        user_id = info.context.user_id

        async def work() -> DeleteWorkspacePayload:
            pk = await workspace_for(info, id, WorkspaceAction.DELETE_WORKSPACE, field="id")
            brands, files = await service.delete_workspace(user_id, pk)
            remove_after_commit(keys=files, folders=[
                f"workspaces/{pk}", *(f for b in brands for f in brand_folders(b))])
            forget(info.context.loaders.workspace, pk)
            forget(info.context.loaders.brand, *brands)
            await refresh_access(info)
            return DeleteWorkspacePayload(
                deleted_id=strawberry.ID(str(global_id("Workspace", pk))))

        return await run(DeleteWorkspacePayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="A new brand in a workspace. Workspace owners and admins.")
    async def create_brand(self, info: Info, input: CreateBrandInput) -> BrandPayload:
        user_id = info.context.user_id

        async def work() -> BrandPayload:
            workspace_id = await workspace_for(info, input.workspace,
                                               WorkspaceAction.CREATE_BRAND, field="workspace")
            row = await service.create_brand(user_id, workspace_id,
                                             service.BrandValues(**_brand_fields(input)))
            await refresh_access(info)
            return BrandPayload(brand=Brand.from_row(row))

        return await run(BrandPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Change a brand's name, slug, locale, timezone, currency "
                                     "or kit. Workspace owners and admins.")
    async def update_brand(self, info: Info, input: UpdateBrandInput) -> BrandPayload:
        user_id = info.context.user_id

        async def work() -> BrandPayload:
            pk = decode(input.id, "Brand")
            before = await load_for(info, info.context.loaders.brand, pk, Action.EDIT_BRAND,
                                    field="id", type_name="Brand", brand=lambda row: row["id"])
            row = await service.update_brand(user_id, pk, **_brand_fields(input))
            forget(info.context.loaders.brand, pk)
            _drop_replaced(before["logo"], row["logo"])
            return BrandPayload(brand=Brand.from_row(row))

        return await run(BrandPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Delete a brand with its channels, campaigns, posts, "
                                     "metrics and members. Workspace owners and admins.")
    async def delete_brand(self, info: Info, id: strawberry.ID) -> DeleteBrandPayload:
        user_id = info.context.user_id

        async def work() -> DeleteBrandPayload:
            pk = decode(id, "Brand")
            await load_for(info, info.context.loaders.brand, pk, Action.EDIT_BRAND, field="id",
                           type_name="Brand", brand=lambda row: row["id"])
            files = await service.delete_brand(user_id, pk)
            remove_after_commit(keys=files, folders=brand_folders(pk))
            forget(info.context.loaders.brand, pk)
            await refresh_access(info)
            return DeleteBrandPayload(deleted_id=strawberry.ID(str(global_id("Brand", pk))))

        return await run(DeleteBrandPayload, work)
