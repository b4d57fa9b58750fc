"""Background jobs without arq: the queue interface, the retry signal, the in-process queue.

A job is a plain `async def job(ctx, *args)`, the shape arq calls. `ctx` holds `queue` (a
JobQueue), `job_id` and `job_try` (1, 2, ...), plus the resources the runner gives its
jobs (sync jobs find `http`, an httpx.AsyncClient). A job asks for another try by raising
RetryLater: the arq worker turns it into arq's Retry, the InlineQueue into a sleep.

The registry of jobs (`api.jobs.registry`) says, for each name, what runs and how; the
queues (`api.jobs.queues`: arq with REDIS_URL, else an InlineQueue) take jobs by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

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
                    return await spec.function(ctx, *args)
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
    # A waiting caller gets the job's error raised; nobody would see a background job's.
    if background and not task.cancelled() and task.exception() is not None:
        log.error("job %s failed", job_id, exc_info=task.exception())


async def drain() -> None:
    """Wait for the jobs this process runs in the background (a server stopping)."""
    tasks = _tasks()
    while tasks:
        await asyncio.gather(*list(tasks.values()), return_exceptions=True)
