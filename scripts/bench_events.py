#!/usr/bin/env python
"""How fast a live event reaches many WebSocket subscribers, through Redis and one API process.

    .venv/bin/python scripts/bench_events.py [--clients 200] [--events 20] [--users N]
        [--database-url URL] [--redis-url URL]

Seeds one brand with `--users` managers (each client signs in as one of them, round
robin; default: one user per client) into a dedicated PostgreSQL database it drops and
re-creates (`coso_bench_events`), starts `uvicorn api.app:app` on a free port, connects
`--clients` graphql-transport-ws clients subscribed to `events`, then publishes `--events`
events from this process (as a worker would: Redis pub/sub), one every 200 ms. Each
delivery's latency is its arrival at the client minus the event's `occurredAt` (one
machine, one clock): the path is commit → Redis → the API's listener → the per-event
permission check (token and roles read again) → the WebSocket. Prints p50, p95 and max
over all deliveries, and whether p95 ≤ 250 ms (issue 16's target).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 250.0
QUERY = "subscription { events(kinds: [REPORT_READY]) { id occurredAt payload brand { id } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def seed(users: int) -> tuple[int, int, list[str]]:
    from domain.db import open_pool, recreate_postgres_database
    from domain.enums import Role
    from domain.migrate import migrate
    from domain.models import Brand, Membership, User, Workspace
    from domain.services.tokens import issue_token
    from domain.settings import get_settings

    await recreate_postgres_database(get_settings().database_url)
    await migrate()
    await open_pool(5)
    workspace = Workspace(name="Bench", slug="bench")
    await workspace.save()
    brand = Brand(workspace=workspace.id, name="Bench", slug="bench")
    await brand.save()
    tokens = []
    for n in range(users):
        user = User(email=f"m{n}@bench.example", name=f"Manager {n}")
        await user.save()
        await Membership(user=user.id, brand=brand.id, role=Role.MANAGER).save()
        tokens.append(await issue_token(user.id, "bench"))
    return workspace.id, brand.id, tokens


async def client(url: str, token: str, arrivals: dict[str, list[float]],
                 ready: asyncio.Event, count: list[int], total: int) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                       max_queue=None) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": QUERY}}))
        seen_warmup = False
        async for text in ws:
            now = time.time()
            message = json.loads(text)
            if message.get("type") != "next":
                continue
            event = message["payload"]["data"]["events"]
            if event["payload"].get("warmup"):
                if not seen_warmup:
                    seen_warmup = True
                    count[0] += 1
                    if count[0] == total:
                        ready.set()
                continue
            sent = datetime.fromisoformat(event["occurredAt"]).timestamp()
            arrivals.setdefault(event["id"], []).append((now - sent) * 1000)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--users", type=int, default=0, help="default: one per client")
    parser.add_argument("--database-url",
                        default="postgresql://postgres@127.0.0.1:5432/coso_bench_events")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ.setdefault("COSO_LOG_LEVEL", "WARNING")
    from domain.events import Event, EventKind, publish
    from domain.settings import get_settings

    get_settings.cache_clear()
    workspace, brand, tokens = await seed(args.users or args.clients)
    port = free_port()
    env = {**os.environ, "COSO_MAX_SUBSCRIPTIONS_PER_VIEWER": str(args.clients),
           "COSO_RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:app", "--port", str(port),
         "--log-level", "warning", "--ws-max-queue", "1000"], cwd=REPO_ROOT, env=env)
    try:
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        arrivals: dict[str, list[float]] = {}
        ready, count = asyncio.Event(), [0]
        url = f"ws://127.0.0.1:{port}/graphql"
        tasks = []
        for n in range(args.clients):
            tasks.append(asyncio.create_task(
                client(url, tokens[n % len(tokens)], arrivals, ready, count, args.clients)))
            if n % 20 == 19:
                await asyncio.sleep(0.05)  # not 200 handshakes in one instant
        while not ready.is_set():
            await publish(Event(EventKind.REPORT_READY, workspace, brand, "Report", 1,
                                {"warmup": True}))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), 1)
        await asyncio.sleep(2)  # let the last warm-up events drain
        for n in range(args.events):
            await publish(Event(EventKind.REPORT_READY, workspace, brand, "Report", n + 2, {}))
            await asyncio.sleep(0.2)
        await asyncio.sleep(3)
        for task in tasks:
            task.cancel()
        latencies = sorted(ms for per_event in arrivals.values() for ms in per_event)
        expected = args.clients * args.events
        p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
        print(f"clients {args.clients}, users {len(tokens)}, events {args.events}: "
              f"{len(latencies)} of {expected} deliveries")
        print(f"latency ms: p50 {statistics.median(latencies):.1f}  p95 {p95:.1f}  "
              f"max {latencies[-1]:.1f}")
        print(f"target p95 <= {TARGET_P95_MS:.0f} ms: "
              f"{'met' if p95 <= TARGET_P95_MS and len(latencies) == expected else 'NOT met'}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    asyncio.run(main())
