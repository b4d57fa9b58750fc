"""Workspaces (an agency or company), users, workspace admins and API tokens."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Text, Timestamptz, Varchar

from domain.enums import WorkspaceRole
from domain.models.base import Table
from domain.models.columns import created_at


class Workspace(Table):
    name = Varchar(length=200)
    slug = Varchar(length=80, unique=True)
    # White-label for the reports an agency sends its clients.
    agency_name = Varchar(length=200, default="")
    agency_logo = Text(default="")
    report_footer = Text(default="")
    created_at = created_at()


class User(Table, tablename="coso_user"):
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200, default="")
    is_active = Boolean(default=True)
    created_at = created_at()


class WorkspaceMember(Table):
    """A workspace OWNER or ADMIN: may do everything in every brand of the workspace."""

    workspace = ForeignKey(Workspace, null=False, index=True)
    user = ForeignKey(User, null=False, index=True)
    role = Varchar(length=20, choices=WorkspaceRole)
    created_at = created_at()


class ApiToken(Table):
    """A bearer token; only its SHA-256 is stored, so a database leak leaks no token."""

    user = ForeignKey(User, null=False, index=True)
    name = Varchar(length=100, default="")
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=16)
    created_at = created_at()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
