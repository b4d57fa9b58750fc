"""Applies Coso's migrations to the database named by `DATABASE_URL`, and tells what is missing."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration

APP = "coso"


class MigrationFailed(RuntimeError):
    pass


async def migrate() -> list[str]:
    """Run every pending migration; returns the ids applied now, raises MigrationFailed.

    Piccolo's own report is not shown: it counts every migration as "already complete",
    even on an empty database, before saying they have not run yet.
    """
    before = await applied()
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            result = await run_forwards(app_name=APP, migration_id="all")
    except Exception as error:
        raise MigrationFailed(f"{type(error).__name__}: {error}") from error
    if not result.success:
        raise MigrationFailed(result.message or output.getvalue().strip())
    return sorted(set(await applied()) - before)


async def applied() -> set[str]:
    """The ids of Coso's migrations this database has run (none when it has no tables)."""
    if not await Migration.table_exists():
        return set()
    return set(await Migration.get_migrations_which_ran(app_name=APP))


def known() -> list[str]:
    """The ids of every migration in the migrations folder, oldest first."""
    manager = BaseMigrationManager()
    folder = manager.get_app_config(APP).resolved_migrations_folder_path
    return manager.get_migration_ids(manager.get_migration_modules(folder))


async def schema_problem() -> str | None:
    """Why this database cannot serve Coso yet, as the end of a sentence, or None."""
    done = await applied()
    if not done:
        return "has no Coso tables"
    behind = len(set(known()) - done)
    if behind:
        return f"is {behind} migration{'s' if behind != 1 else ''} behind"
    return None
