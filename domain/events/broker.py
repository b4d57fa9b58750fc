"""The event broker: hands each published event to every live subscriber of every process.

With REDIS_URL it is Redis pub/sub: `publish` sends the event to a channel, and each process
runs one listener that passes what arrives to its own subscribers (an event raised by a
worker or by another API process reaches them all). Without Redis, `publish` hands the
event straight to this process's subscribers. One broker per event loop (tests and the CLI
make several loops; a Redis connection cannot cross them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import redis.asyncio as aioredis
import redis.exceptions

from domain.events import Event
from domain.settings import get_settings

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000
"""Events one subscriber may fall behind by; past it the oldest are dropped (and logged)."""
RECONNECT_CAP = 5.0
"""Longest pause, in seconds, between the listener's attempts to reach Redis again."""


def channel_for(url: str) -> str:
    """Pub/sub ignores Redis' database numbers: the channel carries it, so two deployments
    (or test suites) on one server with different databases never see each other's events."""
    path = urlparse(url).path.strip("/") or "0"
    return f"coso:events:{path}"


class LocalBroker:
    """Subscribers of this process: each an asyncio.Queue of events."""

    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[Event]] = set()

    async def publish(self, event: Event) -> None:
        self.deliver(event)

    def deliver(self, event: Event) -> None:
        for queue in list(self.queues):
            if queue.full():  # a subscriber this far behind loses its oldest event
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                log.warning("event subscriber fell %d events behind: oldest dropped",
                            QUEUE_SIZE)
            queue.put_nowait(event)

    async def ready(self) -> None:
        """Returns once events published from now on reach this process's subscribers."""

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self.queues.add(queue)
        try:
            await self.ready()
            yield queue
        finally:
            self.queues.discard(queue)

    async def close(self) -> None:
        self.queues.clear()


class RedisBroker(LocalBroker):
    """Fan-out through Redis pub/sub: publish to the channel, listen once per process."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.channel = channel_for(url)
        self.client: aioredis.Redis = aioredis.from_url(url)
        self.listener: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()

    async def publish(self, event: Event) -> None:
        await self.client.publish(self.channel, event.to_json())

    async def ready(self) -> None:
        if self.listener is None or self.listener.done():
            self.listener = asyncio.get_running_loop().create_task(self._listen())
        await self.subscribed.wait()

    async def _listen(self) -> None:
        pause = 0.1
        while True:
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                try:
                    await pubsub.subscribe(self.channel)
                    self.subscribed.set()
                    pause = 0.1
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        try:
                            event = Event.from_json(message["data"])
                        except (ValueError, KeyError, TypeError):
                            log.warning("unreadable event on %s dropped", self.channel)
                            continue
                        self.deliver(event)
                finally:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()
            except asyncio.CancelledError:
                raise
            except (redis.exceptions.RedisError, OSError) as error:
                # Events raised while Redis is away are lost to live subscribers (webhooks
                # have their own durable record); the listener keeps trying.
                self.subscribed.clear()
                log.warning("event listener lost Redis (%s): retrying in %.1fs",
                            type(error).__name__, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RECONNECT_CAP)

    async def close(self) -> None:
        await super().close()
        if self.listener is not None:
            self.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.listener
            self.listener = None
        await self.client.aclose()


_brokers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalBroker] = \
    weakref.WeakKeyDictionary()


def broker() -> LocalBroker:
    """This event loop's broker: Redis pub/sub when REDIS_URL is set, else in-process."""
    loop = asyncio.get_running_loop()
    found = _brokers.get(loop)
    url = get_settings().redis_url
    if found is None or (isinstance(found, RedisBroker) and found.url != url) or (
            url and not isinstance(found, RedisBroker)) or (
            not url and isinstance(found, RedisBroker)):
        found = RedisBroker(url) if url else LocalBroker()
        _brokers[loop] = found
    return found


async def close_broker() -> None:
    """Stop this loop's listener and close its connection (a server shutting down)."""
    found = _brokers.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.close()
