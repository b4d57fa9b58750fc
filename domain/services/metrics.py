"""The one way metric observations are written: validated, then upserted on their natural key."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from piccolo.columns import ForeignKey

from domain.db import write_transaction
from domain.enums import SourceKind
from domain.errors import Problem, ValidationFailed
from domain.models import Channel, ChannelMetric, Post, PostMetric
from domain.models.base import Table
from domain.models.columns import now
from domain.rules.content import storable
from domain.rules.metric_catalog import CANONICAL_METRICS, Level, Unit
from domain.services import rollups
from domain.services.usecase import Problems

# 11 bound parameters a row: 1,000 rows stay well under both engines' limits
# (asyncpg 32,767 arguments, SQLite 32,766 variables since 3.32).
CHUNK_SIZE = 1000
# The value column is NUMERIC(20, 4); checking here makes SQLite (which stores a float)
# refuse exactly what PostgreSQL would refuse or round.
MAX_SCALE = 4
MAX_ABS_VALUE = Decimal(10) ** 16
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TEXT_LIMITS = {"source_name": 200, "source_version": 40, "raw_metric": 200}
_TEXTS = (*_TEXT_LIMITS, "note")
"""The observation's text fields: each must be storable, and within its limit if it has one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One day's value of one canonical metric for one post or channel, with provenance."""

    subject_id: int
    """The post id (post metrics) or channel id (channel metrics)."""
    metric: str
    day: date
    value: Decimal
    source_kind: SourceKind
    currency: str | None = None
    source_name: str = ""
    """The platform, the import file, or the user who typed it in."""
    source_version: str = ""
    """The platform API version, e.g. "v23.0"."""
    raw_metric: str = ""
    """The platform's own name for the metric, e.g. "post_total_media_view_unique"."""
    fetched_at: datetime | None = None
    """When the value was read from its source; now when omitted."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class UpsertResult:
    written: int
    """Rows sent to the database: inserted + updated."""
    inserted: int
    """Rows whose (subject, metric, day) was not stored before."""
    updated: int
    """Rows that replaced a stored observation (provenance and fetch time included)."""
    unchanged: int
    """Of the updated rows, those whose value and currency were already the stored ones."""


def validate_observation(obs: Observation, level: Level) -> list[Problem]:
    """Everything wrong with one observation for a post (Level.POST) or channel (Level.CHANNEL).

    Fields are the Observation's, except its subject: "post" or "channel" after `level`.
    """
    problems = Problems()
    add = problems.add
    if isinstance(obs.subject_id, bool) or not isinstance(obs.subject_id, int) \
            or obs.subject_id <= 0:
        add(level.lower(), "INVALID", f"{level.lower()} id must be a positive integer, "
                                      f"got {obs.subject_id!r}")
    definition = CANONICAL_METRICS.get(obs.metric)
    if definition is None:
        add("metric", "UNKNOWN_METRIC", f"unknown metric {obs.metric!r}")
    elif not definition.allowed_on(level):
        add("metric", "WRONG_LEVEL",
            f"{obs.metric} is a {definition.level.lower()} metric, not a {level.lower()} metric")
    if isinstance(obs.day, datetime) or not isinstance(obs.day, date):
        add("day", "INVALID", f"day must be a date, got {obs.day!r}")
    problems.extend(_value_problems(obs.value, counts=definition is None
                                    or definition.unit is Unit.COUNT))
    if definition is not None:
        if definition.unit is Unit.MONEY:
            if not isinstance(obs.currency, str) or not _CURRENCY.match(obs.currency):
                add("currency", "CURRENCY", f"{obs.metric} is money: give a 3-letter ISO "
                                            f"currency code like EUR, got {obs.currency!r}")
        elif obs.currency is not None:
            add("currency", "CURRENCY",
                f"{obs.metric} is a count and takes no currency, got {obs.currency!r}")
    try:
        SourceKind(obs.source_kind)
    except ValueError:
        add("source_kind", "INVALID", f"unknown source kind {obs.source_kind!r}")
    for name in _TEXTS:
        text, limit = getattr(obs, name), _TEXT_LIMITS.get(name)
        if not isinstance(text, str):
            add(name, "INVALID", f"{name} must be text")
        elif limit is not None and len(text) > limit:
            problems.too_long(name, limit)
        elif not storable(text):
            add(name, "INVALID", f"{name} contains a NUL or an invalid character")
    if obs.fetched_at is not None and (
        not isinstance(obs.fetched_at, datetime) or obs.fetched_at.tzinfo is None
    ):
        add("fetched_at", "INVALID", "fetched_at must be a timezone-aware datetime")
    return problems.items


def _value_problems(value: Any, *, counts: bool) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return [Problem("value", "INVALID",
                        f"value must be a Decimal or an int, got {type(value).__name__}")]
    value = Decimal(value)
    if not value.is_finite():
        return [Problem("value", "NOT_FINITE", f"value must be a finite number, got {value}")]
    problems = []
    if abs(value) >= MAX_ABS_VALUE:
        problems.append(Problem("value", "OUT_OF_RANGE", f"value {value} is too large"))
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_SCALE:
        problems.append(Problem("value", "PRECISION",
                                f"value {value} has more than {MAX_SCALE} decimal places"))
    if counts:
        if value < 0:
            problems.append(Problem("value", "NEGATIVE", f"a count cannot be negative: {value}"))
        if value != value.to_integral_value():
            problems.append(Problem("value", "NOT_WHOLE", f"a count must be whole: {value}"))
    return problems


@dataclass(frozen=True, slots=True)
class _Target:
    table: type[ChannelMetric] | type[PostMetric]
    subject: ForeignKey
    subject_table: type[Table]
    level: Level


_CHANNEL = _Target(ChannelMetric, ChannelMetric.channel, Channel, Level.CHANNEL)
_POST = _Target(PostMetric, PostMetric.post, Post, Level.POST)


async def upsert_channel_metrics(rows: Iterable[Observation], *,
                                 lines: Sequence[int] | None = None) -> UpsertResult:
    """Write daily channel observations; all or nothing, idempotent on (channel, metric, day).

    A refused batch raises ValidationFailed, each problem's `line` the row's number in
    `lines` (default: its index in `rows`)."""
    return await _upsert(_CHANNEL, list(rows), lines)


async def upsert_post_metrics(rows: Iterable[Observation], *,
                              lines: Sequence[int] | None = None) -> UpsertResult:
    """Write daily post observations; all or nothing, idempotent on (post, metric, day).

    Problems as `upsert_channel_metrics`."""
    return await _upsert(_POST, list(rows), lines)


def _batch_problems(rows: Sequence[Observation], level: Level,
                    lines: Sequence[int]) -> list[Problem]:
    problems = Problems()
    first_seen: dict[tuple[Any, str, Any], int] = {}
    for line, obs in zip(lines, rows, strict=True):
        if not isinstance(obs, Observation):
            problems.add(None, "INVALID", "not an Observation", line=line)
            continue
        own = validate_observation(obs, level)
        problems.extend(own, line=line)
        if own:
            continue
        key = (obs.subject_id, obs.metric, obs.day)
        if key in first_seen:
            # One statement cannot update a row twice, and which value wins would be a guess.
            problems.add("day", "DUPLICATE", f"{obs.metric} on {obs.day} for {obs.subject_id} "
                                             f"is also row {first_seen[key]}", line=line)
        else:
            first_seen[key] = line
    return problems.items


async def _missing_subjects(target: _Target, rows: Sequence[Observation],
                            lines: Sequence[int]) -> list[Problem]:
    ids = sorted({obs.subject_id for obs in rows})
    pk = target.subject_table._meta.primary_key
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start:start + CHUNK_SIZE]
        found.update(r["id"] for r in await target.subject_table.select(pk.as_alias("id"))
                     .where(pk.is_in(chunk)))
    name = target.subject._meta.name
    return [
        Problem(name, "UNKNOWN_SUBJECT", f"no {name} with id {obs.subject_id}", line)
        for line, obs in zip(lines, rows, strict=True)
        if obs.subject_id not in found
    ]


async def _upsert(target: _Target, rows: list[Observation],
                  lines: Sequence[int] | None) -> UpsertResult:
    numbers = range(len(rows)) if lines is None else lines
    problems = _batch_problems(rows, target.level, numbers)
    if problems:
        raise ValidationFailed(problems)
    if not rows:
        return UpsertResult(0, 0, 0, 0)
    fetched_default = now()
    inserted = updated = unchanged = 0
    async with write_transaction():
        # Inside the transaction so a subject deleted meanwhile still fails the whole batch.
        problems = await _missing_subjects(target, rows, numbers)
        if problems:
            raise ValidationFailed(problems)
        for start in range(0, len(rows), CHUNK_SIZE):
            chunk = rows[start:start + CHUNK_SIZE]
            stored = await _stored_values(target, chunk)
            for obs in chunk:
                before = stored.get((obs.subject_id, obs.metric, obs.day))
                if before is None:
                    inserted += 1
                else:
                    updated += 1
                    unchanged += before == (Decimal(obs.value), obs.currency)
            sql, args = _upsert_statement(target, chunk, fetched_default)
            await target.table.raw(sql, *args)
        await _refresh_rollups(target, rows)
    return UpsertResult(len(rows), inserted, updated, unchanged)


async def _refresh_rollups(target: _Target, rows: Sequence[Observation]) -> None:
    """The rollups of the channel-days written, in the same transaction."""
    sql = rollups.piccolo_sql()
    if target.level is Level.POST:
        days = await rollups.post_channel_days(sql, ((o.subject_id, o.day) for o in rows))
    else:
        days = rollups.merge(*({o.subject_id: [o.day]} for o in rows))
    await rollups.refresh(sql, days)


async def _stored_values(
    target: _Target, chunk: Sequence[Observation]
) -> dict[tuple[int, str, date], tuple[Decimal, str | None]]:
    """Stored (value, currency) by key for the chunk; one query over the chunk's bounding box."""
    table = target.table
    days = [obs.day for obs in chunk]
    subject = target.subject
    rows = await table.select(
        subject.as_alias("subject"), table.metric, table.day,
        table.value, table.currency,
    ).where(
        subject.is_in(sorted({obs.subject_id for obs in chunk})),
        table.metric.is_in(sorted({obs.metric for obs in chunk})),
        table.day >= min(days),
        table.day <= max(days),
    )
    return {(r["subject"], r["metric"], r["day"]): (r["value"], r["currency"]) for r in rows}


