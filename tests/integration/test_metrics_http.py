"""`/metrics` scraped over real HTTP: `coso serve --workers 2` and a `coso worker`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from api.app import app
from domain.enums import Role, SyncKind
from domain.models import Report
from domain.services.tokens import issue_token
from domain.settings import get_settings
from domain.sync import runs
from tests.api.client import gid
from tests.factories import make_brand, make_channel, make_membership, make_user, make_workspace
from tests.integration.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
REQUEST_REPORT = """mutation Ask($input: RequestReportInput!) { requestReport(input: $input) {
  report { id status } userErrors { code } } }"""


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(text)
            for s in family.samples]


def value(text: str, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels` (0 when there is none)."""
    return sum(v for n, ls, v in samples(text)
               if n == name and all(ls.get(k) == w for k, w in labels.items()))


def names(text: str) -> set[str]:
    return {family.name for family in text_string_to_metric_families(text)}


class Processes:
    """Coso processes started by a test, their stderr in files, stopped at the end."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        log = self.tmp_path / f"process-{len(self.started)}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "api.cli", *args], cwd=ROOT,
                                       env={**self.env, **env}, stdout=out,
                                       stderr=subprocess.STDOUT)
        self.started.append((process, log))
        return process

    def output(self) -> str:
        return "\n".join(log.read_text(errors="replace") for _, log in self.started)

    def stop(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.terminate()
        for process, _ in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:
    env = {**os.environ, "COSO_DB_POOL_SIZE": "2", "COSO_LOG_FORMAT": "json",
           "COSO_STORAGE_DIR": str(tmp_path / "files")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # `coso serve` makes its own
    started = Processes(tmp_path, env)
    client = redis.Redis.from_url(get_settings().redis_url)
    client.flushdb()
    yield started
    started.stop()
    client.flushdb()
    client.close()


async def _until_up(url: str, process: subprocess.Popen[bytes], output: Any) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            if process.poll() is not None:
                raise AssertionError(f"exited {process.returncode}: {output()}")
            try:
                if (await client.get(url, timeout=1)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered: {output()}")


@pytest.fixture
async def manager():
    workspace = await make_workspace(slug="studio")
    brand = await make_brand(workspace, slug="acme", name="Acme Coffee")
    await make_channel(brand)
    user = await make_user("manager@studio.example")
    await make_membership(user, brand, Role.MANAGER)
    return brand, await issue_token(user.id, "test")


async def test_api_and_worker_metrics_over_http(processes, manager):
    brand, token = manager
    api_port, worker_port = free_port(), free_port()
    api = processes.start("serve", "--workers", "2", "--port", str(api_port))
    worker = processes.start("worker", "--no-cron", COSO_WORKER_METRICS_PORT=str(worker_port))
    base = f"http://127.0.0.1:{api_port}"
    await _until_up(f"{base}/health", api, processes.output)
    await _until_up(f"http://127.0.0.1:{worker_port}/metrics", worker, processes.output)

    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=30) as client:
        for _ in range(6):  # spread over both processes by the kernel
            probe = await client.post("/graphql", json={
                "query": "query Probe { viewer { user { email } } }"})
            assert probe.status_code == 200 and "errors" not in probe.json()
        asked = await client.post("/graphql", json={"query": REQUEST_REPORT, "variables": {
            "input": {"brand": gid("Brand", brand.id), "kind": "ROI", "month": "2026-10",
                      "format": "HTML"}}})
        assert asked.json()["data"]["requestReport"]["userErrors"] == []
        for _ in range(600):
            if (await Report.select(Report.status).first())["status"] == "READY":
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the report never rendered: {processes.output()}")

        # Every scrape, whichever process answers it, counts the requests of both.
        for _ in range(4):
            scraped = await client.get("/metrics")
            assert scraped.status_code == 200, scraped.text
            text = scraped.text
            assert value(text, "coso_http_request_duration_seconds_count",
                         operation="query Probe", route="/graphql", status="200") == 6
            assert value(text, "coso_http_request_duration_seconds_count",
                         operation="mutation Ask") == 1
        assert {"coso_http_request_duration_seconds", "coso_graphql_query_cost",
                "coso_queue_depth"} <= names(text)
        assert value(text, "coso_queue_depth", queue="arq:queue") == 0

    async with httpx.AsyncClient() as client:
        worker_text = (await client.get(f"http://127.0.0.1:{worker_port}/metrics")).text
    assert value(worker_text, "coso_job_runs_total", job="generate_report",
                 outcome="succeeded") == 1
    assert value(worker_text, "coso_job_duration_seconds_count", job="generate_report",
                 outcome="succeeded") == 1
    assert value(worker_text, "coso_queue_depth", queue="arq:queue") == 0
    assert "coso_queue_depth" in names(worker_text)

    # JSON lines from both kinds of process, the job's carrying the request's id.
    processes.stop()
    lines = [line for line in processes.output().splitlines() if line.startswith("{")]
    parsed = [json.loads(line) for line in lines]
    [ask] = [p for p in parsed if p.get("event") == "request"
             and p.get("operation") == "mutation Ask"]
    [job] = [p for p in parsed if p.get("event") == "job finished"]
    assert job["request_id"] == ask["request_id"] == asked.headers["x-request-id"]
    assert "Traceback" not in processes.output()


async def test_metrics_are_for_loopback_or_the_token_holder(monkeypatch):
    async def scrape(client_address: str, headers: dict[str, str] | None = None) -> int:
        transport = httpx.ASGITransport(app=app, client=(client_address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://coso.test") as c:
            return (await c.get("/metrics", headers=headers or {})).status_code

    assert await scrape("127.0.0.1") == 200
    assert await scrape("203.0.113.9") == 403
    # Through a proxy on the same machine: still someone else's request.
    assert await scrape("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}) == 403
    monkeypatch.setenv("COSO_METRICS_TOKEN", "scrape-secret")
    get_settings.cache_clear()
    try:
        assert await scrape("203.0.113.9") == 401
        assert await scrape("127.0.0.1", {"Authorization": "Bearer wrong"}) == 401
        assert await scrape("203.0.113.9", {"Authorization": "Bearer scrape-secret"}) == 200
    finally:
        monkeypatch.delenv("COSO_METRICS_TOKEN")
        get_settings.cache_clear()


async def test_a_failed_sync_run_counts_by_platform():
    brand = await make_brand(await make_workspace(slug="studio"), slug="acme")
    channel = await make_channel(brand)
    labels = {"platform": str(channel.platform), "kind": "METRICS", "code": "TOKEN_EXPIRED"}
    before = REGISTRY.get_sample_value("coso_sync_failures_total", labels) or 0
    opened = await runs.open_run(channel.id, SyncKind.METRICS, "sync:test")
    await runs.fail_run(opened.run["id"], "TOKEN_EXPIRED", "the token expired")
    assert REGISTRY.get_sample_value("coso_sync_failures_total", labels) == before + 1
