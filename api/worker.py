"""The arq workers (`coso worker`) and the queue the API and CLI hand sync jobs to.

The sync jobs live in domain.sync and know nothing of arq: here they are registered under
their names, their RetryLater becomes arq's Retry, and `ctx` gets the database pool, an
httpx client and the queue. Several workers on several machines share the Redis queues;
deterministic job ids keep the same work from being queued twice.

Two queues, because arq gives up on a dead worker's job only after the longest job
timeout of its worker: syncs and publishing (minutes) would otherwise wait as long as a
report render (`REPORT_FUNCTIONS`, on arq's default queue) before another worker resumes
them. `coso worker` runs one arq Worker per queue in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import warnings
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import redis.exceptions
from arq import Retry, cron, func
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker, create_worker
from redis.asyncio.retry import Retry as RedisRetry
from redis.backoff import ExponentialBackoff

from api.reports import REPORT_CRON_JOBS, REPORT_FUNCTIONS
from domain.db import close_pool, open_pool
from domain.settings import get_settings
from domain.sync.base import MAX_TRIES, JobQueue, QueueUnavailable, RetryLater, http_client
from domain.sync.inline import JOBS, InlineQueue

T = TypeVar("T")
SYNC_QUEUE = "coso:sync"
# Commands retried over a Redis restart: about half a minute for a worker, a few seconds
# for an API request that only enqueues.
WORKER_REDIS_RETRIES = 30
API_REDIS_RETRIES = 3
PLAN_EVERY_MINUTES = 10


def redis_settings(url: str, *, retries: int = WORKER_REDIS_RETRIES) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    settings.retry = RedisRetry(ExponentialBackoff(cap=1.0, base=0.05), retries)
    settings.retry_on_error = [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    settings.conn_retries = retries
    return settings


class ArqQueue:
    """A JobQueue on arq's sync queue: `job_id` is arq's `_job_id`, so a queued job is never
    doubled."""

    def __init__(self, pool: ArqRedis | None = None) -> None:
        self.pool = pool
        """The worker's pool; None: this event loop's API pool, made on first use."""

    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        try:
            pool = self.pool or await api_pool()
            job = await pool.enqueue_job(function, *args, _job_id=job_id,
                                         _queue_name=SYNC_QUEUE)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) \
                as error:
            raise QueueUnavailable(type(error).__name__) from error
        return job is not None


# -- the API's side: enqueue, or run in-process without Redis -------------------------------

_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, ArqRedis]] = \
    weakref.WeakKeyDictionary()


async def api_pool() -> ArqRedis:
    """This event loop's arq pool (a pool cannot cross loops: tests and the CLI make several)."""
    url = get_settings().redis_url
    assert url, "api_pool() needs REDIS_URL"
    pools = _pools.setdefault(asyncio.get_running_loop(), {})
    if url not in pools:
        pools[url] = await create_pool(redis_settings(url, retries=API_REDIS_RETRIES))
    return pools[url]


@contextlib.asynccontextmanager
async def job_queue() -> AsyncIterator[JobQueue]:
    """The queue sync jobs go to: arq when REDIS_URL is set, else an InlineQueue that runs
    them here and now (embedded mode)."""
    if get_settings().redis_url:
        yield ArqQueue()
        return
    async with http_client() as http:
        yield InlineQueue(http)


async def dispatch(work: Callable[[JobQueue], Awaitable[T]]) -> T:
    """Run `work` with the process's job queue (see job_queue)."""
    async with job_queue() as queue:
        return await work(queue)


# -- the workers' side -----------------------------------------------------------------------


def _arq_job(name: str, job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def run(ctx: dict[str, Any], *args: Any) -> Any:
        try:
            return await job(ctx, *args)
        except RetryLater as retry:
            raise Retry(defer=retry.defer) from retry

    run.__name__ = run.__qualname__ = name
    return run


_database_users = 0


async def _open_database() -> None:
    """One pool per process, however many of its workers start."""
    global _database_users
    _database_users += 1
    if _database_users == 1:
        await open_pool(get_settings().db_pool_size)


async def _close_database() -> None:
    global _database_users
    _database_users -= 1
    if _database_users == 0:
        await close_pool()


async def startup(ctx: dict[str, Any]) -> None:
    await _open_database()
    ctx["http"] = http_client()
    ctx["queue"] = ArqQueue(ctx["redis"])


async def shutdown(ctx: dict[str, Any]) -> None:
    if "http" in ctx:
        await ctx["http"].aclose()
    await _close_database()


async def _startup_database(ctx: dict[str, Any]) -> None:
    await _open_database()


async def _shutdown_database(ctx: dict[str, Any]) -> None:
    await _close_database()


FUNCTIONS = [func(_arq_job(name, JOBS[name]), name=name, max_tries=MAX_TRIES + 2)
             for name in ("sync_channel", "publish_post")]
CRON_JOBS = [
    cron(_arq_job("plan_syncs", JOBS["plan_syncs"]), name="plan_syncs",
         minute=set(range(0, 60, PLAN_EVERY_MINUTES)), run_at_startup=True),
    cron(_arq_job("publish_due_posts", JOBS["publish_due_posts"]), name="publish_due_posts",
         run_at_startup=True),  # every minute, at second 0
]
_REDIS = redis_settings(get_settings().redis_url or "redis://127.0.0.1:6379")


class WorkerSettings:
    """The sync queue: metric syncs, backfills, publishing and their crons.

    `arq api.worker.WorkerSettings` runs it alone; `coso worker` runs it with the reports'.
    """

    queue_name = SYNC_QUEUE
    functions = FUNCTIONS
    cron_jobs = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = _REDIS
    job_timeout = get_settings().job_timeout
    # One try more than the jobs make: their last attempt records the failure itself.
    max_tries = MAX_TRIES + 2
    # Results are not kept: a finished job's id must be free for the next run of the same
    # window (the sync_run rows are the record).
    keep_result = 0
    health_check_interval = 60


class ReportWorkerSettings:
    """arq's default queue: report renders and the scheduled report e-mails."""

    functions = REPORT_FUNCTIONS
    cron_jobs = REPORT_CRON_JOBS
    on_startup = _startup_database
    on_shutdown = _shutdown_database
    redis_settings = _REDIS
    keep_result = 0
    health_check_interval = 60


async def run_workers(*, burst: bool = False, max_jobs: int = 10, crons: bool = True,
                      settings: tuple[type, ...] = (WorkerSettings, ReportWorkerSettings),
                      **overrides: Any) -> list[Worker]:
    """Run one arq Worker per queue until a signal (or, with `burst`, until the queues are
    empty); returns them (their counters) once stopped."""
    extra: dict[str, Any] = {"cron_jobs": []} if not crons else {}
    workers = [create_worker(cls, handle_signals=False, burst=burst,  # type: ignore[arg-type]
                             max_jobs=max_jobs, **extra, **overrides) for cls in settings]
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, lambda s=sig: [w.handle_sig(s) for w in workers])
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*(w.async_run() for w in workers))
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        for worker in workers:
            with warnings.catch_warnings():
                # arq closes its pool with redis-py's deprecated close(): nothing to act on.
                warnings.filterwarnings("ignore", "Call to deprecated close",
                                        DeprecationWarning)
                await worker.close()
    return workers
