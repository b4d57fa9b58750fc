"""The ASGI app: GraphQL (GraphiQL on GET) at /graphql and a health check at /health."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from api import graphiql
from api.graphql.access import ANONYMOUS, load_access
from api.graphql.context import Context
from api.graphql.schema import schema
from api.jobs.queues import job_queue
from api.links import ROUTES as link_routes
from api.reports.jobs import resume_stalled
from api.reports.routes import download_report
from api.reports.uploads import upload_agency_logo, upload_brand_logo
from domain.db import close_pool, engine, open_pool
from domain.jobs import drain
from domain.services.tokens import authenticate
from domain.settings import get_settings


async def context_for(authorization: str | None, request: Any = None) -> Context:
    """The viewer behind an `Authorization: Bearer …` header (anonymous without one)."""
    scheme, _, token = (authorization or "").partition(" ")
    user = await authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return Context(user=None, access=ANONYMOUS, request=request)
    return Context(user=user.to_dict(), access=await load_access(user.id), request=request)


class CosoGraphQL(GraphQL):
    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        return await context_for(request.headers.get("authorization"), request)

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
    yield
    await drain()  # the reports this process renders in the background (embedded mode)
    await close_pool()


def create_app() -> Starlette:
    graphql = CosoGraphQL(schema, graphql_ide="graphiql")
    return Starlette(
        routes=[Route("/graphql", graphql, methods=["GET", "POST"]),
                graphiql.route,
                Route("/health", health, methods=["GET"]),
                Route("/reports/{id}", download_report, methods=["GET"]),
                Route("/brands/{id}/logo", upload_brand_logo, methods=["PUT"]),
                Route("/workspaces/{id}/logo", upload_agency_logo, methods=["PUT"]),
                *link_routes],
        lifespan=lifespan,
    )


app = create_app()
