"""`import_rows`: the one entry point of every import, from the CLI and from GraphQL alike.

Rows stream through in chunks: parsed and checked (pure), looked up where they need stored
rows, staged. Nothing touches the brand's data until the last chunk is staged; then either
one upsert per target writes everything (or, with skip_invalid, every valid row), or, with
any problem in all-or-nothing mode, nothing is written. Each import leaves one audit row.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import sqlite3
import sys
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import numpy as np

from domain.errors import Problem, ValidationFailed
from domain.imports.base import ImportFileError, ImportSummary, RawRow
from domain.imports.campaigns import CampaignsHandler
from domain.imports.columnar import Block, ColumnarCsv
from domain.imports.context import BrandContext, Handler, Parsed, load_brand
from domain.imports.metrics import MetricsHandler
from domain.imports.posts import PostsHandler
from domain.imports.schema import REJECTS_COLUMNS, Entity, Header, normalise, resolve_header
from domain.imports.store import Store, StoreConflict, Target, open_store, write
from domain.imports.values import UNREFERENCED_PREFIX, as_text
from domain.imports.vector import Certified
from domain.services import rollups
from domain.services.audit import record

INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError,
                                                 asyncpg.IntegrityConstraintViolationError,
                                                 StoreConflict)

CHUNK_SIZE = 5000
PARSE_SLICE = 250
HANDOFF_SECONDS = 0.0005
ANALYZE_AFTER_ROWS = 10_000
"""A table an import wrote this many rows into gets fresh planner statistics at once."""
HANDLERS: dict[Entity, type[Handler]] = {
    Entity.POSTS: PostsHandler, Entity.CAMPAIGNS: CampaignsHandler,
    Entity.METRICS: MetricsHandler,
}

_KEY_COLUMN = {"external_id": "platform_id", "id": "ref"}
"""The file column of a staged key field named otherwise (a post named by id: its ref)."""

# A reader's RawRow, or a caller's (line, {column: cell}).
AnyRow = RawRow | tuple[int, Mapping[str, Any]]
Rows = Iterable[AnyRow] | AsyncIterable[AnyRow]
OnReject = Callable[[RawRow, list[Problem]], None]


async def import_rows(
    entity: Entity | str,
    brand_id: int,
    rows: Rows,
    *,
    actor_id: int | None,
    source_name: str,
    columns: Sequence[str] | None = None,
    mapping: Mapping[str, str] | None = None,
    skip_invalid: bool = False,
    max_errors: int = 100,
    may_edit_budget: bool = True,
    progress: Callable[[int], None] | None = None,
    on_reject: OnReject | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ImportSummary:
    """Import rows of `entity` into the brand; see the module docstring for the semantics.

    `rows` yields (line, {file column: cell}), lines increasing (a file's lines, or item
    numbers); `columns` is the file's header (taken from
    `rows.columns` or the first row's keys when not given); `mapping` renames file columns
    (see schema.load_mapping). `on_reject(row, problems)` hears of every refused row, beyond
    `max_errors` too (the CLI writes the rejects file with it). Raises ValidationFailed only
    for an unknown brand; everything wrong with the file or its rows is in the summary.
    """
    entity = Entity(entity)
    brand = await load_brand(brand_id)
    if brand is None:
        raise ValidationFailed.one("brand", "NOT_FOUND", "no Brand with this id")
    summary = ImportSummary(entity=entity.value, source_name=source_name)
    run = _Run(summary, max_errors, on_reject)
    first: AnyRow | None = None
    if columns is None:
        columns = getattr(rows, "columns", None)
    source: Iterator[Any] | AsyncIterator[Any]
    if isinstance(rows, AsyncIterable):
        source = aiter(rows)
        if columns is None:
            first = await anext(source, None)
    else:
        source = iter(rows)
        if columns is None:
            first = next(source, None)
    if columns is None:
        columns = list(first[1]) if first is not None else []
    header, header_problems = resolve_header(entity, columns, mapping)
    ctx = BrandContext(
        id=brand["id"], workspace=brand["workspace"], locale=brand["locale"],
        timezone=brand["timezone"], currency=brand["currency"], actor_id=actor_id,
        source_name=source_name, now=datetime.now(UTC), may_edit_budget=may_edit_budget)
    async with open_store() as store:
        if header_problems:
            summary.aborted = True
            for problem in header_problems:
                run.add(problem._replace(field=problem.field or None, line=1))
        else:
            handler = HANDLERS[entity](ctx, header.present())
            await handler.prepare()
            try:
                chunks = (_blocks(rows.items(), chunk_size) if isinstance(rows, ColumnarCsv)
                          else _chunks(first, source, chunk_size))
                with _prompt_thread_handoff(not store.postgres):
                    await run.stream(store, handler, header, chunks, progress)
            except ImportFileError as error:
                summary.aborted = True
                run.add(error.problem)
            if not summary.aborted and (skip_invalid or not summary.problem_count):
                with run.timed("write"):
                    await run.write(store, handler, skip_invalid)
            # Not on an unexpected error: the transaction's rollback (or the connection's
            # close) takes the TEMP tables with it.
            await run.drop(store)
        if not summary.written:
            await _audit(ctx, summary, skip_invalid)
    return summary


@dataclass(slots=True)
class _Chunk:
    """Rows checked together: those parsed row by row, and a block's certified rows."""

    parsed: list[Parsed]
    """Rows through `parse`, and certified rows brought back as Parsed (`materialise`),
    in file order."""
    count: int
    lines: tuple[int, int]
    """Its first and last line."""
    block: Block | None = None
    certified: Certified | None = None

    def materialise(self, target: Target, lines: Sequence[int] | None = None) -> list[Parsed]:
        """Certified rows of `target` (those at `lines`, or all) as Parsed rows, taken into
        `parsed`; all of them: the target's certified table is gone too."""
        assert self.block is not None and self.certified is not None
        table = self.certified.tables.get(target.table)
        if table is None:
            return []
        staged = np.asarray(table.column("_line").to_numpy(), np.int64)
        if lines is None:
            del self.certified.tables[target.table]
            at = np.arange(len(staged))
        else:
            at = np.nonzero(np.isin(staged, np.asarray(lines, np.int64)))[0]
        if not len(at):
            return []
        records = [c.to_pylist() for c in table.take(at).columns]
        raw = self.block.rows(np.searchsorted(self.block.lines, staged[at]))
        found = [Parsed(row, target, list(record))
                 for row, record in zip(raw, zip(*records, strict=True), strict=True)]
        self.parsed = sorted([*self.parsed, *found], key=lambda p: p.row.line)
        return found


