"""write_transaction(): nested use joins the outer transaction; a dead connection is let go."""

from __future__ import annotations

import pytest

from domain.db import after_commit, current_connection, engine, write_transaction
from domain.models import Brand, Workspace
from tests.factories import make_brand, make_workspace

pytestmark = pytest.mark.storage


async def test_a_nested_write_rolls_back_with_the_outer_one() -> None:
    workspace = await make_workspace()
    with pytest.raises(RuntimeError):
        async with write_transaction():
            outer = current_connection()
            async with write_transaction():
                assert current_connection() is outer
                await make_brand(workspace, name="Inner")
            raise RuntimeError("the outer work fails")
    assert await Brand.count().where(Brand.name == "Inner") == 0
    assert current_connection() is None


async def test_a_dead_connection_is_released_and_the_next_write_works() -> None:
    if engine().engine_type != "postgres":
        pytest.skip("killing a backend is a PostgreSQL notion")
    with pytest.raises(Exception):  # noqa: B017 - asyncpg's error for a killed backend
        async with write_transaction():
            connection = current_connection()
            await connection.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    assert current_connection() is None
    async with write_transaction():
        brand = await make_brand(name="After")
    assert await Brand.exists().where(Brand.id == brand.id)


async def test_after_commit_runs_once_the_outermost_commits() -> None:
    """What the database cannot undo (removing files) waits for the commit."""
    ran: list[str] = []
    async with write_transaction():
        async with write_transaction():
            after_commit(lambda: ran.append("inner"))
            await make_workspace()
        assert ran == []  # the inner block ended, but nothing is committed yet
        after_commit(lambda: ran.append("outer"))
    assert ran == ["inner", "outer"]
    after_commit(lambda: ran.append("outside"))  # no transaction: at once
    assert ran == ["inner", "outer", "outside"]


async def test_after_commit_never_runs_on_rollback() -> None:
    ran: list[str] = []
    with pytest.raises(RuntimeError):
        async with write_transaction():
            after_commit(lambda: ran.append("x"))
            raise RuntimeError("rolled back")
    assert ran == []
    # A failing step is logged; the others still run and the commit stands.
    async with write_transaction():
        after_commit(lambda: 1 / 0)
        after_commit(lambda: ran.append("y"))
        workspace = await make_workspace()
    assert ran == ["y"]
    assert await Workspace.exists().where(Workspace.id == workspace.id)
