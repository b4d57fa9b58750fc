"""A minimal graphql-transport-ws client over `websockets`, for tests against a live server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"
WAIT = 20.0  # seconds a test waits for a message before it fails (not a measured time)

EVENTS = """subscription($brand: ID, $kinds: [EventKind!]) {
  events(brand: $brand, kinds: $kinds) {
    id kind subject subjectType occurredAt payload requestId brand { id name }
  }
}"""


def ws_url(http_url: str) -> str:
    return http_url.replace("http://", "ws://", 1) + "/graphql"


async def open_socket(http_url: str) -> ClientConnection:
    return await connect(ws_url(http_url), subprotocols=[PROTOCOL])  # type: ignore[list-item]


async def receive(ws: ClientConnection) -> dict[str, Any]:
    """The next message that is not a ping (answered) or pong."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        if message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        if message["type"] != "pong":
            return message


async def connected(http_url: str, token: str) -> ClientConnection:
    ws = await open_socket(http_url)
    await ws.send(json.dumps({"type": "connection_init",
                              "payload": {"Authorization": f"Bearer {token}"}}))
    ack = await receive(ws)
    assert ack["type"] == "connection_ack", ack
    return ws


async def subscribe(ws: ClientConnection, op_id: str = "1", **variables: Any) -> None:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe",
                              "payload": {"query": EVENTS, "variables": variables}}))


async def next_event(ws: ClientConnection) -> dict[str, Any]:
    message = await receive(ws)
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return message["payload"]["data"]["events"]


async def close_code(ws: ClientConnection) -> int | None:
    """The code the server closed the socket with (waiting for it to do so)."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), WAIT)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