@dataclass(slots=True)
class _Staging:
    """A chunk on its way into the staging tables."""

    chunk: _Chunk
    ready: list[tuple[Target, list[Parsed]]]
    """Each target's rows without problems, staged in this order."""
    done: asyncio.Future[list[bool]]
    """Per target: staged, or refused whole for a repeated key (see `deduplicate`)."""


@contextlib.contextmanager
def _prompt_thread_handoff(needed: bool) -> Iterator[None]:
    """While parsing keeps the GIL busy, let SQLite's thread (aiosqlite) have it back within
    0.5 ms instead of Python's 5: each staged chunk waits for it several times, and at 5 ms
    a turn the database thread sat idle a third of the import. Process-wide, hence only for
    the streaming part of an import."""
    global _streaming, _interval_before
    if not needed:
        yield
        return
    if not _streaming:  # the first of imports streaming together sets it, the last restores
        _interval_before = sys.getswitchinterval()
        sys.setswitchinterval(min(_interval_before, HANDOFF_SECONDS))
    _streaming += 1
    try:
        yield
    finally:
        _streaming -= 1
        if not _streaming:
            sys.setswitchinterval(_interval_before)


_streaming = 0
"""Imports streaming on SQLite in this process right now."""
_interval_before = 0.005
"""The switch interval from before the first of them."""


