"""The schema migrates on both engines and enforces its natural keys."""

from __future__ import annotations

import pytest
from piccolo.query.mixins import OnConflictAction

from domain.migrate import migrate, schema_problem
from domain.models import User, Workspace

pytestmark = pytest.mark.storage


async def test_migrate_twice_is_a_no_op():
    assert await migrate() == []
    assert await schema_problem() is None


async def test_natural_key_upsert_updates_in_place():
    await Workspace.insert(Workspace(name="A", slug="a"))
    await Workspace.insert(Workspace(name="B", slug="a")).on_conflict(
        target=Workspace.slug, action=OnConflictAction.do_update, values=[Workspace.name]
    )
    rows = await Workspace.select(Workspace.name).where(Workspace.slug == "a")
    assert rows == [{"name": "B"}]


async def test_unique_email():
    await User.insert(User(email="x@example.com"))
    with pytest.raises(Exception):  # noqa: B017 - engines raise different classes
        await User.insert(User(email="x@example.com"))
