"""Keyset cursor connections: `first`/`after`, at most 100 a page, `totalCount` on demand."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from api.graphql.errors import PublicError
from api.graphql.ids import parse_pk

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
_CURSOR_PREFIX = "k1:"

NodeT = TypeVar("NodeT")


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{pk}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The key after which the page starts; only a cursor `encode_cursor` wrote is one
    (a number too big for the key column used to fail in the database, as an internal error)."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    pk = parse_pk(text.removeprefix(_CURSOR_PREFIX)) if text.startswith(_CURSOR_PREFIX) else None
    if pk is None or encode_cursor(pk) != cursor:
        raise PublicError("after is not a cursor of this connection")
    return pk


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A validated `first`/`after`: rows with pk > after, in pk order, `first` of them."""

    first: int
    after: int | None

    @classmethod
    def parse(cls, first: int | None, after: str | None) -> PageRequest:
        size = DEFAULT_PAGE_SIZE if first is None else first
        if not 0 <= size <= MAX_PAGE_SIZE:
            raise PublicError(f"first must be between 0 and {MAX_PAGE_SIZE}, got {size}")
        return cls(first=size, after=decode_cursor(after) if after else None)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Rows matching the filter, across all pages.")
    async def total_count(self) -> int:
        return await self._count()

    @strawberry.field(description="The nodes of this page, without their edges.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


def build_connection(
    rows: Sequence[dict],
    page: PageRequest,
    to_node: Callable[[dict], NodeT],
    count: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    """`rows` holds up to first + 1 rows in pk order; the extra one only says a page follows."""
    shown = rows[: page.first]
    edges = [Edge(cursor=encode_cursor(row["id"]), node=to_node(row)) for row in shown]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > page.first,
            has_previous_page=page.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )
