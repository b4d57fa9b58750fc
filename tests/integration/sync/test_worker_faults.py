"""The arq workers under faults: killed mid-job, Redis restarted, database connection dropped,
the same sync asked twice at once. Real Redis, real PostgreSQL, the emulator over HTTP; each
test ends with an exact reconciliation.

Workers run as `coso worker` subprocesses where a process must die; in this process (arq's
Worker, burst mode) where only the queue's behaviour matters.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from arq.connections import ArqRedis, create_pool

from api.jobs.queues import ArqQueue, redis_settings
from api.jobs.registry import SYNC_QUEUE
from api.jobs.runner import run_workers
from api.worker import WorkerSettings
from domain.enums import PostStatus, SyncKind, SyncStatus
from domain.models import Channel, ChannelMetric, Post
from domain.settings import get_settings
from domain.sync import runs
from domain.sync.jobs import QUEUED_GRACE, request_window, requeue_stale
from domain.sync.publish import publish_due_posts, request_publish
from domain.sync.windows import Window
from tests.integration.sync.conftest import (
    channel_row,
    connected_channel,
    last_days,
    reconcile,
    worker_env,
)
from tests.integration.sync.test_publish_jobs import post_row, scheduled_post

REPO = Path(__file__).resolve().parents[3]
JOB_TIMEOUT = 5  # a dead worker's job is taken over JOB_TIMEOUT + 10 s after it started
WAIT = 90.0  # longest wait for something that must happen (a missed event fails the test)


async def wait_for(check: Callable[[], Awaitable[Any]], what: str, timeout: float = WAIT) -> Any:
    """Poll `check` until it returns something truthy; fail saying `what` never happened."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def run_is(run_id: int, *statuses: SyncStatus) -> dict[str, Any] | None:
    row = await runs.get_run(run_id)
    return row if row is not None and row["status"] in statuses else None


def served(emulator, kind: str) -> int:
    return sum(f["count"] for f in emulator.stats()["faults_served"] if f["kind"] == kind)


class Workers:
    """`coso worker` subprocesses on one Redis, stopped at the end of the test."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs = Path(tempfile.mkdtemp(prefix="coso-worker-"))

    async def start(self, pool: ArqRedis, concurrency: int = 4) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker", "--no-cron",
             "--concurrency", str(concurrency)],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        key = f"{SYNC_QUEUE}:health-check"
        await pool.delete(key)
        await wait_for(lambda: _alive_and(process, pool.exists(key)), "the worker started")
        return process

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _alive_and(process: subprocess.Popen[bytes], check: Awaitable[Any]) -> Any:
    result = await check
    if process.poll() is not None:
        raise AssertionError(f"the worker exited with {process.returncode}")
    return result


@pytest.fixture
async def pool() -> AsyncIterator[ArqRedis]:
    """The test Redis database, emptied before and after."""
    redis = await create_pool(redis_settings(get_settings().redis_url))
    await redis.flushdb()
    yield redis
    await redis.flushdb()
    await redis.aclose()


@pytest.fixture
def workers(emulator) -> Iterator[Workers]:
    started = Workers(worker_env(emulator, get_settings().redis_url,
                                 COSO_JOB_TIMEOUT=str(JOB_TIMEOUT), COSO_HTTP_TIMEOUT="5"))
    yield started
    started.stop()


# -- a worker killed mid-job --------------------------------------------------------------------


async def test_a_worker_killed_mid_sync_is_taken_over_and_the_data_is_exact(
        emulator, pool, workers):
    channel = await connected_channel()
    start, end = last_days(14)
    emulator.fault("slow", platform="facebook", path="insights", delay=3)
    first = await workers.start(pool)
    run = await request_window(ArqQueue(pool), channel["id"],
                               Window(SyncKind.METRICS, start, end))
    await wait_for(lambda: _now(served(emulator, "slow")), "the sync was mid-call")
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert (await runs.get_run(run["id"]))["status"] == SyncStatus.RUNNING
    assert await ChannelMetric.count() == 0

    await workers.start(pool)
    done = await wait_for(lambda: run_is(run["id"], SyncStatus.SUCCEEDED, SyncStatus.FAILED),
                          "the second worker finished the sync")
    assert done["status"] == SyncStatus.SUCCEEDED, (done, workers.output())
    assert done["attempt"] == 2
    await reconcile(emulator, channel["id"], start, end)


async def test_a_worker_killed_mid_publish_never_publishes_twice(emulator, pool, workers):
    channel = await connected_channel()
    post = await scheduled_post(channel)
    # The platform takes 2 s to answer the publish call; the worker dies meanwhile.
    emulator.fault("slow", platform="facebook", method="POST", path="feed", delay=2)
    first = await workers.start(pool)
    run = await request_publish(ArqQueue(pool), post)
    await wait_for(lambda: _now(served(emulator, "slow")), "the publish call was in flight")
    first.send_signal(signal.SIGKILL)
    first.wait()
    claimed = await post_row(post["id"])
    assert claimed["publish_claim"] is not None and claimed["status"] == PostStatus.SCHEDULED

    await workers.start(pool)
    done = await wait_for(lambda: run_is(run["id"], SyncStatus.SUCCEEDED, SyncStatus.FAILED),
                          "the second worker settled the post")
    assert done["status"] == SyncStatus.SUCCEEDED, (done, workers.output())
    after = await post_row(post["id"])
    published = emulator.stats()["published"]
    assert [p["text"] for p in published] == [post["text"]]  # exactly once on the platform
    assert after["status"] == PostStatus.PUBLISHED and after["external_id"] == published[0]["id"]
    assert emulator.stats()["duplicates"] == []


async def _now(value: Any) -> Any:
    return value


# -- Redis restarted mid-sync -------------------------------------------------------------------


class OwnRedis:
    """A redis-server of this test's own on a free port, without persistence: a restart
    loses every queued job, as a crashed Redis without AOF would."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await wait_for(self._answers, "redis-server answered", timeout=15)

    async def _answers(self) -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        return True

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
async def own_redis() -> AsyncIterator[OwnRedis]:
    server = OwnRedis()
    await server.start()
    yield server
    server.kill()


