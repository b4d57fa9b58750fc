"""The BRIEF's role matrix: which brand roles, and which workspace roles, may do which action."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from domain.enums import Role, WorkspaceRole


class Action(StrEnum):
    READ = "READ"  # brand, campaigns, posts, metrics, reports
    EDIT_BRAND = "EDIT_BRAND"  # name, locale, brand kit
    MANAGE_MEMBERS = "MANAGE_MEMBERS"  # invite, change or remove members; see invitations
    EDIT_STRATEGY = "EDIT_STRATEGY"
    EDIT_CAMPAIGN = "EDIT_CAMPAIGN"
    EDIT_CAMPAIGN_BUDGET = "EDIT_CAMPAIGN_BUDGET"
    EDIT_POST = "EDIT_POST"  # create/edit posts and the editorial calendar
    SUBMIT_POST = "SUBMIT_POST"
    REVIEW_POST = "REVIEW_POST"  # approve or reject
    SCHEDULE_POST = "SCHEDULE_POST"  # schedule, unschedule, publish
    ARCHIVE_POST = "ARCHIVE_POST"
    CONNECT_CHANNEL = "CONNECT_CHANNEL"
    REQUEST_SYNC = "REQUEST_SYNC"
    RECORD_METRICS = "RECORD_METRICS"  # manual entry and imports
    INBOX_READ = "INBOX_READ"
    INBOX_WRITE = "INBOX_WRITE"  # reply, assign, resolve, sentiment
    REQUEST_REPORT = "REQUEST_REPORT"  # request and schedule reports
    READ_OPERATIONS = "READ_OPERATIONS"  # live sync-run events: the team's, not the CLIENT's


_S, _M, _CM, _C = Role.STRATEGIST, Role.MANAGER, Role.COMMUNITY_MANAGER, Role.CLIENT

MATRIX: dict[Action, frozenset[Role]] = {
    Action.READ: frozenset({_S, _M, _CM, _C}),
    Action.EDIT_BRAND: frozenset(),  # workspace owners and admins only
    Action.MANAGE_MEMBERS: frozenset(),  # workspace owners and admins only
    Action.EDIT_STRATEGY: frozenset({_S}),
    Action.EDIT_CAMPAIGN: frozenset({_S, _M}),
    Action.EDIT_CAMPAIGN_BUDGET: frozenset({_S}),
    Action.EDIT_POST: frozenset({_M}),
    Action.SUBMIT_POST: frozenset({_M}),
    Action.REVIEW_POST: frozenset({_S, _M, _C}),
    Action.SCHEDULE_POST: frozenset({_M}),
    Action.ARCHIVE_POST: frozenset({_M}),
    Action.CONNECT_CHANNEL: frozenset({_M}),
    Action.REQUEST_SYNC: frozenset({_M}),
    Action.RECORD_METRICS: frozenset({_M}),
    Action.INBOX_READ: frozenset({_S, _M, _CM}),
    Action.INBOX_WRITE: frozenset({_CM}),
    Action.REQUEST_REPORT: frozenset({_S, _M}),
    Action.READ_OPERATIONS: frozenset({_S, _M, _CM}),
}


def can(roles: Iterable[Role], action: Action, *, workspace_admin: bool = False) -> bool:
    """Whether a user with these roles on a brand (or its workspace's admin) may act."""
    if workspace_admin:
        return True
    allowed = MATRIX[action]
    return any(role in allowed for role in roles)


class WorkspaceAction(StrEnum):
    """What is done to a workspace itself rather than inside one of its brands."""

    EDIT_WORKSPACE = "EDIT_WORKSPACE"  # name, white-label, agency logo
    CREATE_BRAND = "CREATE_BRAND"
    MANAGE_ADMINS = "MANAGE_ADMINS"  # invite, change or remove owners and admins
    DELETE_WORKSPACE = "DELETE_WORKSPACE"  # with every brand and file in it
    MANAGE_WEBHOOKS = "MANAGE_WEBHOOKS"  # register, change, delete webhook endpoints


_OWNER, _ADMIN = WorkspaceRole.OWNER, WorkspaceRole.ADMIN

WORKSPACE_MATRIX: dict[WorkspaceAction, frozenset[WorkspaceRole]] = {
    WorkspaceAction.EDIT_WORKSPACE: frozenset({_OWNER, _ADMIN}),
    WorkspaceAction.CREATE_BRAND: frozenset({_OWNER, _ADMIN}),
    WorkspaceAction.MANAGE_ADMINS: frozenset({_OWNER}),
    WorkspaceAction.DELETE_WORKSPACE: frozenset({_OWNER}),
    # Webhooks send every brand's events out of Coso: the workspace's administrators.
    WorkspaceAction.MANAGE_WEBHOOKS: frozenset({_OWNER, _ADMIN}),
}


def can_in_workspace(role: WorkspaceRole | None, action: WorkspaceAction) -> bool:
    """Whether a user with this role in a workspace (None: no role there) may act on it.

    Brand roles give no workspace rights: a member of one of its brands sees the
    workspace but may not change it.
    """
    return role is not None and role in WORKSPACE_MATRIX[action]


def allowed_workspace_roles(action: WorkspaceAction) -> str:
    """Who may, in words: "owners and admins", "owners"."""
    roles = WORKSPACE_MATRIX[action]
    return " and ".join(f"{role.lower()}s" for role in WorkspaceRole if role in roles)
