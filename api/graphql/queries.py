"""Root query fields: viewer, brands, brand(slug), node(id)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError
from strawberry.utils.await_maybe import await_maybe

from api.graphql.context import Info
from api.graphql.errors import PublicError
from api.graphql.ids import decode_id, split_global_id
from api.graphql.loaders.sql import Cond, fetch, where
from api.graphql.pagination import Connection, PageRequest, build_connection
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.api_token import ApiToken, viewer_tokens
from api.graphql.types.brand import Brand
from api.graphql.types.channel_connection import ChannelConnection, viewer_connections
from api.graphql.types.enums import Role
from api.graphql.types.invitation import Invitation, viewer_invitations
from api.graphql.types.user import User
from api.graphql.types.workspace import Workspace
from domain.errors import ValidationFailed
from domain.models import Brand as BrandTable


@strawberry.type(description="The viewer's roles on one brand.")
class BrandMembership:
    brand: Brand
    roles: list[Role]
    workspace_admin: bool


@strawberry.type
class Viewer:
    user: User
    _user_row: strawberry.Private[dict[str, Any]]

    @strawberry.field
    async def workspaces(self, info: Info) -> list[Workspace]:
        ids = sorted(info.context.access.workspace_ids)
        rows = await info.context.loaders.workspace.load_many(ids)
        return [Workspace.from_row(r) for r in rows if r]

    @strawberry.field(description="Every brand the viewer can see, with their roles on it.")
    async def memberships(self, info: Info) -> list[BrandMembership]:
        access = info.context.access
        rows = await info.context.loaders.brand.load_many(sorted(access.brand_ids))
        return [
            BrandMembership(brand=Brand.from_row(r), roles=sorted(access.roles_on(r["id"])),
                            workspace_admin=r["id"] in access.admin_brands)
            for r in rows if r
        ]

    @strawberry.field(description="Invitations to the viewer's e-mail not yet answered: "
                                  "accept or decline them by id.")
    async def invitations(self, info: Info) -> list[Invitation]:
        return await viewer_invitations(info)

    @strawberry.field(description="The viewer's latest OAuth connections (startChannel"
                                  "Connection), newest first: AUTHORIZED ones list the "
                                  "accounts to pick.")
    async def channel_connections(self, info: Info) -> list[ChannelConnection]:
        return await viewer_connections(info)

    @strawberry.field(description="The viewer's API tokens, revoked ones included.")
    async def tokens(self, info: Info) -> list[ApiToken]:
        return await viewer_tokens(self._user_row["id"])


async def _visible_brand_rows(info: Info, conds: list[Cond], page: PageRequest | None):
    ids = tuple(sorted(info.context.access.brand_ids))
    all_conds = [Cond("id", "IN", ids), *conds]
    if page is not None and page.after is not None:
        all_conds.append(Cond("id", ">", page.after))
    sql, args = where(all_conds)
    limit = "" if page is None else f" LIMIT {page.first + 1}"
    return await fetch(BrandTable, f'SELECT * FROM "brand" WHERE {sql} ORDER BY "id"{limit}',
                       args)


@strawberry.type
class Query:
    @strawberry.field(description="Any object by its global id; null when missing or not visible.")
    async def node(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The ID of the object.")],
    ) -> relay.Node | None:
        # Not relay.node(): it decodes the id leniently (other base64 spellings of one id).
        parts = split_global_id(id)
        if parts is None:
            raise GlobalIDValueError("id is not a valid global id")
        gid = relay.GlobalID(type_name=parts[0], node_id=parts[1])
        return await await_maybe(gid.resolve_type(info).resolve_node(
            gid.node_id, info=info, required=False))

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def viewer(self, info: Info) -> Viewer:
        row = info.context.viewer
        return Viewer(user=User.from_row(row), _user_row=row)

    @strawberry.field(permission_classes=[IsAuthenticated],
                      description="The brands the viewer can see, in creation order.")
    async def brands(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Brand]:
        page = PageRequest.parse(first, after)
        rows = await _visible_brand_rows(info, [], page)

        async def count() -> int:
            return len(info.context.access.brand_ids)

        return build_connection(rows, page, Brand.from_row, count)

    @strawberry.field(permission_classes=[IsAuthenticated],
                      description="A brand the viewer can see by slug. Slugs are unique "
                                  "within a workspace only: when brands of several of the "
                                  "viewer's workspaces share it, `workspace` (the "
                                  "workspace's slug or id) is required, else an error.")
    async def brand(self, info: Info, slug: str, workspace: str | None = None) -> Brand | None:
        rows = await _visible_brand_rows(info, [Cond("slug", "=", slug)], None)
        if workspace is not None:
            wanted = _workspace_pk(workspace)
            spaces = await info.context.loaders.workspace.load_many([r["workspace"] for r in rows])
            rows = [r for r, w in zip(rows, spaces, strict=True)
                    if w and (w["id"] == wanted or w["slug"] == workspace)]
        if len(rows) > 1:
            # Never pick one: the other may be a stranger's brand named like the viewer's.
            raise PublicError(f"brands of {len(rows)} of your workspaces use the slug "
                              f"{slug!r}: pass the `workspace` argument (its slug or id) "
                              f"to say which")
        return Brand.from_row(rows[0]) if rows else None


def _workspace_pk(value: str) -> int | None:
    """The key of a Workspace global id, or None (then `value` is read as a slug)."""
    try:
        return decode_id(value, "Workspace", field="workspace")
    except ValidationFailed:
        return None
