"""What the OAuth tests share: the ASGI client, a connection driven end to end."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from api.app import app
from api.emulator.consent import consent
from tests.api.client import gid, gql

PUBLIC = "http://coso.test"
START = """
mutation($brand: ID!, $platform: Platform!) {
  startChannelConnection(brand: $brand, platform: $platform) {
    authorizationUrl connection { id status platform }
    userErrors { field code message }
  }
}"""
COMPLETE = """
mutation($connection: ID!, $accounts: [String!]!) {
  completeChannelConnection(connection: $connection, accounts: $accounts) {
    connection { status accounts { id } channels { id handle } }
    channels { id platform handle externalId status tokenExpiresAt }
    syncRuns { kind status }
    userErrors { field code message }
  }
}"""
CONNECTIONS = """{ viewer { channelConnections { id status platform error
                     accounts { id name handle } channels { handle } } } }"""


def coso_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC)


async def start(user: Any, brand_id: int, platform: str) -> dict[str, Any]:
    result = await gql(START, as_=user, variables={"brand": gid("Brand", brand_id),
                                                   "platform": platform.upper()})
    assert not result.errors, result.errors
    return result["startChannelConnection"]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def callback(location: str, **headers: str) -> httpx.Response:
    """The browser coming back to Coso from the platform."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC, location
    async with coso_client() as client:
        return await client.get(f"{parts.path}?{parts.query}", headers=headers)


async def connect(user: Any, brand_id: int, platform: str, *,
                  accounts: list[str] | None = None) -> tuple[dict[str, Any], httpx.Response]:
    """Start, consent on the emulator, come back: (the start payload, the callback page)."""
    started = await start(user, brand_id, platform)
    assert started["userErrors"] == [], started
    location = await consent(started["authorizationUrl"], accounts=accounts)
    return started, await callback(location)
