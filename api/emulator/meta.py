"""Meta's Graph API as both Facebook and Instagram answer it: errors, usage headers, paging."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from starlette.requests import Request
from starlette.responses import Response

from api.emulator.core import (
    JSON,
    Call,
    PlatformApi,
    Refused,
    cursor,
    offset_of,
    parse_day,
    parse_instant,
    with_query,
)
from api.emulator.data import Post, find_post, generated_posts, h
from api.emulator.state import Fault

PACIFIC = ZoneInfo("America/Los_Angeles")
VERSIONS = frozenset({"v22.0", "v23.0", "v24.0"})
RETENTION_DAYS = 730
# kind -> (HTTP status, Graph error code, subcode, message)
ERRORS: dict[str, tuple[int, int, int | None, str]] = {
    "auth": (400, 104, None, "An access token is required to request this resource."),
    "expired": (400, 190, 463, "Error validating access token: Session has expired."),
    "server": (500, 2, None, "An unexpected error has occurred. Please retry your request "
                             "later."),
    "invalid": (400, 100, None, "(#100) Invalid parameter"),
    "permission": (403, 10, None, "(#10) Application does not have permission for this "
                                  "action"),
    "not_found": (400, 100, 33, "Unsupported get request."),
    "reject": (400, 368, None, "(#368) The action attempted has been deemed abusive or is "
                               "otherwise disallowed"),
    "published": (400, 9007, 2207006, "The media has already been published"),
}


class MetaApi(PlatformApi):
    buc_type = "pages"
    throttle_code = 80001

    def token(self, request: Request) -> str | None:
        return super().token(request) or request.query_params.get("access_token") or None

    def error(self, status: int, kind: str, message: str, **extra: Any) -> Response:
        default_status, code, subcode, default = ERRORS.get(kind, (status, 1, None, message))
        body: dict[str, Any] = {
            "message": message if kind in ("invalid", "not_found", "published") else default,
            "type": "OAuthException", "code": extra.get("code", code),
            "fbtrace_id": f"A{h(message, time.time()) % 10 ** 12:012d}"}
        if subcode:
            body["error_subcode"] = subcode
        if kind == "server":
            body["is_transient"] = True
        return JSON({"error": body}, status_code=status if status >= 500 else default_status)

    def quota_headers(self, used: int, limit: int, reset: float, token: str) -> dict[str, str]:
        percent = min(100, used * 100 // max(limit, 1))
        if percent < 1:  # Meta sends usage only after enough calls
            return {}
        regain = math.ceil(max(0.0, reset - time.time()) / 60) if used > limit else 0
        share = {"call_count": percent, "total_cputime": percent // 2,
                 "total_time": percent // 2}
        business = {str(h("business", token) % 10 ** 15): [
            {"type": self.buc_type, **share, "estimated_time_to_regain_access": regain}]}
        return {"x-app-usage": orjson.dumps(share).decode(),
                "x-business-use-case-usage": orjson.dumps(business).decode()}

    def throttled(self, reset: float, token: str, fault: Fault | None, limit: int) -> Response:
        response = self._throttle_body(429)
        if fault is not None and fault.retry_after is not None:
            response.headers["retry-after"] = f"{fault.retry_after:g}"
        return response

    def native_throttle(self, reset: float, token: str, fault: Fault, limit: int) -> Response:
        return self._throttle_body(400)  # Meta throttles with HTTP 400 and a code

    def _throttle_body(self, status: int) -> Response:
        return JSON({"error": {
            "message": "(#80001) There have been too many calls to this account. Wait a bit "
                       "and try again.", "type": "OAuthException",
            "code": self.throttle_code, "fbtrace_id": "Athrottled"}}, status_code=status)

    @staticmethod
    def version(call: Call) -> None:
        version = call.request.path_params["version"]
        if version not in VERSIONS:
            raise Refused(400, "invalid", f"(#12) Unknown or deprecated API version {version}")


@lru_cache(maxsize=8192)
def end_time(day: date) -> str:
    """A daily value's end_time: the next midnight in Pacific time, written in UTC."""
    moment = datetime.combine(day + timedelta(days=1), clock(), PACIFIC).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def metric_names(call: Call, allowed: Iterable[str], deprecated: Iterable[str] = ()
                 ) -> list[str]:
    names = [n for n in (call.param("metric") or "").split(",") if n]
    if not names:
        raise Refused(400, "invalid", "(#100) The parameter metric is required")
    allowed, deprecated = set(allowed), set(deprecated)
    for name in names:
        if name in deprecated:
            raise Refused(400, "invalid", f"(#100) {name} is no longer supported; use the "
                                          "views metrics instead")
        if name not in allowed:
            raise Refused(400, "invalid", f"(#100) The value must be a valid insights metric: "
                                          f"{name}")
    return names


