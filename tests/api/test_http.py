"""The ASGI app over real HTTP semantics: auth header, GraphiQL, health, bad requests."""

from __future__ import annotations

import httpx
import pytest

from api.app import app
from domain.models import ApiToken
from domain.services.tokens import issue_token, revoke_token


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://coso.test") as c:
        yield c


async def test_bearer_token_reads_brands(client, world):
    token = await issue_token(world.user("manager").id)
    response = await client.post("/graphql", json={"query": "{ brands { totalCount } }"},
                                 headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"data": {"brands": {"totalCount": 1}}}
    row = await ApiToken.select(ApiToken.last_used_at).first()
    assert row["last_used_at"] is not None


async def test_revoked_or_unknown_token_is_anonymous(client, world):
    token = await issue_token(world.user("manager").id)
    token_id = (await ApiToken.select(ApiToken.id).first())["id"]
    assert await revoke_token(token_id, world.user("manager").id)
    for bearer in (token, "coso_not-a-token", "garbage"):
        response = await client.post("/graphql", json={"query": "{ viewer { user { email } } }"},
                                     headers={"Authorization": f"Bearer {bearer}"})
        body = response.json()
        assert body["data"] is None
        assert body["errors"][0]["message"].startswith("authentication required")


async def test_graphiql_on_get(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_health(client):
    response = await client.get("/health")
    assert response.status_code == 200 and response.json()["database"] == "ok"


@pytest.mark.parametrize("body", [b"{not json", b'{"query": 42}', b"[]", b""])
async def test_malformed_requests_get_4xx_not_500(client, body):
    response = await client.post("/graphql", content=body,
                                 headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500


async def test_syntax_error_is_reported(client, world):
    token = await issue_token(world.user("owner").id)
    response = await client.post("/graphql", json={"query": "{ brands { "},
                                 headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "Syntax Error" in response.json()["errors"][0]["message"]
