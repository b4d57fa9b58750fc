"""The emulator's own endpoints: inject faults, tighten quotas, re-configure, read counters."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.emulator.core import JSON
from api.emulator.state import PLATFORMS, Fault, State

MEDIA_BYTES = 64 * 1024


def _state(request: Request) -> State:
    return request.app.state.emulator


def _bad(message: str) -> JSON:
    return JSON({"error": message}, status_code=400)


async def _json(request: Request) -> Any:
    try:
        return orjson.loads(await request.body() or b"null")
    except orjson.JSONDecodeError as error:
        raise ValueError(f"the body is not JSON: {error}") from None


def _spike(raw: Any) -> dict[str, Any]:
    """{days_ago, hour, hours} of the negative spike, or null for none."""
    if raw is None:
        return {"spike_days_ago": None}
    if not isinstance(raw, dict) or set(raw) - {"days_ago", "hour", "hours"}:
        raise ValueError("spike is null or {days_ago, hour, hours}")
    out: dict[str, Any] = {}
    for name, low, high in (("days_ago", 0, 365), ("hour", 0, 23), ("hours", 1, 72)):
        if name in raw:
            value = raw[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"spike.{name} must be a whole number from {low} to {high}")
            out[f"spike_{name}"] = value
    return out


async def add_faults(request: Request) -> Response:
    """POST a fault or a list of faults (see state.Fault); answers their ids."""
    try:
        raw = await _json(request)
        faults = [Fault.parse(item) for item in (raw if isinstance(raw, list) else [raw])]
    except ValueError as error:
        return _bad(str(error))
    return JSON({"faults": [_state(request).add_fault(f).id for f in faults]}, status_code=201)


async def list_faults(request: Request) -> Response:
    return JSON({"faults": _state(request).stats()["faults_pending"]})


async def clear_faults(request: Request) -> Response:
    _state(request).faults.clear()
    return JSON({"faults": []})


async def stats(request: Request) -> Response:
    return JSON(_state(request).stats())


async def reset(request: Request) -> Response:
    _state(request).reset()
    return JSON({"reset": True})


def parse_config(raw: Any) -> tuple[dict[str, Any], dict[str, tuple[int, float]]]:
    """Config changes and rate limits from {seed, today, posts_per_day, rate_limits}."""
    if not isinstance(raw, dict):
        raise ValueError("config is a JSON object")
    unknown = set(raw) - {"seed", "today", "posts_per_day", "rate_limits", "spike"}
    if unknown:
        raise ValueError(f"unknown config fields: {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    if "seed" in raw:
        changes["seed"] = int(raw["seed"])
    if "today" in raw:
        changes["today"] = date.fromisoformat(raw["today"]) if raw["today"] else None
    if "posts_per_day" in raw:
        changes["posts_per_day"] = float(raw["posts_per_day"])
        if not 0 <= changes["posts_per_day"] <= 50:
            raise ValueError("posts_per_day must be between 0 and 50")
    if "spike" in raw:
        changes.update(_spike(raw["spike"]))
    limits: dict[str, tuple[int, float]] = {}
    for platform, limit in (raw.get("rate_limits") or {}).items():
        if platform not in PLATFORMS:
            raise ValueError(f"rate_limits: unknown platform {platform!r}")
        calls, window = int(limit["limit"]), float(limit.get("window", 60))
        if calls < 1 or window < 1 or not window.is_integer():
            raise ValueError("rate_limits: limit >= 1 and a whole window >= 1 second")
        limits[platform] = (calls, window)
    return changes, limits


async def configure(request: Request) -> Response:
    """POST {seed?, today?, posts_per_day?, rate_limits?: {platform: {limit, window}}}."""
    state = _state(request)
    try:
        changes, limits = parse_config(await _json(request))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        return _bad(f"bad config: {error}")
    state.configure(**changes)
    state.limits.update(limits)
    state.windows.clear()
    return JSON(state.stats()["config"] | {"rate_limits": {
        p: {"limit": n, "window": w} for p, (n, w) in state.limits.items()}})


async def media(request: Request) -> Response:
    """A deterministic file to publish from (what a CDN would serve)."""
    name = request.path_params["name"]
    kind = "video/mp4" if name.endswith(".mp4") else "image/jpeg"
    seed = name.encode() * (MEDIA_BYTES // max(len(name), 1) + 1)
    return Response(seed[:MEDIA_BYTES], media_type=kind)


async def clock(request: Request) -> Response:
    """POST {"advance": seconds}: move the token clock on (tokens expire sooner)."""
    try:
        raw = await _json(request)
        advance = float(raw["advance"]) if isinstance(raw, dict) else None
    except (ValueError, KeyError, TypeError) as error:
        return _bad(f"bad clock change: {error}")
    if advance is None or advance < 0:
        return _bad("give {\"advance\": seconds} (0 or more)")
    oauth = _state(request).oauth
    oauth.offset += advance
    return JSON({"offset": oauth.offset, "refreshes": oauth.refreshes})


ROUTES = [
    Route("/_emulator/faults", add_faults, methods=["POST"]),
    Route("/_emulator/faults", list_faults, methods=["GET"]),
    Route("/_emulator/faults", clear_faults, methods=["DELETE"]),
    Route("/_emulator/stats", stats, methods=["GET"]),
    Route("/_emulator/reset", reset, methods=["POST"]),
    Route("/_emulator/config", configure, methods=["POST"]),
    Route("/_emulator/media/{name}", media, methods=["GET"]),
    Route("/_emulator/oauth/clock", clock, methods=["POST"]),
]
