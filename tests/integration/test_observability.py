"""Logs and request ids end to end: a request's id in its JSON lines, its response, its jobs."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

import api.graphql.queries
from api.app import app
from api.observability import RequestObserver
from api.worker import ReportWorkerSettings
from domain.enums import Role
from domain.services.tokens import issue_token
from domain.settings import get_settings
from tests.api.client import gid
from tests.factories import make_brand, make_channel, make_membership, make_user, make_workspace
from tests.integration.reports.jobs_support import report_settings
from tests.logcapture import captured_logs

REQUEST_REPORT = """mutation Ask($input: RequestReportInput!) { requestReport(input: $input) {
  report { id status } userErrors { field code message } } }"""


class Lines:
    """The JSON log lines written so far, parsed."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def where(self, **match: Any) -> list[dict[str, Any]]:
        return [line for line in self.all()
                if all(line.get(k) == v for k, v in match.items())]


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    """This process's logs configured as `coso serve` does, into a string (then undone)."""
    with captured_logs() as stream:
        yield Lines(stream)


@pytest.fixture
async def manager():
    workspace = await make_workspace(slug="studio")
    brand = await make_brand(workspace, slug="acme", name="Acme Coffee")
    await make_channel(brand)
    user = await make_user("manager@studio.example")
    await make_membership(user, brand, Role.MANAGER)
    return brand, await issue_token(user.id, "test")


@pytest.fixture
def storage(tmp_path, monkeypatch):
    yield from report_settings(tmp_path, monkeypatch)


async def _post(body: dict[str, Any], token: str | None = None,
                request_id: str | bytes | None = None, target: Any = app) -> httpx.Response:
    headers: dict[str, Any] = {"Authorization": f"Bearer {token}"} if token else {}
    if request_id:
        headers["X-Request-ID"] = request_id
    transport = httpx.ASGITransport(app=target)
    async with httpx.AsyncClient(transport=transport, base_url="http://coso.test") as client:
        return await client.post("/graphql", json=body, headers=headers)


@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_a_request_id_follows_the_request_into_its_job(log_lines, manager, storage):
    brand, token = manager
    queue = await create_pool(RedisSettings.from_dsn(get_settings().redis_url))
    await queue.flushdb()
    try:
        response = await _post({"query": REQUEST_REPORT, "variables": {"input": {
            "brand": gid("Brand", brand.id), "kind": "ROI", "month": "2026-10",
            "format": "HTML"}}}, token, request_id="proxy-id-0001")
        assert response.json()["data"]["requestReport"]["userErrors"] == []
        assert response.headers["x-request-id"] == "proxy-id-0001"  # the caller's, kept
        worker = Worker(functions=ReportWorkerSettings.functions,
                        redis_settings=RedisSettings.from_dsn(get_settings().redis_url),
                        burst=True, poll_delay=0.05, handle_signals=False)
        try:
            await worker.main()
        finally:
            await worker.close()
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    finally:
        await queue.flushdb()
        await queue.aclose()

    [request] = log_lines.where(event="request", request_id="proxy-id-0001")
    assert request["operation"] == "mutation Ask" and request["status"] == 200
    assert request["level"] == "info" and request["timestamp"].endswith("Z")
    [job] = log_lines.where(event="job finished", job="generate_report")
    assert job["request_id"] == "proxy-id-0001" and job["outcome"] == "succeeded"
    assert job["job_id"].startswith("report:") and job["job_try"] == 1


@pytest.mark.parametrize("header", [None, "short", "has space in it", "x" * 200,
                                    "a\u00e9bcdefgh".encode("latin-1")])
async def test_a_missing_or_malformed_request_id_is_replaced(log_lines, header):
    response = await _post({"query": "{ __typename }"}, request_id=header)
    given = response.headers["x-request-id"]
    assert given != header and len(given) == 32 and int(given, 16) >= 0
    assert log_lines.where(event="request", request_id=given)


@pytest.mark.parametrize("query", [
    "{ brand(slug: ",                               # syntax
    "{ viewer { nope } }",                          # validation
    "query Who { viewer { user { email } } }",      # refused: not signed in
    '{ node(id: "bm90LWFuLWlk") { id } }',          # a malformed global id
])
async def test_a_client_error_is_one_line_without_traceback(log_lines, query):
    response = await _post({"query": query}, request_id="client-err-01")
    assert response.json()["errors"]
    assert "requestId" not in json.dumps(response.json())  # nothing for the client to quote
    errors = [line for line in log_lines.all() if line["level"] not in ("info", "debug")]
    assert errors == []
    [error] = log_lines.where(event="graphql client error")
    assert error["request_id"] == "client-err-01" and "exception" not in error
    assert "Traceback" not in log_lines.text
    # One line for the error, one for the request: nothing else.
    assert len(log_lines.where(request_id="client-err-01")) == 2


async def test_a_server_error_logs_its_traceback_and_gives_the_client_its_id(
        log_lines, manager, monkeypatch):
    _, token = manager

    async def broken(_: int) -> Any:
        raise RuntimeError("secret internals 42")

    monkeypatch.setattr(api.graphql.queries, "viewer_tokens", broken)
    response = await _post({"query": "query Mine { viewer { tokens { name } } }"}, token)
    request_id = response.headers["x-request-id"]
    [error] = response.json()["errors"]
    assert error["message"] == "Internal error."
    assert error["extensions"] == {"requestId": request_id}
    assert "secret internals" not in response.text and "Traceback" not in response.text

    [line] = log_lines.where(event="graphql server error")
    assert line["request_id"] == request_id and line["level"] == "error"
    assert line["error"] == "RuntimeError" and line["path"] == "viewer.tokens"
    assert line["exception"].startswith("Traceback") and "secret internals 42" in line["exception"]


async def test_a_route_that_crashes_answers_500_with_the_request_id(log_lines):
    async def crash(_: Any) -> Any:
        raise ValueError("disk on fire")

    crashing = Starlette(routes=[Route("/graphql", crash, methods=["POST"])],
                         middleware=[Middleware(RequestObserver)])  # as api.app has it
    response = await _post({}, target=crashing, request_id="crash-id-0001")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error", "requestId": "crash-id-0001"}
    assert response.headers["x-request-id"] == "crash-id-0001"
    [line] = log_lines.where(event="server error")
    assert line["request_id"] == "crash-id-0001" and "disk on fire" in line["exception"]
    [request] = log_lines.where(event="request")
    assert request["status"] == 500 and request["route"] == "/graphql"
