"""Test setup: a fresh database (PostgreSQL by default, SQLite on request), cleaned per test.

`DATABASE_URL` names the server to test against; the suite creates its own database
`coso_test` there (or a temporary SQLite file) so it never touches real data.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from urllib.parse import urlparse, urlunparse

from domain.db import recreate_postgres_database  # builds no engine yet


def _test_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    if base.startswith("sqlite"):
        path = os.path.join(tempfile.mkdtemp(prefix="coso-test-"), "coso.db")
        return f"sqlite:///{path}"
    name = os.environ.get("COSO_TEST_DATABASE", "coso_test")
    url = urlunparse(urlparse(base)._replace(path=f"/{name}"))
    asyncio.run(recreate_postgres_database(url))
    return url


# Must happen before Piccolo builds its engine (domain.piccolo_conf reads DATABASE_URL).
os.environ["DATABASE_URL"] = _test_database_url()
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

import pytest  # noqa: E402

from domain.db import close_pool, engine, open_pool  # noqa: E402
from domain.migrate import migrate  # noqa: E402
from domain.models import ALL_TABLES  # noqa: E402
from domain.settings import get_settings  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
async def database():
    await migrate()
    await open_pool(max_size=5)
    yield engine()
    await close_pool()


@pytest.fixture(autouse=True)
async def clean_tables(database):
    yield
    names = [t._meta.tablename for t in ALL_TABLES]
    if get_settings().uses_sqlite:
        for name in reversed(names):
            await database.run_ddl(f'DELETE FROM "{name}"')
    else:
        await database.run_ddl(
            "TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"
        )
