"""What every sync job shares: its http client, its retry rules, the errors worth a retry.

Sync jobs are jobs like any other (see domain.jobs); their `ctx` also holds `http`, an
httpx.AsyncClient.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx

from domain.connectors.base import SyncError
from domain.settings import get_settings

MAX_TRIES = 5
"""Attempts of one job; the last one records the run as FAILED instead of retrying."""
RETRY_STEP_SECONDS = 5.0
"""Attempt n waits n times this long before attempt n + 1."""

# The database went away or refused for a moment: the next attempt will likely succeed.
TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # connection lost (08xxx), e.g. pg_terminate_backend
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, query cancelled (57xxx)
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.InterfaceError,  # the connection closed under a query
    sqlite3.OperationalError,  # "database is locked"
    ConnectionError,
    OSError,
    TimeoutError,
)
# Platform failures worth another attempt later; the rest (refused token, rejected
# content, unsupported platform) will fail the same way again.
TRANSIENT_SYNC_CODES = frozenset({
    "RATE_LIMITED", "PLATFORM_ERROR", "TIMEOUT", "MALFORMED_RESPONSE", "RETRY_BUDGET_EXHAUSTED",
    "NETWORK_ERROR",
})


def retry_delay(job_try: int) -> float:
    return RETRY_STEP_SECONDS * job_try


def is_transient(error: SyncError) -> bool:
    return error.retryable or error.code in TRANSIENT_SYNC_CODES


def attempt_of(ctx: dict[str, Any]) -> int:
    return int(ctx.get("job_try") or 1)


def http_client() -> httpx.AsyncClient:
    """The client connectors share in one process; each call's timeout comes from settings."""
    return httpx.AsyncClient(timeout=get_settings().http_timeout,
                             limits=httpx.Limits(max_connections=50,
                                                 max_keepalive_connections=20))


@contextlib.asynccontextmanager
async def job_resources() -> AsyncIterator[dict[str, Any]]:
    """What a sync job run in this process finds in its ctx: an http client for the run."""
    async with http_client() as http:
        yield {"http": http}


def describe(error: BaseException) -> str:
    """An exception in one line, for a run's error column (never a token: callers pass
    errors from the database or the connectors, which mask tokens)."""
    text = str(error).strip() or type(error).__name__
    return f"{type(error).__name__}: {text}"[:500]
