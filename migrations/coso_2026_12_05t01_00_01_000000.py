"""Natural key of the confirmed report recipients: one row per (brand, e-mail)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T01:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "recipient confirmation key"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coso", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS "recipient_confirmation_natural_key" '
            'ON "recipient_confirmation" ("brand", "email")')

    async def drop_index():
        await engine_finder().run_ddl('DROP INDEX IF EXISTS "recipient_confirmation_natural_key"')

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
