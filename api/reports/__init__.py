"""Report jobs for arq: render a report, e-mail the scheduled ones, re-queue lost jobs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from arq.cron import cron
from arq.worker import func

from api.reports.jobs import JOB_MARGIN, JOB_NAME, generate, requeue_stalled
from api.reports.schedules import send_scheduled_reports
from domain.settings import get_settings


async def generate_report(ctx: dict[str, Any], report_id: int) -> str | None:
    """arq job `generate_report`: its id is `report:<id>`, so a report is queued once."""
    status = await generate(report_id, storage=ctx.get("storage"))
    return status.value if status else None


async def send_scheduled_reports_job(ctx: dict[str, Any]) -> dict[str, Any]:
    return asdict(await send_scheduled_reports(ctx))


async def requeue_stalled_reports(ctx: dict[str, Any]) -> int:
    return await requeue_stalled(ctx["redis"])


# Gathering and storing on top of the render; past it arq gives the job to another worker.
_job_timeout = get_settings().report_time_limit + JOB_MARGIN.total_seconds()

REPORT_FUNCTIONS = [func(generate_report, name=JOB_NAME, timeout=_job_timeout, max_tries=3)]
# Daily at 06:00 UTC: due-ness is judged on the brand's local date, and in every timezone
# (UTC-12 to UTC+14) that hour still falls on the local day it is due. `unique` keeps two
# workers from starting it twice; the delivery claim makes even that harmless.
REPORT_CRON_JOBS = [
    cron(send_scheduled_reports_job, name="send_scheduled_reports", hour={6}, minute={0},
         unique=True, timeout=6 * 3600),
    cron(requeue_stalled_reports, name="requeue_stalled_reports", minute={7, 27, 47},
         unique=True),
]

__all__ = ["REPORT_CRON_JOBS", "REPORT_FUNCTIONS", "generate_report", "requeue_stalled_reports",
           "send_scheduled_reports_job"]
