"""The WebSocket side of /graphql: graphql-transport-ws only, authenticated at connection_init.

Strawberry runs the protocol; this handler adds what Coso needs around it. The token comes
in connection_init's payload (`{"Authorization": "Bearer coso_…"}`, browsers cannot set
headers on a WebSocket): a missing or bad one closes the socket with 4401. Only
subscriptions run over it (queries and mutations go over HTTP, where the rate limits and
timeouts are). Every message is checked for shape before strawberry reads it, so hostile
input closes the socket with 4400 and never raises.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from cross_web import HTTPException
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types.graphql import OperationType

from domain.services.tokens import authenticate

MAX_ID_LENGTH = 200


class _SubscriptionsOnly:
    """The schema as the handler sees it: `stream` refuses queries and mutations."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["allowed_operation_types"] = {OperationType.SUBSCRIPTION}
        return self.schema.stream(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.schema, name)


def malformed(message: Any) -> str | None:
    """Why a client message cannot be handled, or None when its shape is right."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "a message must be a JSON object with a string `type`"
    kind = message["type"]
    if kind == "connection_init" and not isinstance(message.get("payload", {}), dict | None):
        return "connection_init's payload must be an object"
    if kind in {"subscribe", "complete"}:
        ident = message.get("id")
        if not isinstance(ident, str) or not ident or len(ident) > MAX_ID_LENGTH:
            return f"`id` must be a string of 1 to {MAX_ID_LENGTH} characters"
    if kind == "subscribe":
        payload = message.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return "subscribe's payload must be an object with a string `query`"
        if not isinstance(payload.get("variables") or {}, dict):
            return "`variables` must be an object"
        if not isinstance(payload.get("operationName") or "", str):
            return "`operationName` must be a string"
        if not isinstance(payload.get("extensions") or {}, dict):
            return "`extensions` must be an object"
    return None


class CosoWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's, but a message the view's JSON decoder refuses (http_guard: not UTF-8,
    nested too deep, not an object) is a protocol error, not an HTTP one."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        messages = super().iter_json(ignore_parsing_errors=ignore_parsing_errors)
        try:
            while True:
                try:
                    message = await anext(messages)
                except StopAsyncIteration:
                    return
                except HTTPException as error:
                    raise NonJsonMessageReceived() from error
                yield message
        finally:
            await messages.aclose()


class CosoTransportWS(BaseGraphQLTransportWSHandler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = _SubscriptionsOnly(self.schema)  # type: ignore[assignment]

    async def handle_message(self, message: Any) -> None:
        reason = malformed(message)
        if reason is not None:
            await self.handle_invalid_message(reason)
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        if self.connection_init_received or self.connection_timed_out:
            await super().handle_connection_init(message)  # strawberry refuses a second
            return
        payload = message.get("payload") or {}
        header = payload.get("Authorization", payload.get("authorization"))
        scheme, _, token = (header if isinstance(header, str) else "").partition(" ")
        token = token.strip()
        user = await authenticate(token) if scheme.lower() == "bearer" and token else None
        if user is None:
            self.connection_init_received = True
            if self.connection_init_timeout_task:
                self.connection_init_timeout_task.cancel()
            await self.websocket.close(code=4401, reason="Unauthorized")
            return
        from api.graphql.access import load_access

        context: Any = self.context  # api.graphql.context.Context (the view's get_context)
        context.user = user.to_dict()
        context.token = token
        context.access = await load_access(user.id)
        await super().handle_connection_init(message)
