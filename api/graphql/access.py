"""What the viewer may see and do, in brands and in workspaces: loaded once per request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from domain.enums import Role, WorkspaceRole
from domain.models import Brand, Membership, WorkspaceMember
from domain.rules.permissions import Action, WorkspaceAction, can, can_in_workspace


class Refusal(StrEnum):
    """Why the viewer may not act; GraphQL makes it a userError code, HTTP 404 or 403."""

    NOT_FOUND = "NOT_FOUND"  # not even visible: reads exactly like a missing id
    FORBIDDEN = "FORBIDDEN"  # visible, but the viewer's role does not allow it


@dataclass(frozen=True, slots=True)
class Access:
    user_id: int | None
    roles: dict[int, frozenset[Role]] = field(default_factory=dict)
    """Per-brand roles of the viewer, brand id → roles."""
    admin_brands: frozenset[int] = frozenset()
    """Brands of the workspaces the viewer owns or administers."""
    workspace_roles: dict[int, WorkspaceRole] = field(default_factory=dict)
    """Workspaces the viewer owns or administers, workspace id → role."""
    member_workspaces: frozenset[int] = frozenset()
    """Workspaces of the brands the viewer holds a role on: seen, not administered."""

    @property
    def admin_workspaces(self) -> frozenset[int]:
        return frozenset(self.workspace_roles)

    @property
    def brand_ids(self) -> frozenset[int]:
        return self.admin_brands | frozenset(self.roles)

    @property
    def workspace_ids(self) -> frozenset[int]:
        """Workspaces the viewer sees: those they administer or hold a brand role in."""
        return self.admin_workspaces | self.member_workspaces

    def can_read(self, brand_id: int | None) -> bool:
        return brand_id is not None and brand_id in self.brand_ids

    def can(self, brand_id: int | None, action: Action) -> bool:
        if brand_id is None or brand_id not in self.brand_ids:
            return False
        return can(self.roles.get(brand_id, ()), action,
                   workspace_admin=brand_id in self.admin_brands)

    def can_in_workspace(self, workspace_id: int | None, action: WorkspaceAction) -> bool:
        if workspace_id is None:
            return False
        return can_in_workspace(self.workspace_roles.get(workspace_id), action)

    def refusal(self, brand_id: int | None, action: Action) -> Refusal | None:
        """Why the viewer may not do `action` on this brand; None when they may."""
        if not self.can_read(brand_id):
            return Refusal.NOT_FOUND
        return None if self.can(brand_id, action) else Refusal.FORBIDDEN

    def workspace_refusal(self, workspace_id: int | None,
                          action: WorkspaceAction) -> Refusal | None:
        """Why the viewer may not do `action` on this workspace; None when they may.

        A member of one of its brands sees the workspace and is refused; to anyone
        else it reads as missing.
        """
        if workspace_id is None or workspace_id not in self.workspace_ids:
            return Refusal.NOT_FOUND
        return None if self.can_in_workspace(workspace_id, action) else Refusal.FORBIDDEN

    def roles_on(self, brand_id: int) -> frozenset[Role]:
        return self.roles.get(brand_id, frozenset())


ANONYMOUS = Access(user_id=None)


async def load_access(user_id: int) -> Access:
    """The viewer's access: `load_accesses` for one user."""
    return (await load_accesses([user_id]))[user_id]


async def load_accesses(user_ids: Iterable[int]) -> dict[int, Access]:
    """Three queries whatever the number of users and brands: memberships (with their
    brands' workspaces), workspace roles, then the brands of the workspaces they administer.
    Many at once for the live subscriptions, which check every event's viewers together."""
    ids = sorted(set(user_ids))
    roles: dict[int, dict[int, set[Role]]] = {pk: {} for pk in ids}
    member_workspaces: dict[int, set[int]] = {pk: set() for pk in ids}
    for row in await Membership.select(
        Membership.user, Membership.brand, Membership.brand.workspace.as_alias("workspace"),
        Membership.role,
    ).where(Membership.user.is_in(ids or [0])):
        roles[row["user"]].setdefault(row["brand"], set()).add(Role(row["role"]))
        member_workspaces[row["user"]].add(row["workspace"])
    workspace_roles: dict[int, dict[int, WorkspaceRole]] = {pk: {} for pk in ids}
    for row in await WorkspaceMember.select(
        WorkspaceMember.user, WorkspaceMember.workspace, WorkspaceMember.role
    ).where(WorkspaceMember.user.is_in(ids or [0])):
        workspace_roles[row["user"]][row["workspace"]] = WorkspaceRole(row["role"])
    administered = sorted({ws for per_user in workspace_roles.values() for ws in per_user})
    brands_of: dict[int, set[int]] = {}
    if administered:
        for row in await Brand.select(Brand.id, Brand.workspace).where(
                Brand.workspace.is_in(administered)):
            brands_of.setdefault(row["workspace"], set()).add(row["id"])
    return {pk: Access(
        user_id=pk,
        roles={brand: frozenset(r) for brand, r in roles[pk].items()},
        admin_brands=frozenset(b for ws in workspace_roles[pk] for b in brands_of.get(ws, ())),
        workspace_roles=workspace_roles[pk],
        member_workspaces=frozenset(member_workspaces[pk]),
    ) for pk in ids}
