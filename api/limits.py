"""Token buckets for rate limits and GraphQL cost budgets: in Redis when REDIS_URL is set
(shared by every API process), in this process otherwise.

A bucket holds up to `capacity` points and refills at `capacity` per `period` seconds; a
request takes its points or is refused with how long until they are back. Taking a
negative amount gives points back (a query that cost less than estimated, as Shopify
refunds). Should Redis be unreachable the limits are not enforced (logged): a limiter
must not take the API down with it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
import weakref
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions

from domain.settings import get_settings

log = logging.getLogger(__name__)
KEY_PREFIX = "coso:limit:"

# KEYS[1] bucket; ARGV capacity, period (s), amount. Redis's clock, so API processes agree.
_TAKE = """
local capacity = tonumber(ARGV[1])
local rate = capacity / tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'points', 'at')
local points = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
points = math.min(capacity, points + math.max(0, now - at) * rate)
local allowed = 0
if amount <= points then
  points = math.min(capacity, points - amount)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'points', tostring(points), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
return {allowed, tostring(points)}
"""


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    remaining: float
    """Points left in the bucket after this take (or before it, when refused)."""
    retry_after: int
    """Whole seconds until the amount asked for is available again (0 when allowed)."""


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    """What is limited: part of the key, e.g. "requests:address"."""
    capacity: float
    period: float = 60.0

    @property
    def rate(self) -> float:
        return self.capacity / self.period

    def verdict(self, allowed: bool, points: float, amount: float) -> Verdict:
        wait = 0 if allowed else math.ceil(max(0.0, amount - points) / self.rate)
        return Verdict(allowed, points, max(wait, 0 if allowed else 1))


_local: dict[str, tuple[float, float]] = {}  # key -> (points, monotonic time)
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, aioredis.Redis]] = \
    weakref.WeakKeyDictionary()


def client_address(scope: Any) -> str:
    """The client's IP address (an ASGI scope or a Starlette request); uvicorn's
    --proxy-headers with --forwarded-allow-ips puts the real client's there behind a proxy."""
    client = scope.get("client") if isinstance(scope, dict) else getattr(scope, "client", None)
    return client[0] if client else "local"


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def token_key(token: str) -> str:
    """A bucket's name for a token: its hash, so Redis never holds one in clear."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


MAX_LOCAL_BUCKETS = 100_000


def _take_local(key: str, bucket: Bucket, amount: float) -> Verdict:
    now = time.monotonic()
    if len(_local) > MAX_LOCAL_BUCKETS:
        # Many addresses (a scan, a botnet): forget the buckets idle for a whole period,
        # which are full again anyway, so memory stays bounded.
        for stale in [k for k, (_, at) in _local.items() if now - at > bucket.period]:
            del _local[stale]
    points, at = _local.get(key, (bucket.capacity, now))
    points = min(bucket.capacity, points + (now - at) * bucket.rate)
    allowed = amount <= points
    if allowed:
        points = min(bucket.capacity, points - amount)
    _local[key] = (points, now)
    return bucket.verdict(allowed, points, amount)


def _client(url: str) -> aioredis.Redis:
    # A client cannot cross event loops (tests and the CLI make several).
    clients = _clients.setdefault(asyncio.get_running_loop(), {})
    if url not in clients:
        clients[url] = aioredis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return clients[url]


async def take(bucket: Bucket, who: str, amount: float = 1) -> Verdict:
    """Take `amount` points from `who`'s bucket (a negative amount gives them back)."""
    key = f"{KEY_PREFIX}{bucket.name}:{who}"
    url = get_settings().redis_url
    if not url:
        return _take_local(key, bucket, amount)
    try:
        allowed, points = await _client(url).eval(  # type: ignore[misc]
            _TAKE, 1, key, str(bucket.capacity), str(bucket.period), str(amount))
    except (redis.exceptions.RedisError, OSError) as error:
        log.warning("rate limit not enforced, Redis unavailable: %s", type(error).__name__)
        return Verdict(True, bucket.capacity, 0)
    return bucket.verdict(bool(allowed), float(points), amount)


async def reset() -> None:
    """Forget every bucket (tests; an operator lifting a block)."""
    _local.clear()
    url = get_settings().redis_url
    if url:
        client = _client(url)
        keys = [key async for key in client.scan_iter(match=f"{KEY_PREFIX}*")]
        if keys:
            await client.delete(*keys)
