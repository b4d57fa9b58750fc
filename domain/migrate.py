"""Applies Coso's migrations to the database named by `DATABASE_URL`."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards


class MigrationFailed(RuntimeError):
    pass


async def migrate(*, quiet: bool = True) -> str:
    """Run every pending migration; returns Piccolo's report, raises MigrationFailed."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="coso", migration_id="all")
    if not result.success:
        raise MigrationFailed(result.message or output.getvalue())
    return output.getvalue()