def day_window(call: Call, max_days: int) -> list[date]:
    """The days of since..until (until excluded) that already have data."""
    today = call.today
    since = parse_day(call.param("since"), "since")
    until = parse_day(call.param("until"), "until")
    until = until or today
    since = since or until - timedelta(days=2)
    if until <= since:
        raise Refused(400, "invalid", "(#100) since must be before until")
    if (until - since).days > max_days:
        raise Refused(400, "invalid", f"(#100) There cannot be more than {max_days} days "
                                      f"({max_days * 86400} s) between since and until")
    first = max(since, today - timedelta(days=RETENTION_DAYS))
    return [first + timedelta(days=i) for i in range((until - first).days)]


def daily_entries(object_id: str, names: Sequence[str], days: Sequence[date],
                  value: Callable[[str, date], Any]) -> list[dict[str, Any]]:
    """Insight entries with one value per day that has data; no entry without values."""
    entries = []
    for name in names:
        values = [{"value": v, "end_time": end_time(d)} for d in days
                  if (v := value(name, d)) is not None]
        if values:
            entries.append({"name": name, "period": "day", "values": values,
                            "title": name.replace("_", " ").title(), "description": "",
                            "id": f"{object_id}/insights/{name}/day"})
    return entries


def lifetime_entries(object_id: str, names: Sequence[str],
                     value: Callable[[str], Any]) -> list[dict[str, Any]]:
    entries = []
    for name in names:
        v = value(name)
        if v is not None:
            entries.append({"name": name, "period": "lifetime", "values": [{"value": v}],
                            "title": name.title(), "description": "",
                            "id": f"{object_id}/insights/{name}/lifetime"})
    return entries


def page_of(call: Call, items: list[Any], default: int = 25, most: int = 100
            ) -> dict[str, Any]:
    """One page of an edge with Graph's cursors and a `next` link while more remain."""
    limit = call.int_param("limit", default, 1, most)
    start = offset_of(call.param("after"))
    chunk = items[start:start + limit]
    body: dict[str, Any] = {"data": chunk}
    if chunk:
        paging: dict[str, Any] = {"cursors": {"before": cursor(start),
                                              "after": cursor(start + len(chunk))}}
        if start + limit < len(items):
            paging["next"] = with_query(call.request, after=cursor(start + len(chunk)))
        body["paging"] = paging
    return body


def fields(call: Call, default: str) -> set[str]:
    """The top-level names of a `fields` parameter (nested expansions kept whole)."""
    raw, depth, names, current = call.param("fields") or default, 0, set(), ""
    for char in raw + ",":
        if char == "," and depth == 0:
            names.add(current.strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1, "{": 1, "}": -1}.get(char, 0)
        current += char
    return {n for n in names if n} | {"id"}


def ids_param(call: Call) -> list[str]:
    ids = [i for i in (call.param("ids") or "").split(",") if i]
    if not ids:
        raise Refused(400, "invalid", "(#100) The parameter ids is required")
    if len(ids) > 50:
        raise Refused(400, "invalid", "(#100) Too many IDs. Maximum: 50")
    return ids


def post_of(call: Call, platform: str, post_id: str) -> Post:
    """A post (or media) the token may read, or Graph's error for an unknown object."""
    post = find_post(platform, post_id)
    if post is None:
        raise Refused(400, "not_found", f"Unsupported get request. Object with ID '{post_id}' "
                                        "does not exist.")
    call.own(platform, post.account)
    return post


def posts_between(call: Call, platform: str, account: str) -> list[Post]:
    """The account's posts in the since..until of the call (until excluded; the last 90
    days by default), generated and published, newest first."""
    call.own(platform, account)
    now = call.config.now()
    since = parse_instant(call.param("since"), "since") or now - timedelta(days=90)
    until = parse_instant(call.param("until"), "until") or now + timedelta(seconds=1)
    found = generated_posts(call.config, platform, account, since.date(), until.date())
    found += call.state.published_on(platform, account)
    return sorted((p for p in found if since <= p.published_at < until),
                  key=lambda p: (p.published_at, p.id), reverse=True)


def json(body: Any, status: int = 200) -> JSON:
    return JSON(body, status_code=status)
