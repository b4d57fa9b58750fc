"""`Loader`: a DataLoader whose shared result survives one of its awaiters being cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K")
T = TypeVar("T")


class Loader(DataLoader[K, T]):
    def load(self, key: K) -> Awaitable[T]:
        # When a field fails under a non-null parent, graphql-core cancels its sibling
        # fields. A resolver cancelled while awaiting the loader's own future cancels that
        # future for every other field waiting on the same key, and their CancelledError
        # escapes the whole request (seen by the isolation sweep: `viewer { workspaces {
        # pendingInvitations } memberships { brand { workspace } } }` as a brand member).
        return asyncio.shield(super().load(key))
