"""Embedded mode: the same job functions, run in this process instead of by an arq worker.

Without `REDIS_URL`, `coso sync` and the API's requestSync hand their jobs to an
InlineQueue, which runs each at once and waits for it, retrying as the worker would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import httpx

from domain.sync.base import MAX_TRIES, RetryLater
from domain.sync.jobs import plan_syncs, sync_channel
from domain.sync.publish import publish_due_posts, publish_post

Job = Callable[..., Awaitable[Any]]

JOBS: dict[str, Job] = {
    "sync_channel": sync_channel,
    "publish_post": publish_post,
    "plan_syncs": plan_syncs,
    "publish_due_posts": publish_due_posts,
}
"""Every job by the name it is queued under (the arq worker registers the same names)."""


class InlineQueue:
    """A JobQueue that runs each job now, in this process, until it stops asking to retry.

    Asking for a job id that is already running here waits for that run instead of
    starting a second one, as arq's job ids do across workers. `sleep` is how it waits
    between attempts (asyncio.sleep; tests may shorten it).
    """

    _running: ClassVar[dict[tuple[int, str], asyncio.Task[Any]]] = {}

    def __init__(self, http: httpx.AsyncClient, *,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 max_tries: int = MAX_TRIES + 1) -> None:
        self.http = http
        self.sleep = sleep
        self.max_tries = max_tries
        self.results: list[tuple[str, Any]] = []

    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        key = (id(asyncio.get_running_loop()), job_id)
        running = self._running.get(key)
        if running is not None:
            await asyncio.shield(running)
            return False
        task = asyncio.ensure_future(self._run(JOBS[function], args, job_id))
        self._running[key] = task
        try:
            await task
        finally:
            self._running.pop(key, None)
        return True

    async def _run(self, job: Job, args: tuple[Any, ...], job_id: str) -> None:
        for job_try in range(1, self.max_tries + 1):
            ctx = {"http": self.http, "queue": self, "job_id": job_id, "job_try": job_try}
            try:
                self.results.append((job_id, await job(ctx, *args)))
                return
            except RetryLater as retry:
                if job_try == self.max_tries:
                    self.results.append((job_id, f"gave up: {retry}"))
                    return
                await self.sleep(retry.defer)
