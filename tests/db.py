"""The database of the suites that need one (integration, api): chosen, migrated, cleaned.

`DATABASE_URL` names the server to test against; the suites create their own database
(`COSO_TEST_DATABASE`, default `coso_test`) there, or a temporary SQLite file, so they never
touch real data. The unit suite imports none of this and runs with no server reachable.
Importing this module (the DB suites' conftest files do) points `DATABASE_URL` at the test
database; the session fixture `database` (re)creates and migrates it on first use.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import AsyncIterator
from urllib.parse import urlparse, urlunparse

import pytest
from piccolo.engine.base import Engine

from domain.db import close_pool, engine, open_pool, recreate_postgres_database
from domain.migrate import migrate
from domain.models import ALL_TABLES
from domain.settings import get_settings


def _test_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    if base.startswith("sqlite"):
        path = os.path.join(tempfile.mkdtemp(prefix="coso-test-"), "coso.db")
        return f"sqlite:///{path}"
    name = os.environ.get("COSO_TEST_DATABASE", "coso_test")
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


# Piccolo builds its engine from DATABASE_URL once, when domain.piccolo_conf is first
# imported: an engine built before this point would run the tests on the real database.
if "domain.piccolo_conf" in sys.modules:
    raise RuntimeError("domain.piccolo_conf was imported before tests/db.py chose the test "
                       "database; import tests.db first (from the suite's conftest.py)")
os.environ["DATABASE_URL"] = _test_database_url()
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
get_settings.cache_clear()

# Both DB suites' conftest files import `database`, so pytest holds two definitions of it;
# in a run of both only the first to start prepares the database and the last to end closes.
_users = 0


@pytest.fixture(scope="session", autouse=True)
async def database() -> AsyncIterator[Engine]:
    global _users
    if _users == 0:
        if not get_settings().uses_sqlite:
            await recreate_postgres_database(get_settings().database_url)
        await migrate()
        await open_pool(max_size=5)
    _users += 1
    yield engine()
    _users -= 1
    if _users == 0:
        await close_pool()


@pytest.fixture(autouse=True)
async def clean_tables(database: Engine) -> AsyncIterator[None]:
    """Every table emptied after the test, its id sequence back at 1."""
    yield
    await empty_tables(database)


async def empty_tables(database: Engine) -> None:
    """Every table emptied, its id sequence back at 1.

    DELETE, not TRUNCATE: a TRUNCATE of the 19 tables costs about 57 ms on PostgreSQL
    however few rows they hold (it swaps every table's files), the DELETEs of a test's
    few rows well under 1 ms. The reverse of ALL_TABLES deletes children first.
    """
    names = [t._meta.tablename for t in ALL_TABLES]
    if get_settings().uses_sqlite:
        for name in reversed(names):
            await database.run_ddl(f'DELETE FROM "{name}"')
        return
    statements = [f'DELETE FROM "{name}"' for name in reversed(names)] + [
        "SELECT " + ", ".join(
            f"setval(pg_get_serial_sequence('\"{name}\"', 'id'), 1, false)" for name in names)]
    # asyncpg's execute() without arguments sends them as one simple query: one round trip.
    async with database.pool.acquire() as connection:
        await connection.execute("; ".join(statements))
