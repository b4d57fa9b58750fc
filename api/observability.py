"""Request ids, the request log line, latency metrics and `/metrics`, for the API and worker.

`RequestObserver` wraps the ASGI app: it takes the caller's `X-Request-ID` when well formed
(else makes one), binds it to the log context for the whole request, returns it as a
response header, and logs one `request` line with the status and duration. GraphQL fills
in the operation (`api/graphql/observe.py`) that the latency histogram is labelled with.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import redis
import structlog
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.logs import REQUEST_ID_HEADER, request_id_from
from domain.metrics import CONTENT_TYPE, REQUEST_SECONDS, exposition
from domain.settings import get_settings

log = structlog.get_logger("coso.http")

MAX_OPERATION_LABELS = 200
"""Distinct GraphQL operation names a process labels metrics with; later ones are `other`
(the names are the client's to choose: unbounded labels would exhaust the metrics)."""
_OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_operation_labels: set[str] = set()
_HEADER = REQUEST_ID_HEADER.lower().encode()


@dataclass
class RequestInfo:
    """What the layers below tell the observer about the request under way."""

    request_id: str
    operation: str | None = None


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "coso_request", default=None)


def current_request() -> RequestInfo | None:
    return _current.get()


def operation_label(kind: str, name: str | None) -> str:
    """`query BrandKpis`, `mutation` (anonymous), or `query other` past the label limit."""
    if not name:
        return kind
    if not _OPERATION_NAME.match(name):
        return f"{kind} other"
    label = f"{kind} {name}"
    if label not in _operation_labels:
        if len(_operation_labels) >= MAX_OPERATION_LABELS:
            return f"{kind} other"
        _operation_labels.add(label)
    return label


class RequestObserver:
    """The app's first middleware (inside only Starlette's ServerErrorMiddleware): request
    id, request line, latency, server errors.

    An exception no route handled is logged here with its traceback and the request id,
    and the client gets a 500 naming only that id (Starlette's would never see it).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope["headers"]
                       if k == _HEADER), None)
        info = RequestInfo(request_id_from(header))
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status = message["status"]
                started_response = True
                message["headers"] = [*message.get("headers", []),
                                      (_HEADER, info.request_id.encode())]
            await send(message)

        token = _current.set(info)
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(request_id=info.request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                log.exception("server error", method=scope["method"], path=scope["path"])
                if started_response:
                    raise
                await _server_error(info.request_id, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                route = _route(scope)
                REQUEST_SECONDS.labels(route=route, operation=info.operation or "",
                                       status=str(status)).observe(seconds)
                log.info("request", method=scope["method"], path=scope["path"],
                         route=route, operation=info.operation, status=status,
                         duration_ms=round(seconds * 1000, 1), client=_client(scope))
                _current.reset(token)


async def _server_error(request_id: str, send: Send) -> None:
    body = json.dumps({"error": "internal error", "requestId": request_id}).encode()
    await send({"type": "http.response.start", "status": 500,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _route(scope: Scope) -> str:
    """The matched route's pattern (`/reports/{id}`), never the raw path (unbounded)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


# --- /metrics -------------------------------------------------------------------------------


async def metrics(request: Request) -> Response:
    """Prometheus' scrape of this API (every process of `coso serve --workers N`).

    Allowed to the holder of `COSO_METRICS_TOKEN` when set, else from loopback only: the
    metrics name operations and volumes, which are not for the public.
    """
    token = get_settings().metrics_token
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip(), token):
            return Response("metrics need Authorization: Bearer <COSO_METRICS_TOKEN>\n",
                            status_code=401, media_type="text/plain",
                            headers={"WWW-Authenticate": "Bearer"})
    elif not _loopback(_client(request.scope)) or _FORWARDED & set(request.headers.keys()):
        # A request a proxy forwarded comes from elsewhere, even if the proxy is local.
        return Response("metrics are served to loopback callers only; set "
                        "COSO_METRICS_TOKEN to scrape from elsewhere\n", status_code=403,
                        media_type="text/plain")
    body = await asyncio.to_thread(exposition, queue_collectors())
    return Response(body, media_type=CONTENT_TYPE)


_FORWARDED = {"x-forwarded-for", "forwarded", "x-real-ip"}


def _loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class QueueDepth(Collector):
    """`coso_queue_depth{queue}`: jobs waiting in each arq queue, read from Redis when
    scraped (the same number for every process that reports it)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from api.jobs.registry import REPORT_QUEUE, SYNC_QUEUE

        gauge = GaugeMetricFamily("coso_queue_depth", "Jobs waiting in each queue (arq).",
                                  labels=["queue"])
        try:
            client = redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
            try:
                for queue in (SYNC_QUEUE, REPORT_QUEUE):
                    gauge.add_metric([queue], float(client.zcard(queue)))  # type: ignore[arg-type]
            finally:
                client.close()
        except redis.RedisError as error:
            # No number rather than a wrong 0: the scrape still answers the rest.
            log.warning("queue depth unavailable", error=type(error).__name__)
            return
        yield gauge


def queue_collectors() -> list[Collector]:
    """Without Redis the jobs run in-process and there is no queue to measure."""
    url = get_settings().redis_url
    return [QueueDepth(url)] if url else []


_worker_metrics_port: int | None = None


def start_worker_metrics() -> int | None:
    """`coso worker`'s own `/metrics` on COSO_WORKER_METRICS_HOST:PORT (0: none); returns
    the port, or None when it is off or taken (the worker still runs: said in the log)."""
    from prometheus_client import REGISTRY, start_http_server

    global _worker_metrics_port
    settings = get_settings()
    if not settings.worker_metrics_port:
        return None
    if _worker_metrics_port is not None:  # once per process (tests run several workers)
        return _worker_metrics_port
    try:
        start_http_server(settings.worker_metrics_port, settings.worker_metrics_host)
    except OSError as error:
        log.warning("worker metrics not served", port=settings.worker_metrics_port,
                    error=str(error))
        return None
    for collector in queue_collectors():  # this process is the worker: its own registry
        REGISTRY.register(collector)
    log.info("worker metrics served", host=settings.worker_metrics_host,
             port=settings.worker_metrics_port, path="/metrics")
    _worker_metrics_port = settings.worker_metrics_port
    return _worker_metrics_port

