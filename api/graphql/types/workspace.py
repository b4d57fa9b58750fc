"""Workspace: one agency or company, owning brands."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.types.enums import WorkspaceRole
from api.graphql.types.node import node_keys

if TYPE_CHECKING:
    from api.graphql.types.invitation import Invitation
    from api.graphql.types.webhook import Webhook


@strawberry.type(description="The agency's white-label for reports.")
class WhiteLabel:
    agency_name: str
    agency_logo: str
    report_footer: str


@strawberry.type
class Workspace(relay.Node):
    id: relay.NodeID[int]
    name: str
    slug: str
    white_label: WhiteLabel
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Workspace:
        return cls(id=row["id"], name=row["name"], slug=row["slug"],
                   white_label=WhiteLabel(agency_name=row["agency_name"],
                                          agency_logo=row["agency_logo"],
                                          report_footer=row["report_footer"]),
                   _row=row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Workspace | None]:
        visible = info.context.access.workspace_ids
        rows = await info.context.loaders.workspace.load_many(node_keys(node_ids))
        return [cls.from_row(r) if r and r["id"] in visible else None for r in rows]

    @strawberry.field(description="Invitations to be an owner or admin not yet answered, "
                                  "oldest first. Owners.")
    async def pending_invitations(
        self, info: Info
    ) -> list[Annotated[Invitation, strawberry.lazy("api.graphql.types.invitation")]]:
        from api.graphql.types.invitation import workspace_invitations

        return await workspace_invitations(info, self.id)

    @strawberry.field(description="Endpoints receiving this workspace's events, oldest "
                                  "first; null unless the viewer is an owner or admin.")
    async def webhooks(
        self, info: Info
    ) -> list[Annotated[Webhook, strawberry.lazy("api.graphql.types.webhook")]] | None:
        from api.graphql.types.webhook import workspace_webhooks

        return await workspace_webhooks(info, self.id)

    @strawberry.field(description="The viewer's role in this workspace, if owner or admin.")
    def viewer_role(self, info: Info) -> WorkspaceRole | None:
        return info.context.access.workspace_roles.get(self.id)

