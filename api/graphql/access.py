"""What the viewer may see and do: roles per brand, loaded once per request."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.enums import Role, WorkspaceRole
from domain.models import Brand, Membership, WorkspaceMember
from domain.rules.permissions import Action, can


@dataclass(frozen=True, slots=True)
class Access:
    user_id: int | None
    roles: dict[int, frozenset[Role]] = field(default_factory=dict)
    """Per-brand roles of the viewer, brand id → roles."""
    admin_brands: frozenset[int] = frozenset()
    """Brands of the workspaces the viewer owns or administers."""
    workspace_roles: dict[int, WorkspaceRole] = field(default_factory=dict)
    """Workspaces the viewer owns or administers, workspace id → role."""

    @property
    def admin_workspaces(self) -> frozenset[int]:
        return frozenset(self.workspace_roles)

    @property
    def brand_ids(self) -> frozenset[int]:
        return self.admin_brands | frozenset(self.roles)

    def can_read(self, brand_id: int | None) -> bool:
        return brand_id is not None and brand_id in self.brand_ids

    def can(self, brand_id: int | None, action: Action) -> bool:
        if brand_id is None or brand_id not in self.brand_ids:
            return False
        return can(self.roles.get(brand_id, ()), action,
                   workspace_admin=brand_id in self.admin_brands)

    def roles_on(self, brand_id: int) -> frozenset[Role]:
        return self.roles.get(brand_id, frozenset())


ANONYMOUS = Access(user_id=None)


async def load_access(user_id: int) -> Access:
    """Two queries whatever the number of brands: memberships, then admin workspaces' brands."""
    roles: dict[int, set[Role]] = {}
    for row in await Membership.select(Membership.brand, Membership.role).where(
        Membership.user == user_id
    ):
        roles.setdefault(row["brand"], set()).add(Role(row["role"]))
    workspace_roles = {
        row["workspace"]: WorkspaceRole(row["role"])
        for row in await WorkspaceMember.select(
            WorkspaceMember.workspace, WorkspaceMember.role
        ).where(WorkspaceMember.user == user_id)
    }
    admin_workspaces = list(workspace_roles)
    admin_brands: frozenset[int] = frozenset()
    if admin_workspaces:
        admin_brands = frozenset(
            row["id"]
            for row in await Brand.select(Brand.id).where(
                Brand.workspace.is_in(admin_workspaces)
            )
        )
    return Access(
        user_id=user_id,
        roles={brand: frozenset(r) for brand, r in roles.items()},
        admin_brands=admin_brands,
        workspace_roles=workspace_roles,
    )
