"""Loading Relay nodes with the object-level check: a foreign row is a missing row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from api.graphql.context import Info
from api.graphql.ids import parse_pk

T = TypeVar("T")


def brand_of(row: dict[str, Any]) -> int:
    return row["brand"]


def node_keys(ids: Iterable[Any]) -> list[int]:
    """Primary keys from node ids; one no row can have (0) for junk or a non-canonical
    spelling ("01", "１"), so it reads as missing."""
    return [parse_pk(str(i)) or 0 for i in ids]


async def load_visible(
    info: Info,
    loader: DataLoader,
    ids: Iterable[Any],
    build: Callable[[dict[str, Any]], T],
    brand: Callable[[dict[str, Any]], int] = brand_of,
) -> list[T | None]:
    """Rows by id, each None unless the viewer may read its brand."""
    access = info.context.access
    out: list[T | None] = []
    for row in await loader.load_many(node_keys(ids)):
        out.append(build(row) if row is not None and access.can_read(brand(row)) else None)
    return out


async def load_one_visible(
    info: Info, loader: DataLoader, pk: int | None, build: Callable[[dict[str, Any]], T],
    brand: Callable[[dict[str, Any]], int] = brand_of,
) -> T | None:
    if pk is None:
        return None
    return (await load_visible(info, loader, [pk], build, brand))[0]
