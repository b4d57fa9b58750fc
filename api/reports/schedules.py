"""The monthly report e-mails: each due (schedule, month) is claimed once, rendered and sent.

At most once: the claim is an INSERT … ON CONFLICT DO NOTHING on the unique
(schedule, period_start), so of two runs (or two workers) only one sends. A FAILED
delivery is claimed again by a later run (up to MAX_ATTEMPTS); a SENDING one only when
its claimer has clearly died (STALE_AFTER). SENT is final.

The table has no "claimed at" column: `created_at` holds the time of the latest claim.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from api.reports.jobs import generate
from api.reports.mailer import MailError, ReportMail, SmtpConfig, build_message, send_message
from api.reports.sandbox import Limits
from api.reports.storage import Storage, StorageError, report_filename
from domain.enums import DeliveryStatus, ReportFormat, ReportKind, ReportStatus
from domain.errors import ValidationFailed
from domain.models import Report, ReportDelivery, ReportSchedule
from domain.services.recipients import deliverable
from domain.services.reports import NewReport, previous_month, request_report
from domain.services.usecase import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_AFTER = timedelta(hours=2)
CONCURRENCY = 2  # deliveries at once; renders are bounded by the sandbox anyway


@dataclass(slots=True)
class RunSummary:
    due: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    """Due, but SENT already, being sent by another run, or out of attempts."""
    errors: list[str] = field(default_factory=list)


class DeliveryFailed(RuntimeError):
    pass


async def send_scheduled_reports(ctx: dict[str, Any] | None = None, *,
                                 now: datetime | None = None, smtp: SmtpConfig | None = None,
                                 storage: Storage | None = None,
                                 limits: Limits | None = None) -> RunSummary:
    """The daily cron job: last month's report to every active schedule whose day has come."""
    ctx = ctx or {}
    now = now or utcnow()
    smtp = smtp or ctx.get("smtp") or SmtpConfig.from_settings()
    storage = storage or ctx.get("storage") or Storage.default()
    limits = limits or Limits.from_settings()
    stale = max(STALE_AFTER, timedelta(seconds=3 * limits.seconds))
    summary = RunSummary()
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(schedule: dict[str, Any], period: tuple[date, date]) -> None:
        async with slots:
            outcome = await deliver(schedule, period, now=now, stale_after=stale, smtp=smtp,
                                    storage=storage, limits=limits)
        if outcome is None:
            summary.skipped += 1
        elif outcome:
            summary.failed += 1
            summary.errors.append(f"schedule {schedule['id']}: {outcome}")
        else:
            summary.sent += 1

    due = [(row, period) for row in await _active_schedules()
           if (period := due_period(row, now)) is not None]
    summary.due = len(due)
    await asyncio.gather(*(one(row, period) for row, period in due))
    log.info("scheduled reports: %s", summary)
    return summary


async def send_scheduled_reports_job(ctx: dict[str, Any]) -> dict[str, Any]:
    """The cron job `send_scheduled_reports`: its summary, as arq keeps results."""
    return asdict(await send_scheduled_reports(ctx))