class _Run:
    """One import's state: the summary, the staging tables, the problems so far."""

    def __init__(self, summary: ImportSummary, max_errors: int,
                 on_reject: OnReject | None) -> None:
        self.summary = summary
        self.max_errors = max_errors
        self.on_reject = on_reject
        self.staging: dict[str, str] = {}
        self.interleaved: set[str] = set()
        """Targets a chunk staged in two statements (certified rows, then the others)."""
        self._identity: tuple[dict[str, str], bool] | None = None
        """(header columns, whether each file column is named as its Coso column)."""

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            _add_time(self.summary, stage, time.perf_counter() - started)

    def add(self, problem: Problem) -> None:
        self.summary.problem_count += 1
        if len(self.summary.problems) < self.max_errors:
            self.summary.problems.append(problem)

    async def stream(self, store: Store, handler: Handler, header: Header,
                     chunks: Iterator[Any] | AsyncIterator[Any],
                     progress: Callable[[int], None] | None) -> None:
        checked = type(handler).verify is not Handler.verify
        for target in handler.targets:
            self.staging[target.table] = await store.create_staging(target, by_line=checked)

        # The database stages chunk n while chunk n + 1 is parsed. Staging is one statement
        # per target (COPY; on SQLite, one INSERT from a JSON text, which runs without the
        # GIL); the few short queries around it run while parsing waits, since a thread's
        # round trip would otherwise queue behind the parsing for the GIL. A file read in
        # Arrow blocks is read and certified a block ahead in a thread (pyarrow lets go of
        # the GIL), so reading, checking and writing overlap.
        staging: _Staging | None = None
        try:
            one = functools.partial(self.parse, handler, header)
            async for item, certified in _ahead(chunks, handler, header, self.summary):
                with self.timed("rows"):
                    chunk = await self.parse_chunk(handler, header, one, item, certified)
                if staging is not None:
                    await self.settle(store, handler, header, staging, progress)
                    staging = None
                with self.timed("lookups"):
                    if chunk.certified is not None and chunk.block is not None:
                        # The lookups certification left for the database (the connection
                        # is free now); rows they do not certify go row by row too.
                        before = chunk.certified.mask.copy()
                        await handler.finish(store, chunk.certified)
                        dropped = np.nonzero(before & ~chunk.certified.mask)[0]
                        if len(dropped):
                            chunk.parsed = sorted(chunk.parsed + handler.parse_chunk(
                                chunk.block.rows(dropped), header, one), key=lambda p: p.row.line)
                    await handler.resolve(store, chunk.parsed)
                staging = self.stage(store, handler, chunk)
            if staging is not None:
                await self.settle(store, handler, header, staging, progress)
                staging = None
        finally:
            if staging is not None and not staging.done.done():
                with contextlib.suppress(Exception):
                    await staging.done

    async def parse_chunk(self, handler: Handler, header: Header,
                          one: Callable[[Any], Parsed], item: Block | list[Any],
                          certified: Certified | None) -> _Chunk:
        """The rows no certification took, parsed row by row."""
        if isinstance(item, Block):
            rows: list[Any] = item.rows(np.nonzero(~certified.mask)[0]) if (
                certified is not None) else item.rows()
            lines = (int(item.lines[0]), int(item.lines[-1]))
            chunk = _Chunk([], len(item), lines, item, certified)
        else:
            rows = item
            chunk = _Chunk([], len(item), (_line(item[0]), _line(item[-1])))
        parsed = chunk.parsed
        for start in range(0, len(rows), PARSE_SLICE):
            parsed += handler.parse_chunk(rows[start:start + PARSE_SLICE], header, one)
            # A turn for the event loop: the staging of the chunk before goes on
            # (a COPY's next buffer, aiosqlite's reply) while this one is parsed.
            await asyncio.sleep(0)
        return chunk

    def stage(self, store: Store, handler: Handler, chunk: _Chunk) -> _Staging:
        """Start staging the chunk's good rows, one statement per target (two with
        certified rows: their Arrow columns, then the others)."""
        by_target: dict[str, list[Parsed]] = {}
        for parsed in chunk.parsed:
            if parsed.target is not None and not parsed.problems:
                by_target.setdefault(parsed.target.table, []).append(parsed)
        ready = [(target, by_target.get(target.table, [])) for target in handler.targets]
        tables = chunk.certified.tables if chunk.certified is not None else {}

        async def stage_one(target: Target, rows: list[Parsed]) -> bool:
            name = self.staging[target.table]
            table = tables.get(target.table)
            if table is None:
                return await store.stage(name, target, [p.record for p in rows])
            if not await store.stage_table(name, target, table):
                return False
            if rows:
                self.interleaved.add(target.table)
            if rows and not await store.stage(name, target, [p.record for p in rows]):
                await store.unstage(name, table.column("_line").to_pylist())
                return False
            return True

        async def stage_all() -> list[bool]:
            with self.timed("stage"):
                return [await stage_one(target, rows) for target, rows in ready]

        return _Staging(chunk, ready, asyncio.ensure_future(stage_all()))

    async def settle(self, store: Store, handler: Handler, header: Header, staging: _Staging,
                     progress: Callable[[int], None] | None) -> None:
        """Once the chunk is staged: its duplicate keys, the checks against stored rows, and
        its refused rows reported and taken out of staging again."""
        chunk = staging.chunk
        with self.timed("wait_stage"):
            done = await staging.done
        with self.timed("lookups"):
            await self._settle(store, handler, header, chunk, staging, done)
        self.summary.rows += chunk.count
        if progress is not None:
            progress(self.summary.rows)

    async def _settle(self, store: Store, handler: Handler, header: Header, chunk: _Chunk,
                      staging: _Staging, done: list[bool]) -> None:
        for (target, ready), staged in zip(staging.ready, done, strict=True):
            if not staged:
                # A repeated key: the certified rows too are checked one by one.
                ready = sorted([*ready, *(chunk.materialise(target) if chunk.block else [])],
                               key=lambda p: p.row.line)
                await self.deduplicate(store, target, self.staging[target.table], ready)
        found = await handler.verify(store, self.staging, chunk.lines)
        if found:
            by_line = {p.row.line: p for p in chunk.parsed}
            missing = sorted({line for line, *_ in found if line not in by_line})
            if missing and chunk.block is not None:
                for target in handler.targets:
                    by_line.update((p.row.line, p) for p in chunk.materialise(target, missing))
            for line, column, code, message in found:
                by_line[line].fail(column, code, message)
        await self.repeated_refs(store, handler, header, chunk.parsed)
        refused: dict[str, list[int]] = {}
        for parsed in chunk.parsed:
            if parsed.problems:
                self.reject(parsed, header)
                if parsed.target is not None:
                    refused.setdefault(parsed.target.table, []).append(parsed.row.line)
        for table, lines in refused.items():
            await store.unstage(self.staging[table], lines)

    async def write(self, store: Store, handler: Handler, skip_invalid: bool) -> None:
        """One upsert per target and the audit row, together; a conflict with rows changed
        meanwhile by someone else refuses the whole import."""
        summary = self.summary
        present = handler.fields_present()
        inserted = updated = 0
        try:
            async with write(store):
                for target in handler.targets:
                    counts = await store.upsert(self.staging[target.table], target, present,
                                                handler.fixed(target),
                                                ordered=target.table in self.interleaved)
                    with self.timed("rollups"):
                        await rollups.refresh_staged(store, self.staging[target.table],
                                                     target.table, sum(counts))
                    inserted += counts[0]
                    updated += counts[1]
                    if sum(counts) >= ANALYZE_AFTER_ROWS:
                        with self.timed("analyze"):
                            await store.analyze(target.table)
                summary.inserted, summary.updated = inserted, updated
                summary.unchanged = summary.rows - summary.rejected - inserted - updated
                summary.written = True
                await _audit(handler.ctx, summary, skip_invalid)
        except INTEGRITY_ERRORS as error:
            summary.inserted = summary.updated = summary.unchanged = 0
            summary.written = False
            self.add(Problem(None, "CONFLICT", (
                "the brand's data changed while the file was imported, so nothing was "
                f"written; import it again ({error.__class__.__name__})"), line=0))

    def _same_names(self, columns: dict[str, str]) -> bool:
        if self._identity is None or self._identity[0] is not columns:
            self._identity = (columns, all(k == v for k, v in columns.items()))
        return self._identity[1]

    def parse(self, handler: Handler, header: Header, row: RawRow) -> Parsed:
        parsed = Parsed(row if type(row) is RawRow else RawRow(*row))
        if parsed.row.problem is not None:
            parsed.fail("", *parsed.row.problem)
            return parsed
        values = parsed.row.values
        columns = header.columns
        if values.keys() <= columns.keys():  # a file's rows: exactly its header
            # Handlers only read the cells: a file already named Coso's way is used as it is.
            cells = values if self._same_names(columns) else {
                columns[name]: value for name, value in values.items()}
        else:
            cells = {}
            for name, value in values.items():
                coso = columns.get(name)
                if coso is not None:
                    cells[coso] = value
                elif name not in header.ignored and normalise(name) not in REJECTS_COLUMNS:
                    parsed.fail(name, "UNKNOWN_COLUMN",
                                f"{name!r} is not a column of this import")
        if not parsed.problems:
            handler.parse(parsed, cells)
        return parsed

    async def deduplicate(self, store: Store, target: Target, name: str,
                          ready: list[Parsed]) -> None:
        """Refuse rows repeating a key of an earlier row (staged, or earlier in the chunk)."""
        fields = target.field_names()
        for key in target.keys:
            positions = [fields.index(c) + 1 for c in key]
            values = [tuple(p.record[i] for i in positions) for p in ready]
            candidates = [v for v in values if None not in v]
            staged = await store.staged_lines(name, target, key, candidates)
            seen: dict[tuple[Any, ...], int] = {}
            for parsed, value in zip(ready, values, strict=True):
                if None in value or parsed.problems:
                    continue
                first = staged.get(value, seen.get(value))
                if first is not None:
                    column = _KEY_COLUMN.get(key[-1], key[-1])
                    parsed.fail(column, "DUPLICATE", _repeated(key, value, first))
                else:
                    seen[value] = parsed.row.line
        clean = [p for p in ready if not p.problems]
        if not await store.stage(name, target, [p.record for p in clean]):
            raise AssertionError("staging refused rows without a repeated key")

    async def repeated_refs(self, store: Store, handler: Handler, header: Header,
                            chunk: list[Parsed]) -> None:
        """A row refused for another problem whose ref an earlier staged row has: said as
        well, so that one pass reports every problem of the row (its ref is read from the
        cell, as the row was never staged)."""
        column = header.file_column("ref")
        for target in handler.targets:
            if ("ref",) not in target.keys:
                continue
            refused = {}
            for parsed in chunk:
                if parsed.problems and not any(code == "DUPLICATE"
                                               for _, code, _ in parsed.problems):
                    ref = as_text(parsed.row.values.get(column))
                    if ref and ref[:5].lower() != UNREFERENCED_PREFIX:
                        refused[parsed.row.line] = (parsed, ref)
            if not refused:
                continue
            staged = await store.staged_lines(self.staging[target.table], target, ("ref",),
                                              sorted({(ref,) for _, ref in refused.values()}))
            for line, (parsed, ref) in refused.items():
                first = staged.get((ref,))
                if first is not None and first < line:
                    parsed.fail("ref", "DUPLICATE", _repeated(("ref",), (ref,), first))

    def reject(self, parsed: Parsed, header: Header) -> None:
        self.summary.rejected += 1
        line = parsed.row.line
        problems = [Problem(header.file_column(column) if column else None, code, message, line)
                    for column, code, message in parsed.problems]
        for problem in problems:
            self.add(problem)
        if self.on_reject is not None:
            self.on_reject(parsed.row, problems)

    async def drop(self, store: Store) -> None:
        for name in self.staging.values():
            await store.drop(name)
        self.staging.clear()


