"""Calling a platform exactly once for something visible (a post, a reply): claim, call, reconcile.

A job claims the row (a claim token and its time) in a committed update before it calls
the platform. A later attempt that finds a claim does not call again: it asks the
platform (`find`) whether the thing is there. Only when it is not, and the claim is older
than any request still in flight could be, does it take the claim over and call.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from piccolo.columns import Column

from domain.models.base import Table
from domain.settings import get_settings

R = TypeVar("R")
# Clocks of the worker and the platform disagree a little; look a bit before the claim.
CLOCK_SLACK = timedelta(minutes=2)


def claim_grace() -> timedelta:
    """How long a claim may hide a request still in flight: twice the HTTP timeout, after
    which the claiming worker's own call has given up."""
    return timedelta(seconds=2 * get_settings().http_timeout)


async def exactly_once(table: type[Table], pk: int, claim: Column, claimed_at: Column,
                       find: Callable[[datetime], Awaitable[R | None]],
                       call: Callable[[], Awaitable[R]], *,
                       claimable: Sequence[Any] = ()) -> R | None:
    """The platform's record: found after an earlier claim, or made now under a fresh claim.
    None when an earlier attempt may still be in flight (try again after claim_grace()).

    `claimable` are further conditions the row must meet to be claimed (still publishable).
    """
    now = datetime.now(UTC)
    token = uuid.uuid4().hex
    key = table._meta.primary_key
    claimed = await table.update({claim: token, claimed_at: now}).where(
        key == pk, claim.is_null(), *claimable).returning(key)
    if not claimed:
        current = await table.select(claim, claimed_at).where(key == pk).first()
        if current is None or current[claim._meta.name] is None:
            return None  # changed under us: try again later, from the top
        since = current[claimed_at._meta.name] or now
        found = await find(since - CLOCK_SLACK)
        if found is not None:
            return found
        if now - since < claim_grace():
            return None
        taken = await table.update({claim: token, claimed_at: now}).where(
            key == pk, claim == current[claim._meta.name]).returning(key)
        if not taken:
            return None
    return await call()
