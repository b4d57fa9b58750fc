"""The queues that take jobs by name: arq on Redis when REDIS_URL is set, else this process.

`job_queue()` is the one the API and the CLI hand jobs to. Without Redis (the demo's
embedded mode) it is an InlineQueue over the registry: a sync runs before the call
returns, a report renders in the background (see JobSpec.background), and the server
waits for those with `domain.jobs.drain()` before it stops.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import redis.exceptions
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio.retry import Retry as RedisRetry
from redis.backoff import ExponentialBackoff

from api.jobs.registry import JOBS
from domain.jobs import InlineQueue, JobQueue, QueueUnavailable
from domain.logs import current_request_id
from domain.settings import get_settings
from domain.sync.base import job_resources
from domain.webhooks.dispatch import use_queue as use_webhook_queue

# Commands retried over a Redis restart: about half a minute for a worker, a few seconds
# for an API request that only enqueues.
WORKER_REDIS_RETRIES = 30
API_REDIS_RETRIES = 3


def redis_settings(url: str, *, retries: int = WORKER_REDIS_RETRIES) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    settings.retry = RedisRetry(ExponentialBackoff(cap=1.0, base=0.05), retries)
    settings.retry_on_error = [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    settings.conn_retries = retries
    return settings


class ArqQueue:
    """A JobQueue on arq: each job goes on its registry queue, `job_id` is arq's `_job_id`,
    so a queued job is never doubled."""

    def __init__(self, pool: ArqRedis | None = None) -> None:
        self.pool = pool
        """The worker's pool; None: this event loop's API pool, made on first use."""

    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        spec = JOBS[function]
        try:
            pool = self.pool or await api_pool()
            # The request id rides as a keyword argument: the worker's run_job binds it.
            extra: dict[str, Any] = ({"request_id": request_id}
                                     if (request_id := current_request_id()) else {})
            job = await pool.enqueue_job(function, *args, _job_id=job_id,
                                         _queue_name=spec.queue, **extra)
        except (redis.exceptions.RedisError, OSError) as error:
            raise QueueUnavailable(type(error).__name__) from error
        return job is not None


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


def inline_queue(*, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> InlineQueue:
    """The registry's jobs run in this process, each with an http client of its own."""
    return InlineQueue(JOBS, resources=job_resources, sleep=sleep)


def job_queue() -> JobQueue:
    """The queue jobs go to: arq when REDIS_URL is set, else this process (embedded mode)."""
    return ArqQueue() if get_settings().redis_url else inline_queue()


# Events raised anywhere (a mutation, a worker's job, the CLI) queue their webhook
# deliveries here: the domain has no queue of its own.
use_webhook_queue(job_queue)
