"""The ASGI app: GraphQL (GraphiQL on GET) at /graphql, a health check at /health and
Prometheus' /metrics; each request observed (request id, log line, latency), then guarded
(body size, rate limits)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api import graphiql, http_guard
from api.graphql.access import ANONYMOUS, load_access
from api.graphql.context import Context
from api.graphql.schema import schema
from api.jobs.queues import job_queue
from api.links import ROUTES as link_routes
from api.live import CosoTransportWS, CosoWebSocketAdapter
from api.oauth import ROUTES as oauth_routes
from api.observability import RequestObserver, metrics
from api.reports.jobs import resume_stalled
from api.reports.routes import download_report
from api.reports.uploads import upload_agency_logo, upload_brand_logo
from domain.db import close_pool, engine, open_pool
from domain.events.broker import close_broker
from domain.jobs import drain
from domain.services.tokens import authenticate
from domain.settings import get_settings
from domain.webhooks.dispatch import resume_deliveries

CONNECTION_INIT_WAIT = timedelta(seconds=10)
"""How long a new WebSocket may take to send connection_init before it is closed (4408)."""


class InvalidToken(Exception):
    """A bearer token was sent and it is unknown, revoked or its user deactivated."""


async def context_for(authorization: str | None, request: Any = None) -> Context:
    """The viewer behind an `Authorization: Bearer …` header: anonymous without one (or with
    an empty one, as GraphiQL sends before a token is typed), InvalidToken for a bad one."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return Context(user=None, access=ANONYMOUS, request=request)
    user = await authenticate(token)
    if user is None:
        raise InvalidToken()
    return Context(user=user.to_dict(), access=await load_access(user.id), request=request)


class CosoGraphQL(GraphQL):
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        except InvalidToken:
            # Not the anonymous answer: a client whose token stopped working must be told.
            await http_guard.error_response(
                401, "UNAUTHENTICATED", "the bearer token is unknown, revoked or expired",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )(scope, receive, send)

    graphql_transport_ws_handler_class = CosoTransportWS
    websocket_adapter_class = CosoWebSocketAdapter  # type: ignore[assignment]

    @property  # type: ignore[override]
    def max_subscriptions_per_connection(self) -> int | None:
        """Read per connection (settings are not read at import)."""
        return get_settings().max_subscriptions_per_connection or None

    @max_subscriptions_per_connection.setter
    def max_subscriptions_per_connection(self, _: int | None) -> None:
        pass  # strawberry's __init__ sets its default: the setting rules

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        if isinstance(request, WebSocket):  # authenticated by connection_init (api/live.py)
            return Context(user=None, access=ANONYMOUS, request=request)
        return await context_for(request.headers.get("authorization"), request)

    def decode_json(self, data: str | bytes) -> object:
        return http_guard.decode_json(data)

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        return await http_guard.with_timeout(super().execute_single(*args, **kwargs))

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql.page()  # Coso's own page and assets, not strawberry's CDN ones


async def health(_: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        await engine().run_ddl("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if healthy else "degraded", **checks},
                        status_code=200 if healthy else 503)


@contextlib.asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    settings = get_settings()
    await open_pool(settings.db_pool_size)
    if not settings.redis_url:  # embedded mode: no worker's cron will pick them up
        await resume_stalled(job_queue())
        await resume_deliveries(job_queue())
    yield
    await drain()  # the reports this process renders in the background (embedded mode)
    await close_broker()
    await close_pool()


def create_app() -> Starlette:
    graphql = CosoGraphQL(
        schema, graphql_ide="graphiql", subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=CONNECTION_INIT_WAIT)
    return Starlette(
        routes=[Route("/graphql", graphql, methods=["GET", "POST"]),
                WebSocketRoute("/graphql", graphql),
                graphiql.route,
                Route("/health", health, methods=["GET"]),
                Route("/metrics", metrics, methods=["GET"]),
                Route("/reports/{id}", download_report, methods=["GET"]),
                Route("/brands/{id}/logo", upload_brand_logo, methods=["PUT"]),
                Route("/workspaces/{id}/logo", upload_agency_logo, methods=["PUT"]),
                *link_routes, *oauth_routes],
        lifespan=lifespan,
        # The observer outermost: the request id is bound before anything else logs, and
        # the guard's 413 and 429 answers get it and a log line too.
        middleware=[Middleware(RequestObserver), Middleware(http_guard.Guard)],
    )


app = create_app()
