"""What every entity's import needs: the brand, its channels, a parsed row, the handler shape."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from domain.enums import Platform
from domain.imports.base import RawRow
from domain.imports.schema import Entity, Header
from domain.imports.store import Store, Target
from domain.imports.values import CellError, as_text
from domain.imports.vector import Certified
from domain.models import Brand, Channel


@dataclass(frozen=True, slots=True)
class BrandContext:
    id: int
    workspace: int
    locale: str
    timezone: str
    currency: str
    actor_id: int | None
    source_name: str
    now: datetime
    may_edit_budget: bool


async def load_brand(brand_id: int) -> dict[str, Any] | None:
    return await Brand.select(Brand.id, Brand.workspace, Brand.locale, Brand.timezone,
                              Brand.currency).where(Brand.id == brand_id).first()


class ChannelIndex:
    """The brand's channels by handle: `@acme`, `acme`, `instagram:@acme` all find it."""

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        self.by_handle: dict[str, list[tuple[int, str]]] = {}
        for row in rows:
            self.by_handle.setdefault(_handle(row["handle"]), []).append(
                (row["id"], row["platform"]))
        self._cache: dict[tuple[str, str | None], tuple[int, str]] = {}

    @classmethod
    async def load(cls, brand_id: int) -> ChannelIndex:
        return cls(await Channel.select(Channel.id, Channel.platform, Channel.handle).where(
            Channel.brand == brand_id))

    def find(self, cell: Any, platform_cell: Any = None) -> tuple[int, str]:
        """(channel id, platform); CellError UNKNOWN_CHANNEL or AMBIGUOUS_CHANNEL."""
        try:
            cached = self._cache.get((cell, platform_cell))
        except TypeError:  # a JSON list or object: not a handle anyway
            cached = None
        if cached is not None:
            return cached
        text = as_text(cell)
        platform = as_text(platform_cell).lower()
        prefix, colon, rest = text.partition(":")
        if colon and prefix.strip().lower() in Platform._value2member_map_:
            platform, text = prefix.strip().lower(), rest
        if not text:
            raise CellError("REQUIRED", "channel is required")
        found = self.by_handle.get(_handle(text), [])
        if platform:
            found = [c for c in found if c[1] == platform]
        if not found:
            where = f" on {platform}" if platform else ""
            raise CellError("UNKNOWN_CHANNEL", f"the brand has no channel {text!r}{where}")
        if len(found) > 1:
            raise CellError("AMBIGUOUS_CHANNEL", (
                f"{text!r} is a channel on {', '.join(sorted(p for _, p in found))}: write "
                f"platform:{text} or add a platform column"))
        if isinstance(cell, str) and isinstance(platform_cell, str | None):
            self._cache[(cell, platform_cell)] = found[0]
        return found[0]


def _handle(text: str) -> str:
    return text.strip().lstrip("@").casefold()


class Parsed:
    """One row after parsing: its target and staging record, or what is wrong with it."""

    __slots__ = ("row", "target", "record", "problems")

    def __init__(self, row: RawRow, target: Target | None = None,
                 record: list[Any] | None = None) -> None:
        self.row = row
        self.target = target
        self.record: list[Any] = record if record is not None else []
        """The staging record: the line, then the target's fields in order."""
        self.problems: list[tuple[str, str, str]] = _NONE
        """(Coso column, code, message); a shared empty list until the first problem."""

    def fail(self, column: str, code: str, message: str) -> None:
        if self.problems is _NONE:
            self.problems = []
        self.problems.append((column, code, message))


_NONE: list[tuple[str, str, str]] = []
"""Parsed.problems of every row without problems (nothing appends to it: see `fail`)."""


class Handler:
    """One entity's import: parse rows (pure), check chunks against stored rows, fixed values."""

    entity: ClassVar[Entity]
    targets: ClassVar[tuple[Target, ...]]

    def __init__(self, ctx: BrandContext, present: frozenset[str]) -> None:
        self.ctx = ctx
        self.present = present
        """The Coso columns the file has."""

    async def prepare(self) -> None:
        """Load what parsing looks up (channels, campaigns) once per import."""

    def fields_present(self) -> frozenset[str]:
        """The target fields the file sets (absent ones keep their stored values)."""
        return self.present

    def parse(self, parsed: Parsed, cells: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def parse_chunk(self, rows: list[Any], header: Header,
                    one: Callable[[Any], Parsed]) -> list[Parsed]:
        """Rows in file order, parsed; `one(row)` parses a row the general way (the file's
        columns renamed to Coso's, then `parse`). A handler may take the usual rows faster
        itself."""
        return [one(row) for row in rows]

    def certify(self, table: pa.Table, lines: np.ndarray) -> Certified:
        """The block's rows `parse` would take without a problem, with the records it would
        make (domain.imports.vector); pure, run beside the event loop. `table` has Coso's
        column names, cells as text. Certifying none is always right."""
        return Certified.none(table.num_rows)

    async def finish(self, store: Store, certified: Certified) -> None:
        """Complete a certification with what needs the database (`Certified.later`)."""

    async def resolve(self, store: Store, chunk: list[Parsed]) -> None:
        """Fill in what needs a query per chunk before staging (e.g. post refs)."""

    async def verify(self, store: Store, staging: dict[str, str],
                     lines: tuple[int, int]) -> list[tuple[int, str, str, str]]:
        """Problems of staged rows (by line) that need the stored rows, for lines in range."""
        return []

    def fixed(self, target: Target) -> dict[str, Any]:
        raise NotImplementedError