def due_period(schedule: dict[str, Any], now: datetime) -> tuple[date, date] | None:
    """Last month, if the schedule's day of this month has come in the brand's timezone."""
    try:
        zone = ZoneInfo(schedule["brand.timezone"] or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    today = now.astimezone(zone).date()
    return previous_month(today) if today.day >= schedule["day_of_month"] else None


async def _active_schedules() -> list[dict[str, Any]]:
    brand = ReportSchedule.brand
    # Piccolo types a column reached through a ForeignKey as Column | Any.
    workspace: Any = ReportSchedule.brand.workspace
    return await ReportSchedule.select(
        *ReportSchedule.all_columns(), brand.name, brand.slug, brand.locale, brand.timezone,
        workspace.name, workspace.agency_name, workspace.report_footer,
    ).where(ReportSchedule.active.eq(True)).order_by(ReportSchedule.id).output(load_json=True)


async def deliver(schedule: dict[str, Any], period: tuple[date, date], *, now: datetime,
                  stale_after: timedelta, smtp: SmtpConfig, storage: Storage,
                  limits: Limits) -> str | None:
    """Claim, render and send one schedule's month: None if not ours (or no recipient may be
    mailed yet), "" if sent, else why not."""
    # Unconfirmed strangers get nothing; with nobody to mail the month stays unclaimed,
    # so a later run sends it once someone has confirmed.
    to = await deliverable(schedule["brand"], schedule["recipients"])
    if not to:
        return None
    claim = await claim_delivery(schedule["id"], period[0], now, now - stale_after)
    if claim is None:
        return None
    try:
        report = await _rendered_report(claim, schedule, period, storage, limits)
        content = await asyncio.to_thread(storage.read, report["storage_key"])
        locale = report["locale"] or schedule["brand.locale"]
        mail = ReportMail(
            brand=schedule["brand.name"],
            agency=schedule["brand.workspace.agency_name"] or schedule["brand.workspace.name"],
            footer=schedule["brand.workspace.report_footer"],
            kind=ReportKind(report["kind"]), format=ReportFormat(report["format"]),
            period_start=period[0], locale=locale, recipients=tuple(to),
            filename=report_filename(schedule["brand.slug"], report["kind"], period[0],
                                     period[1], report["format"]),
            content=content,
        )
        message = build_message(mail, smtp.sender,
                                message_key=f"coso.delivery.{claim['id']}.{claim['attempts']}")
        refused = await send_message(message, smtp)
    except (DeliveryFailed, MailError, StorageError, ValidationFailed) as error:
        await _finish(claim, DeliveryStatus.FAILED, error=str(error) or type(error).__name__)
        return str(error) or type(error).__name__
    except Exception as error:
        log.exception("delivery %s failed", claim["id"])
        await _finish(claim, DeliveryStatus.FAILED, error=f"INTERNAL: {type(error).__name__}")
        return f"INTERNAL: {type(error).__name__}"
    await _finish(claim, DeliveryStatus.SENT, message_id=message["Message-ID"],
                  error=f"refused: {refused}" if refused else "")
    return ""


async def claim_delivery(schedule_id: int, period_start: date, now: datetime,
                         stale_before: datetime) -> dict[str, Any] | None:
    """This run's claim on (schedule, period), or None when another run has it or it is done."""
    d = ReportDelivery
    inserted = await d.insert(d(
        schedule=schedule_id, period_start=period_start, status=DeliveryStatus.SENDING,
        attempts=1, created_at=now,
    )).on_conflict(target=(d.schedule, d.period_start), action="DO NOTHING").returning(
        *d.all_columns())
    if inserted:
        return inserted[0]
    # Compare-and-set: of two runs retrying the same row, the second finds it SENDING.
    retry = ((d.status == DeliveryStatus.FAILED) & (d.attempts < MAX_ATTEMPTS)) | (
        (d.status == DeliveryStatus.SENDING) & (d.created_at < stale_before))
    rows = await d.update({d.status: DeliveryStatus.SENDING, d.attempts: d.attempts + 1,
                           d.created_at: now, d.error: ""}).where(
        (d.schedule == schedule_id) & (d.period_start == period_start) & retry
    ).returning(*d.all_columns())
    return rows[0] if rows else None


async def _rendered_report(claim: dict[str, Any], schedule: dict[str, Any],
                           period: tuple[date, date], storage: Storage,
                           limits: Limits) -> dict[str, Any]:
    """The delivery's READY report: a retry after an SMTP failure sends the same file."""
    report = None
    if claim["report"] is not None:
        report = await Report.select().where(Report.id == claim["report"]).first()
    if report is None or report["status"] in (ReportStatus.FAILED, ReportStatus.RUNNING) \
            or (report["status"] == ReportStatus.READY
                and not storage.exists(report["storage_key"])):
        report = await request_report(NewReport(
            brand_id=schedule["brand"], kind=schedule["kind"], format=schedule["format"],
            period_start=period[0], period_end=period[1], locale=schedule["locale"] or None,
            schedule_id=schedule["id"]), actor_id=None)
        await ReportDelivery.update({ReportDelivery.report: report["id"]}).where(
            ReportDelivery.id == claim["id"])
    if report["status"] != ReportStatus.READY:
        status = await generate(report["id"], storage=storage, limits=limits)
        report = await Report.select().where(Report.id == report["id"]).first()
        assert report is not None
        if status is not ReportStatus.READY:
            raise DeliveryFailed(f"the report could not be rendered: {report['error']}")
    return report


async def _finish(claim: dict[str, Any], status: DeliveryStatus, *, message_id: str = "",
                  error: str = "") -> None:
    d = ReportDelivery
    values: dict[Any, Any] = {d.status: status, d.error: error[:2000]}
    if status is DeliveryStatus.SENT:
        values |= {d.message_id: message_id[:200], d.sent_at: utcnow()}
    # Only while the claim is still ours (same attempt): a stale claimer changes nothing.
    await d.update(values).where((d.id == claim["id"]) & (d.attempts == claim["attempts"])
                                 & (d.status == DeliveryStatus.SENDING))
