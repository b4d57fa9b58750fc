"""Natural key of webhook deliveries: one row per (endpoint, event), so an event is sent once."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T13:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook delivery key"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coso", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS "webhook_delivery_natural_key" '
            'ON "webhook_delivery" ("webhook", "event_id")')

    async def drop_index():
        await engine_finder().run_ddl('DROP INDEX IF EXISTS "webhook_delivery_natural_key"')

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
