"""What a hostile or greedy HTTP client meets before any route runs: body size (413),
request rate per token and per client address (429 with Retry-After), malformed JSON
(400), and a time limit on each GraphQL request.

`Guard` wraps the whole app (api/app.py); the JSON and timeout helpers are used by the
GraphQL view. /health is exempt from the rate limits, so a busy client cannot make a
load balancer think the server is down.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from starlette.responses import JSONResponse
from strawberry.types import ExecutionResult

from api import limits
from domain.metrics import count_rate_limit_refusal
from domain.settings import get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNLIMITED_PATHS = frozenset({"/health"})


def error_response(status: int, code: str, message: str, *, graphql: bool = True,
                   headers: dict[str, str] | None = None,
                   **extensions: Any) -> JSONResponse:
    """An error as GraphQL clients read one (`errors[0].message`, `extensions.code`), or as
    the REST routes answer (`{"error": …}`) when `graphql` is False."""
    body: dict[str, Any] = (
        {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
        if graphql else {"error": message, "code": code, **extensions})
    return JSONResponse(body, status_code=status, headers=headers)


def decode_json(data: str | bytes) -> object:
    """A GraphQL request body (or its `variables`): a JSON object, else a 400 that says why.

    json.loads alone lets through what the view then fails on with a 500: bytes that are
    not UTF-8, nesting deeper than the interpreter's stack, `null` or a bare string.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text)
    except UnicodeDecodeError:
        raise HTTPException(400, "The request body is not valid UTF-8") from None
    except RecursionError:
        raise HTTPException(400, "The request's JSON is nested too deeply") from None
    except ValueError:
        raise HTTPException(400, "Unable to parse request body as JSON") from None
    if not isinstance(value, dict | list):
        raise HTTPException(400, "Expected a JSON object, like "
                                 '{"query": "…", "variables": {…}}, got ' + _kind(value))
    return value


def _kind(value: object) -> str:
    return "null" if value is None else {str: "a string", bool: "a boolean"}.get(
        type(value), "a number")


async def with_timeout(operation: Coroutine[Any, Any, Any]) -> Any:
    """The operation's result, or a TIMEOUT error once COSO_GRAPHQL_TIMEOUT has passed (a
    mutation stopped there has its transaction rolled back)."""
    seconds = get_settings().graphql_timeout
    if seconds <= 0:
        return await operation
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            return await operation
    except TimeoutError:
        if not deadline.expired():
            raise  # a timeout of something the operation called, not ours
    return ExecutionResult(data=None, errors=[GraphQLError(
        f"The operation ran longer than {seconds:g} s and was stopped; ask for less "
        "(smaller `first`, fewer nested connections)",
        extensions={"code": "TIMEOUT", "timeoutSeconds": seconds})])


class BodyTooLarge(Exception):
    pass


async def _rate_limited(scope: Scope) -> limits.Verdict | None:
    settings = get_settings()
    checks: list[tuple[limits.Bucket, str]] = []
    if settings.rate_limit_per_address_per_minute > 0:
        checks.append((limits.Bucket("requests:address",
                                     settings.rate_limit_per_address_per_minute),
                       limits.client_address(scope)))
    token = limits.bearer_token(dict(scope.get("headers", ())).get(b"authorization", b"").decode(
        "latin-1"))
    if token is not None and settings.rate_limit_per_minute > 0:
        checks.append((limits.Bucket("requests:token", settings.rate_limit_per_minute),
                       limits.token_key(token)))
    for bucket, who in checks:
        verdict = await limits.take(bucket, who)
        if not verdict.allowed:
            count_rate_limit_refusal(bucket.name.split(":")[-1])  # "address" or "token"
            return verdict
    return None


class Guard:
    """ASGI middleware: body size and request rate, checked before the app reads a byte."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        graphql = scope["path"].startswith("/graphql")
        limit = get_settings().max_body_bytes
        too_large = error_response(
            413, "BODY_TOO_LARGE", f"The request body is larger than {limit} bytes",
            graphql=graphql, limitBytes=limit)
        length = dict(scope.get("headers", ())).get(b"content-length")
        if length is not None and (not length.isdigit() or len(length) > 18):
            await error_response(400, "BAD_REQUEST", "Content-Length is not a number",
                                 graphql=graphql)(scope, receive, send)
            return
        if length is not None and int(length) > limit:
            await too_large(scope, receive, send)
            return
        refused = await _rate_limited(scope)
        if refused is not None:
            await error_response(
                429, "RATE_LIMITED",
                f"Too many requests; try again in {refused.retry_after} s",
                graphql=graphql, headers={"Retry-After": str(refused.retry_after)},
                retryAfter=refused.retry_after)(scope, receive, send)
            return

        received = 0
        started = False

        async def counted() -> Message:
            # Without a Content-Length (chunked), the body is counted as it arrives.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge:
            if not started:
                await too_large(scope, receive, send)