async def test_redis_restarted_mid_sync(emulator, own_redis, workers):
    a = await connected_channel()
    b = await connected_channel()
    start, end = last_days(10)
    emulator.fault("slow", platform="facebook", path="insights", delay=3)
    workers.env = {**workers.env, "REDIS_URL": own_redis.url}
    pool = await create_pool(redis_settings(own_redis.url))
    try:
        worker = await workers.start(pool, concurrency=1)
        window = Window(SyncKind.METRICS, start, end)
        run_a = await request_window(ArqQueue(pool), a["id"], window)
        run_b = await request_window(ArqQueue(pool), b["id"], window)  # waits behind a
        await wait_for(lambda: _now(served(emulator, "slow")), "sync a was mid-call")
        own_redis.kill()
        await own_redis.start()  # empty: b's job is gone
        assert await pool.zcard(SYNC_QUEUE) == 0

        done = await wait_for(lambda: run_is(run_a["id"], SyncStatus.SUCCEEDED),
                              "the in-flight sync finished over the restart")
        assert done["attempt"] == 1
        assert (await runs.get_run(run_b["id"]))["status"] == SyncStatus.QUEUED
        # The planner finds the run whose job Redis lost and queues it again.
        later = datetime.now(UTC) + QUEUED_GRACE + timedelta(seconds=1)
        assert await requeue_stale(ArqQueue(pool), now=later) == 1
        await wait_for(lambda: run_is(run_b["id"], SyncStatus.SUCCEEDED),
                       "the lost sync ran once queued again")
        assert worker.poll() is None, workers.output()  # the same worker rode it out
    finally:
        await pool.aclose()
    await reconcile(emulator, a["id"], start, end)
    await reconcile(emulator, b["id"], start, end)


# -- the database connection dropped mid-transaction ------------------------------------------


async def test_a_dropped_database_connection_rolls_back_and_the_retry_is_exact(
        emulator, pool, workers):
    channel = await connected_channel()
    start, end = last_days(14)
    emulator.fault("slow", platform="facebook", path="insights", delay=2)
    await workers.start(pool)
    run = await request_window(ArqQueue(pool), channel["id"],
                               Window(SyncKind.METRICS, start, end))
    # Hold the channel row: the job writes its rows, then waits for this lock to move the
    # watermark, inside its one transaction. (NO KEY UPDATE, as the job takes it: a
    # stronger lock would stop the job's first post insert, whose foreign key checks it.)
    locker = await asyncpg.connect(os.environ["DATABASE_URL"])
    watcher = await asyncpg.connect(os.environ["DATABASE_URL"])  # fresh activity snapshots
    try:
        await locker.execute("BEGIN")
        await locker.execute('SELECT id FROM channel WHERE id = $1 FOR NO KEY UPDATE',
                             channel["id"])
        pid = await wait_for(lambda: _blocked_writer(watcher, locker),
                             "the job waited on the lock")
        assert await ChannelMetric.count() == 0  # its rows are not committed
        assert await watcher.fetchval("SELECT pg_terminate_backend($1)", pid)
        await locker.execute("ROLLBACK")
    finally:
        await locker.close()
        await watcher.close()

    retried = await wait_for(lambda: run_is(run["id"], SyncStatus.QUEUED),
                             "the job recorded the failed attempt")
    assert retried["error_code"] == "DATABASE_UNAVAILABLE"
    assert await ChannelMetric.count() == 0  # the dropped transaction left nothing behind
    assert (await channel_row(channel["id"]))["metrics_watermark"] is None
    done = await wait_for(lambda: run_is(run["id"], SyncStatus.SUCCEEDED, SyncStatus.FAILED),
                          "the retry finished")
    assert done["status"] == SyncStatus.SUCCEEDED and done["attempt"] == 2, workers.output()
    await reconcile(emulator, channel["id"], start, end)


