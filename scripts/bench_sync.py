#!/usr/bin/env python
"""How fast the sync jobs ingest metrics through arq, against the same jobs run inline.

    .venv/bin/python scripts/bench_sync.py [--channels 50] [--days 90] [--concurrency 10]
        [--rounds 2] [--noop-jobs 2000] [--database-url URL] [--redis-url URL]

Drops and re-creates its own PostgreSQL database (`coso_bench_sync` on the local server by
default), starts the platform emulator (`coso emulator`, its own process) and connects
--channels Facebook pages to it, each with about 200 posts over the 90 days. Then, on the
same data and the same machine, it backfills --days of page and post metrics for every
channel:

* inline: the job functions (`sync_channel` through an InlineQueue) in this process,
  --concurrency channels at a time;
* arq: the same jobs queued on Redis and run by one `coso worker` process with
  --concurrency jobs at a time, timed from the first enqueue to the last finished run.

Between runs the stored metrics, posts and runs are deleted, so each mode inserts the same
rows; rounds alternate which mode goes first (the first run warms caches for the
second). It prints seconds, rows and rows/s per mode (best of --rounds), the ratio arq ÷
inline against the target 0.9, and arq's rate for no-op jobs on this machine (one worker
in this process, the same concurrency), which bounds what the queue itself costs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/coso_bench_sync"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
TARGET_RATIO = 0.9
NOOP_QUEUE = "coso:bench-noop"


@dataclass
class Timing:
    mode: str
    seconds: float
    rows: int

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_tcp(port: int, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"error: {what} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--noop-jobs", type=int, default=2000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("error: the benchmark needs PostgreSQL (a worker process shares the database)")

    os.chdir(REPO_ROOT)
    sys.path.insert(0, str(REPO_ROOT))
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    port = free_port()
    os.environ["COSO_PLATFORM_BASE_URL"] = f"http://127.0.0.1:{port}"
    logs = Path(tempfile.mkdtemp(prefix="coso-bench-sync-"))
    emulator = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "emulator", "--port", str(port)],
        stdout=open(logs / "emulator.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
    worker: subprocess.Popen[bytes] | None = None
    try:
        wait_tcp(port, "the emulator")
        from domain.db import recreate_postgres_database

        asyncio.run(recreate_postgres_database(args.database_url))
        worker_env = {**os.environ}
        worker = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker", "--no-cron", "--concurrency",
             str(args.concurrency)], env=worker_env,
            stdout=open(logs / "worker.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        asyncio.run(run(args, logs))
    finally:
        for process in (worker, emulator):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


async def run(args: argparse.Namespace, logs: Path) -> None:
    from domain.db import open_pool
    from domain.migrate import migrate
    from domain.settings import get_settings

    await migrate()
    await open_pool(get_settings().db_pool_size)
    channels = await seed(args.channels)
    end = datetime.now(UTC).date() - timedelta(days=1)
    start = end - timedelta(days=args.days - 1)
    await wait_worker(logs)
    best: dict[str, Timing] = {}
    for round_ in range(args.rounds):
        # Alternate which mode goes first: the first run of all warms the emulator's
        # caches and PostgreSQL's buffers for the second.
        for mode in ("inline", "arq") if round_ % 2 == 0 else ("arq", "inline"):
            await reset(channels)
            timing = await (inline(channels, start, end, args.concurrency) if mode == "inline"
                            else through_arq(channels, start, end))
            if mode not in best or timing.seconds < best[mode].seconds:
                best[mode] = timing
    noop = await noop_rate(args.noop_jobs, args.concurrency)
    report(args, best, noop, start, end)


async def seed(count: int) -> list[int]:
    from api.emulator import token_for
    from domain.models import Brand, Workspace
    from domain.services.channels import Connection, connect_channel

    workspace = (await Workspace.insert(Workspace(name="Bench", slug="bench"))
                 .returning(Workspace.id))[0]["id"]
    brand = (await Brand.insert(Brand(workspace=workspace, name="Bench", slug="bench"))
             .returning(Brand.id))[0]["id"]
    ids = []
    for n in range(count):
        account = f"1048573{n:08d}"
        done = await connect_channel(None, brand, Connection(
            platform="facebook", handle=f"page-{n}", external_id=account,
            access_token=token_for("facebook", account)))
        ids.append(done.channel["id"])
    return ids


async def wait_worker(logs: Path) -> None:
    from arq.connections import create_pool

    from api.jobs.queues import redis_settings
    from api.jobs.registry import SYNC_QUEUE
    from domain.settings import get_settings

    pool = await create_pool(redis_settings(get_settings().redis_url))
    try:
        deadline = time.monotonic() + 60
        while not await pool.exists(f"{SYNC_QUEUE}:health-check"):
            if time.monotonic() > deadline:
                sys.exit(f"error: the worker did not start; see {logs / 'worker.log'}")
            await asyncio.sleep(0.1)
    finally:
        await pool.aclose()


async def reset(channels: list[int]) -> None:
    """Forget every stored row, so each mode inserts the same rows from scratch."""
    from domain.db import engine
    from domain.models import Channel

    await engine().run_ddl('TRUNCATE "post_metric", "channel_metric", "sync_run", "post" CASCADE')
    await Channel.update({Channel.metrics_watermark: None, Channel.backfilled_from: None}
                         ).where(Channel.id.is_in(channels))


async def stored_rows() -> int:
    from domain.models import ChannelMetric, PostMetric

    return await ChannelMetric.count() + await PostMetric.count()


async def check_runs(expected: int) -> None:
    from domain.enums import SyncStatus
    from domain.models import SyncRun

    runs = await SyncRun.select(SyncRun.status, SyncRun.error)
    failed = [r for r in runs if r["status"] != SyncStatus.SUCCEEDED]
    if len(runs) != expected or failed:
        sys.exit(f"error: {len(failed)} of {len(runs)} runs did not succeed: {failed[:3]}")


async def inline(channels: list[int], start: Any, end: Any, concurrency: int) -> Timing:
    from api.jobs.queues import inline_queue
    from domain.enums import SyncKind
    from domain.sync.jobs import request_window
    from domain.sync.windows import Window

    window = Window(SyncKind.BACKFILL, start, end)
    gate = asyncio.Semaphore(concurrency)
    queue = inline_queue()  # each job opens its own http client, as in embedded mode

    async def one(channel_id: int) -> None:
        async with gate:
            await request_window(queue, channel_id, window)

    began = time.perf_counter()
    await asyncio.gather(*(one(c) for c in channels))
    seconds = time.perf_counter() - began
    await check_runs(len(channels))
    return Timing("inline", seconds, await stored_rows())


async def through_arq(channels: list[int], start: Any, end: Any) -> Timing:
    from arq.connections import create_pool

    from api.jobs.queues import ArqQueue, redis_settings
    from api.jobs.registry import SYNC_QUEUE
    from domain.enums import SyncKind, SyncStatus
    from domain.models import SyncRun
    from domain.settings import get_settings
    from domain.sync.jobs import request_window
    from domain.sync.windows import Window

    window = Window(SyncKind.BACKFILL, start, end)
    pool = await create_pool(redis_settings(get_settings().redis_url))
    try:
        await pool.delete(SYNC_QUEUE)
        queue = ArqQueue(pool)
        began = time.perf_counter()
        for channel_id in channels:
            await request_window(queue, channel_id, window)
        while await SyncRun.count().where(SyncRun.status.is_in(
                [SyncStatus.QUEUED, SyncStatus.RUNNING])):
            await asyncio.sleep(0.02)
        seconds = time.perf_counter() - began
    finally:
        await pool.aclose()
    await check_runs(len(channels))
    return Timing("arq", seconds, await stored_rows())


async def noop(ctx: dict[str, Any]) -> None:
    return None


async def noop_rate(jobs: int, concurrency: int) -> float:
    """No-op jobs per second through Redis and one arq Worker in this process."""
    import warnings

    from arq.connections import create_pool
    from arq.worker import Worker

    from api.jobs.queues import redis_settings
    from domain.settings import get_settings

    settings = redis_settings(get_settings().redis_url)
    pool = await create_pool(settings)
    try:
        await pool.delete(NOOP_QUEUE)
        for n in range(jobs):
            await pool.enqueue_job("noop", _job_id=f"noop:{n}", _queue_name=NOOP_QUEUE)
        worker = Worker([noop], queue_name=NOOP_QUEUE, redis_settings=settings, burst=True,
                        max_jobs=concurrency, keep_result=0, poll_delay=0.01,
                        handle_signals=False)
        began = time.perf_counter()
        await worker.async_run()
        seconds = time.perf_counter() - began
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            await worker.close()
        if worker.jobs_complete != jobs:
            sys.exit(f"error: {worker.jobs_complete} of {jobs} no-op jobs ran")
    finally:
        await pool.aclose()
    return jobs / seconds


def report(args: argparse.Namespace, best: dict[str, Timing], noop: float, start: Any,
           end: Any) -> None:
    inline_t, arq_t = best["inline"], best["arq"]
    if inline_t.rows != arq_t.rows:
        sys.exit(f"error: the modes stored different rows ({inline_t.rows} vs {arq_t.rows})")
    ratio = arq_t.rate / inline_t.rate
    print(f"Backfill of {args.days} days ({start}..{end}) for {args.channels} Facebook pages "
          f"from the emulator, {args.concurrency} jobs at a time, best of {args.rounds}:")
    print(f"  {'mode':<8}{'seconds':>10}{'rows':>12}{'rows/s':>12}")
    for timing in (inline_t, arq_t):
        print(f"  {timing.mode:<8}{timing.seconds:>10.2f}{timing.rows:>12,}"
              f"{timing.rate:>12,.0f}")
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"  arq / inline: {ratio:.2f}x (target >= {TARGET_RATIO}x: {verdict})")
    print(f"  arq no-op jobs: {noop:,.0f} jobs/s ({args.noop_jobs} jobs, one worker, "
          f"{args.concurrency} at a time)")


if __name__ == "__main__":
    main()
