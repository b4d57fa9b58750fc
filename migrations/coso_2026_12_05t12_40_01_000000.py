"""Natural keys of the inbox, so a sync reading a thread again updates it: plain unique
indexes, because SQLite cannot ALTER TABLE … ADD CONSTRAINT."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T12:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "community inbox keys"

KEYS = {"conversation": ("channel", "kind", "external_id"),
        "message": ("conversation", "external_id"),
        "saved_reply": ("brand", "title")}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coso", description=DESCRIPTION)

    async def create_keys():
        for table, columns in KEYS.items():
            quoted = ", ".join(f'"{c}"' for c in columns)
            await engine_finder().run_ddl(
                f'CREATE UNIQUE INDEX IF NOT EXISTS "{table}_natural_key" ON "{table}" '
                f'({quoted})')

    async def drop_keys():
        for table in KEYS:
            await engine_finder().run_ddl(f'DROP INDEX IF EXISTS "{table}_natural_key"')

    manager.add_raw(create_keys)
    manager.add_raw_backwards(drop_keys)
    return manager
