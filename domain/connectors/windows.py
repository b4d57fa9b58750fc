"""Date windows: split at a platform's limit, walk day by day, read platforms' timestamps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta


def split(start: date, end: date, max_days: int) -> list[tuple[date, date]]:
    """start..end (inclusive) as consecutive windows of at most max_days days."""
    windows = []
    while start <= end:
        last = min(end, start + timedelta(days=max_days - 1))
        windows.append((start, last))
        start = last + timedelta(days=1)
    return windows


def days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def midnight(day: date) -> datetime:
    """The day's first instant in UTC."""
    return datetime.combine(day, time(), UTC)


def epoch_ms(day: date) -> int:
    return int(midnight(day).timestamp() * 1000)


def parse_instant(value: str | int | float) -> datetime:
    """An ISO 8601 string (with Z or +0000) or epoch seconds, as an aware UTC datetime."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # Meta's +0000
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def aware(moment: datetime) -> datetime:
    """A datetime in UTC; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