def _repeated(key: tuple[str, ...], value: tuple[Any, ...], first: int) -> str:
    return (f"{' + '.join(key)} {' + '.join(str(v) for v in value)} is also on line {first}: "
            "a file names each row once")


async def _audit(ctx: BrandContext, summary: ImportSummary, skip_invalid: bool) -> None:
    await record(actor_id=ctx.actor_id, action=f"import.{summary.entity}", object_type="import",
                 object_id=None, workspace_id=ctx.workspace, brand_id=ctx.id,
                 after={**summary.as_dict(), "skip_invalid": skip_invalid})


def _chunks(first: AnyRow | None, rows: Iterator[Any] | AsyncIterator[Any],
            size: int) -> Iterator[list[Any]] | AsyncIterator[list[Any]]:
    """Lists of `size` rows (the peeked first row included), sync or async like `rows`."""
    if isinstance(rows, AsyncIterator):
        return _async_chunks(first, rows, size)
    return _sync_chunks(first, rows, size)


def _sync_chunks(first: AnyRow | None, rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk = [first] if first is not None else []
    chunk += itertools.islice(rows, size - len(chunk))
    while chunk:
        yield chunk
        chunk = list(itertools.islice(rows, size))


async def _async_chunks(first: AnyRow | None, rows: AsyncIterator[Any],
                        size: int) -> AsyncIterator[list[Any]]:
    chunk: list[Any] = [first] if first is not None else []
    async for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _line(row: Any) -> int:
    return int(row[0])


def _blocks(items: Iterator[Block | list[RawRow]], size: int
            ) -> Iterator[Block | list[RawRow]]:
    """A columnar reader's items, blocks cut to at most `size` rows when it is smaller than
    a block (tests choose tiny chunks to cross their boundaries)."""
    for item in items:
        if isinstance(item, Block) and len(item) > size and size < CHUNK_SIZE:
            for start in range(0, len(item), size):
                yield Block(item.table.slice(start, size), item.lines[start:start + size],
                            item.end_offset)
        else:
            yield item


def _certify(handler: Handler, header: Header, block: Block) -> Certified | None:
    """The block's certification with Coso's column names; None when a column of the file
    is neither a Coso column nor ignored (the per-row path words that)."""
    names = block.table.column_names
    if not all(n in header.columns or n in header.ignored for n in names):
        return None
    keep = [n for n in names if n in header.columns]
    table = block.table.select(keep).rename_columns([header.columns[n] for n in keep])
    return handler.certify(table, block.lines)


def _add_time(summary: ImportSummary, stage: str, seconds: float) -> None:
    summary.seconds[stage] = summary.seconds.get(stage, 0.0) + seconds


async def _ahead(chunks: Iterator[Any] | AsyncIterator[Any], handler: Handler,
                 header: Header, summary: ImportSummary
                 ) -> AsyncIterator[tuple[Any, Certified | None]]:
    """(item, its certification) of each chunk; a sync source is read and certified one
    item ahead in a thread while the caller works on the item before."""
    if isinstance(chunks, AsyncIterator):
        async for chunk in chunks:
            yield chunk, None
        return
    loop = asyncio.get_running_loop()
    done = object()

    def step() -> Any:
        started = time.perf_counter()
        item = next(chunks, done)
        read = time.perf_counter()
        _add_time(summary, "read", read - started)
        if isinstance(item, Block):
            certified = _certify(handler, header, item)
            _add_time(summary, "certify", time.perf_counter() - read)
            return item, certified
        return item, None

    pending = loop.run_in_executor(None, step)
    try:
        while True:
            started = time.perf_counter()
            result = await pending
            _add_time(summary, "wait_read", time.perf_counter() - started)
            if result[0] is done:
                return
            pending = loop.run_in_executor(None, step)
            yield result
    finally:
        # The thread's item is dropped with the import (an error, or an early end).
        with contextlib.suppress(Exception):
            await pending
