"""Live events over WebSocket, against two API processes sharing Redis (and the database).

An event raised in one process (a mutation) or anywhere else (this test process, standing
in for a worker) reaches a subscriber connected to the other; each viewer gets only the
events of brands they may read, for as long as they may.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from domain.enums import PostStatus, Role, WorkspaceRole
from domain.events import Event, EventKind, publish
from domain.events.broker import close_broker
from domain.models import Membership
from domain.services.tokens import issue_token
from domain.settings import get_settings
from tests.api.client import gid
from tests.factories import (
    make_brand,
    make_channel,
    make_membership,
    make_post,
    make_user,
    make_workspace,
    make_workspace_member,
)
from tests.integration.events.ws_client import (
    close_code,
    connected,
    next_event,
    open_socket,
    receive,
    subscribe,
)
from tests.integration.live_server import live_app

pytestmark = pytest.mark.skipif(not get_settings().redis_url, reason="needs Redis")


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    """Two API processes: A takes the mutations, B the WebSockets."""
    with contextlib.ExitStack() as stack:
        yield stack.enter_context(live_app()), stack.enter_context(live_app())


@pytest.fixture
async def team() -> dict[str, Any]:
    workspace = await make_workspace()
    brand = await make_brand(workspace, name="Acme")
    second = await make_brand(workspace, name="Second")
    channel = await make_channel(brand)
    post = await make_post(brand, channel, status=PostStatus.DRAFT)
    manager = await make_user()
    await make_membership(manager, brand, Role.MANAGER)
    await make_membership(manager, second, Role.MANAGER)
    client = await make_user()
    await make_membership(client, brand, Role.CLIENT)
    rival_ws = await make_workspace()
    rival = await make_brand(rival_ws, name="Rival")
    outsider = await make_user()
    await make_workspace_member(rival_ws, outsider, WorkspaceRole.OWNER)
    yield {"brand": brand, "second": second, "post": post, "manager": manager,
           "client": client, "rival": rival, "outsider": outsider,
           "tokens": {name: await issue_token(u.id, "ws") for name, u in
                      (("manager", manager), ("client", client), ("outsider", outsider))}}
    await close_broker()


_markers = iter(range(1, 10**9))


async def marker(brand: Any, kind: EventKind = EventKind.REPORT_READY) -> int:
    """Publish a numbered event of `brand` from this process (as a worker would)."""
    number = next(_markers)
    await publish(Event(kind, brand.workspace, brand.id, "Report", number,
                        {"marker": number}))
    return number


async def live(ws: ClientConnection, brand: Any) -> None:
    """Returns once the subscription receives events: markers until one comes back, then
    every marker sent before it has been read too (one publisher, Redis keeps the order)."""
    while True:
        number = await marker(brand)
        with contextlib.suppress(TimeoutError):
            while True:
                event = await asyncio.wait_for(next_event(ws), 0.5)
                if event["payload"].get("marker") == number:
                    return


async def submit(url: str, token: str, post_id: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        answer = await http.post("/graphql", headers={"Authorization": f"Bearer {token}"},
                                 json={"query": "mutation($id: ID!) { submitPost(id: $id) "
                                                "{ post { status } userErrors { code } } }",
                                       "variables": {"id": gid("Post", post_id)}})
    return answer.json()


async def test_an_event_of_one_process_reaches_a_subscriber_of_the_other(servers, team):
    a, b = servers
    ws = await connected(b, team["tokens"]["manager"])
    await subscribe(ws)
    await live(ws, team["brand"])
    answer = await submit(a, team["tokens"]["manager"], team["post"].id)
    assert answer["data"]["submitPost"]["post"]["status"] == "IN_REVIEW"
    event = await next_event(ws)
    assert event["kind"] == "POST_STATUS_CHANGED"
    assert event["subject"] == gid("Post", team["post"].id)
    assert event["subjectType"] == "Post"
    assert event["brand"] == {"id": gid("Brand", team["brand"].id), "name": "Acme"}
    assert event["payload"]["fromStatus"] == "DRAFT"
    assert event["payload"]["toStatus"] == "IN_REVIEW"
    assert event["requestId"]  # the mutation's request, as in process A's logs
    await ws.close()


async def test_a_viewer_of_another_brand_gets_nothing(servers, team):
    a, b = servers
    ws = await connected(b, team["tokens"]["outsider"])
    await subscribe(ws)
    await live(ws, team["rival"])
    await submit(a, team["tokens"]["manager"], team["post"].id)
    await marker(team["brand"])
    number = await marker(team["rival"])
    event = await next_event(ws)  # the first thing after Acme's events: its own marker
    assert event["payload"] == {"marker": number}
    assert event["brand"]["id"] == gid("Brand", team["rival"].id)
    await ws.close()


async def test_the_client_gets_posts_but_not_sync_runs(servers, team):
    _, b = servers
    ws = await connected(b, team["tokens"]["client"])
    await subscribe(ws)
    await live(ws, team["brand"])
    await marker(team["brand"], EventKind.SYNC_FAILED)
    number = await marker(team["brand"])
    assert (await next_event(ws))["payload"] == {"marker": number}
    await ws.close()


async def test_filters_by_brand_and_kind(servers, team):
    _, b = servers
    ws = await connected(b, team["tokens"]["manager"])
    await subscribe(ws, brand=gid("Brand", team["second"].id), kinds=["REPORT_READY"])
    await live(ws, team["second"])
    await marker(team["brand"])
    await marker(team["second"], EventKind.POST_FAILED)
    number = await marker(team["second"])
    assert (await next_event(ws))["payload"] == {"marker": number}
    await ws.close()


async def test_removing_a_role_stops_delivery(servers, team):
    _, b = servers
    ws = await connected(b, team["tokens"]["manager"])
    await subscribe(ws)
    await live(ws, team["brand"])
    await Membership.delete().where(Membership.user == team["manager"].id,
                                    Membership.brand == team["brand"].id)
    await marker(team["brand"])
    number = await marker(team["second"])
    assert (await next_event(ws))["payload"] == {"marker": number}
    await ws.close()


async def test_a_revoked_token_ends_the_subscription(servers, team):
    from domain.models import ApiToken

    _, b = servers
    ws = await connected(b, team["tokens"]["manager"])
    await subscribe(ws)
    await live(ws, team["brand"])
    await ApiToken.update({ApiToken.revoked_at: ApiToken.created_at}).where(
        ApiToken.user == team["manager"].id)
    await marker(team["brand"])
    message = await receive(ws)
    assert message["type"] == "error" or "UNAUTHENTICATED" in json.dumps(message), message
    await ws.close()


@pytest.mark.parametrize("payload", [{}, {"Authorization": "Bearer coso_nope"},
                                     {"Authorization": "Basic abc"}, {"Authorization": 7}])
async def test_a_bad_token_is_refused_with_4401(servers, payload):
    _, b = servers
    ws = await open_socket(b)
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert await close_code(ws) == 4401


async def test_subscribing_before_connection_init_is_refused(servers):
    _, b = servers
    ws = await open_socket(b)
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{x}"}}))
    assert await close_code(ws) == 4401


HOSTILE = ["[1, 2]", "null", "\"text\"", "{\"type\": 5}", "{\"type\": \"subscribe\"}",
           "{\"type\": \"subscribe\", \"id\": \"1\", \"payload\": \"x\"}",
           "{\"type\": \"subscribe\", \"id\": 1, \"payload\": {\"query\": \"{a}\"}}",
           "{\"type\": \"subscribe\", \"id\": \"1\", \"payload\": {\"query\": 3}}",
           "{\"type\": \"subscribe\", \"id\": \"1\", \"payload\": {\"query\": \"s\", "
           "\"variables\": [1]}}",
           "{\"type\": \"complete\"}", "{\"type\": \"nonsense\"}", "not json {"]


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_messages_get_a_protocol_error(servers, team, text):
    _, b = servers
    ws = await connected(b, team["tokens"]["manager"])
    await ws.send(text)
    assert await close_code(ws) == 4400
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{b}/health")).status_code == 200


async def test_binary_frames_get_a_protocol_error(servers, team):
    _, b = servers
    ws = await connected(b, team["tokens"]["manager"])
    await ws.send(b"\x00\x01")
    assert await close_code(ws) == 4400


async def test_queries_and_mutations_are_refused_over_the_socket(servers, team):
    _, b = servers
    ws = await connected(b, team["tokens"]["manager"])
    await ws.send(json.dumps({"id": "q", "type": "subscribe",
                              "payload": {"query": "{ viewer { user { email } } }"}}))
    message = await receive(ws)
    assert message["type"] in {"error", "next"}, message
    assert "errors" in json.dumps(message) or message["type"] == "error"
    await ws.close()


async def test_a_foreign_brand_filter_reads_as_missing(servers, team):
    _, b = servers
    ws = await connected(b, team["tokens"]["manager"])
    await subscribe(ws, brand=gid("Brand", team["rival"].id))
    message = await receive(ws)
    assert "no Brand with this id" in json.dumps(message), message
    await ws.close()


async def test_subscriptions_per_connection_are_limited(servers, team):
    _, b = servers
    ws = await connected(b, team["tokens"]["manager"])
    for n in range(10):
        await subscribe(ws, op_id=str(n))
    await subscribe(ws, op_id="over")
    message = await receive(ws)
    assert message["type"] == "error" and message["id"] == "over", message
    await ws.close()


async def test_a_subscription_pays_its_cost_from_the_budget(team):
    """In-process (the budget is this process's setting): over budget, refused at start."""
    import os

    from api.app import context_for
    from api.graphql.schema import schema

    os.environ["COSO_COST_BUDGET_PER_MINUTE"] = "5"
    get_settings.cache_clear()
    try:
        context = await context_for(f"Bearer {team['tokens']['manager']}")
        stream = await schema.stream(
            "subscription { events { id brand { channels { id } } } }", context_value=context)
        first = await asyncio.wait_for(anext(stream), 20)
        await stream.aclose()
    finally:
        del os.environ["COSO_COST_BUDGET_PER_MINUTE"]
        get_settings.cache_clear()
    assert first.errors and "Query too costly" in first.errors[0].message
