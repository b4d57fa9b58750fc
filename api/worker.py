"""arq's WorkerSettings, one per queue: their jobs and crons from the registry, and `ctx`.

`ctx` gets the database pool, an httpx client and the queue (an ArqQueue on the worker's
own Redis). What comes from settings (Redis, the job timeout) is added when a worker is
made, by `coso worker` (api.jobs.runner), never read at import.

Two queues, because arq gives up on a dead worker's job only after the longest job
timeout of its worker: syncs and publishing (minutes) would otherwise wait as long as a
report render before another worker resumes them. `coso worker` runs one arq Worker per
queue in one process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from arq import Retry, cron, func
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Function

from api.jobs.queues import ArqQueue
from api.jobs.registry import CRONS, JOBS, REPORT_QUEUE, SYNC_QUEUE, SYNC_TRIES
from domain.db import close_pool, open_pool
from domain.events.broker import close_broker
from domain.jobs import RetryLater, run_job
from domain.settings import get_settings
from domain.sync.base import http_client


def _retrying(name: str, job: Callable[..., Awaitable[Any]]) -> WorkerCoroutine:
    """The job as arq runs it (logged and measured by run_job, with the request id it
    was queued with): its RetryLater becomes arq's Retry."""

    async def run(ctx: dict[str, Any], *args: Any, request_id: str | None = None) -> Any:
        try:
            return await run_job(name, job, ctx, *args, request_id=request_id)
        except RetryLater as retry:
            raise Retry(defer=retry.defer) from retry

    run.__name__ = run.__qualname__ = name
    return run


def functions_on(queue: str) -> list[Function]:
    return [func(_retrying(spec.name, spec.function), name=spec.name, max_tries=spec.max_tries)
            for spec in JOBS.values() if spec.queue == queue]


def crons_on(queue: str) -> list[CronJob]:
    return [cron(_retrying(c.name, c.function), name=c.name, hour=c.hour, minute=c.minute,
                 run_at_startup=c.run_at_startup, timeout=c.timeout)
            for c in CRONS if c.queue == queue]


_database_users = 0


async def startup(ctx: dict[str, Any]) -> None:
    """One database pool per process, however many of its workers start."""
    global _database_users
    _database_users += 1
    if _database_users == 1:
        await open_pool(get_settings().db_pool_size)
    ctx["http"] = http_client()
    ctx["queue"] = ArqQueue(ctx["redis"])


async def shutdown(ctx: dict[str, Any]) -> None:
    global _database_users
    if "http" in ctx:
        await ctx["http"].aclose()
    _database_users -= 1
    if _database_users == 0:
        await close_broker()  # the Redis connection events were published on
        await close_pool()


class WorkerSettings:
    """The sync queue: metric syncs, backfills, publishing and their crons."""

    queue_name = SYNC_QUEUE
    functions = functions_on(SYNC_QUEUE)
    cron_jobs = crons_on(SYNC_QUEUE)
    on_startup = startup
    on_shutdown = shutdown
    max_tries = SYNC_TRIES
    # Results are not kept: a finished job's id must be free for the next run of the same
    # window (the sync_run rows are the record).
    keep_result = 0
    health_check_interval = 60


class ReportWorkerSettings:
    """arq's default queue: report renders and the scheduled report e-mails."""

    queue_name = REPORT_QUEUE
    functions = functions_on(REPORT_QUEUE)
    cron_jobs = crons_on(REPORT_QUEUE)
    on_startup = startup
    on_shutdown = shutdown
    keep_result = 0
    health_check_interval = 60


WORKERS = (WorkerSettings, ReportWorkerSettings)
"""What `coso worker` runs: every queue."""
