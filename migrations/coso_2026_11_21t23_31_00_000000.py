"""Natural keys as unique indexes: the targets of every idempotent upsert.

Plain `CREATE UNIQUE INDEX` because SQLite cannot `ALTER TABLE … ADD CONSTRAINT`, and
`ON CONFLICT (…)` accepts a unique index on both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T23:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "natural keys"

NATURAL_KEYS = {
    "workspace_member": ("workspace", "user"),
    "brand": ("workspace", "slug"),
    "membership": ("user", "brand", "role"),
    "channel": ("brand", "platform", "handle"),
    "strategy": ("brand", "starts_on"),
    "campaign_channel": ("campaign", "channel"),
    "post": ("channel", "external_id"),
    "channel_metric": ("channel", "metric", "day"),
    "post_metric": ("post", "metric", "day"),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coso", description=DESCRIPTION)

    async def create_indexes():
        db = engine_finder()
        for table, columns in NATURAL_KEYS.items():
            quoted = ", ".join(f'"{c}"' for c in columns)
            await db.run_ddl(
                f'CREATE UNIQUE INDEX IF NOT EXISTS "{table}_natural_key" ON "{table}" ({quoted})'
            )

    async def drop_indexes():
        db = engine_finder()
        for table in NATURAL_KEYS:
            await db.run_ddl(f'DROP INDEX IF EXISTS "{table}_natural_key"')

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
