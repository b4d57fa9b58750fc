#!/usr/bin/env python
"""A mixed workload at 50 concurrent users against `coso serve --workers 2` and two workers.

    .venv/bin/python scripts/load_test.py [--duration 60] [--users 50] [--api-workers 2]
        [--workers 2] [--worker-concurrency 2] [--database-url URL] [--redis-url URL]
        [--url URL] [--pdf] [--drain 180] [--mix OP=WEIGHT ...] [--env K=V ...]

It drops and re-creates its own PostgreSQL database (`coso_load` on the local server by
default), migrates it and seeds the demo agency (as `coso demo` does), empties its Redis
database (db 3 by default), then starts `coso serve --workers 2` and two `coso worker`
processes on them (`python -m api.cli`, this checkout's code), with rate limits and cost
budgets set far above what the run needs (`--env` adds or overrides settings), so that
it measures the server rather than the limiter. With `--url` it uses a server already
running on that database instead (and starts nothing; it still seeds).

Each virtual user has its own API token (of the demo's manager) and its own draft post,
created before the clock starts, and loops without pause until --duration is over,
picking each time:

* dashboard (35 %): a brand's KPIs and two metric series over the last 30 days;
* posts (25 %): a brand's latest 20 published posts with their channels;
* edit (15 %): `updatePost` of the user's own draft post, with a text naming the edit;
* import (17 %): `importMetrics` of 20 daily values of one metric of one channel (each
  user owns its channel and metric; days long before the demo's, never repeated);
* report (8 %): `requestReport` (HTML by default, so two workers keep up; `--pdf`) —
  the API answers QUEUED at once and a worker renders it.

It prints requests/s, p50/p95/p99 and errors per operation (an error is a transport
failure, a non-200 answer, a GraphQL error or a userError; the target is 0), then
reconciles every acknowledged write with the database, read directly: each post's text is
its last acknowledged edit and the audit log holds exactly one `post.update` per
acknowledged edit; each imported value is stored once, with the value sent; each
requested report is one row (and says how many the workers rendered by the end).
Exit code 0 only with no error and a clean reconciliation.

Why an asyncio client and not locust: locust runs on gevent, which monkey-patches the
standard library and would have to live beside (or be kept apart from) Coso's asyncio
stack in the same virtualenv; this client is httpx and asyncio, already Coso's
dependencies. One process drives 50 concurrent users without threads, and because the
script owns every request it sent, it knows exactly which writes were acknowledged and
can reconcile them row by row against PostgreSQL, which locust's fire-and-count model
does not give. Percentiles are computed from every sample, not from buckets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/coso_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/3"
# Settings of the rate limiter and the query cost budget (names as in domain/settings.py),
# far above what 50 users make in a run: the load test measures the server, not them.
UNLIMITED = {
    "COSO_RATE_LIMIT_PER_MINUTE": "100000000",
    "COSO_RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "100000000",
    "COSO_COST_BUDGET_PER_MINUTE": "1000000000",
}
WEIGHTS = {"dashboard": 35, "posts": 25, "edit": 15, "import": 17, "report": 8}
IMPORT_BATCH = 20
# Count metrics only (money ones would need a currency); each user owns one (channel,
# metric) pair and imports days from this one on, far before the demo's.
IMPORT_METRICS = ("impressions", "reach", "video_views", "reactions", "comments", "shares",
                  "saves", "clicks", "conversions", "follows", "mentions", "profile_visits")
FIRST_IMPORT_DAY = date(1990, 1, 1)

DASHBOARD = """query Dashboard($slug: String!, $from: Date!, $to: Date!) {
  brand(slug: $slug) { name kpis(from: $from, to: $to) { engagementRate ctr roi
    totals { metric value currency } }
    metrics(from: $from, to: $to, names: ["impressions", "reach"]) {
      metric total points { day value } } } }"""
POSTS = """query Posts($slug: String!) { brand(slug: $slug) {
  posts(first: 20, filter: {status: [PUBLISHED]}) { totalCount nodes {
    id text status publishedAt channel { handle platform } } } } }"""
BRANDS = """query Brands { brands(first: 50) { nodes { id slug
  channels { id handle platform } } } }"""
CREATE_POST = """mutation CreatePost($input: CreatePostInput!) { createPost(input: $input) {
  post { id } userErrors { field code message } } }"""
UPDATE_POST = """mutation EditPost($input: UpdatePostInput!) { updatePost(input: $input) {
  post { id text } userErrors { field code message } } }"""
IMPORT = """mutation ImportMetrics($brand: ID!, $items: [MetricImportItem!]!) {
  importMetrics(brand: $brand, items: $items, source: "load test") {
    items inserted updated unchanged rejected written userErrors { field code message } } }"""
REPORT = """mutation RequestReport($input: RequestReportInput!) { requestReport(input: $input) {
  report { id status } userErrors { field code message } } }"""


@dataclass
class User:
    """One virtual user: its token, brand, draft post and (channel, metric) to import into."""

    number: int
    token: str
    brand_id: str
    brand_slug: str
    channel_id: str
    channel_handle: str
    channel_platform: str
    metric: str
    post_id: str = ""
    edits: int = 0
    last_text: str = ""
    next_day: date = FIRST_IMPORT_DAY
    imported: dict[date, int] = field(default_factory=dict)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    reports: list[str] = field(default_factory=list)

    def error(self, op: str, what: str) -> None:
        self.errors[op] += 1
        if len(self.samples[op]) < 3:
            self.samples[op].append(what[:300])


class Failed(Exception):
    """The request did not do what was asked (the message says how)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users")
    parser.add_argument("--api-workers", type=int, default=2, help="coso serve --workers")
    parser.add_argument("--workers", type=int, default=2, help="coso worker processes")
    parser.add_argument("--worker-concurrency", type=int, default=2,
                        help="jobs each worker runs at once (renders are CPU-bound: more "
                             "than the cores only slows the API down)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--url", help="a running Coso on --database-url: start nothing")
    parser.add_argument("--pdf", action="store_true", help="request PDF reports, not HTML")
    parser.add_argument("--drain", type=float, default=180,
                        help="seconds to wait, after the load, for the requested reports")
    parser.add_argument("--seed", type=int, default=13, help="random seed of the mix")
    parser.add_argument("--mix", action="append", default=[], metavar="OP=WEIGHT",
                        help=f"change an operation's weight (of {', '.join(WEIGHTS)}); "
                             "e.g. report=0 leaves the CPU to the API")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting for the started processes (repeatable)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("error: the load test needs PostgreSQL (several processes share it)")
    extra = dict(item.split("=", 1) for item in args.env)
    for item in args.mix:
        op, _, weight = item.partition("=")
        if op not in WEIGHTS or not weight.isdigit():
            sys.exit(f"error: --mix takes OP=WEIGHT with OP one of {', '.join(WEIGHTS)}")
        WEIGHTS[op] = int(weight)

    os.chdir(REPO_ROOT)
    sys.path.insert(0, str(REPO_ROOT))
    # Before Coso's modules are imported: Piccolo reads DATABASE_URL once.
    os.environ.update({"DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
                       **UNLIMITED, **extra})
    logs = Path(tempfile.mkdtemp(prefix="coso-load-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        tokens, manager_id = asyncio.run(prepare(args))
        metrics_ports: list[int] = []
        url = args.url or start_processes(args, logs, processes, metrics_ports)
        api_pid = processes[0].pid if processes else None
        ok = asyncio.run(run(args, url, tokens, manager_id, api_pid))
        if metrics_ports:
            print_job_metrics(metrics_ports)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"logs: {logs}")
    sys.exit(0 if ok else 1)


async def prepare(args: argparse.Namespace) -> tuple[list[str], int]:
    """A fresh database (unless --url) with the demo agency; a token per virtual user."""
    import redis.asyncio as aioredis

    from domain.db import close_pool, open_pool, recreate_postgres_database
    from domain.demo import seed_demo
    from domain.migrate import migrate
    from domain.models import User as UserTable
    from domain.services.tokens import issue_token

    started = time.perf_counter()
    if not args.url:
        await recreate_postgres_database(args.database_url)
    await open_pool(max_size=4)
    try:
        await migrate()
        await seed_demo()
        manager = await UserTable.select(UserTable.id).where(
            UserTable.email == "manager@coso.example").first()
        assert manager is not None, "the demo has no manager@coso.example"
        tokens = [await issue_token(manager["id"], f"load-{i}") for i in range(args.users)]
    finally:
        await close_pool()
    queue = aioredis.Redis.from_url(args.redis_url)
    await queue.flushdb()
    await queue.aclose()
    print(f"seeded the demo agency in {time.perf_counter() - started:.1f}s "
          f"({args.database_url}); {args.users} tokens of manager@coso.example")
    return tokens, manager["id"]


def start_processes(args: argparse.Namespace, logs: Path,
                    processes: list[subprocess.Popen[bytes]], metrics_ports: list[int]) -> str:
    port = free_port()
    env = {**os.environ, "COSO_LOG_FORMAT": "json", "COSO_STORAGE_DIR": str(logs / "files"),
           "COSO_DB_POOL_SIZE": os.environ.get("COSO_DB_POOL_SIZE", "10")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)

    def start(name: str, *command: str, **more: str) -> None:
        with open(logs / f"{name}.log", "wb") as out:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "api.cli", *command], cwd=REPO_ROOT,
                env={**env, **more}, stdout=out, stderr=subprocess.STDOUT))

    start("api", "serve", "--workers", str(args.api_workers), "--port", str(port))
    for n in range(args.workers):
        metrics_ports.append(free_port())
        start(f"worker-{n}", "worker", "--no-cron", "--concurrency",
              str(args.worker_concurrency), COSO_WORKER_METRICS_PORT=str(metrics_ports[-1]))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                sys.exit(f"error: a Coso process exited ({process.args}); see {logs}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                print(f"started coso serve --workers {args.api_workers} on {url} and "
                      f"{args.workers} coso worker processes (logs in {logs})")
                return url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit(f"error: coso serve did not answer /health; see {logs}")


