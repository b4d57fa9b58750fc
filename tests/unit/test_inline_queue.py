"""The in-process queue: waits or not as each job says, runs a job id once, retries."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from domain.jobs import InlineQueue, JobSpec, RetryLater, drain


class Recorder:
    """Jobs that note what they saw; `gate` holds them until the test lets them finish."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, Any]] = []
        self.gate = asyncio.Event()

    async def held(self, ctx: dict[str, Any], value: Any) -> str:
        await self.gate.wait()
        self.calls.append((ctx["job_id"], ctx["job_try"], value))
        return "done"

    async def flaky(self, ctx: dict[str, Any], value: Any) -> str:
        self.calls.append((ctx["job_id"], ctx["job_try"], ctx["resource"]))
        if ctx["job_try"] < 3:
            raise RetryLater(ctx["job_try"] * 5.0)
        return "done"


def queue_of(recorder: Recorder, sleeps: list[float] | None = None) -> InlineQueue:
    jobs = {spec.name: spec for spec in (
        JobSpec("now", recorder.held, "q"),
        JobSpec("later", recorder.held, "q", background=True),
        JobSpec("flaky", recorder.flaky, "q", max_tries=4),
    )}
    opened: list[int] = []

    @contextlib.asynccontextmanager
    async def resources() -> AsyncIterator[dict[str, Any]]:
        opened.append(1)
        yield {"resource": len(opened)}

    async def sleep(seconds: float) -> None:
        (sleeps if sleeps is not None else []).append(seconds)

    return InlineQueue(jobs, resources=resources, sleep=sleep)


async def test_a_job_that_waits_is_done_when_enqueue_returns():
    recorder = Recorder()
    recorder.gate.set()
    assert await queue_of(recorder).enqueue("now", 1, job_id="a") is True
    assert recorder.calls == [("a", 1, 1)]


async def test_a_background_job_runs_on_after_enqueue_and_drain_waits_for_it():
    recorder = Recorder()
    queue = queue_of(recorder)
    assert await queue.enqueue("later", 1, job_id="b") is True
    assert recorder.calls == []
    # Asked again while it runs: not a second run, and no waiting for the first.
    assert await queue.enqueue("later", 1, job_id="b") is False
    recorder.gate.set()
    await drain()
    assert recorder.calls == [("b", 1, 1)]


async def test_the_same_job_id_asked_twice_at_once_runs_once():
    recorder = Recorder()
    queue = queue_of(recorder)
    first = asyncio.ensure_future(queue.enqueue("now", 1, job_id="c"))
    second = asyncio.ensure_future(queue_of(recorder).enqueue("now", 2, job_id="c"))
    await asyncio.sleep(0)
    recorder.gate.set()
    assert sorted(await asyncio.gather(first, second)) == [False, True]
    assert recorder.calls == [("c", 1, 1)]


async def test_retry_later_runs_the_job_again_after_its_delay_with_the_same_resources():
    recorder = Recorder()
    sleeps: list[float] = []
    assert await queue_of(recorder, sleeps).enqueue("flaky", 0, job_id="d") is True
    assert recorder.calls == [("d", 1, 1), ("d", 2, 1), ("d", 3, 1)]
    assert sleeps == [5.0, 10.0]
