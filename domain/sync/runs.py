"""Sync runs: opened once per piece of work, then RUNNING, then SUCCEEDED or FAILED.

A run is the durable record of work wanted; the queue only carries it. The same work
(the same job id) has at most one QUEUED or RUNNING run, so asking twice at once gives
one run, and the planner can re-enqueue runs a lost queue or a dead worker left behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.db import write_transaction
from domain.enums import SyncKind, SyncStatus
from domain.events import Event, EventKind, publish
from domain.metrics import SYNC_FAILURES
from domain.models import Channel, SyncRun
from domain.services.usecase import locked, utcnow

ACTIVE = (SyncStatus.QUEUED, SyncStatus.RUNNING)
ERROR_LIMIT = 2000  # characters of an error message kept on the run


def sync_job_id(channel_id: int, start: date, end: date) -> str:
    """The same window of the same channel is the same job, whoever asks (cron, API, CLI)."""
    return f"sync:{channel_id}:{start.isoformat()}:{end.isoformat()}"


def publish_job_id(post_id: int) -> str:
    return f"publish:{post_id}"


@dataclass(frozen=True, slots=True)
class Opened:
    run: dict[str, Any]
    created: bool
    """False when the same work was already QUEUED or RUNNING: that run is returned."""


async def open_run(channel_id: int, kind: SyncKind, job_id: str, *,
                   start: date | None = None, end: date | None = None,
                   requested_by: int | None = None) -> Opened:
    """A QUEUED run for `job_id`, or the active run already doing that work.

    The channel row lock makes two simultaneous requests for the same work agree on one run.
    """
    async with write_transaction():
        await locked(Channel.select(Channel.id).where(Channel.id == channel_id),
                     "NO KEY UPDATE").first()
        active = await SyncRun.select().where(
            SyncRun.channel == channel_id, SyncRun.job_id == job_id,
            SyncRun.status.is_in(list(ACTIVE)),
        ).order_by(SyncRun.id).first()
        if active is not None:
            return Opened(active, created=False)
        row = (await SyncRun.insert(SyncRun(
            channel=channel_id, kind=kind, status=SyncStatus.QUEUED, window_from=start,
            window_to=end, job_id=job_id, requested_by=requested_by, queued_at=utcnow(),
        )).returning(*SyncRun.all_columns()))[0]
        return Opened(row, created=True)


async def get_run(run_id: int) -> dict[str, Any] | None:
    return await SyncRun.select().where(SyncRun.id == run_id).first()


async def start_run(run_id: int, attempt: int) -> dict[str, Any] | None:
    """Mark the run RUNNING for this attempt; None when it is already finished (a re-run)."""
    rows = await SyncRun.update({
        SyncRun.status: SyncStatus.RUNNING, SyncRun.started_at: utcnow(),
        SyncRun.attempt: attempt,
    }).where(SyncRun.id == run_id, SyncRun.status.is_in(list(ACTIVE))).returning(
        *SyncRun.all_columns())
    return rows[0] if rows else None


async def succeed_run(run_id: int, *, api_version: str = "", items_in: int = 0,
                      inserted: int = 0, updated: int = 0) -> None:
    """Call inside the transaction that wrote the run's rows: both land or neither."""
    done = await SyncRun.update({
        SyncRun.status: SyncStatus.SUCCEEDED, SyncRun.finished_at: utcnow(),
        SyncRun.api_version: api_version, SyncRun.items_in: items_in,
        SyncRun.items_inserted: inserted, SyncRun.items_updated: updated,
        SyncRun.error_code: "", SyncRun.error: "",
    }).where(SyncRun.id == run_id).returning(SyncRun.id, SyncRun.channel, SyncRun.kind)
    for row in done:
        await _finished(row, {"status": SyncStatus.SUCCEEDED.value, "itemsIn": items_in,
                              "itemsInserted": inserted, "itemsUpdated": updated})


async def fail_run(run_id: int, code: str, message: str, *, api_version: str = "") -> None:
    """The run is over and failed; `message` says why in words a manager understands."""
    values: dict[Any, Any] = {
        SyncRun.status: SyncStatus.FAILED, SyncRun.finished_at: utcnow(),
        SyncRun.error_code: code[:40], SyncRun.error: message[:ERROR_LIMIT],
    }
    if api_version:
        values[SyncRun.api_version] = api_version
    failed = await SyncRun.update(values).where(SyncRun.id == run_id).returning(
        SyncRun.id, SyncRun.channel, SyncRun.kind)
    for row in failed:
        channel = await Channel.select(Channel.platform).where(
            Channel.id == row["channel"]).first()
        SYNC_FAILURES.labels(platform=channel["platform"] if channel else "unknown",
                             kind=str(row["kind"]), code=code[:40]).inc()
        facts = {"status": SyncStatus.FAILED.value, "code": code[:40],
                 "message": message[:ERROR_LIMIT]}
        await _finished(row, facts)
        await _finished(row, facts, EventKind.SYNC_FAILED)


async def _finished(row: dict[str, Any], facts: dict[str, Any],
                    kind: EventKind = EventKind.SYNC_RUN_FINISHED) -> None:
    """The run's event, raised once its transaction commits."""
    channel = await Channel.select(Channel.brand, Channel.brand.workspace.as_alias(
        "workspace"), Channel.platform).where(Channel.id == row["channel"]).first()
    if channel is None:
        return
    await publish(Event(kind, channel["workspace"], channel["brand"], "SyncRun", row["id"], {
        "kind": str(row["kind"]), "channel": row["channel"], "platform": channel["platform"],
        **facts}))


async def retry_run(run_id: int, code: str, message: str) -> None:
    """Back to QUEUED after a transient failure, keeping what went wrong this attempt."""
    await SyncRun.update({
        SyncRun.status: SyncStatus.QUEUED, SyncRun.error_code: code[:40],
        SyncRun.error: message[:ERROR_LIMIT],
    }).where(SyncRun.id == run_id, SyncRun.status.is_in(list(ACTIVE)))


async def stale_runs(*, queued_for: timedelta, running_for: timedelta,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """Active runs whose job may be lost: QUEUED for `queued_for`, RUNNING for `running_for`.

    Re-enqueueing them is safe: the queue refuses a job id it still holds, and every job
    is idempotent.
    """
    now = utcnow(now)
    return await SyncRun.select().where(
        ((SyncRun.status == SyncStatus.QUEUED) & (SyncRun.queued_at < now - queued_for))
        | ((SyncRun.status == SyncStatus.RUNNING) & (SyncRun.started_at < now - running_for))
    ).order_by(SyncRun.id)
