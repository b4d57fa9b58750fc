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

from domain.errors import Problem, ValidationFailed
from domain.imports.base import ImportFileError, ImportSummary, RawRow
from domain.imports.campaigns import CampaignsHandler
from domain.imports.context import BrandContext, Handler, Parsed, load_brand
from domain.imports.metrics import MetricsHandler
from domain.imports.posts import PostsHandler
from domain.imports.schema import REJECTS_COLUMNS, Entity, Header, normalise, resolve_header
from domain.imports.store import Store, StoreConflict, Target, open_store, write
from domain.imports.values import UNREFERENCED_PREFIX, as_text
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
                with _prompt_thread_handoff(not store.postgres):
                    await run.stream(store, handler, header,
                                     _chunks(first, source, chunk_size), progress)
            except ImportFileError as error:
                summary.aborted = True
                run.add(error.problem)
            if not summary.aborted and (skip_invalid or not summary.problem_count):
                await run.write(store, handler, skip_invalid)
            # Not on an unexpected error: the transaction's rollback (or the connection's
            # close) takes the TEMP tables with it.
            await run.drop(store)
        if not summary.written:
            await _audit(ctx, summary, skip_invalid)
    return summary


@dataclass(slots=True)
class _Staging:
    """A chunk on its way into the staging tables."""

    chunk: list[Parsed]
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
        self._identity: tuple[dict[str, str], bool] | None = None
        """(header columns, whether each file column is named as its Coso column)."""

    def add(self, problem: Problem) -> None:
        self.summary.problem_count += 1
        if len(self.summary.problems) < self.max_errors:
            self.summary.problems.append(problem)

    async def stream(self, store: Store, handler: Handler, header: Header,
                     chunks: Iterator[list[Any]] | AsyncIterator[list[Any]],
                     progress: Callable[[int], None] | None) -> None:
        checked = type(handler).verify is not Handler.verify
        for target in handler.targets:
            self.staging[target.table] = await store.create_staging(target, by_line=checked)

        # The database stages chunk n while chunk n + 1 is parsed. Staging is one statement
        # per target (COPY; on SQLite, one INSERT from a JSON text, which runs without the
        # GIL); the few short queries around it run while parsing waits, since a thread's
        # round trip would otherwise queue behind the parsing for the GIL.
        staging: _Staging | None = None
        try:
            one = functools.partial(self.parse, handler, header)
            async for chunk in _each(chunks):
                parsed = []
                for start in range(0, len(chunk), PARSE_SLICE):
                    parsed += handler.parse_chunk(chunk[start:start + PARSE_SLICE], header, one)
                    # A turn for the event loop: the staging of the chunk before goes on
                    # (a COPY's next buffer, aiosqlite's reply) while this one is parsed.
                    await asyncio.sleep(0)
                if staging is not None:
                    await self.settle(store, handler, header, staging, progress)
                    staging = None
                await handler.resolve(store, parsed)
                staging = self.stage(store, handler, parsed)
            if staging is not None:
                await self.settle(store, handler, header, staging, progress)
                staging = None
        finally:
            if staging is not None and not staging.done.done():
                with contextlib.suppress(Exception):
                    await staging.done

    def stage(self, store: Store, handler: Handler, chunk: list[Parsed]) -> _Staging:
        """Start staging the chunk's good rows, one statement per target."""
        by_target: dict[str, list[Parsed]] = {}
        for parsed in chunk:
            if parsed.target is not None and not parsed.problems:
                by_target.setdefault(parsed.target.table, []).append(parsed)
        ready = [(target, by_target.get(target.table, [])) for target in handler.targets]

        async def stage_all() -> list[bool]:
            return [await store.stage(self.staging[target.table], target,
                                      [p.record for p in rows]) for target, rows in ready]

        return _Staging(chunk, ready, asyncio.ensure_future(stage_all()))

    async def settle(self, store: Store, handler: Handler, header: Header, staging: _Staging,
                     progress: Callable[[int], None] | None) -> None:
        """Once the chunk is staged: its duplicate keys, the checks against stored rows, and
        its refused rows reported and taken out of staging again."""
        chunk = staging.chunk
        for (target, ready), staged in zip(staging.ready, await staging.done, strict=True):
            if not staged:
                await self.deduplicate(store, target, self.staging[target.table], ready)
        staged_lines = (chunk[0].row.line, chunk[-1].row.line)
        found = await handler.verify(store, self.staging, staged_lines)
        if found:
            by_line = {p.row.line: p for p in chunk}
            for line, column, code, message in found:
                by_line[line].fail(column, code, message)
        await self.repeated_refs(store, handler, header, chunk)
        refused: dict[str, list[int]] = {}
        for parsed in chunk:
            if parsed.problems:
                self.reject(parsed, header)
                if parsed.target is not None:
                    refused.setdefault(parsed.target.table, []).append(parsed.row.line)
        for table, lines in refused.items():
            await store.unstage(self.staging[table], lines)
        self.summary.rows += len(chunk)
        if progress is not None:
            progress(self.summary.rows)

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
                                                handler.fixed(target))
                    await rollups.refresh_staged(store, self.staging[target.table], target.table)
                    inserted += counts[0]
                    updated += counts[1]
                    if sum(counts) >= ANALYZE_AFTER_ROWS:
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


async def _each(chunks: Iterator[list[Any]] | AsyncIterator[list[Any]]
                ) -> AsyncIterator[list[Any]]:
    if isinstance(chunks, AsyncIterator):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk


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
