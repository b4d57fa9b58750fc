"""Issue 17: channels connected through each platform's OAuth flow, against the emulator."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pytest

from api.emulator.consent import consent
from domain.enums import ChannelStatus, ConnectionStatus
from domain.models import Channel, ChannelConnection
from domain.services.secrets import decrypt_token
from domain.services.usecase import utcnow
from tests.api.client import gql, token_for
from tests.api.conftest import World
from tests.api.oauth.support import (
    COMPLETE,
    CONNECTIONS,
    callback,
    connect,
    query_of,
    start,
)

SINGLE = ("x", "youtube", "tiktok")
MULTI = ("facebook", "instagram", "linkedin")


@pytest.mark.parametrize("platform", SINGLE)
async def test_a_single_account_platform_connects_end_to_end(world: World, platforms,
                                                            platform):
    manager = world.user("manager")
    started, page = await connect(manager, world.brand.id, platform)
    assert page.status_code == 200, page.text
    assert "Channel connected" in page.text
    [channel] = await Channel.select().where(Channel.brand == world.brand.id,
                                             Channel.platform == platform)
    assert channel["status"] == ChannelStatus.CONNECTED
    assert channel["external_id"] and channel["handle"].startswith("@")
    token = decrypt_token(channel["access_token"])
    assert token and token not in page.text
    assert decrypt_token(channel["refresh_token"])
    assert channel["token_expires_at"] is not None
    [row] = await ChannelConnection.select()
    assert row["status"] == ConnectionStatus.COMPLETED and row["access_token"] == ""
    assert row["connected"] == [channel["id"]] or row["connected"] == str([channel["id"]])


@pytest.mark.parametrize("platform", MULTI)
async def test_several_accounts_are_picked_by_api(world: World, platforms, platform):
    manager = world.user("manager")
    started, page = await connect(manager, world.brand.id, platform)
    assert page.status_code == 200 and "Pick the accounts" in page.text
    listed = (await gql(CONNECTIONS, as_=manager))["viewer"]["channelConnections"]
    [pending] = [c for c in listed if c["id"] == started["connection"]["id"]]
    assert pending["status"] == "AUTHORIZED" and len(pending["accounts"]) == 2
    chosen = pending["accounts"][1]
    done = await gql(COMPLETE, as_=manager, variables={"connection": pending["id"],
                                                       "accounts": [chosen["id"]]})
    body = done["completeChannelConnection"]
    assert body["userErrors"] == [], body
    [channel] = body["channels"]
    assert channel["externalId"] == chosen["id"] and channel["status"] == "CONNECTED"
    assert body["connection"]["status"] == "COMPLETED"
    assert [r["kind"] for r in body["syncRuns"]] == ["BACKFILL"]
    stored = await Channel.select().where(Channel.external_id == chosen["id"]).first()
    token = decrypt_token(stored["access_token"])
    if platform in ("facebook", "instagram"):
        # The Page's own token (it does not expire), not the user's.
        assert token.startswith("emu~") and stored["token_expires_at"] is None
        assert stored["refresh_token"] == ""
    else:
        assert decrypt_token(stored["refresh_token"])
    again = await gql(COMPLETE, as_=manager, variables={"connection": pending["id"],
                                                        "accounts": [chosen["id"]]})
    assert again["completeChannelConnection"]["userErrors"][0]["code"] == "NOT_AUTHORIZED"


async def test_the_pick_page_connects_the_ticked_pages(world: World, platforms):
    import re

    from tests.api.oauth.support import coso_client

    started, page = await connect(world.user("manager"), world.brand.id, "facebook")
    action = re.search(r"action='(/oauth/connections/[^']+)'", page.text).group(1)
    ids = re.findall(r"name='account' value='(\d+)'", page.text)
    assert len(ids) == 2
    async with coso_client() as client:
        done = await client.post(action, data={"account": ids})
        assert done.status_code == 200, done.text
        again = await client.post(action, data={"account": ids})
        assert again.status_code in (404, 409)
    rows = await Channel.select().where(Channel.platform == "facebook",
                                        Channel.brand == world.brand.id)
    assert sorted(r["external_id"] for r in rows) == sorted(ids)
    assert all(r["status"] == ChannelStatus.CONNECTED for r in rows)


# -- refusals: nothing is connected, every answer a clear 4xx --------------------------------


async def _started_and_location(world: World, platform: str = "x",
                                as_: str = "manager") -> tuple[dict, str]:
    started = await start(world.user(as_), world.brand.id, platform)
    return started, await consent(started["authorizationUrl"])


async def _nothing_connected(world: World) -> None:
    rows = await Channel.select(Channel.id).where(Channel.brand == world.brand.id,
                                                  Channel.status == ChannelStatus.CONNECTED,
                                                  Channel.platform == "x")
    assert rows == []


def _with_state(location: str, state: str) -> str:
    parts = urlsplit(location)
    query = {**query_of(location), "state": state}
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.mark.parametrize("state, code", [
    ("", "INVALID_STATE"),
    ("oau.forged-nonce.0123456789abcdef0123456789abcdef", "INVALID_STATE"),
    ("inv.something.else", "INVALID_STATE"),
    ("x" * 5000, "INVALID_REQUEST"),
])
async def test_a_forged_state_is_refused(world: World, platforms, state, code):
    _, location = await _started_and_location(world)
    page = await callback(_with_state(location, state))
    assert page.status_code == 400 and page.headers["x-coso-error"] == code
    assert "not started by Coso" in page.text or "too long" in page.text
    await _nothing_connected(world)


async def test_a_state_of_another_platform_is_refused(world: World, platforms):
    _, location = await _started_and_location(world)
    page = await callback(location.replace("/callback/x", "/callback/tiktok"))
    assert page.status_code == 400 and page.headers["x-coso-error"] == "INVALID_STATE"


async def test_a_replayed_callback_is_refused(world: World, platforms):
    _, location = await _started_and_location(world)
    first = await callback(location)
    assert first.status_code == 200
    again = await callback(location)
    assert again.status_code == 409 and again.headers["x-coso-error"] == "STATE_USED"
    assert "already used" in again.text
    assert await Channel.count().where(Channel.platform == "x") == 1


async def test_an_expired_state_is_refused(world: World, platforms):
    started, location = await _started_and_location(world)
    await ChannelConnection.update({ChannelConnection.expires_at: utcnow() - timedelta(
        seconds=1)}).where(ChannelConnection.id > 0)
    page = await callback(location)
    assert page.status_code == 410 and page.headers["x-coso-error"] == "STATE_EXPIRED"
    await _nothing_connected(world)


async def test_another_viewers_state_is_refused(world: World, platforms):
    _, location = await _started_and_location(world, as_="manager")
    other = await token_for(world.user("admin"))
    page = await callback(location, authorization=f"Bearer {other}")
    assert page.status_code == 403 and page.headers["x-coso-error"] == "OTHER_VIEWER"
    await _nothing_connected(world)
    # Nor can they complete someone else's connection: it reads as missing.
    started, page = await connect(world.user("manager"), world.brand.id, "linkedin")
    done = await gql(COMPLETE, as_=world.user("admin"), variables={
        "connection": started["connection"]["id"], "accounts": ["urn:li:organization:1"]})
    assert done["completeChannelConnection"]["userErrors"][0]["code"] == "NOT_FOUND"
    listed = (await gql(CONNECTIONS, as_=world.user("admin")))["viewer"]["channelConnections"]
    assert listed == []


async def test_consent_denied_says_so_and_connects_nothing(world: World, platforms):
    started = await start(world.user("manager"), world.brand.id, "x")
    location = await consent(started["authorizationUrl"], approve=False)
    assert query_of(location)["error"] == "access_denied"
    page = await callback(location)
    assert page.status_code == 400 and page.headers["x-coso-error"] == "CONSENT_DENIED"
    assert "did not allow" in page.text
    await _nothing_connected(world)
    [row] = await ChannelConnection.select()
    assert row["status"] == ConnectionStatus.DENIED
    # The emulator's fault: consent denied whatever is clicked.
    platforms.fault("consent_denied", platform="x")
    started = await start(world.user("manager"), world.brand.id, "x")
    location = await consent(started["authorizationUrl"])
    assert (await callback(location)).headers["x-coso-error"] == "CONSENT_DENIED"


async def test_pkce_is_enforced(world: World, platforms):
    started = await start(world.user("manager"), world.brand.id, "x")
    url = started["authorizationUrl"]
    query = query_of(url)
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) >= 43
    # X refuses an authorization without PKCE on its consent page...
    bare = {k: v for k, v in query.items() if not k.startswith("code_challenge")}
    async with httpx.AsyncClient() as client:
        page = await client.get(url.split("?")[0], params=bare)
        assert page.status_code == 400 and "PKCE" in page.text
        # ...and a code whose verifier does not match (a stolen code) at its token endpoint.
        location = await consent(url)
        token = await client.post(f"{platforms.url}/x/2/oauth2/token", data={
            "grant_type": "authorization_code", "code": query_of(location)["code"],
            "redirect_uri": query["redirect_uri"], "code_verifier": "a" * 50,
            "client_id": "coso-emulator"}, auth=("coso-emulator", "coso-emulator-secret"))
        assert token.status_code == 400 and token.json()["error"] == "invalid_grant"
    # The code was spent by the thief's attempt: Coso's own exchange is refused too.
    page = await callback(location)
    assert page.status_code == 400 and "refused" in page.text
    await _nothing_connected(world)


@pytest.mark.parametrize("viewer, code", [("client", "FORBIDDEN"), ("strategist", "FORBIDDEN"),
                                          ("outsider", "NOT_FOUND")])
async def test_who_may_start_a_connection(world: World, platforms, viewer, code):
    result = await start(world.user(viewer), world.brand.id, "facebook")
    assert [e["code"] for e in result["userErrors"]] == [code]
    assert result["authorizationUrl"] is None
    assert await ChannelConnection.count() == 0


async def test_a_platform_without_app_settings_says_which(world: World, platforms,
                                                          monkeypatch):
    from domain.settings import get_settings

    monkeypatch.delenv("COSO_PLATFORM_BASE_URL")
    get_settings.cache_clear()
    result = await start(world.user("manager"), world.brand.id, "tiktok")
    [error] = result["userErrors"]
    assert error["code"] == "NOT_CONFIGURED" and "COSO_TIKTOK_CLIENT_ID" in error["message"]
    pinterest = await start(world.user("manager"), world.brand.id, "pinterest")
    assert pinterest["userErrors"][0]["code"] == "UNSUPPORTED_PLATFORM"


async def test_a_role_lost_meanwhile_connects_nothing(world: World, platforms):
    from domain.models import Membership

    _, location = await _started_and_location(world)
    await Membership.delete().where(Membership.user == world.user("manager").id)
    page = await callback(location)
    assert page.status_code == 403
    await _nothing_connected(world)


async def test_the_pick_page_opens_only_with_its_own_token(world: World, platforms):
    from api.graphql.ids import global_id
    from tests.api.oauth.support import coso_client

    started, page = await connect(world.user("manager"), world.brand.id, "facebook")
    [row] = await ChannelConnection.select().output(load_json=True)
    forged = [str(row["id"]), str(global_id("ChannelConnection", row["id"])),
              row["pick_hash"], "ocp.x.0123456789abcdef0123456789abcdef", "x" * 43]
    async with coso_client() as client:
        for token in forged:
            answer = await client.post(f"/oauth/connections/{token}",
                                       data={"account": [a["id"] for a in row["accounts"]]})
            assert answer.status_code == 404, token
    assert await Channel.count().where(Channel.platform == "facebook") == 0


async def test_disconnecting_revokes_the_tokens_on_the_platform(world: World, platforms):
    from tests.api.client import gid

    manager = world.user("manager")
    await connect(manager, world.brand.id, "x")
    channel = await Channel.select().where(Channel.platform == "x").first()
    access, refresh_token = (decrypt_token(channel["access_token"]),
                             decrypt_token(channel["refresh_token"]))
    assert platforms.state.oauth.check("x", access) is None
    done = await gql("mutation($id: ID!) { disconnectChannel(id: $id) { channel { status } "
                     "userErrors { code } } }", as_=manager,
                     variables={"id": gid("Channel", channel["id"])})
    assert done["disconnectChannel"]["channel"]["status"] == "DISCONNECTED"
    assert platforms.state.oauth.check("x", access) is not None
    assert platforms.state.oauth.tokens[refresh_token].revoked


async def test_a_platform_failing_during_the_callback_is_a_clear_error(world: World, platforms):
    platforms.fault("500", platform="facebook", path="/me/accounts", count=None,
                    probability=1.0)
    started, page = await connect(world.user("manager"), world.brand.id, "facebook")
    assert page.status_code == 502 and page.headers["x-coso-error"] == "RETRY_BUDGET_EXHAUSTED"
    assert "could not be listed" in page.text
    [row] = await ChannelConnection.select()
    assert row["status"] == ConnectionStatus.FAILED and row["error"]
    assert await Channel.count().where(Channel.platform == "facebook") == 0


async def test_connections_under_way_are_limited(world: World, platforms):
    from domain.services.connections import MAX_PENDING

    for _ in range(MAX_PENDING):
        assert (await start(world.user("manager"), world.brand.id, "x"))["userErrors"] == []
    refused = await start(world.user("manager"), world.brand.id, "x")
    assert refused["userErrors"][0]["code"] == "TOO_MANY_CONNECTIONS"
    # Another user is not held back by them.
    assert (await start(world.user("admin"), world.brand.id, "x"))["userErrors"] == []
