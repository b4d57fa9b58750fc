"""The OAuth callback (`/oauth/callback/<platform>`) and the page that picks the accounts.

The platform sends the user's browser back here with `code` and `state` (or `error`). The
state names the connection its viewer started (domain.services.connections); a forged,
expired, replayed or foreign one is refused with a 4xx page and changes nothing. The
viewer's right to connect channels on the brand is checked again (Access) before anything
is connected. Pages are neither cached nor framed; tokens never appear in them.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api.graphql.access import load_access
from api.jobs.queues import job_queue
from api.links import HEADERS
from domain.errors import ValidationFailed
from domain.jobs import JobQueue
from domain.rules.permissions import Action
from domain.services import connections as service
from domain.services.channels import Connected
from domain.services.tokens import authenticate
from domain.settings import get_settings
from domain.sync.base import http_client
from domain.sync.jobs import request_window
from domain.sync.windows import planned_window

MAX_PARAM = 4000


def _page(status: int, title: str, text: str, extra: str = "") -> HTMLResponse:
    body = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><meta name='viewport' content='width=device-width'></head>"
            f"<body style='font-family:sans-serif;max-width:40em;margin:3em auto'>"
            f"<h1>{html.escape(title)}</h1><p>{text}</p>{extra}</body></html>")
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def _refused(error: service.CallbackRefused) -> HTMLResponse:
    response = _page(error.status, "This connection cannot be completed",
                     html.escape(error.message))
    response.headers["X-Coso-Error"] = error.code
    return response


async def queue_backfills(connected: list[Connected], queue: JobQueue,
                          user_id: int | None) -> list[dict[str, Any]]:
    """The sync run of each channel just connected: its history's backfill, or the
    catch-up of a channel connected before (as connectChannel does)."""
    settings = get_settings()
    found = []
    for done in connected:
        channel = done.channel
        window = planned_window(channel["platform"], datetime.now(UTC).date(),
                                channel["metrics_watermark"],
                                window_days=settings.sync_window_days,
                                backfill_days=settings.backfill_days)
        if window is not None:
            found.append(await request_window(queue, channel["id"], window,
                                              requested_by=user_id))
    return found


async def bearer_user(request: Request) -> int | None:
    """The user of the request's bearer token, when it sends one (a browser does not)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    user = await authenticate(token.strip())
    return user.id if user is not None else None


async def _may_connect(user_id: int, brand_id: int) -> bool:
    access = await load_access(user_id)
    return access.refusal(brand_id, Action.CONNECT_CHANNEL) is None


def _connected_text(connected: list[Connected]) -> str:
    names = ", ".join(html.escape(c.channel["handle"]) for c in connected)
    return f"Connected: {names}. Its history is being fetched; you may close this page."


def _pick_form(row: dict[str, Any], token: str) -> str:
    boxes = "".join(
        f"<label><input type='checkbox' name='account' value='{html.escape(a['id'])}'> "
        f"{html.escape(a['name'])} ({html.escape(a['handle'])})</label><br>"
        for a in row["accounts"])
    return (f"<form method='post' action='/oauth/connections/{html.escape(token)}'>{boxes}"
            f"<button type='submit'>Connect</button></form>")


async def callback(request: Request) -> Response:
    """GET /oauth/callback/<platform>?code=…&state=… (or ?error=access_denied&state=…)."""
    platform = request.path_params["platform"]
    params = request.query_params
    if any(len(v) > MAX_PARAM for v in params.values()):
        return _refused(service.CallbackRefused(400, "INVALID_REQUEST", "A parameter is too "
                                                                        "long."))
    try:
        row = await service.connection_for_state(platform, params.get("state", ""))
        viewer = await bearer_user(request)
        if viewer is not None and viewer != row["user"]:
            raise service.CallbackRefused(403, "OTHER_VIEWER", "This authorization was "
                                          "started by another user.")
        error = params.get("error")
        if error:
            await service.deny(row, params.get("error_description") or error)
            if error == "access_denied":
                raise service.CallbackRefused(400, "CONSENT_DENIED", "You did not allow "
                                              f"Coso to use your {platform} account: "
                                              "nothing was connected.")
            raise service.CallbackRefused(400, "AUTHORIZATION_FAILED", f"{platform} "
                                          f"answered {error}: nothing was connected.")
        if not await _may_connect(row["user"], row["brand"]):
            await service.deny(row, "the user may no longer connect channels of this brand")
            raise service.CallbackRefused(403, "FORBIDDEN", "Your role on this brand no longer "
                                                            "allows connecting channels.")
        async with http_client() as http:
            done = await service.authorize(row, params.get("code", ""), http)
    except service.CallbackRefused as refused:
        return _refused(refused)
    except ValidationFailed as invalid:
        return _refused(service.CallbackRefused(400, invalid.problems[0].code, str(invalid)))
    if done.connected:
        await queue_backfills(done.connected, job_queue(), row["user"])
        return _page(200, "Channel connected", _connected_text(done.connected))
    return _page(200, "Pick the accounts to connect",
                 "This login manages several accounts: tick those to connect (or complete "
                 "the connection with the API's <code>completeChannelConnection</code>).",
                 _pick_form(done.connection, done.pick_token))


async def pick(request: Request) -> Response:
    """POST /oauth/connections/<token> with the `account` values ticked."""
    try:
        row = await service.connection_for_pick(request.path_params["token"])
        if not await _may_connect(row["user"], row["brand"]):
            raise service.CallbackRefused(403, "FORBIDDEN", "Your role on this brand no longer "
                                                            "allows connecting channels.")
        body = (await request.body())[:MAX_PARAM * 10].decode("utf-8", "replace")
        accounts = [v for k, v in parse_qsl(body) if k == "account"]
        connected = await service.complete(row["user"], row["id"], accounts)
    except service.CallbackRefused as refused:
        return _refused(refused)
    except ValidationFailed as invalid:
        return _refused(service.CallbackRefused(400, invalid.problems[0].code, str(invalid)))
    await queue_backfills(connected, job_queue(), row["user"])
    return _page(200, "Channels connected", _connected_text(connected))


ROUTES = [
    Route("/oauth/callback/{platform}", callback, methods=["GET"]),
    Route("/oauth/connections/{token}", pick, methods=["POST"]),
]