async def _blocked_writer(watcher: asyncpg.Connection, locker: asyncpg.Connection
                          ) -> int | None:
    """The backend that has written in its transaction and now waits for the locker."""
    return await watcher.fetchval(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL "
        "AND $1 = ANY(pg_blocking_pids(pid))", locker.get_server_pid())


# -- in this process: the queue's own guarantees ------------------------------------------------


async def _startup(ctx: dict[str, Any]) -> None:
    """The test session's database pool is already open: only the client and the queue."""
    import httpx

    ctx["http"] = httpx.AsyncClient(timeout=get_settings().http_timeout)
    ctx["queue"] = ArqQueue(ctx["redis"])


async def _shutdown(ctx: dict[str, Any]) -> None:
    await ctx["http"].aclose()


async def burst(pool: ArqRedis) -> Any:  # noqa: ARG001 - the queue it empties
    """Run the sync queue's jobs with a real arq Worker until the queue is empty."""
    (worker,) = await run_workers((WorkerSettings,), burst=True, crons=False,
                                  redis_settings=redis_settings(get_settings().redis_url),
                                  on_startup=_startup, on_shutdown=_shutdown, poll_delay=0.05)
    return worker


async def test_the_same_sync_asked_twice_at_once_is_one_job(emulator, pool):
    channel = await connected_channel()
    window = Window(SyncKind.METRICS, *last_days(12))
    a, b = await asyncio.gather(request_window(ArqQueue(pool), channel["id"], window),
                                request_window(ArqQueue(pool), channel["id"], window))
    assert a["id"] == b["id"]
    assert len(await pool.queued_jobs(queue_name=SYNC_QUEUE)) == 1
    worker = await burst(pool)
    assert (worker.jobs_complete, worker.jobs_retried, worker.jobs_failed) == (1, 0, 0)
    assert (await runs.get_run(a["id"]))["status"] == SyncStatus.SUCCEEDED
    await reconcile(emulator, channel["id"], window.start, window.end)


async def test_a_failure_past_the_call_budget_is_retried_by_arq(emulator, pool):
    channel = await connected_channel()
    emulator.fault("500", platform="facebook", path="insights",
                   count=get_settings().sync_max_retries + 1)
    window = Window(SyncKind.METRICS, *last_days(5))
    run = await request_window(ArqQueue(pool), channel["id"], window)
    worker = await burst(pool)
    assert (worker.jobs_complete, worker.jobs_retried) == (1, 1)
    done = await runs.get_run(run["id"])
    assert done["status"] == SyncStatus.SUCCEEDED and done["attempt"] == 2
    await reconcile(emulator, channel["id"], window.start, window.end)


async def test_an_expired_token_is_not_retried_by_arq(emulator, pool):
    channel = await connected_channel()
    emulator.fault("expired_token", platform="facebook", count=None, probability=1.0)
    run = await request_window(ArqQueue(pool), channel["id"],
                               Window(SyncKind.METRICS, *last_days(5)))
    worker = await burst(pool)
    assert (worker.jobs_complete, worker.jobs_retried) == (1, 0)
    done = await runs.get_run(run["id"])
    assert done["status"] == SyncStatus.FAILED and done["error_code"] == "TOKEN_EXPIRED"
    stored = await Channel.select(Channel.status).where(Channel.id == channel["id"]).first()
    assert stored["status"] == "TOKEN_EXPIRED"


async def test_due_posts_go_out_once_through_the_queue(emulator, pool):
    channel = await connected_channel()
    posts = [await scheduled_post(channel, f"Post number {n}") for n in range(3)]
    ctx = {"queue": ArqQueue(pool)}
    assert await publish_due_posts(ctx) == 3
    assert await publish_due_posts(ctx) == 3  # queued twice: still three jobs
    assert len(await pool.queued_jobs(queue_name=SYNC_QUEUE)) == 3
    worker = await burst(pool)
    assert worker.jobs_complete == 3
    texts = sorted(p["text"] for p in emulator.stats()["published"])
    assert texts == sorted(p["text"] for p in posts)
    states = await Post.select(Post.status).where(Post.id.is_in([p["id"] for p in posts]))
    assert {s["status"] for s in states} == {PostStatus.PUBLISHED}
