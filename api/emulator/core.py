"""What every emulated platform shares: tokens, faults, quotas, errors and JSON answers."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.parser import BytesParser
from email.policy import HTTP
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.emulator.data import Config
from api.emulator.state import DEFAULT_LIMIT, Fault, State

TOKEN_PREFIX = "emu"
SEPARATOR = "~"


def token_for(platform: str, account: str, secret: str = "") -> str:
    """An access token the emulator ties to one account (as a real platform would).

    Any other non-empty token is accepted for any account, except where the platform finds
    the account from the token alone (TikTok, posting on X, uploading to YouTube). Tokens
    starting with "expired" are refused as expired. `secret` makes tokens distinct.
    """
    return SEPARATOR.join([TOKEN_PREFIX, platform, account] + ([secret] if secret else []))


def token_account(platform: str, token: str) -> str | None:
    parts = token.split(SEPARATOR)
    if len(parts) in (3, 4) and parts[0] == TOKEN_PREFIX and parts[1] == platform and parts[2]:
        return parts[2]
    return None


def _bare(account: str) -> str:
    return account.rsplit(":", 1)[-1]  # urn:li:organization:1 is organization 1


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class Refused(Exception):
    """A request the platform refuses: `kind` picks the platform's error shape."""

    def __init__(self, status: int, kind: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.extra = extra


@dataclass(slots=True)
class Call:
    """One request as a handler sees it."""

    request: Request
    state: State
    token: str

    @property
    def config(self) -> Config:
        return self.state.config

    @property
    def today(self) -> date:
        return self.state.config.day()

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def int_param(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise Refused(400, "invalid", f"{name} must be an integer, not {raw!r}") from None
        if not low <= value <= high:
            raise Refused(400, "invalid", f"{name} must be between {low} and {high}")
        return value

    def account(self, platform: str) -> str:
        """The account a token stands for, where the API finds it from the token alone."""
        account = token_account(platform, self.token)
        if account is not None:
            account = _bare(account)
        if account is None:
            raise Refused(401, "auth", "this token is tied to no account (make one with "
                                       "api.emulator.token_for)")
        return account

    def own(self, platform: str, account: str) -> None:
        """Refuse a token tied to another account."""
        owner = token_account(platform, self.token)
        if owner is not None and _bare(owner) != _bare(account):
            raise Refused(403, "permission", f"this token may not read account {account}")


Handler = Callable[[Call], Awaitable[Response]]


class PlatformApi:
    """One platform: how it reads tokens, reports quotas and shapes its errors."""

    name: str = ""

    def token(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def precheck(self, request: Request) -> Response | None:
        """A refusal before authentication (LinkedIn's missing version header)."""
        return None

    def error(self, status: int, kind: str, message: str, **extra: Any) -> Response:
        return JSON({"error": {"code": status, "message": message}}, status_code=status)

    def quota_headers(self, used: int, limit: int, reset: float, token: str) -> dict[str, str]:
        return {}

    def throttled(self, reset: float, token: str, fault: Fault | None, limit: int) -> Response:
        """A 429 answer (a "429" fault)."""
        retry_after = fault.retry_after if fault and fault.retry_after is not None else None
        response = self.error(429, "throttle", "Too many requests")
        if retry_after is not None:
            response.headers["retry-after"] = _seconds(retry_after)
        return response

    def native_throttle(self, reset: float, token: str, fault: Fault, limit: int) -> Response:
        """The platform's own answer once the quota is used up (or a "throttled" fault)."""
        return self.throttled(reset, token, fault, limit)

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def route(self, path: str, name: str, handler: Handler, methods: tuple[str, ...] = ("GET",)
              ) -> Route:
        return Route(f"/{self.name}{path}", self._endpoint(name, handler), methods=list(methods),
                     name=f"{self.name}:{name}")

    def _endpoint(self, name: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def view(request: Request) -> Response:
            state: State = request.app.state.emulator
            state.calls[(self.name, name)] += 1
            response = await self._answer(request, state, handler)
            response.headers["date"] = format_datetime(state.config.now(), usegmt=True)
            return response

        return view

    async def _answer(self, request: Request, state: State, handler: Handler) -> Response:
        fault = state.take_fault(self.name, request.url.path, request.method)
        if fault is not None and fault.kind == "slow":
            # Do the work, then answer late: a client that gives up has still posted.
            response = await self._serve(request, state, handler, None)
            await asyncio.sleep(fault.delay)
            return response
        return await self._serve(request, state, handler, fault)

    async def _serve(self, request: Request, state: State, handler: Handler,
                     fault: Fault | None) -> Response:
        token = self.token(request)
        if fault is not None and fault.kind != "quota":
            return self._fault(state, fault, token or "", time.time() + (fault.retry_after or 1))
        refused = self.precheck(request)
        if refused is not None:
            return refused
        if token is None:
            return self.error(401, "auth", "No access token was given")
        if token.startswith("expired"):
            return self.error(401, "expired", "The access token has expired")
        dead = state.oauth.check(self.name, token)
        if dead is not None:
            return self.error(401, "expired", dead)
        used, limit, reset = state.hit(self.name, token)
        if fault is not None:  # a "quota" fault: report the quota nearly used up
            used, reset = int(limit * fault.used), time.time() + (fault.retry_after or 1)
        elif used > limit:
            state.throttled[self.name] += 1
            return self._with(self.native_throttle(reset, token, Fault("throttled"), limit),
                              self.quota_headers(used, limit, reset, token))
        try:
            response = await handler(Call(request, state, token))
        except Refused as refusal:
            response = self.error(refusal.status, refusal.kind, refusal.message,
                                  **refusal.extra)
        return self._with(response, self.quota_headers(used, limit, reset, token))

    def _fault(self, state: State, fault: Fault, token: str, reset: float) -> Response:
        limit = state.limits.get(self.name, DEFAULT_LIMIT)[0]
        if fault.kind == "429":
            return self.throttled(reset, token, fault, limit)
        if fault.kind == "throttled":
            return self._with(self.native_throttle(reset, token, fault, limit),
                              self.quota_headers(limit + 1, limit, reset, token))
        if fault.kind in ("500", "503"):
            response = self.error(int(fault.kind), "server", "The service is unavailable")
            if fault.retry_after is not None:
                response.headers["retry-after"] = _seconds(fault.retry_after)
            return response
        if fault.kind == "malformed":
            return Response(b'{"data": [{"id": "1", "na', media_type="application/json")
        if fault.kind == "wrong_shape":
            return JSON({"data": {"items": "not what the documentation says"}, "rows": 7,
                         "elements": None, "items": {}, "meta": []})
        if fault.kind == "expired_token":
            return self.error(401, "expired", "The access token has expired")
        if fault.kind == "revoked_app":
            return self.error(401, "expired", "The user has not authorized this application")
        return self.error(400, "reject", "The content was refused")

    @staticmethod
    def _with(response: Response, headers: dict[str, str]) -> Response:
        for key, value in headers.items():
            response.headers[key] = value
        return response


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def offset_of(token: str | None) -> int:
    """The offset inside an opaque cursor; a cursor we did not make is refused."""
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, number = raw.partition(":")
        if kind != "o":
            raise ValueError(raw)
        return int(number)
    except ValueError:
        raise Refused(400, "invalid", f"invalid cursor {token!r}") from None


def parse_instant(value: str | None, name: str) -> datetime | None:
    """An instant from an ISO string (naive = UTC) or epoch seconds (platforms mix them)."""
    if value is None or value == "":
        return None
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise Refused(400, "invalid", f"{name} is not a time: {value!r}") from None


def parse_day(value: str | None, name: str) -> date | None:
    """The UTC day of a date, an ISO instant or epoch seconds."""
    moment = parse_instant(value, name)
    return moment.astimezone(UTC).date() if moment else None


async def body_params(request: Request) -> dict[str, Any]:
    """Query parameters plus a JSON or form-encoded body (Graph accepts all three)."""
    params: dict[str, Any] = dict(request.query_params)
    raw = await request.body()
    if not raw:
        return params
    kind = request.headers.get("content-type", "")
    try:
        if "json" in kind:
            body = orjson.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("not an object")
            params.update(body)
        else:
            params.update(parse_qsl(raw.decode(), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "invalid", "the request body could not be read") from None
    return params


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body() or b"{}")
    except orjson.JSONDecodeError:
        raise Refused(400, "invalid", "the request body is not JSON") from None
    if not isinstance(body, dict):
        raise Refused(400, "invalid", "the request body is not a JSON object")
    return body


def with_query(request: Request, **changes: Any) -> str:
    """The request's own URL with some query parameters replaced (for `next` links)."""
    query = dict(request.query_params)
    query.update({k: str(v) for k, v in changes.items()})
    return str(request.url.replace(query=urlencode(query)))


def multipart_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    """The fields of a multipart/form-data body (read with the standard email parser)."""
    if not content_type.startswith("multipart/form-data"):
        raise Refused(400, "invalid", "expected a multipart/form-data body")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise Refused(400, "invalid", "the multipart body could not be read")
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)  # bytes, or None when empty
            fields[name] = payload if isinstance(payload, bytes) and payload else b""
    return fields
