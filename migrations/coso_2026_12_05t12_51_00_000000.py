"""Metric rollups: their natural key and read indexes, then computed from the stored rows.

Also an index of post metrics by day: a rollup refresh reads a channel's posts' rows of
some days, which the (post, metric, day) key alone would find only by reading every day
of every post of the channel."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T12:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "metric rollup keys and backfill"

INDEXES = {
    "metric_rollup_natural_key": (True, ("channel", "grain", "period_start", "campaign",
                                         "format", "pillar", "media_type", "level", "metric")),
    "metric_rollup_brand": (False, ("brand", "grain", "period_start")),
    "metric_rollup_campaign": (False, ("campaign", "grain", "period_start")),
}
TABLE_OF = {"post_metric_day": "post_metric"}
INDEXES["post_metric_day"] = (False, ("day",))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coso", description=DESCRIPTION)

    async def create_indexes_and_fill():
        from domain.services import rollups

        db = engine_finder()
        for name, (unique, columns) in INDEXES.items():
            quoted = ", ".join(f'"{c}"' for c in columns)
            table = TABLE_OF.get(name, "metric_rollup")
            await db.run_ddl(f'CREATE {"UNIQUE " if unique else ""}INDEX IF NOT EXISTS '
                             f'"{name}" ON "{table}" ({quoted})')
        await rollups.rebuild(rollups.piccolo_sql())

    async def drop_indexes():
        db = engine_finder()
        for name in INDEXES:
            await db.run_ddl(f'DROP INDEX IF EXISTS "{name}"')

    manager.add_raw(create_indexes_and_fill)
    manager.add_raw_backwards(drop_indexes)
    return manager
