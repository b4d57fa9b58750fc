"""Rendered reports, per-brand report schedules and their at-most-once deliveries."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)

from domain.enums import DeliveryStatus, ReportFormat, ReportKind, ReportStatus
from domain.models.accounts import User
from domain.models.base import Table
from domain.models.brands import Brand
from domain.models.columns import created_at


class ReportSchedule(Table):
    """Send last month's report of `kind` to `recipients` on `day_of_month`."""

    brand = ForeignKey(Brand, null=False, index=True)
    kind = Varchar(length=20, choices=ReportKind)
    format = Varchar(length=10, choices=ReportFormat, default=ReportFormat.PDF)
    locale = Varchar(length=20, default="")  # empty: the brand's locale
    day_of_month = Integer(default=1)
    recipients = JSON(default=[])  # [email]
    active = Boolean(default=True)
    created_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    created_at = created_at()


class Report(Table):
    brand = ForeignKey(Brand, null=False, index=True)
    kind = Varchar(length=20, choices=ReportKind)
    format = Varchar(length=10, choices=ReportFormat)
    locale = Varchar(length=20)
    period_start = Date()
    period_end = Date()
    status = Varchar(length=20, choices=ReportStatus, default=ReportStatus.QUEUED)
    storage_key = Text(default="")  # path under COSO_STORAGE_DIR
    size_bytes = Integer(default=0)
    pages = Integer(null=True, default=None)
    job_id = Varchar(length=200, default="")
    error = Text(default="")
    requested_by = ForeignKey(User, null=True, on_delete=OnDelete.set_null)
    schedule = ForeignKey(ReportSchedule, null=True, on_delete=OnDelete.set_null)
    created_at = created_at()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)


class ReportDelivery(Table):
    """One schedule's e-mail for one period; (schedule, period_start) is unique."""

    schedule = ForeignKey(ReportSchedule, null=False, index=True)
    period_start = Date()
    report = ForeignKey(Report, null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=20, choices=DeliveryStatus, default=DeliveryStatus.SENDING)
    attempts = Integer(default=0)
    message_id = Varchar(length=200, default="")
    error = Text(default="")
    created_at = created_at()
    sent_at = Timestamptz(null=True, default=None)
