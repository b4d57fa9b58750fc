"""Background jobs without arq: the queue interface, the retry signal, the in-process queue.

A job is a plain `async def job(ctx, *args)`, the shape arq calls. `ctx` holds `queue` (a
JobQueue), `job_id` and `job_try` (1, 2, ...), plus the resources the runner gives its
jobs (sync jobs find `http`, an httpx.AsyncClient). A job asks for another try by raising
RetryLater: the arq worker turns it into arq's Retry, the InlineQueue into a sleep.

Every try runs through `run_job`: it binds the job (and the id of the request that queued
it) to the log context, logs how it ended and records it in the job metrics.

The registry of jobs (`api.jobs.registry`) says, for each name, what runs and how; the
queues (`api.jobs.queues`: arq with REDIS_URL, else an InlineQueue) take jobs by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from domain.metrics import JOB_RUNS, JOB_SECONDS

log = logging.getLogger(__name__)
jobs_log = structlog.get_logger("coso.jobs")

Job = Callable[..., Awaitable[Any]]
Resources = Callable[[], AbstractAsyncContextManager[Mapping[str, Any]]]
"""Opens what one job run finds in its ctx (and closes it when the run is over)."""


class RetryLater(Exception):  # noqa: N818 - reads as what the job asks for
    """Run this job again in `defer` seconds."""

    def __init__(self, defer: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {defer:.1f}s")
        self.defer = defer


class QueueUnavailable(Exception):  # noqa: N818 - reads as what happened
    """The queue could not take the job (Redis unreachable). A sync run stays QUEUED for
    the planner to enqueue again; a requested report fails, saying so."""


class JobQueue(Protocol):
    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        """Queue the job registered as `function` with `args`, once: False when a job with
        this id is queued or running already; QueueUnavailable when the queue cannot be
        reached."""
        ...


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One job of the registry, by the name it is queued under."""

    name: str
    function: Job
    queue: str
    """The arq queue it goes on (a worker serves one queue)."""
    max_tries: int = 1
    """Runs of it at most, retries included."""
    background: bool = False
    """In-process only: True, `enqueue` returns once the job has started and the job runs
    on as a task of this process (a report render: its caller answers QUEUED at once);
    False, `enqueue` returns when the job is done (a sync: its caller answers with the
    finished run)."""


async def run_job(name: str, job: Job, ctx: dict[str, Any], *args: Any,
                  request_id: str | None = None) -> Any:
    """One try of job `name`, logged and measured: `succeeded`, `retried` (RetryLater) or
    `failed` (with its traceback). `request_id` is that of the request that queued the job,
    carried in the queue; the job's own log lines and the jobs it queues get it too."""
    bound = {"job": name, "job_id": ctx.get("job_id"), "job_try": ctx.get("job_try")}
    if request_id:
        bound["request_id"] = request_id
    with structlog.contextvars.bound_contextvars(**bound):
        started = time.perf_counter()
        outcome = "failed"
        jobs_log.debug("job started")
        try:
            result = await job(ctx, *args)
            outcome = "succeeded"
            return result
        except RetryLater as retry:
            outcome = "retried"
            jobs_log.info("job retried", defer=retry.defer, reason=str(retry))
            raise
        except BaseException as error:
            if isinstance(error, Exception):
                jobs_log.error("job failed", exc_info=error)
            else:  # cancelled (a timeout, a shutdown): arq runs it again
                outcome = "cancelled"
            raise
        finally:
            seconds = time.perf_counter() - started
            JOB_RUNS.labels(job=name, outcome=outcome).inc()
            JOB_SECONDS.labels(job=name, outcome=outcome).observe(seconds)
            if outcome == "succeeded":
                jobs_log.info("job finished", outcome=outcome,
                              duration_ms=round(seconds * 1000, 1))


@contextlib.asynccontextmanager
async def no_resources() -> AsyncIterator[Mapping[str, Any]]:
    yield {}


_Tasks = dict[str, asyncio.Task[Any]]
_running: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Tasks] = \
    weakref.WeakKeyDictionary()


def _tasks() -> _Tasks:
    """The inline jobs running in this event loop, by job id (a loop's tasks stay in it)."""
    return _running.setdefault(asyncio.get_running_loop(), {})


class InlineQueue:
    """A JobQueue that runs each job in this process, again while it raises RetryLater.

    Whether `enqueue` waits for the job is the job's `background` (see JobSpec). A job id
    already running in this process is not started twice, as arq's job ids are not
    across workers: `enqueue` returns False, after that run has finished unless the job
    runs in the background. `drain()` waits for every job still running.

    `resources` opens what each run finds in its ctx; `sleep` is how it waits between
    attempts (asyncio.sleep; tests may shorten it).
    """

    def __init__(self, jobs: Mapping[str, JobSpec], *, resources: Resources = no_resources,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.jobs = jobs
        self.resources = resources
        self.sleep = sleep

    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        spec = self.jobs[function]
        tasks = _tasks()
        running = tasks.get(job_id)
        if running is not None:
            if not spec.background:
                await asyncio.shield(running)
            return False
        task = asyncio.ensure_future(self._run(spec, args, job_id))
        tasks[job_id] = task
        task.add_done_callback(lambda done: _finished(tasks, job_id, done, spec.background))
        if not spec.background:
            await task
        return True

    async def _run(self, spec: JobSpec, args: tuple[Any, ...], job_id: str) -> Any:
        async with self.resources() as resources:
            for job_try in range(1, spec.max_tries + 1):
                ctx = {**resources, "queue": self, "job_id": job_id, "job_try": job_try}
                try:
                    return await run_job(spec.name, spec.function, ctx, *args)
                except RetryLater as retry:
                    if job_try == spec.max_tries:
                        log.warning("job %s gave up after %s tries: %s", job_id, job_try,
                                    retry)
                        return None
                    await self.sleep(retry.defer)
        return None


def _finished(tasks: _Tasks, job_id: str, task: asyncio.Task[Any], background: bool) -> None:
    if tasks.get(job_id) is task:
        del tasks[job_id]
    # run_job logged the error (a waiting caller also gets it raised); retrieving it
    # keeps asyncio from logging it again as "never retrieved".
    if background and not task.cancelled():
        task.exception()


async def drain() -> None:
    """Wait for the jobs this process runs in the background (a server stopping)."""
    tasks = _tasks()
    while tasks:
        await asyncio.gather(*list(tasks.values()), return_exceptions=True)