async def gql(client: httpx.AsyncClient, token: str, query: str,
              variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers={"Authorization": f"Bearer {token}"})
    if response.status_code != 200:
        raise Failed(f"HTTP {response.status_code}: {response.text[:200]}")
    body = response.json()
    if body.get("errors"):
        raise Failed(f"errors: {body['errors']}")
    return body["data"]


def payload(data: dict[str, Any], name: str) -> dict[str, Any]:
    result = data[name]
    if result.get("userErrors"):
        raise Failed(f"userErrors: {result['userErrors']}")
    return result


async def setup_users(client: httpx.AsyncClient, tokens: list[str], run_id: str) -> list[User]:
    """Each user's brand, channel and metric, and a draft post of its own (not timed)."""
    brands = (await gql(client, tokens[0], BRANDS))["brands"]["nodes"]
    pairs = [(b, c) for b in brands for c in b["channels"]]
    if len(pairs) * len(IMPORT_METRICS) < len(tokens):
        sys.exit("error: too few channels for one (channel, metric) pair per user")
    users = []
    for number, token in enumerate(tokens):
        brand, channel = pairs[number % len(pairs)]
        metric = IMPORT_METRICS[number // len(pairs)]
        user = User(number, token, brand["id"], brand["slug"], channel["id"],
                    channel["handle"], channel["platform"].lower(), metric)
        created = payload(await gql(client, token, CREATE_POST, {"input": {
            "brand": user.brand_id, "channel": user.channel_id,
            "text": f"load {run_id} user {number} draft"}}), "createPost")
        user.post_id = created["post"]["id"]
        user.last_text = f"load {run_id} user {number} draft"
        users.append(user)
    return users


def import_value(user: User, day: date) -> int:
    """What user `user` imports for `day`: recomputed, not stored, by the reconciliation."""
    return (day.toordinal() * 7 + user.number) % 100_000


async def act(op: str, user: User, client: httpx.AsyncClient, run_id: str, today: date,
              rng: random.Random, tally: Tally, pdf: bool) -> None:
    if op == "dashboard":
        await gql(client, user.token, DASHBOARD, {
            "slug": user.brand_slug, "from": str(today - timedelta(days=30)),
            "to": str(today - timedelta(days=1))})
    elif op == "posts":
        await gql(client, user.token, POSTS, {"slug": user.brand_slug})
    elif op == "edit":
        text = f"load {run_id} user {user.number} edit {user.edits + 1}"
        result = payload(await gql(client, user.token, UPDATE_POST, {
            "input": {"id": user.post_id, "text": text}}), "updatePost")
        if result["post"]["text"] != text:
            raise Failed(f"updatePost answered text {result['post']['text']!r}")
        user.edits += 1
        user.last_text = text
    elif op == "import":
        days = [user.next_day + timedelta(days=i) for i in range(IMPORT_BATCH)]
        user.next_day += timedelta(days=IMPORT_BATCH)
        items = [{"channel": user.channel_handle, "platform": user.channel_platform,
                  "day": str(day), "metric": user.metric,
                  "value": str(import_value(user, day))} for day in days]
        result = payload(await gql(client, user.token, IMPORT, {
            "brand": user.brand_id, "items": items}), "importMetrics")
        if not result["written"] or result["inserted"] != IMPORT_BATCH:
            raise Failed(f"importMetrics answered {result}")
        for day in days:
            user.imported[day] = import_value(user, day)
    elif op == "report":
        month = today.replace(day=1) - timedelta(days=1 + rng.randrange(0, 300))
        result = payload(await gql(client, user.token, REPORT, {"input": {
            "brand": user.brand_id, "kind": rng.choice(["ROI", "STRATEGY"]),
            "format": "PDF" if pdf else "HTML", "month": month.strftime("%Y-%m")}}),
            "requestReport")
        tally.reports.append(result["report"]["id"])


async def virtual_user(user: User, client: httpx.AsyncClient, run_id: str, deadline: float,
                       tally: Tally, seed: int, pdf: bool) -> None:
    rng = random.Random(seed * 1000 + user.number)
    ops, weights = list(WEIGHTS), list(WEIGHTS.values())
    today = datetime.now(UTC).date()
    while time.monotonic() < deadline:
        op = rng.choices(ops, weights)[0]
        started = time.perf_counter()
        try:
            await act(op, user, client, run_id, today, rng, tally, pdf)
        except Failed as failure:
            tally.error(op, str(failure))
        except httpx.HTTPError as error:
            tally.error(op, f"{type(error).__name__}: {error}")
        finally:
            tally.latencies[op].append(time.perf_counter() - started)


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted samples."""
    if not ordered:
        return float("nan")
    rank = max(1, int(round(p / 100 * len(ordered) + 0.4999)))
    return ordered[min(rank, len(ordered)) - 1]


async def run(args: argparse.Namespace, url: str, tokens: list[str], manager_id: int,
              api_pid: int | None) -> bool:
    run_id = uuid.uuid4().hex[:8]
    limits = httpx.Limits(max_connections=args.users + 5, max_keepalive_connections=args.users)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        users = await setup_users(client, tokens, run_id)
        tally = Tally()
        print(f"running {args.users} users for {args.duration:.0f}s (run {run_id}) ...")
        started_at = datetime.now(UTC)
        started = time.monotonic()
        cpu_before, load_before = tree_cpu_seconds(api_pid), os.getloadavg()[0]
        await asyncio.gather(*(virtual_user(u, client, run_id, started + args.duration,
                                            tally, args.seed, args.pdf) for u in users))
        elapsed = time.monotonic() - started
        cpu = tree_cpu_seconds(api_pid) - cpu_before
        load_after = os.getloadavg()[0]
    print_figures(tally, elapsed)
    requests = sum(len(v) for v in tally.latencies.values())
    if api_pid is not None and requests:
        # What the API itself spent, whatever else the machine ran: its capacity.
        print(f"\nAPI processes' CPU: {cpu:.1f}s for {requests} requests = "
              f"{cpu / requests * 1000:.0f} ms a request ({cpu / elapsed:.2f} of "
              f"{os.cpu_count()} cores busy); load average {load_before:.1f} at the start, "
              f"{load_after:.1f} at the end")
    await drain(tally, args.drain)
    clean = await reconcile(users, tally, manager_id, started_at)
    errors = sum(tally.errors.values())
    print(f"\nerrors: {errors} (target 0); reconciliation: {'OK' if clean else 'FAILED'}")
    return errors == 0 and clean


def tree_cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process and its descendants (Linux /proc; 0 else)."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return own + sum(tree_cpu_seconds(int(c)) for c in children.read().split())
    except (OSError, ValueError, IndexError):
        return 0.0


def print_figures(tally: Tally, elapsed: float) -> None:
    total = sum(len(v) for v in tally.latencies.values())
    print(f"\n{total} requests in {elapsed:.1f}s: {total / elapsed:.1f} requests/s\n")
    print(f"{'operation':<10} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    for op in [*WEIGHTS, *(k for k in tally.latencies if k not in WEIGHTS)]:
        ordered = sorted(tally.latencies.get(op, []))
        if not ordered:
            continue
        print(f"{op:<10} {len(ordered):>8} {len(ordered) / elapsed:>7.1f} "
              f"{percentile(ordered, 50) * 1000:>8.0f} {percentile(ordered, 95) * 1000:>8.0f} "
              f"{percentile(ordered, 99) * 1000:>8.0f} {ordered[-1] * 1000:>8.0f} "
              f"{tally.errors.get(op, 0):>6}")
    for op, samples in tally.samples.items():
        for sample in samples:
            print(f"  {op} error: {sample}")


async def drain(tally: Tally, seconds: float) -> None:
    """Wait (at most `seconds`) for the workers to finish the reports requested."""
    from domain.db import close_pool, open_pool
    from domain.models import Report

    if not tally.reports or seconds <= 0:
        return
    ids = [_pk(r) for r in tally.reports]
    await open_pool(max_size=1)
    try:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            pending = await Report.count().where(
                Report.id.is_in(ids), Report.status.is_in(["QUEUED", "RUNNING"]))
            if pending == 0:
                break
            await asyncio.sleep(1)
        print(f"\nreports: {len(ids) - pending} of {len(ids)} finished "
              f"{time.monotonic() - started:.0f}s after the load")
    finally:
        await close_pool()


def print_job_metrics(ports: list[int]) -> None:
    """The workers' own count of job runs, scraped from their /metrics."""
    from prometheus_client.parser import text_string_to_metric_families

    runs: dict[tuple[str, str], float] = defaultdict(float)
    seconds: dict[tuple[str, str], float] = defaultdict(float)
    for port in ports:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except httpx.HTTPError as error:
            print(f"worker metrics on port {port}: {error}")
            continue
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                key = (sample.labels.get("job", ""), sample.labels.get("outcome", ""))
                if sample.name == "coso_job_runs_total":
                    runs[key] += sample.value
                elif sample.name == "coso_job_duration_seconds_sum":
                    seconds[key] += sample.value
    print("\njob runs (the workers' /metrics):")
    for (job, outcome), count in sorted(runs.items()):
        mean = seconds[(job, outcome)] / count if count else 0
        print(f"  {job} {outcome}: {count:.0f}, mean {mean:.2f}s")


async def reconcile(users: list[User], tally: Tally, manager_id: int,
                    started_at: datetime) -> bool:
    """Every acknowledged write, checked in the database: there exactly once."""
    from piccolo.query.methods.select import Count

    from domain.db import close_pool, open_pool
    from domain.models import AuditLog, ChannelMetric, Post, Report

    await open_pool(max_size=2)
    problems: list[str] = []
    try:
        post_ids = {u.number: _pk(u.post_id) for u in users}
        texts = {r["id"]: r["text"] for r in await Post.select(Post.id, Post.text).where(
            Post.id.is_in(list(post_ids.values())))}
        audited = {r["object_id"]: r["count"] for r in await AuditLog.select(
            AuditLog.object_id, Count()).where(
            AuditLog.action == "post.update", AuditLog.object_type == "post",
            AuditLog.object_id.is_in(list(post_ids.values()))).group_by(AuditLog.object_id)}
        edits = sum(u.edits for u in users)
        for user in users:
            pk = post_ids[user.number]
            if texts.get(pk) != user.last_text:
                problems.append(f"post {pk}: text {texts.get(pk)!r}, last acknowledged "
                                f"{user.last_text!r}")
            if audited.get(pk, 0) != user.edits:
                problems.append(f"post {pk}: {audited.get(pk, 0)} audited updates, "
                                f"{user.edits} acknowledged")

        imported = 0
        for user in users:
            imported += len(user.imported)
            stored = await ChannelMetric.select(ChannelMetric.day, ChannelMetric.value).where(
                ChannelMetric.channel == _pk(user.channel_id),
                ChannelMetric.metric == user.metric, ChannelMetric.day < date(2000, 1, 1))
            days = [r["day"] for r in stored]
            values = {r["day"]: int(r["value"]) for r in stored}
            if len(days) != len(values):
                problems.append(f"import of user {user.number}: a day stored twice")
            if values != user.imported:
                missing = set(user.imported) - set(values)
                extra = set(values) - set(user.imported)
                wrong = [d for d in set(values) & set(user.imported)
                         if values[d] != user.imported[d]]
                problems.append(f"import of user {user.number}: {len(missing)} values "
                                f"missing, {len(extra)} not acknowledged, {len(wrong)} "
                                "different")

        report_ids = [_pk(r) for r in tally.reports]
        stored_reports = {r["id"]: r["status"] for r in await Report.select(
            Report.id, Report.status).where(Report.requested_by == manager_id,
                                            Report.created_at >= started_at)}
        if sorted(stored_reports) != sorted(report_ids):
            problems.append(f"reports: {len(report_ids)} acknowledged ids, "
                            f"{len(stored_reports)} rows requested during the run")
        by_status: dict[str, int] = defaultdict(int)
        for status in stored_reports.values():
            by_status[status] += 1
    finally:
        await close_pool()

    print("\nreconciliation (read from PostgreSQL):")
    print(f"  post edits:      {edits} acknowledged; each post's text is its last edit and "
          f"the audit log has one post.update per edit: "
          f"{'yes' if not any(p.startswith('post') for p in problems) else 'NO'}")
    print(f"  metric values:   {imported} acknowledged; each stored once with the value "
          f"sent: {'yes' if not any(p.startswith('import') for p in problems) else 'NO'}")
    print(f"  report requests: {len(report_ids)} acknowledged, {len(stored_reports)} rows "
          f"({'yes' if not any(p.startswith('report') for p in problems) else 'NO'}); "
          f"status at the end: {dict(sorted(by_status.items()))}")
    for problem in problems[:20]:
        print(f"  PROBLEM {problem}")
    return not problems


def _pk(global_id: str) -> int:
    """The row id in a global id (base64 of `Type:id`), as any API client may read it."""
    import base64

    return int(base64.b64decode(global_id).decode().split(":", 1)[1])


if __name__ == "__main__":
    main()
