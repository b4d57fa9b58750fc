"""Sharing the event loop: one operation resolves fields for at most a slice of time
before it lets every other request (a health check among them) have a turn.

graphql-core completes synchronously every field it can, and the rows of one DataLoader
batch all wake up in the same loop iteration: a page of 100 posts with a page of 100
posts each is 10,000 objects completed without the loop polling its sockets once (1.4 s
here). So, past the slice, a field this operation starts is queued instead; a pump at the
start of each later iteration lets queued fields go, about a slice's worth an iteration
(it learns how many that is), and the loop serves the other requests in between.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from inspect import isawaitable
from typing import Any

from graphql import get_named_type, is_leaf_type
from strawberry.extensions import SchemaExtension

SLICE = 0.02  # seconds of this operation's work per loop iteration


class TimeSlice(SchemaExtension):
    def __init__(self, *, execution_context: Any = None) -> None:
        self.started = time.perf_counter()
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.batch = 64  # turns given per iteration, adjusted to fill about a slice
        self.pumping = False

    def _over(self) -> bool:
        return time.perf_counter() - self.started >= SLICE

    def resolve(self, _next: Callable[..., Any], root: Any, info: Any, *args: Any,
                **kwargs: Any) -> Any:
        # A leaf (a scalar, an enum) completes in no time: only objects and lists wait.
        if not self._over() or is_leaf_type(get_named_type(info.return_type)):
            return _next(root, info, *args, **kwargs)
        return self._queued(_next, root, info, *args, **kwargs)

    async def _queued(self, _next: Callable[..., Any], root: Any, info: Any, *args: Any,
                      **kwargs: Any) -> Any:
        await self._turn()
        value = _next(root, info, *args, **kwargs)
        if isawaitable(value):
            value = await value  # a DataLoader's batch wakes every waiter at once
        # graphql-core completes the value (a page of objects) as soon as this returns.
        await self._turn()
        return value

    async def _turn(self) -> None:
        while self._over():
            turn = asyncio.get_running_loop().create_future()
            self.waiting.append(turn)
            self._pump_soon()
            await turn

    def _pump_soon(self) -> None:
        if not self.pumping:
            self.pumping = True
            asyncio.get_running_loop().call_soon(self._pump)

    def _pump(self) -> None:
        """At an iteration's end: adjust the number of turns to what fit in the last slice,
        give that many, start a new slice."""
        self.pumping = False
        elapsed = time.perf_counter() - self.started
        if elapsed > 2 * SLICE:
            self.batch = max(1, self.batch // 2)
        elif elapsed < SLICE / 2:
            self.batch = min(1024, self.batch * 2)
        given = 0
        while self.waiting and given < self.batch:
            turn = self.waiting.popleft()
            if not turn.done():  # a cancelled request's fields are dropped
                turn.set_result(None)
                given += 1
        self.started = time.perf_counter()
        if self.waiting:
            self._pump_soon()