_VALUE_COLUMNS = ("metric", "day", "value", "currency", "source_kind", "source_name",
                  "source_version", "raw_metric", "fetched_at", "note")
_UPDATED_COLUMNS = _VALUE_COLUMNS[2:]


def _upsert_statement(
    target: _Target, chunk: Sequence[Observation], fetched_default: datetime
) -> tuple[str, list[Any]]:
    """One multi-row INSERT ... ON CONFLICT (natural key) DO UPDATE for the chunk.

    It is the statement `Table.insert(*rows).on_conflict(...)` compiles to, written out
    because Piccolo builds a Table instance and a QueryString per row: tens of microseconds
    a row, most of a bulk write's time (the demo seed ran 2.5x slower). The values stay
    bound parameters (`{}`), adapted by the engine exactly as Piccolo's own inserts are.
    """
    table = target.table
    subject = target.subject._meta.db_column_name
    columns = [subject, *(getattr(table, c)._meta.db_column_name for c in _VALUE_COLUMNS)]
    updated = [getattr(table, c)._meta.db_column_name for c in _UPDATED_COLUMNS]
    row = "(" + ", ".join("{}" for _ in columns) + ")"
    sql = (
        f"INSERT INTO {table._meta.get_formatted_tablename()} "
        f"({', '.join(_quoted(c) for c in columns)}) VALUES {', '.join([row] * len(chunk))} "
        f"ON CONFLICT ({_quoted(subject)}, {_quoted('metric')}, {_quoted('day')}) DO UPDATE "
        f"SET {', '.join(f'{_quoted(c)} = EXCLUDED.{_quoted(c)}' for c in updated)}"
    )
    args: list[Any] = []
    for obs in chunk:
        args += (obs.subject_id, obs.metric, obs.day, Decimal(obs.value), obs.currency,
                 SourceKind(obs.source_kind).value, obs.source_name, obs.source_version,
                 obs.raw_metric, obs.fetched_at or fetched_default, obs.note)
    return sql, args


def _quoted(name: str) -> str:
    return f'"{name}"'
