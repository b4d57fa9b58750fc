"""The audit log: one row per mutation, with who, what, when, before and after."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Varchar

from domain.models.accounts import User, Workspace
from domain.models.base import Table
from domain.models.columns import created_at


class AuditLog(Table):
    actor = ForeignKey(User, null=True, index=True, on_delete=OnDelete.set_null)
    workspace = ForeignKey(Workspace, null=True, index=True, on_delete=OnDelete.set_null)
    brand_id = Integer(null=True, index=True)  # no FK: the log outlives deleted brands
    action = Varchar(length=60)  # e.g. "post.approve"
    object_type = Varchar(length=40)
    object_id = Integer(null=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    at = created_at()
