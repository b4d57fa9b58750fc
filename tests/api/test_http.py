"""The ASGI app over real HTTP semantics: auth header, GraphiQL, health, bad requests."""

from __future__ import annotations

import hashlib
import json
import re

import httpx
import pytest

from api.app import app
from api.graphiql import ASSETS
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
    assert response.json()["data"] == {"brands": {"totalCount": 1}}
    row = await ApiToken.select(ApiToken.last_used_at).first()
    assert row["last_used_at"] is not None


async def test_revoked_or_unknown_token_is_refused_with_401(client, world):
    """Finding 6: a bad token used to read as anonymous (200, "authentication required")."""
    token = await issue_token(world.user("manager").id)
    token_id = (await ApiToken.select(ApiToken.id).first())["id"]
    assert await revoke_token(token_id, world.user("manager").id)
    for bearer in (token, "coso_not-a-token", "garbage"):
        response = await client.post("/graphql", json={"query": "{ viewer { user { email } } }"},
                                     headers={"Authorization": f"Bearer {bearer}"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert "revoked" in error["message"]


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer"])
async def test_no_token_is_anonymous(client, world, header):
    # GraphiQL sends "Bearer " until a token is typed: that is no token, not a bad one.
    headers = {"Authorization": header} if header is not None else {}
    response = await client.post("/graphql", json={"query": "{ viewer { user { email } } }"},
                                 headers=headers)
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"].startswith("authentication required")


async def test_graphiql_on_get(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()
    assert "<title>Coso</title>" in response.text
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', response.text))
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "default-src 'none'" in policy


async def test_json_get_is_not_the_ide(client):
    response = await client.get("/graphql", params={"query": "{ __typename }"},
                                headers={"Accept": "application/json"})
    assert response.json()["data"] == {"__typename": "Query"}


async def test_graphiql_assets_are_the_pinned_files_cached_for_good(client):
    page = (await client.get("/graphql", headers={"Accept": "text/html"})).text
    urls = re.findall(r'(?:src|href)="(graphiql/[^"]+)"', page)
    pinned = {target["to"]: target["sha256"]
              for package in json.loads((ASSETS / "vendor.json").read_text()).values()
              for target in package["files"].values()}
    names = {url.split("?")[0].removeprefix("graphiql/") for url in urls}
    assert {"react.production.min.js", "graphiql.min.js", "graphiql.min.css"} <= names
    media_types = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}
    for url in urls:
        response = await client.get(f"/{url}")
        name = url.split("?")[0].removeprefix("graphiql/")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_types[name.rsplit(".")[-1]])
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        if name in pinned:
            assert hashlib.sha256(response.content).hexdigest() == pinned[name], name


async def test_graphiql_asset_at_another_version_is_revalidated(client):
    response = await client.get("/graphiql/graphiql.min.js?v=old")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("name", ["vendor.json", "index.html", "react.LICENSE", "nope.js"])
async def test_only_the_page_assets_are_served(client, name):
    assert (await client.get(f"/graphiql/{name}")).status_code == 404


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
