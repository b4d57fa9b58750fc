"""The report jobs: render one report (gather, render in a limited child, store the file),
and queue again the reports whose job was lost."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from api.reports.sandbox import Limits, SandboxError, run_limited
from api.reports.storage import Storage, report_key
from domain.enums import ReportFormat, ReportKind, ReportStatus
from domain.events import EventKind, publish_for_brand
from domain.jobs import JobQueue
from domain.models import Report
from domain.services.usecase import utcnow
from domain.settings import get_settings

log = logging.getLogger(__name__)

RENDER_TARGET = "api.reports.jobs:render_in_child"
JOB_NAME = "generate_report"
# A RUNNING report this much past its render limit lost its worker: it may be taken over.
# Less than the arq job's own margin (JOB_MARGIN), so arq's retry of a job whose worker
# died finds the report claimable.
STALE_MARGIN = timedelta(minutes=2)
JOB_MARGIN = timedelta(minutes=5)
# A report QUEUED this long may have lost its job (a flushed Redis, say): queue it again.
QUEUED_GRACE = timedelta(minutes=10)


def job_id(report_id: int) -> str:
    """The job id: one job per report, however often it is queued."""
    return f"report:{report_id}"


def render_in_child(data: Any, fmt: str, storage_dir: str, template_dir: str | None) -> Any:
    """Runs in the sandbox's child process: the renderer is CPU-bound and sees user text.

    The child was forked from a server started earlier, so it is told this process's
    folders rather than reading the settings it inherited.
    """
    from reporting import render

    return render(data, ReportFormat(fmt), storage_dir=storage_dir,
                  template_dir=Path(template_dir) if template_dir else None)


async def generate_report(ctx: dict[str, Any], report_id: int) -> str | None:
    """The job `generate_report` (id `report:<id>`, see job_id): `generate`, its status after."""
    status = await generate(report_id, storage=ctx.get("storage"))
    return status.value if status else None


async def requeue_stalled_reports(ctx: dict[str, Any]) -> int:
    """The cron job: `requeue_stalled` on the worker's queue."""
    return await requeue_stalled(ctx["queue"])


async def generate(report_id: int, *, storage: Storage | None = None,
                   limits: Limits | None = None) -> ReportStatus | None:
    """Render one report unless it is done or being done; its status after (None: no row).

    Safe to run twice: only the run that moves the row from QUEUED (or from a RUNNING
    whose worker died) to RUNNING renders; a READY report is never rendered again.
    """
    limits = limits or Limits.from_settings()
    row = await _claim(report_id, limits)
    if row is None:
        current = await Report.select(Report.status).where(Report.id == report_id).first()
        return None if current is None else ReportStatus(current["status"])
    storage = storage or Storage.default()
    try:
        from reporting import build_report

        data = await build_report(row["brand"], ReportKind(row["kind"]), row["period_start"],
                                  row["period_end"], locale=row["locale"] or None)
        rendered = await run_limited(RENDER_TARGET, data, row["format"], str(storage.root),
                                     get_settings().template_dir, limits=limits)
        key = report_key(row["brand"], row["id"], row["format"])
        size = await asyncio.to_thread(storage.write, key, rendered.content)
    except SandboxError as error:
        return await _fail(report_id, f"{error.code}: {error}")
    except Exception:
        log.exception("report %s failed", report_id)
        # Internal details stay in the log; the viewer learns it was not their input.
        return await _fail(report_id, "INTERNAL: the report could not be produced")
    await Report.update({
        Report.status: ReportStatus.READY, Report.storage_key: key, Report.size_bytes: size,
        Report.pages: rendered.pages, Report.error: "", Report.finished_at: utcnow(),
    }).where(Report.id == report_id)
    await publish_for_brand(EventKind.REPORT_READY, row["brand"], "Report", report_id, {
        "kind": str(row["kind"]), "format": str(row["format"]),
        "periodStart": row["period_start"], "periodEnd": row["period_end"],
        "pages": rendered.pages, "sizeBytes": size})
    return ReportStatus.READY


async def _claim(report_id: int, limits: Limits) -> dict[str, Any] | None:
    now = utcnow()
    stale = now - timedelta(seconds=limits.seconds) - STALE_MARGIN
    claimable = (Report.status == ReportStatus.QUEUED) | (
        (Report.status == ReportStatus.RUNNING) & (Report.started_at < stale))
    rows = await Report.update({
        Report.status: ReportStatus.RUNNING, Report.started_at: now,
        Report.finished_at: None, Report.error: "",
    }).where((Report.id == report_id) & claimable).returning(*Report.all_columns())
    return rows[0] if rows else None


async def _fail(report_id: int, error: str) -> ReportStatus:
    await Report.update({
        Report.status: ReportStatus.FAILED, Report.error: error[:2000],
        Report.finished_at: utcnow(),
    }).where(Report.id == report_id)
    return ReportStatus.FAILED


# --- queueing -----------------------------------------------------------------------------


async def queue_report(queue: JobQueue, report_id: int) -> bool:
    """Hand the report's job to `queue`: arq's worker, or (embedded mode) a background task
    of this process. False when its job is queued or running already.

    Call after the transaction that created the row has committed, so the worker sees it.
    """
    jid = job_id(report_id)
    await Report.update({Report.job_id: jid}).where(Report.id == report_id)
    return await queue.enqueue(JOB_NAME, report_id, job_id=jid)


async def stalled(*, now: Any = None, limits: Limits | None = None,
                  queued_grace: timedelta = QUEUED_GRACE, most: int = 100) -> list[int]:
    """Reports whose job was lost: QUEUED longer than `queued_grace`, or RUNNING past the
    render limit (their process died)."""
    now = now or utcnow()
    limits = limits or Limits.from_settings()
    stale = now - timedelta(seconds=limits.seconds) - STALE_MARGIN
    rows = await Report.select(Report.id).where(
        ((Report.status == ReportStatus.QUEUED) & (Report.created_at <= now - queued_grace))
        | ((Report.status == ReportStatus.RUNNING) & (Report.started_at < stale))
    ).order_by(Report.id).limit(most)
    return [row["id"] for row in rows]


async def requeue_stalled(queue: JobQueue, *, now: Any = None, limits: Limits | None = None,
                          queued_grace: timedelta = QUEUED_GRACE, most: int = 100) -> int:
    """Queue again the reports whose job was lost (see `stalled`); how many were queued
    (the queue drops the ones it still holds)."""
    queued = 0
    for report_id in await stalled(now=now, limits=limits, queued_grace=queued_grace,
                                   most=most):
        queued += await queue_report(queue, report_id)
    if queued:
        log.warning("queued %s stalled report(s) again", queued)
    return queued


async def resume_stalled(queue: JobQueue, *, now: Any = None,
                         limits: Limits | None = None) -> int:
    """Embedded mode (no Redis), when a process starts: queue in it the reports a process
    that died left QUEUED or RUNNING; the queued ones of any age, since their task went
    with that process. A report another live process renders meanwhile is claimed once
    (see `generate`). How many were queued."""
    return await requeue_stalled(queue, now=now, limits=limits, queued_grace=timedelta(0),
                                 most=1000)


async def fail_unqueued(report_id: int, error: Exception) -> None:
    """The queue refused the job: say so on the row instead of leaving it QUEUED forever."""
    log.warning("could not queue report %s: %s", report_id, error)
    await _fail(report_id, "QUEUE_UNAVAILABLE: the job queue could not be reached; "
                           "request the report again")
