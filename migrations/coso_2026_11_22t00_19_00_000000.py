"""Natural keys of the import refs and of scheduled-report deliveries (at most once per period).

Plain `CREATE UNIQUE INDEX`, as in the first natural-keys migration, so SQLite applies it too.
NULL refs never collide on either engine, so rows without a ref stay unconstrained.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T00:19:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "import refs and delivery keys"

NATURAL_KEYS = {
    "post_ref": ("post", ("brand", "ref")),
    "campaign_ref": ("campaign", ("brand", "ref")),
    "report_delivery_natural_key": ("report_delivery", ("schedule", "period_start")),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coso", description=DESCRIPTION)

    async def create_indexes():
        db = engine_finder()
        for name, (table, columns) in NATURAL_KEYS.items():
            quoted = ", ".join(f'"{c}"' for c in columns)
            await db.run_ddl(f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "{table}" ({quoted})')

    async def drop_indexes():
        db = engine_finder()
        for name in NATURAL_KEYS:
            await db.run_ddl(f'DROP INDEX IF EXISTS "{name}"')

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
