"""Live events: the `events` subscription, scoped to what the viewer may read, event by event.

Each event a broker hands over (domain.events.broker: from any process with Redis) passes
three checks before it is sent: the subscription's own filters (brand, kinds); a cheap one
against the access loaded when the connection was authenticated (a brand the viewer never
could read costs no query); then, for the events that remain, the viewer's token and roles
are read again (`refresh`), so a revoked token or a removed role stops delivery at the next
event. Roles granted after connecting apply at the first event of a brand already readable
or after reconnecting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, OrderedDict
from collections.abc import AsyncGenerator, Iterator
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from api.graphql.access import Access, load_accesses
from api.graphql.context import Context, Info
from api.graphql.cost import charge_subscription
from api.graphql.errors import PublicError
from api.graphql.ids import decode_id, global_id
from api.graphql.loaders.registry import Loaders
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.brand import Brand
from api.graphql.types.common import JSON
from api.graphql.types.enums import EventKind
from domain.errors import ValidationFailed
from domain.events import AUDIENCE, Event
from domain.events.broker import broker
from domain.metrics import EVENTS_DELIVERED
from domain.models import Brand as BrandTable
from domain.services.tokens import users_of_tokens
from domain.settings import get_settings


@strawberry.type(description="One event, as the subscription `events` delivers it.")
class LiveEvent:
    id: str = strawberry.field(description="Unique per event (the same id as in webhooks).")
    kind: EventKind
    subject: relay.GlobalID = strawberry.field(
        description="Global id of the object it happened to.")
    subject_type: str = strawberry.field(description="Its GraphQL type: Post, SyncRun, ...")
    occurred_at: datetime
    payload: JSON = strawberry.field(description="Facts of the change, by kind (README).")
    request_id: str | None = strawberry.field(
        description="The request (or job) that caused it, as in the server's logs.")
    _brand_row: strawberry.Private[dict[str, Any] | None]

    @strawberry.field(description="The brand it happened in.")
    def brand(self, info: Info) -> Brand | None:
        row = self._brand_row
        if row is None or not info.context.access.can_read(row["id"]):
            return None
        return Brand.from_row(row)

    @classmethod
    def of(cls, event: Event, brand_row: dict[str, Any] | None) -> LiveEvent:
        return cls(id=event.id, kind=event.kind,
                   subject=global_id(event.subject_type, event.subject_id),
                   subject_type=event.subject_type, occurred_at=event.occurred_at,
                   payload=event.payload, request_id=event.request_id,
                   _brand_row=brand_row)


def may_receive(access: Access, event: Event) -> bool:
    """The one rule: the brand action of the event's kind (domain.events.AUDIENCE) through
    the permission matrix; an event of no brand goes to its workspace's administrators."""
    if event.brand_id is None:
        return event.workspace_id in access.admin_workspaces
    return access.can(event.brand_id, AUDIENCE[event.kind])


def might_receive(access: Access, event: Event) -> bool:
    """Without a query: could this viewer, as last loaded, be entitled to it at all?"""
    return (event.brand_id is not None and event.brand_id in access.brand_ids) \
        or event.workspace_id in access.admin_workspaces


class Unauthenticated(PublicError):
    def __init__(self) -> None:
        super().__init__("UNAUTHENTICATED: the token of this connection was revoked or its "
                         "user deactivated; connect again with a valid token")


class EventChecks:
    """What every subscriber of this process needs to know about one event, read once for
    them all: each connection's viewer (token, user and roles, batched: five queries
    whatever the number of viewers) and the event's brand row."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self.viewers: DataLoader[str, tuple[dict[str, Any], Access] | None] = DataLoader(
            load_fn=self._load_viewers)
        self._brand: asyncio.Task[dict[str, Any] | None] | None = None

    async def _load_viewers(self, tokens: list[str]) -> list[tuple[dict[str, Any], Access] | None]:
        users = await users_of_tokens(tokens)
        accesses = await load_accesses(user["id"] for user in users.values())
        return [(users[t], accesses[users[t]["id"]]) if t in users else None for t in tokens]

    async def brand(self) -> dict[str, Any] | None:
        if self.event.brand_id is None:
            return None
        if self._brand is None:
            self._brand = asyncio.ensure_future(BrandTable.select().where(
                BrandTable.id == self.event.brand_id).first())
        return await asyncio.shield(self._brand)


_checks: OrderedDict[tuple[int, str], EventChecks] = OrderedDict()
CHECKS_KEPT = 256  # events whose checks stay shared (far more than are in flight at once)


def checks_for(event: Event) -> EventChecks:
    key = (id(asyncio.get_running_loop()), event.id)
    found = _checks.get(key)
    if found is None:
        found = _checks[key] = EventChecks(event)
        while len(_checks) > CHECKS_KEPT:
            _checks.popitem(last=False)
    return found


async def refresh(context: Context, checks: EventChecks) -> None:
    """The connection's viewer as they are now: token, user and roles read again."""
    found = await checks.viewers.load(context.token) if context.token else None
    if found is None:
        raise Unauthenticated()
    context.user, context.access = found
    context.loaders = Loaders()  # fields of this event read fresh rows


_held: Counter[int] = Counter()
"""Live subscriptions per user in this process."""


@contextlib.contextmanager
def subscription_slot(user_id: int) -> Iterator[None]:
    most = get_settings().max_subscriptions_per_viewer
    if most > 0 and _held[user_id] >= most:
        raise PublicError(f"SUBSCRIPTION_LIMIT: a viewer may hold {most} live subscriptions "
                          "at once; close one first")
    _held[user_id] += 1
    try:
        yield
    finally:
        _held[user_id] -= 1
        if _held[user_id] <= 0:
            del _held[user_id]


def _brand_filter(brand: relay.GlobalID | None, access: Access) -> int | None:
    if brand is None:
        return None
    try:
        brand_id = decode_id(brand, "Brand", field="brand")
    except ValidationFailed as error:
        raise PublicError(f"brand: {error}") from error
    if not access.can_read(brand_id):
        raise PublicError("brand: no Brand with this id")
    return brand_id


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="Events of the brands the viewer may read, as they happen (WebSocket, "
                    "graphql-transport-ws; the token goes in connection_init's payload as "
                    "{\"Authorization\": \"Bearer …\"}). `brand` and `kinds` narrow them.")
    async def events(
        self, info: Info, brand: relay.GlobalID | None = None,
        kinds: list[EventKind] | None = None,
    ) -> AsyncGenerator[LiveEvent, None]:
        context = info.context
        brand_id = _brand_filter(brand, context.access)
        await charge_subscription(info)
        wanted = frozenset(kinds) if kinds else None
        with subscription_slot(context.user_id):
            async with broker().subscribe() as queue:
                while True:
                    event = await queue.get()
                    if (brand_id is not None and event.brand_id != brand_id) or (
                            wanted is not None and event.kind not in wanted):
                        continue
                    if not might_receive(context.access, event):
                        continue
                    checks = checks_for(event)
                    await refresh(context, checks)
                    if not may_receive(context.access, event):
                        continue
                    EVENTS_DELIVERED.labels(kind=event.kind.value).inc()
                    yield LiveEvent.of(event, await checks.brand())
