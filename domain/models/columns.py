"""Column helpers shared by the tables: timestamps and money amounts."""

from __future__ import annotations

from datetime import UTC, datetime

from piccolo.columns import Numeric, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow


def now() -> datetime:
    return datetime.now(UTC)


def created_at() -> Timestamptz:
    return Timestamptz(default=TimestamptzNow())


def money(*, null: bool = True) -> Numeric:
    """A money amount: exact decimal, its currency kept in a sibling column."""
    return Numeric(digits=(14, 2), null=null, default=None)
