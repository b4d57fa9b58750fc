"""Metric rollups also add up posts over format, pillar and media type: computed again."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-05T12:52:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "metric rollups over all formats"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coso", description=DESCRIPTION)

    async def fill():
        from domain.services import rollups

        await rollups.rebuild(rollups.piccolo_sql())

    manager.add_raw(fill)
    return manager
