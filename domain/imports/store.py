"""The import's database side: a staging table per target, then one set-based upsert.

PostgreSQL: rows are COPYed (asyncpg `copy_records_to_table`) into a TEMP table; SQLite:
one INSERT per chunk, from the chunk as a JSON text. Either way the file's duplicate keys
hit the staging table's unique indexes, checks that need stored rows run as one query per
chunk, and the end is one `INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE <changed>`
whose count tells inserted from updated; rows it leaves alone are the unchanged ones.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from piccolo.engine.sqlite import convert_datetime_in

from domain.db import current_connection, engine, task_connection, write_transaction

PG_TYPES = {"int": "integer", "text": "text", "date": "date", "numeric": "numeric",
            "timestamptz": "timestamptz", "json": "text"}
SQLITE_TYPES = {"int": "INTEGER", "text": "TEXT", "date": "TEXT", "numeric": "REAL",
                "timestamptz": "TEXT", "json": "TEXT"}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    """The column, named the same in the staging and the target table."""
    kind: str
    """int, text, date, numeric, timestamptz or json."""
    update: str = "present"
    """On a stored row: "always" set, set when the file has the column ("present"), or "never"."""
    compare: bool = True
    """Whether a difference in it makes the row updated (else it only follows the others)."""


@dataclass(frozen=True, slots=True)
class Fixed:
    """A value the same for every row of the import (brand, actor, import time...)."""

    name: str
    kind: str
    on_update: bool = False
    """Also set when a stored row changes (updated_at, provenance)."""


@dataclass(frozen=True, slots=True)
class Target:
    table: str
    fields: tuple[Field, ...]
    """Staged columns in record order (each record starts with its line)."""
    conflict: tuple[str, ...]
    """The target's natural key, a unique index (brand-scoped keys include a Fixed brand)."""
    keys: tuple[tuple[str, ...], ...]
    """Keys unique within one file: a second row with the same key is a duplicate."""
    fixed: tuple[Fixed, ...] = ()
    ident: str | None = None
    """A staged field holding the id of the stored row a file row names directly (a post's
    `coso:<id>` ref), else NULL: such a row updates that row of the brand (matched on id
    and the Fixed columns of `conflict`) and is never inserted; the field is never written."""

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def insert_fields(self) -> list[Field]:
        return [f for f in self.fields if f.name != self.ident]

    def updated(self, present: frozenset[str]) -> list[Field]:
        return [f for f in self.fields
                if f.update == "always" or (f.update == "present" and f.name in present)]

    def compared(self, present: frozenset[str]) -> list[Field]:
        return [f for f in self.updated(present) if f.compare]


class StoreConflict(Exception):
    """Stored rows changed under the import (a row named by id was deleted meanwhile)."""


def _comparable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _sqlite_value(value: Any) -> Any:
    """A value as Piccolo's SQLite adapters store it (the staged rows are compared with
    stored ones as stored), for orjson; TypeError for any other type."""
    if isinstance(value, datetime):
        return convert_datetime_in(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_OTHER_CONTROLS = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]"


def json_rows(table: pa.Table) -> str | None:
    """The table as the JSON text of its rows (each a list of its cells), as `stage` sends
    them: days and times as Piccolo's SQLite adapters store them. Written by Arrow
    compute, no Python value per cell; None for a column it cannot write (the caller goes
    by Python values then)."""
    cells = []
    for column in table.columns:
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        kind = column.type
        if pa.types.is_integer(kind):
            text = pc.cast(column, pa.string())
        elif pa.types.is_date(kind):
            text = _quoted(pc.cast(column, pa.string()))
        elif pa.types.is_timestamp(kind) and kind.tz in ("UTC", "+00:00"):
            # str() of a UTC datetime: seconds, then a fraction only when there is one.
            printed = _utc_text(column)
            whole = pc.utf8_slice_codeunits(printed, 0, 19)
            fraction = pc.utf8_slice_codeunits(printed, 19, 26)
            text = _quoted(pc.binary_join_element_wise(
                pc.if_else(pc.equal(fraction, ".000000"), whole,
                           pc.binary_join_element_wise(whole, fraction, "")), "+00:00", ""))
        elif pa.types.is_string(kind):
            if pc.any(pc.match_substring_regex(column, _OTHER_CONTROLS)).as_py():
                return None
            for plain, escaped in _JSON_ESCAPES:
                column = pc.replace_substring(column, plain, escaped)
            text = _quoted(column)
        else:
            return None
        cells.append(pc.fill_null(text, "null"))
    rows = pc.binary_join_element_wise("[", pc.binary_join_element_wise(*cells, ","), "]", "")
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(rows)], pa.int32()),
                                                     rows), ",")
    return f"[{joined[0].as_py()}]"


