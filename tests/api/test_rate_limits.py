"""Finding 6 of issue 13: request rates, body size and bad tokens.

100 requests with invalid tokens all answered 200 in 0.4 s, a 10 MB body was read whole.
Now: 429 with Retry-After per client address and per token (in Redis with REDIS_URL, in
the process without), 413 before a large body is read, 401 for a bad token.
"""

from __future__ import annotations

import httpx
import pytest

from api.app import app
from domain.services.tokens import issue_token

QUERY = {"query": "{ __typename }"}


@pytest.fixture(params=["redis", "in-process"])
def backend(request, settings_env):
    if request.param == "in-process":
        settings_env(REDIS_URL="")
    return request.param


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://coso.test") as c:
        yield c


async def test_per_address_limit_answers_429_with_retry_after(client, backend, settings_env):
    settings_env(COSO_RATE_LIMIT_PER_ADDRESS_PER_MINUTE="5")
    statuses = [(await client.post("/graphql", json=QUERY)).status_code for _ in range(5)]
    assert statuses == [200] * 5
    refused = await client.post("/graphql", json=QUERY)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == int(refused.headers["retry-after"])
    # The REST routes are limited alike; the health check never is.
    assert (await client.get("/reports/1")).status_code == 429
    assert (await client.get("/health")).status_code == 200


async def test_per_token_limit(client, world, backend, settings_env):
    settings_env(COSO_RATE_LIMIT_PER_MINUTE="3")
    first = await issue_token(world.user("owner").id)
    second = await issue_token(world.user("owner").id)
    auth = {"Authorization": f"Bearer {first}"}
    assert [(await client.post("/graphql", json=QUERY, headers=auth)).status_code
            for _ in range(4)] == [200, 200, 200, 429]
    other = await client.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {second}"})
    assert other.status_code == 200
    assert (await client.post("/graphql", json=QUERY)).status_code == 200  # anonymous: by address


async def test_a_flood_of_invalid_tokens_gets_401_then_429(client, settings_env):
    settings_env(COSO_RATE_LIMIT_PER_ADDRESS_PER_MINUTE="50")
    statuses = [(await client.post("/graphql", json=QUERY,
                                   headers={"Authorization": f"Bearer coso_guess{i}"})).status_code
                for i in range(100)]
    assert statuses[:50] == [401] * 50
    assert set(statuses[50:]) == {429}


async def test_limits_can_be_turned_off(client, settings_env):
    settings_env(COSO_RATE_LIMIT_PER_ADDRESS_PER_MINUTE="0", COSO_RATE_LIMIT_PER_MINUTE="0")
    for _ in range(30):
        assert (await client.post("/graphql", json=QUERY)).status_code == 200


async def test_a_large_content_length_is_refused_before_the_body_is_read(settings_env):
    settings_env(COSO_MAX_BODY_BYTES="1000")
    reads: list[int] = []
    sent: list[dict] = []

    async def receive():
        reads.append(1)
        return {"type": "http.request", "body": b"{}" * 10_000, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/graphql", "raw_path": b"/graphql",
             "query_string": b"", "root_path": "", "client": ("10.0.0.1", 1234),
             "server": ("coso.test", 80),
             "headers": [(b"content-type", b"application/json"), (b"content-length", b"20000")]}
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert reads == []


async def test_a_streamed_body_is_counted_as_it_arrives(client, settings_env):
    settings_env(COSO_MAX_BODY_BYTES="1000")
    chunks_sent: list[int] = []

    async def body():
        for _ in range(100):  # no Content-Length: sent chunked
            chunks_sent.append(1)
            yield b" " * 500

    response = await client.post("/graphql", content=body(),
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"


async def test_upload_routes_share_the_body_limit(client, world, settings_env):
    settings_env(COSO_MAX_BODY_BYTES="1000")
    token = await issue_token(world.user("owner").id)
    response = await client.put(f"/brands/{world.brand.id}/logo", content=b"\0" * 5000,
                                headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413
    assert response.json()["code"] == "BODY_TOO_LARGE"


async def test_a_body_under_the_limit_goes_through(client, settings_env):
    settings_env(COSO_MAX_BODY_BYTES="1000")
    response = await client.post("/graphql", json={"query": "{ __typename }" + " " * 900})
    assert response.status_code == 200


async def test_a_content_length_that_is_no_number_is_400(settings_env):
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/graphql", "raw_path": b"/graphql",
             "query_string": b"", "root_path": "", "client": ("10.0.0.2", 1),
             "server": ("coso.test", 80), "headers": [(b"content-length", b"-5")]}
    await app(scope, receive, send)
    assert sent[0]["status"] == 400


async def test_without_redis_the_api_stays_up(client, settings_env, caplog):
    settings_env(REDIS_URL="redis://127.0.0.1:1/0", COSO_RATE_LIMIT_PER_ADDRESS_PER_MINUTE="1")
    for _ in range(3):  # not limited: the limiter cannot count, and says so
        assert (await client.post("/graphql", json=QUERY)).status_code == 200
    assert "rate limit not enforced" in caplog.text


async def test_refusals_and_query_costs_are_counted_for_metrics(client, settings_env):
    from prometheus_client import REGISTRY

    def sample(name: str, labels: dict[str, str] | None = None) -> float:
        return REGISTRY.get_sample_value(name, labels or {}) or 0.0

    refused_before = sample("coso_rate_limit_refusals_total", {"limit": "address"})
    costs_before = sample("coso_graphql_query_cost_count")
    settings_env(COSO_RATE_LIMIT_PER_ADDRESS_PER_MINUTE="2")
    statuses = [(await client.post("/graphql", json=QUERY)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert sample("coso_rate_limit_refusals_total", {"limit": "address"}) == refused_before + 1
    assert sample("coso_graphql_query_cost_count") == costs_before + 2  # the two that ran
