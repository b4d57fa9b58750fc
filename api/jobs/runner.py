"""Runs arq workers, one per queue, in this process (`coso worker`), until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import warnings
from typing import Any, Protocol

from arq.worker import Worker, create_worker

from api.jobs.queues import redis_settings
from api.jobs.registry import job_timeout
from domain.settings import get_settings


class QueueSettings(Protocol):
    """A WorkerSettings class (api.worker): the queue it serves is all this module reads."""

    queue_name: str


def from_settings(settings_cls: type[QueueSettings]) -> dict[str, Any]:
    """What a worker of `settings_cls` reads from settings when it is made: its Redis and
    how long one of its jobs may run."""
    settings = get_settings()
    return {"redis_settings": redis_settings(settings.redis_url or "redis://127.0.0.1:6379"),
            "job_timeout": job_timeout(settings_cls.queue_name, settings)}


async def run_workers(settings: tuple[type[QueueSettings], ...], *, burst: bool = False,
                      max_jobs: int = 10, crons: bool = True,
                      **overrides: Any) -> list[Worker]:
    """Run one arq Worker per WorkerSettings class until a signal (or, with `burst`, until
    the queues are empty); returns them (their counters) once stopped."""
    extra: dict[str, Any] = {"cron_jobs": []} if not crons else {}
    workers = [create_worker(cls, handle_signals=False, burst=burst,  # type: ignore[arg-type]
                             max_jobs=max_jobs, **{**from_settings(cls), **extra, **overrides})
               for cls in settings]

    def stop(sig: signal.Signals) -> None:
        for worker in workers:
            worker.handle_sig(sig)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop, sig)
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
                try:
                    await worker.close()
                except asyncio.CancelledError:
                    # A stop mid-job: close() waits for the jobs it cancelled and re-raises
                    # their CancelledError (arq runs them again): no crash to print. A
                    # cancellation of this task itself still propagates.
                    task = asyncio.current_task()
                    if task is not None and task.cancelling():
                        raise
    return workers