def _utc_text(column: Any) -> Any:
    """A UTC timestamp column as `2026-09-01 08:00:00.000000` text. Arrow prints a naive
    timestamp a hundred times faster than a zoned one (no time zone to look up)."""
    return pc.cast(pc.cast(column, pa.timestamp(column.type.unit or "us")), pa.string())


def csv_ready(table: pa.Table) -> pa.Table:
    """The table with its UTC timestamps as text PostgreSQL reads (`...+00`), so that
    pyarrow's CSV writer does not print them zone by zone (0.4 s a 100,000 values)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz in ("UTC", "+00:00"):
            column = table.column(i).combine_chunks()
            text = pc.binary_join_element_wise(_utc_text(column), "+00", "")
            table = table.set_column(i, field.name, text)
    return table


def _quoted(text: Any) -> Any:
    return pc.binary_join_element_wise('"', text, '"', "")


def q(name: str) -> str:
    return f'"{name}"'


class Store:
    """One connection for a whole import; SQL is written with `?` and adapted to the engine."""

    def __init__(self, connection: Any, postgres: bool) -> None:
        self.connection = connection
        self.postgres = postgres

    def sql(self, text: str) -> str:
        if not self.postgres:
            return text
        numbers = itertools.count(1)
        return re.sub(r"\?", lambda _: f"${next(numbers)}", text)

    async def fetch(self, text: str, *args: Any) -> list[tuple[Any, ...]]:
        if self.postgres:
            return [tuple(r) for r in await self.connection.fetch(self.sql(text), *args)]
        async with self.connection.execute(text, args) as cursor:
            rows = await cursor.fetchall()
        # Piccolo's queries on this connection install a dict row factory.
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]

    async def execute(self, text: str, *args: Any) -> int:
        """Run a statement; the number of rows it changed."""
        if self.postgres:
            status = await self.connection.execute(self.sql(text), *args)
            tail = status.rsplit(" ", 1)[-1]
            return int(tail) if tail.isdigit() else 0
        async with self.connection.execute(text, args) as cursor:
            return cursor.rowcount

    def cast(self, kind: str) -> str:
        """A cast making a bound parameter's type plain to PostgreSQL's planner."""
        return f"::{PG_TYPES[kind] if kind != 'json' else 'json'}" if self.postgres else ""

    def is_in(self, column: str, values: Sequence[Any], kind: str) -> tuple[str, list[Any]]:
        """`column IN values` as SQL and its arguments: one array on PostgreSQL (one plan
        whatever the count), a list of parameters on SQLite."""
        if self.postgres:
            return f"{column} = ANY(?::{PG_TYPES[kind]}[])", [list(values)]
        return f"{column} IN ({', '.join('?' * len(values)) or 'NULL'})", list(values)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Statements inside are undone together on error; the import's transaction goes on."""
        name = f"coso_import_{uuid.uuid4().hex[:12]}"
        await self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await self.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await self.execute(f"RELEASE SAVEPOINT {name}")
            raise
        await self.execute(f"RELEASE SAVEPOINT {name}")

    # --- staging ----------------------------------------------------------------------------

    async def create_staging(self, target: Target, *, by_line: bool = False) -> str:
        """A TEMP table for the target's rows; `by_line` indexes the line (for the checks
        that read a chunk's rows back), which SQLite does for free (it is the rowid)."""
        name = f"coso_stage_{uuid.uuid4().hex[:12]}"
        types = PG_TYPES if self.postgres else SQLITE_TYPES
        columns = ", ".join(f"{q(f.name)} {types[f.kind]}" for f in target.fields)
        if self.postgres:
            # ON COMMIT DROP is the backstop; the import drops it itself when done.
            line = "integer PRIMARY KEY" if by_line else "integer NOT NULL"
            await self.execute(f"CREATE TEMP TABLE {q(name)} (_line {line}, {columns}) "
                               "ON COMMIT DROP")
        else:
            await self.execute(f"CREATE TEMP TABLE {q(name)} (_line INTEGER PRIMARY KEY, "
                               f"{columns})")
        for i, key in enumerate(target.keys):
            await self.execute(f"CREATE UNIQUE INDEX {q(f'{name}_k{i}')} ON {q(name)} "
                               f"({', '.join(q(c) for c in key)})")
        return name

    async def drop(self, name: str) -> None:
        await self.execute(f"DROP TABLE IF EXISTS {q(name)}")

    async def stage(self, name: str, target: Target, records: Sequence[Sequence[Any]]) -> bool:
        """Add the records; False (and nothing added) when one repeats a key already staged."""
        if not records:
            return True
        columns = ["_line", *target.field_names()]
        if self.postgres:
            import asyncpg

            try:
                async with self.savepoint():
                    await self.connection.copy_records_to_table(
                        name, records=records, columns=columns)
            except asyncpg.UniqueViolationError:
                return False
            return True
        # The chunk goes as one JSON text that SQLite unpacks itself: the statement runs
        # without the GIL, so the next chunk is parsed meanwhile (executemany binds each row
        # under the GIL, and the two threads would take turns).
        return await self._stage_json(name, columns, orjson.dumps(
            records, default=_sqlite_value, option=orjson.OPT_PASSTHROUGH_DATETIME).decode())

    async def _stage_json(self, name: str, columns: list[str], rows: str) -> bool:
        import sqlite3

        cells = ", ".join(f"value->>{i}" for i in range(len(columns)))
        try:
            # One trip to aiosqlite's thread (execute() and closing its cursor are two).
            await self.connection.execute_fetchall(
                f"INSERT INTO {q(name)} ({', '.join(q(c) for c in columns)}) "
                f"SELECT {cells} FROM json_each(?)", (rows,))
        except sqlite3.IntegrityError:  # one statement: none of the chunk went in
            return False
        return True

    async def stage_table(self, name: str, target: Target, table: pa.Table) -> bool:
        """`stage` for records as Arrow columns (`_line`, then the target's fields): on
        PostgreSQL one COPY of the CSV pyarrow writes from them, no Python row in between;
        on SQLite the JSON text `stage` sends, from the columns' Python values."""
        columns = ["_line", *target.field_names()]
        table = table.select(columns)
        if self.postgres:
            return await self._copy(name, table)
        text = json_rows(table)
        if text is not None:
            return await self._stage_json(name, columns, text)
        return await self.stage(name, target, list(zip(*(c.to_pylist() for c in table.columns),
                                                       strict=True)))

    async def _copy(self, table_name: str, table: pa.Table) -> bool:
        """COPY the table's rows in (the CSV pyarrow writes); False, and nothing in, when
        one repeats a key."""
        import asyncpg

        out = pa.BufferOutputStream()
        pcsv.write_csv(csv_ready(table), out,
                       write_options=pcsv.WriteOptions(include_header=False))
        try:
            async with self.savepoint():
                await self.connection.copy_to_table(
                    table_name, source=memoryview(out.getvalue()),
                    columns=table.column_names, format="csv")
        except asyncpg.UniqueViolationError:
            return False
        return True

    async def staged_lines(self, name: str, target: Target, key: tuple[str, ...],
                           values: Sequence[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
        """The staged line of each of these key values that is staged already."""
        found: dict[tuple[Any, ...], int] = {}
        columns = ", ".join(q(c) for c in key)
        kinds = {f.name: f.kind for f in target.fields}
        row = "(" + ", ".join(f"?{self.cast(kinds[c])}" for c in key) + ")"
        step = max(1, 30_000 // len(key))
        for start in range(0, len(values), step):
            chunk = values[start:start + step]
            rows = await self.fetch(
                f"SELECT {columns}, _line FROM {q(name)} WHERE ({columns}) IN "
                f"(VALUES {', '.join([row] * len(chunk))})",
                *(v for value in chunk for v in value))
            found.update({tuple(map(_comparable, r[:-1])): r[-1] for r in rows})
        # SQLite hands dates back as the text it stored them as.
        return {value: found[key] for value in values
                if (key := tuple(map(_comparable, value))) in found}

    async def unstage(self, name: str, lines: Sequence[int]) -> None:
        for start in range(0, len(lines), 10_000):
            condition, args = self.is_in("_line", lines[start:start + 10_000], "int")
            await self.execute(f"DELETE FROM {q(name)} WHERE {condition}", *args)

    # --- the final upsert -------------------------------------------------------------------

    async def upsert(self, name: str, target: Target, present: frozenset[str],
                     fixed: dict[str, Any], *, ordered: bool = False) -> tuple[int, int]:
        """Write every staged row; (inserted, updated). Unchanged rows are left untouched.
        New rows get their ids in file order: SQLite reads staging by line (its rowid);
        PostgreSQL in the order rows were staged, which is the file's unless `ordered`
        says a chunk staged its rows in two statements (then it sorts them)."""
        table = q(target.table)
        by_ident = 0
        if target.ident is not None:
            by_ident = await self._update_by_ident(name, target, present, fixed)
        fixed_columns = [f for f in target.fixed]
        insert_columns = [*(f.name for f in fixed_columns),
                          *(f.name for f in target.insert_fields())]
        select = [f"?{self.cast(f.kind)}" for f in fixed_columns]
        select += [f"s.{q(f.name)}" + ("::json" if self.postgres and f.kind == "json" else "")
                   for f in target.insert_fields()]
        new_rows = f"s.{q(target.ident)} IS NULL" if target.ident else "true"
        args = [fixed[f.name] for f in fixed_columns]
        updated = target.updated(present)
        sets = [f"{q(f.name)} = excluded.{q(f.name)}" for f in updated]
        sets += [f"{q(f.name)} = excluded.{q(f.name)}" for f in fixed_columns if f.on_update]
        changed = " OR ".join(self.differs(f"{table}.{q(f.name)}", f"excluded.{q(f.name)}",
                                           f.kind) for f in target.compared(present))
        conflict = ", ".join(q(c) for c in target.conflict)
        action = (f"DO UPDATE SET {', '.join(sets)} WHERE {changed}" if sets and changed
                  else "DO NOTHING")
        insert = (f"INSERT INTO {table} ({', '.join(q(c) for c in insert_columns)}) "
                  # WHERE true: SQLite would read ON CONFLICT as a join constraint.
                  f"SELECT {', '.join(select)} FROM {q(name)} s WHERE {new_rows} "
                  f"ON CONFLICT ({conflict}) {action}")
        if self.postgres:
            inserted, refreshed = await self._upsert_postgres(name, target, present, fixed,
                                                              insert, args, ordered)
            return inserted, refreshed + by_ident
        # SQLite: new rows get ids above the largest one (no AUTOINCREMENT gaps below).
        before = (await self.fetch(f"SELECT coalesce(max(id), 0) FROM {table}"))[0][0]
        written = await self.execute(insert, *args)
        inserted = (await self.fetch(f"SELECT count(*) FROM {table} WHERE id > ?", before))[0][0]
        return inserted, written - inserted + by_ident

    async def _column_types(self, table: str) -> dict[str, str]:
        """PostgreSQL's type of each column of `table` (numeric(14, 2)...); {} on SQLite."""
        if not self.postgres:
            return {}
        return dict(await self.fetch(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped", table))

    def _changes(self, target: Target, present: frozenset[str], fixed: dict[str, Any],
                 types: dict[str, str]) -> tuple[list[str], list[Any], str]:
        """(SET items, their arguments, the condition that a stored row `t` differs from
        its staged row `s`) for an UPDATE ... FROM staging."""
        json_cast = "::json" if self.postgres else ""
        sets = [f"{q(f.name)} = s.{q(f.name)}" + (json_cast if f.kind == "json" else "")
                for f in target.updated(present)]
        set_args = [fixed[f.name] for f in target.fixed if f.on_update]
        sets += [f"{q(f.name)} = ?{self.cast(f.kind)}" for f in target.fixed if f.on_update]
        # The staged value as the target column stores it (numeric(14, 2) rounds), as
        # ON CONFLICT's `excluded` row has it.
        changed = " OR ".join(self.differs(
            f"t.{q(f.name)}", f"s.{q(f.name)}" + (
                f"::{types[f.name]}" if f.kind == "numeric" and f.name in types else ""),
            f.kind) for f in target.compared(present))
        return sets, set_args, changed

    async def _update_by_ident(self, name: str, target: Target, present: frozenset[str],
                               fixed: dict[str, Any]) -> int:
        """Update the stored rows that staged rows name by id (Target.ident); the count.

        Such a row was checked to be the brand's while staging: one gone since (deleted
        meanwhile) refuses the import rather than being silently skipped."""
        table, ident = q(target.table), q(target.ident or "")
        scope = [c for c in target.conflict if c in fixed]
        owned = "".join(f" AND t.{q(c)} = ?" for c in scope)
        scope_args = [fixed[c] for c in scope]
        named, missing = (await self.fetch(
            f"SELECT count(*), coalesce(sum(CASE WHEN NOT EXISTS (SELECT 1 FROM {table} t "
            f"WHERE t.id = s.{ident}{owned}) THEN 1 ELSE 0 END), 0) FROM {q(name)} s "
            f"WHERE s.{ident} IS NOT NULL", *scope_args))[0]
        if missing:
            raise StoreConflict(f"{missing} {target.table} row(s) named by id are gone")
        if not named:
            return 0
        sets, set_args, changed = self._changes(target, present, fixed,
                                                await self._column_types(table))
        if not (sets and changed):
            return 0
        return await self.execute(
            f"UPDATE {table} AS t SET {', '.join(sets)} FROM {q(name)} s "
            f"WHERE s.{ident} IS NOT NULL AND t.id = s.{ident}{owned} AND ({changed})",
            *set_args, *scope_args)

    async def _upsert_postgres(self, name: str, target: Target, present: frozenset[str],
                               fixed: dict[str, Any], upsert: str,
                               upsert_args: list[Any], ordered: bool) -> tuple[int, int]:
        """The upsert as an UPDATE of the stored rows that changed, then a plain INSERT of
        the staged rows not stored (an anti-join): the same rows written as `upsert` would,
        without ON CONFLICT's speculative insertion per row (a third faster on new rows,
        half the time on unchanged ones).

        A row someone else stores between the two (a metrics sync...) makes the INSERT hit
        the unique index: it is undone and `upsert` itself writes what is left, so such a
        row is updated as before, not refused.
        """
        table = q(target.table)
        fixed_by_name = {f.name: f for f in target.fixed}
        types = await self._column_types(table)
        match_args: list[Any] = []
        match = []
        for column in target.conflict:
            if column in fixed_by_name:
                match.append(f"t.{q(column)} = ?{self.cast(fixed_by_name[column].kind)}")
                match_args.append(fixed[column])
            else:
                match.append(f"t.{q(column)} = s.{q(column)}")
        matched = " AND ".join(match)
        if target.ident is not None:
            matched += f" AND s.{q(target.ident)} IS NULL"
        updated = 0
        sets, set_args, changed = self._changes(target, present, fixed, types)
        if sets and changed:
            updated = await self.execute(
                f"UPDATE {table} t SET {', '.join(sets)} FROM {q(name)} s "
                f"WHERE {matched} AND ({changed})", *set_args, *match_args)
        fixed_columns = list(target.fixed)
        columns = [*(f.name for f in fixed_columns), *(f.name for f in target.insert_fields())]
        select = [f"?{self.cast(f.kind)}" for f in fixed_columns]
        select += [f"s.{q(f.name)}" + ("::json" if f.kind == "json" else "")
                   for f in target.insert_fields()]
        new_rows = f"s.{q(target.ident)} IS NULL AND " if target.ident else ""
        import asyncpg

        try:
            async with self.savepoint():
                inserted = await self.execute(
                    f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
                    f"SELECT {', '.join(select)} FROM {q(name)} s WHERE {new_rows}NOT EXISTS "
                    f"(SELECT 1 FROM {table} t WHERE {matched})"
                    + (" ORDER BY s._line" if ordered else ""),
                    *(fixed[f.name] for f in fixed_columns), *match_args)
        except asyncpg.UniqueViolationError:
            rows = await self.fetch(
                f"WITH up AS ({upsert} RETURNING (xmax = 0) AS inserted) "
                f"SELECT count(*) FILTER (WHERE inserted), count(*) FROM up", *upsert_args)
            inserted, written = rows[0]
            return inserted, updated + written - inserted
        return inserted, updated

    async def analyze(self, table: str) -> None:
        """Fresh planner statistics for a table a big import just filled. PostgreSQL's
        autovacuum gets there only later: until then the next import's lookups were planned
        for the table as it was (the post-ref lookups of 200,000 metric rows right after
        importing 20,000 posts scanned every post: 6.2 s against 4.1 s). SQLite plans from
        its indexes alone until someone runs ANALYZE, so there is nothing to refresh."""
        if self.postgres:
            await self.execute(f"ANALYZE {q(table)}")

    def differs(self, left: str, right: str, kind: str) -> str:
        if self.postgres:
            if kind == "json":
                left, right = f"{left}::jsonb", f"{right}::jsonb"
            return f"{left} IS DISTINCT FROM {right}"
        if kind == "json":
            left, right = f"json({left})", f"json({right})"
        return f"{left} IS NOT {right}"


@asynccontextmanager
async def open_store() -> AsyncIterator[Store]:
    """A Store on one connection, inside the caller's transaction if there is one.

    PostgreSQL without a caller's transaction: one transaction for the import (MVCC keeps
    readers and writers going). SQLite without one: the Store's own connection stays in
    autocommit while staging (so the import does not hold the database's lock for minutes)
    and `write()` opens the one IMMEDIATE transaction that writes the target tables.
    """
    current = current_connection()
    if current is not None:
        yield Store(current, engine().engine_type == "postgres")
        return
    if engine().engine_type == "postgres":
        async with write_transaction():
            connection = current_connection()
            yield Store(connection, True)
        return
    async with task_connection() as connection:
        yield Store(connection, False)


@asynccontextmanager
async def write(store: Store) -> AsyncIterator[None]:
    """The writes that must land together: a savepoint in a transaction, else BEGIN IMMEDIATE."""
    if store.postgres or store.connection.in_transaction:
        async with store.savepoint():
            yield
        return
    await store.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        await store.execute("ROLLBACK")
        raise
    await store.execute("COMMIT")
