"""Sync runs: each time Coso talked to a platform for a channel, and how it went."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar

from domain.enums import SyncKind, SyncStatus
from domain.models.accounts import User
from domain.models.base import Table
from domain.models.brands import Channel
from domain.models.columns import created_at


class SyncRun(Table):
    channel = ForeignKey(Channel, null=False, index=True)
    kind = Varchar(length=20, choices=SyncKind)
    status = Varchar(length=20, choices=SyncStatus, default=SyncStatus.QUEUED)
    window_from = Date(null=True, default=None)
    window_to = Date(null=True, default=None)
    job_id = Varchar(length=200, default="")
    attempt = Integer(default=1)
    api_version = Varchar(length=40, default="")
    requested_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    queued_at = created_at()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    items_in = Integer(default=0)
    items_inserted = Integer(default=0)
    items_updated = Integer(default=0)
    error_code = Varchar(length=40, default="")
    error = Text(default="")
