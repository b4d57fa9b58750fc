"""Small SQL building blocks shared by the loaders (the same text on PostgreSQL and SQLite)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from piccolo.table import Table

from domain.db import raw_rows


@dataclass(frozen=True, slots=True)
class Cond:
    """One hashable WHERE condition: `column op value` (op `IN` takes a tuple).

    A bare column name is quoted; an already quoted expression (`m."day"`) is kept. Op
    `IS NULL` takes no value; op `SQL` is a condition of our own making, `column` its text
    with `{}` placeholders and `value` the tuple of their values (never the client's text).
    """

    column: str
    op: str
    value: Any

    def sql(self) -> tuple[str, list[Any]]:
        if self.op == "SQL":
            return f"({self.column})", list(self.value)
        target = self.column if '"' in self.column else f'"{self.column}"'
        if self.op == "IN":
            values = list(self.value)
            if not values:
                return "1 = 0", []
            return f'{target} IN ({", ".join("{}" for _ in values)})', values
        if self.op == "IS NULL":
            return f"{target} IS NULL", []
        if self.op not in {"=", "<", "<=", ">", ">=", "<>"}:
            raise ValueError(f"operator {self.op!r}")
        return f"{target} {self.op} {{}}", [self.value]


Filter = tuple[Cond, ...]


def where(conds: Iterable[Cond]) -> tuple[str, list[Any]]:
    parts, args = [], []
    for cond in conds:
        text, values = cond.sql()
        parts.append(text)
        args.extend(values)
    return (" AND ".join(parts) or "1 = 1"), args


async def fetch(table: type[Table], sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    return await raw_rows(table, sql, *args)


def json_value(value: Any) -> Any:
    """JSON columns arrive as text from raw queries on both engines."""
    if isinstance(value, str | bytes):
        return orjson.loads(value) if value else None
    return value
