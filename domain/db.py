"""Builds the Piccolo engine from `DATABASE_URL` and manages its connection pool."""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse, urlunparse

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

log = logging.getLogger(__name__)


def engine_from_url(url: str) -> PostgresEngine | SQLiteEngine:
    """`postgresql://user:pw@host:port/db` or `sqlite:///relative.db` / `sqlite:////abs.db`."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        config = {
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": unquote(parsed.username or "postgres"),
            "database": (parsed.path or "/postgres").lstrip("/"),
        }
        if parsed.password:
            config["password"] = unquote(parsed.password)
        return PostgresEngine(config=config)
    if parsed.scheme == "sqlite":
        path = url.removeprefix("sqlite:///")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A generous busy timeout: the API, `coso sync` and the demo may write at once.
        return SQLiteEngine(path=path, timeout=30)
    raise ValueError(f"DATABASE_URL must start with postgresql:// or sqlite:///, got {url!r}")


def engine() -> PostgresEngine | SQLiteEngine:
    from piccolo.engine import engine_finder

    found = engine_finder()
    assert isinstance(found, PostgresEngine | SQLiteEngine), "domain.piccolo_conf defines DB"
    return found


async def open_pool(max_size: int) -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=1, max_size=max_size)


async def close_pool() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()


def query_count() -> int:
    """How many statements the engine has run so far (Piccolo numbers every query)."""
    return engine().query_id


async def recreate_postgres_database(url: str, *, create: bool = True) -> None:
    """Drop the PostgreSQL database `url` names (and create it afresh unless told not to).

    For throwaway databases only: the test suite's and the benchmarks'.
    """
    import asyncpg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = await asyncpg.connect(urlunparse(parsed._replace(path="/postgres")))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """`engine().transaction()` for work that writes; every mutation, job and import uses it.

    On SQLite it takes the write lock at BEGIN, so two writers wait on the busy timeout
    instead of failing as they upgrade a read lock. Inside an open transaction it joins
    that one. And it survives its connection dying under it: Piccolo 1.38 neither releases
    the connection nor resets the current transaction when the rollback itself fails, so
    later queries of the same task would run on the dead connection and the pool would
    lose a slot for good.
    """
    db = engine()
    tx = (db.transaction(transaction_type=TransactionType.immediate)
          if isinstance(db, SQLiteEngine) else db.transaction())
    outermost = db.current_transaction.get() is None
    pending = _after_commit.set([]) if outermost else None
    try:
        async with tx:
            yield
    except BaseException:
        if getattr(tx, "_parent", None) is None and db.current_transaction.get() is tx:
            # Either engine's variable; mypy cannot pair it with tx's engine in a union.
            current: ContextVar[Any] = db.current_transaction
            current.reset(tx.context)
            with contextlib.suppress(Exception):
                pool = getattr(db, "pool", None)
                await (pool.release(tx.connection) if pool is not None
                       else tx.connection.close())
        raise
    finally:
        callbacks = (_after_commit.get() or []) if pending is not None else []
        if pending is not None:
            _after_commit.reset(pending)
    # Only reached when the outermost transaction committed: a rollback skips them.
    for callback in callbacks:
        try:
            result = callback()
            if inspect.isawaitable(result):  # an async step (publishing an event)
                await result
        except Exception:
            log.exception("after-commit step %r failed", callback)


_after_commit: ContextVar[list[Callable[[], object]] | None] = ContextVar(
    "coso_after_commit", default=None)


def after_commit(callback: Callable[[], object]) -> None:
    """Run `callback` once the outermost write_transaction commits (never if it rolls back);
    outside a transaction, now. For what the database cannot undo: removing files, and
    raising events (`domain.events.publish`: a callback returning an awaitable is awaited
    after the commit; outside a transaction its caller awaits it itself)."""
    callbacks = _after_commit.get()
    if callbacks is None:
        callback()
    else:
        callbacks.append(callback)


def in_write_transaction() -> bool:
    """Whether this task is inside a write_transaction (after_commit would wait for it)."""
    return _after_commit.get() is not None


def current_connection() -> Any | None:
    """The connection of the transaction this task is in, or None outside one."""
    tx = engine().current_transaction.get()
    return None if tx is None else tx.connection


@contextlib.asynccontextmanager
async def task_connection() -> AsyncIterator[Any]:
    """A connection of its own, in autocommit, that this task's Piccolo queries also use.

    For SQLite imports: staging must not hold the database's lock for minutes, yet the
    lookups and the audit row must run on the connection that later writes.
    """
    db = engine()
    assert isinstance(db, SQLiteEngine), "task_connection is for SQLite"
    transaction = db.transaction()
    transaction.connection = await db.get_connection()
    token = db.current_transaction.set(transaction)
    try:
        yield transaction.connection
    finally:
        db.current_transaction.reset(token)
        await transaction.connection.close()


async def raw_rows(table: type[Table], sql: str, *args: Any) -> list[dict[str, Any]]:
    """The rows of a raw query (`{}` placeholders); Piccolo types `await raw()` as Any."""
    rows: list[dict[str, Any]] = await table.raw(sql, *args)
    return rows
