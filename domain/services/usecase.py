"""What use cases share: collecting every problem, telling "unchanged" from "cleared", row locks."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final, TypeVar

from domain.db import engine
from domain.errors import Problem, ValidationFailed
from domain.rules.content import storable

Q = TypeVar("Q")


class Keep(Enum):
    """The type of KEEP: an update field left out, as opposed to one set to None (cleared)."""

    KEEP = "KEEP"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep.KEEP


class Problems:
    """Collects problems so a use case reports all of them in one ValidationFailed."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, field: str | None, code: str, message: str) -> None:
        self.items.append(Problem(field, code, message))

    def extend(self, problems: list[Problem]) -> None:
        self.items.extend(problems)

    def text(self, field: str, value: str | None, *, max_length: int,
             required: bool = False) -> str:
        """`value` stripped; REQUIRED when empty and required, TOO_LONG past `max_length`."""
        cleaned = (value or "").strip()
        if required and not cleaned:
            self.add(field, "REQUIRED", f"{field} is required")
        elif not storable(cleaned):
            self.add(field, "INVALID", f"{field} contains a NUL or an invalid character")
        elif len(cleaned) > max_length:
            self.add(field, "TOO_LONG", f"{field} takes at most {max_length} characters")
        return cleaned

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
        if self.items:
            raise ValidationFailed(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


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
