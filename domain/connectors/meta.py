"""Meta's Graph API as Facebook Pages and Instagram share it: errors, usage headers, paging."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson

from domain.connectors.base import MetricPoint
from domain.connectors.common import HttpConnector
from domain.connectors.http import Dialect, Failure, PlatformHttp, RetryPolicy, retry_after_header
from domain.connectors.windows import parse_instant

# Meta's days end at midnight Pacific: a daily value's end_time is the next midnight there.
PACIFIC = ZoneInfo("America/Los_Angeles")
IDS_PER_CALL = 50  # Graph API's multiple-id read limit
TOKEN_CODES = frozenset({102, 190})
THROTTLE_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80000, 80015))
TRANSIENT_CODES = frozenset({1, 2})


class MetaDialect(Dialect):
    """Graph API errors are {"error": {message, type, code, error_subcode, fbtrace_id}}."""

    def failure(self, response: httpx.Response, body: Any, *, publishing: bool) -> Failure | None:
        error = body.get("error") if isinstance(body, dict) else None
        if response.status_code < 400 and error is None:
            return None
        if not isinstance(error, dict):
            return super().failure(response, body, publishing=publishing)
        code = error.get("code")
        subcode = error.get("error_subcode")
        message = (f"HTTP {response.status_code}: {error.get('message', '')} (code {code}"
                   + (f"/{subcode}" if subcode else "") + ")")
        if code in TOKEN_CODES or response.status_code == 401:
            return Failure("TOKEN_EXPIRED", message)
        if code in THROTTLE_CODES or response.status_code == 429:
            regain = usage(response.headers)[1]
            wait = retry_after_header(response)
            if wait is None and regain:
                wait = regain * 60
            return Failure("RATE_LIMITED", message, True, wait)
        if error.get("is_transient") or code in TRANSIENT_CODES or response.status_code >= 500:
            return Failure("PLATFORM_ERROR", message, True, retry_after_header(response))
        if code == 10 or (isinstance(code, int) and 200 <= code <= 299):
            return Failure("PERMISSION_DENIED", message)
        return Failure("REJECTED" if publishing else "PLATFORM_ERROR", message)

    def pause(self, response: httpx.Response, policy: RetryPolicy) -> float:
        """Pace linearly from `slowdown_at` of the quota (no pause) to 100% (max_wait);
        Meta publishes no reset time except estimated_time_to_regain_access once over."""
        used, regain = usage(response.headers)
        if regain:
            return regain * 60.0
        threshold = policy.slowdown_at * 100
        if used < threshold:
            return 0.0
        return policy.max_wait * (used - threshold) / max(100 - threshold, 1e-9)


def usage(headers: Mapping[str, str]) -> tuple[float, float]:
    """(highest usage percentage, minutes until access is regained) from X-App-Usage and
    X-Business-Use-Case-Usage; (0, 0) when absent or unreadable (they come only after
    enough calls)."""
    shares: list[dict[str, Any]] = []
    for name in ("x-app-usage", "x-ad-account-usage", "x-business-use-case-usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if name == "x-business-use-case-usage" and isinstance(value, dict):
            shares += [u for per_business in value.values() if isinstance(per_business, list)
                       for u in per_business if isinstance(u, dict)]
        elif isinstance(value, dict):
            shares.append(value)
    used = regain = 0.0
    for share in shares:
        for key in ("call_count", "total_cputime", "total_time", "acc_id_util_pct"):
            if isinstance(share.get(key), int | float):
                used = max(used, float(share[key]))
        if isinstance(share.get("estimated_time_to_regain_access"), int | float):
            regain = max(regain, float(share["estimated_time_to_regain_access"]))
    return used, regain


def number(value: Any) -> Decimal | None:
    """A metric value: a number, or an object broken down (by type, paid/organic) summed;
    None (missing) when the platform gave nothing."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a metric value is not a boolean")
    if isinstance(value, int | float | str):
        return Decimal(str(value))
    if isinstance(value, dict):
        parts = [number(v) for v in value.values()]
        return sum((p for p in parts if p is not None), Decimal(0))
    raise TypeError(f"unexpected metric value {type(value).__name__}")


