"""The accounts one consent gives access to: Pages, Instagram business accounts hanging off
Pages, LinkedIn organizations, or the single X, YouTube or TikTok account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from domain.connectors import CONNECTORS, base_url
from domain.connectors.base import SyncError
from domain.connectors.common import listed
from domain.connectors.http import SHAPE_ERRORS, PlatformHttp, RetryPolicy
from domain.connectors.oauth import GRAPH, SPECS
from domain.enums import Platform

MAX_ACCOUNTS = 200  # pages of one listing read at most (a user managing more is rare)


@dataclass(frozen=True, slots=True)
class Account:
    """One account the user may connect. `access_token`: the account's own token (a
    Page's), else empty: the user's token is the channel's."""

    external_id: str
    name: str
    handle: str
    access_token: str = ""


Lister = Callable[[PlatformHttp, str], Awaitable[list[Account]]]


async def _pages(http: PlatformHttp, token: str, fields: str) -> list[dict[str, Any]]:
    """Every Page of /me/accounts, following `paging.next`."""
    found: list[dict[str, Any]] = []
    path: str | None = f"/{GRAPH}/me/accounts"
    params: dict[str, Any] | None = {"fields": fields, "limit": 100}
    while path and len(found) < MAX_ACCOUNTS:
        body = await http.call("GET", path, token=token, params=params)
        found += listed(body["data"])
        following = (body.get("paging") or {}).get("next")
        path, params = (http.follow(following), None) if following else (None, None)
    return found


async def facebook_pages(http: PlatformHttp, token: str) -> list[Account]:
    pages = await _pages(http, token, "id,name,username,access_token")
    return [Account(str(p["id"]), str(p.get("name") or ""),
                    str(p.get("username") or p.get("name") or p["id"]),
                    str(p.get("access_token") or "")) for p in pages]


async def instagram_accounts(http: PlatformHttp, token: str) -> list[Account]:
    """Instagram professional accounts linked to the user's Pages; the Page's token reads
    them (Instagram API with Facebook Login)."""
    pages = await _pages(http, token, "id,name,access_token,"
                                      "instagram_business_account{id,username,name}")
    found = []
    for page in pages:
        ig = page.get("instagram_business_account")
        if isinstance(ig, dict) and ig.get("id"):
            username = str(ig.get("username") or ig["id"])
            found.append(Account(str(ig["id"]), str(ig.get("name") or username),
                                 "@" + username.lstrip("@"),
                                 str(page.get("access_token") or "")))
    return found


async def linkedin_organizations(http: PlatformHttp, token: str) -> list[Account]:
    """Organizations the member administers (organizationAcls), named by /organizations."""
    body = await http.call("GET", "/rest/organizationAcls", token=token, params={
        "q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED", "count": 100})
    found = []
    for element in listed(body["elements"])[:MAX_ACCOUNTS]:
        urn = str(element["organization"])
        number = urn.rsplit(":", 1)[-1]
        org = await http.call("GET", f"/rest/organizations/{number}", token=token)
        found.append(Account(urn, str(org.get("localizedName") or number),
                             str(org.get("vanityName") or number)))
    return found


async def x_user(http: PlatformHttp, token: str) -> list[Account]:
    body = await http.call("GET", "/2/users/me", token=token,
                           params={"user.fields": "username,name"})
    user = body["data"]
    return [Account(str(user["id"]), str(user.get("name") or ""),
                    "@" + str(user.get("username") or user["id"]))]


async def youtube_channels(http: PlatformHttp, token: str) -> list[Account]:
    body = await http.call("GET", "/youtube/v3/channels", token=token,
                           params={"part": "snippet", "mine": "true"})
    found = []
    for item in listed(body.get("items", [])):
        snippet = item.get("snippet") or {}
        found.append(Account(str(item["id"]), str(snippet.get("title") or ""),
                             str(snippet.get("customUrl") or item["id"])))
    return found


async def tiktok_user(http: PlatformHttp, token: str) -> list[Account]:
    body = await http.call("GET", "/v2/user/info/", token=token,
                           params={"fields": "open_id,display_name,username"})
    user = body["data"]["user"]
    handle = str(user.get("username") or user["open_id"])
    return [Account(str(user["open_id"]), str(user.get("display_name") or handle),
                    "@" + handle.lstrip("@"))]


LISTERS: dict[str, Lister] = {f.__name__: f for f in (
    facebook_pages, instagram_accounts, linkedin_organizations, x_user, youtube_channels,
    tiktok_user)}


async def list_accounts(platform: Platform | str, client: httpx.AsyncClient,
                        token: str) -> list[Account]:
    """The accounts this user token may connect; SyncError when the platform refuses."""
    platform = Platform(platform)
    connector = CONNECTORS[platform]
    http = PlatformHttp(client, platform.value, base_url(platform), connector.dialect,
                        policy=RetryPolicy.from_settings())
    try:
        return await LISTERS[SPECS[platform].accounts](http, token)
    except SHAPE_ERRORS as error:
        raise SyncError("MALFORMED_RESPONSE", f"{platform}: an account listing without the "
                        f"documented shape ({type(error).__name__})") from None
