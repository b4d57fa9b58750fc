"""What use cases share: collecting every problem, "unchanged" vs "cleared", row helpers."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Any, Final, TypeVar

import asyncpg
from babel.numbers import list_currencies

from domain.db import engine
from domain.errors import Problem, ValidationFailed
from domain.models.base import Table
from domain.rules.content import storable

Q = TypeVar("Q")


class Keep(Enum):
    """The type of KEEP: an update field left out, as opposed to one set to None (cleared)."""

    KEEP = "KEEP"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep.KEEP


SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 80


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


class Problems:
    """Collects every problem of one input, so a use case reports all of them in one
    ValidationFailed. One wording: "<field> is required", "<field> takes at most N
    characters"."""

    def __init__(self, items: Iterable[Problem] = ()) -> None:
        self.items: list[Problem] = list(items)

    def add(self, field: str | None, code: str, message: str, *,
            line: int | None = None) -> None:
        self.items.append(Problem(field, code, message, line))

    def extend(self, problems: Iterable[Problem], *, line: int | None = None) -> None:
        """Add `problems`; with `line`, those of one row of a batch, numbered so."""
        if line is None:
            self.items.extend(problems)
        else:
            self.items.extend(p if p.line is not None else p._replace(line=line)
                              for p in problems)

    def has(self, field: str) -> bool:
        """Whether `field` has a problem already (then a database check of it is moot)."""
        return any(p.field == field for p in self.items)

    def required(self, field: str, *, line: int | None = None) -> None:
        self.add(field, "REQUIRED", f"{field} is required", line=line)

    def limit(self, field: str | None, setting: str, value: int, what: str) -> None:
        """Over a limit of domain/settings: the code is the setting's name ("MAX_…"), the
        message gives its value and the variable that changes it."""
        self.add(field, setting.upper(),
                 f"at most {value} {what} (the limit COSO_{setting.upper()} is {value})")

    def too_long(self, field: str, max_length: int, *, line: int | None = None) -> None:
        self.add(field, "TOO_LONG", f"{field} takes at most {max_length} characters", line=line)

    def text(self, field: str, value: str | None, *, max_length: int,
             required: bool = False) -> str:
        """`value` stripped; REQUIRED when empty and required, TOO_LONG past `max_length`."""
        cleaned = (value or "").strip()
        if required and not cleaned:
            self.required(field)
        elif not storable(cleaned):
            self.add(field, "INVALID", f"{field} contains a NUL or an invalid character")
        elif len(cleaned) > max_length:
            self.too_long(field, max_length)
        return cleaned

    def slug(self, field: str, value: str) -> str:
        """`value` stripped: lowercase letters, digits and single hyphens, required."""
        cleaned = value.strip()
        if not cleaned:
            self.required(field)
        elif len(cleaned) > MAX_SLUG_LENGTH:
            self.too_long(field, MAX_SLUG_LENGTH)
        elif not SLUG.match(cleaned):
            self.add(field, "INVALID_SLUG",
                     f"{field} takes lowercase letters, digits and single hyphens, "
                     f"got {cleaned!r}")
        return cleaned

    def currency(self, field: str, value: str) -> None:
        if value not in known_currencies():
            self.add(field, "INVALID_CURRENCY",
                     f"{field} must be an ISO 4217 code like EUR, got {value!r}")

    def logo(self, field: str, value: str, current: str, route: str) -> None:
        """A logo is set only by uploading it (so reports get a checked image, never a URL
        they would have to fetch); here it can be kept or cleared."""
        if value not in ("", current):
            self.add(field, "LOGO_NOT_UPLOADED",
                     f"{field} is set by uploading the image with PUT {route}; "
                     "here it can only be cleared with \"\"")

    def aware(self, field: str, value: datetime | None) -> datetime | None:
        """A timestamp in UTC; INVALID when it carries no timezone offset."""
        if value is None:
            return None
        if value.tzinfo is None:
            self.add(field, "INVALID", f"{field} needs a timezone offset, e.g. "
                                       "2026-11-01T09:00:00Z")
            return None
        return value.astimezone(UTC)

    def check(self) -> None:
        """Raise ValidationFailed with every problem collected, if there is any."""
        if self.items:
            raise ValidationFailed(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def locked(query: Q, strength: str = "UPDATE") -> Q:
    """`SELECT … FOR <strength>` on PostgreSQL; SQLite locks the whole file on write anyway."""
    if engine().engine_type == "postgres":
        return query.lock_rows(strength)  # type: ignore[attr-defined]
    return query


def utcnow(now: datetime | None = None) -> datetime:
    return now.astimezone(UTC) if now is not None else datetime.now(UTC)


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The values of `after` that differ from `before`."""
    return {key: value for key, value in after.items() if before.get(key) != value}


def is_unique_violation(error: BaseException) -> bool:
    return isinstance(error, asyncpg.UniqueViolationError) or (
        isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error))


async def lock_row(table: type[Table], pk: int) -> None:
    """Serialize writers that check-then-write under one parent row (PostgreSQL only).

    SQLite needs nothing: it lets one writer at a time into the database anyway.
    """
    await locked(table.select(table._meta.primary_key).where(table._meta.primary_key == pk))


async def row_of(table: type[Table], pk: int) -> dict[str, Any] | None:
    return await table.select().where(table._meta.primary_key == pk).output(
        load_json=True).first()


async def must_exist(table: type[Table], pk: int, field: str) -> dict[str, Any]:
    row = await row_of(table, pk)
    if row is None:
        raise ValidationFailed.one(field, "NOT_FOUND", f"no {table.__name__} with this id")
    return row


async def insert_unique(table: type[Table], values: dict[str, Any],
                        on_taken: Callable[[], ValidationFailed]) -> dict[str, Any]:
    """Insert one row; a unique index refusing it (a concurrent twin) becomes `on_taken()`."""
    try:
        inserted = await table.insert(table(**values)).returning(table._meta.primary_key)
    except Exception as error:
        if is_unique_violation(error):
            raise on_taken() from None
        raise
    return await must_exist(table, inserted[0]["id"], "id")


async def update_unique(table: type[Table], pk: int, values: dict[str, Any],
                        on_taken: Callable[[], ValidationFailed]) -> dict[str, Any]:
    try:
        if values:
            await table.update(values).where(table._meta.primary_key == pk)
    except Exception as error:
        if is_unique_violation(error):
            raise on_taken() from None
        raise
    return await must_exist(table, pk, "id")