@lru_cache(maxsize=8192)  # a window's days repeat for every metric and every post
def insight_day(end_time: str) -> date:
    """The day a daily insight value covers: the Pacific day ending at its end_time."""
    return (parse_instant(end_time).astimezone(PACIFIC) - timedelta(hours=12)).date()


def daily_points(entries: Iterable[dict[str, Any]], names: Mapping[str, str], start: date,
                 end: date) -> list[MetricPoint]:
    """Daily insight entries ({name, period, values: [{value, end_time}]}) as points for
    start..end; a value that is absent stays absent."""
    points = []
    for entry in entries:
        metric = names.get(entry["name"])
        if metric is None or entry.get("period", "day") != "day":
            continue
        for item in entry["values"]:
            value = number(item.get("value"))
            day = insight_day(item["end_time"])
            if value is not None and start <= day <= end:
                points.append(MetricPoint(metric, day, value, entry["name"]))
    return points


class GraphApi:
    """Graph API calls for one platform (facebook or instagram) at one version."""

    def __init__(self, http: PlatformHttp, version: str) -> None:
        self.http = http
        self.version = version

    async def get(self, path: str, token: str, **params: Any) -> Any:
        return await self.http.call("GET", f"/{self.version}/{path}", token=token,
                                    params=params, parse=_object)

    async def post(self, path: str, token: str, data: Mapping[str, Any], *,
                   publishing: bool = False) -> Any:
        return await self.http.call("POST", f"/{self.version}/{path}", token=token, data=data,
                                    parse=_object, publishing=publishing)

    async def delete(self, path: str, token: str) -> Any:
        return await self.http.call("DELETE", f"/{self.version}/{path}", token=token,
                                    parse=_object, publishing=True)

    async def pages(self, path: str, token: str, **params: Any) -> AsyncIterator[list[Any]]:
        """Every page of an edge: follow paging.next until it is absent (cursors unkept)."""
        url: str | None = f"/{self.version}/{path}"
        query: dict[str, Any] | None = params
        while url:
            data, next_url = await self.http.call("GET", url, token=token, params=query,
                                                  parse=_page)
            yield data
            url = self.http.follow(next_url) if next_url else None
            query = None  # the next link carries every parameter

    async def dated(self, path: str, token: str, since: datetime, until: datetime | None,
                    **params: Any) -> AsyncIterator[list[Any]]:
        """Every page of an edge filtered by creation time (since, and until if given)."""
        window = {"since": int(since.timestamp())}
        if until is not None:
            window["until"] = int(until.timestamp())
        async for page in self.pages(path, token, **params, **window):
            yield page

    async def insights_of(self, ids: list[str], token: str, **params: Any
                          ) -> dict[str, list[dict[str, Any]]]:
        """Insights of many objects, IDS_PER_CALL per call (a multiple-id read)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for i in range(0, len(ids), IDS_PER_CALL):
            chunk = ids[i:i + IDS_PER_CALL]
            body = await self.get("insights", token, ids=",".join(chunk), **params)
            for object_id in chunk:
                found[object_id] = _list(body[object_id]["data"]) if object_id in body else []
        return found


def _object(body: Any, _: httpx.Response) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise TypeError("expected a JSON object")
    return body


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a JSON list")
    return value


def _page(body: Any, response: httpx.Response) -> tuple[list[Any], str | None]:
    data = _list(_object(body, response)["data"])
    next_url = (body.get("paging") or {}).get("next")
    return data, next_url if isinstance(next_url, str) and next_url else None


class MetaConnector(HttpConnector):
    """What the Facebook and Instagram connectors share: Graph at one version."""

    hosts = {"": "https://graph.facebook.com"}
    history_days = 730  # insights are kept two years
    dialect = MetaDialect()
    page_size = 100

    def __init__(self, http: PlatformHttp) -> None:
        super().__init__(http)
        self.graph = GraphApi(http, self.api_version)
