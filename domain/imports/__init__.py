"""Bulk import of posts, campaigns and daily metrics from CSV, NDJSON and XLSX files.

    with open_rows("plan.csv") as reader:
        summary = await import_rows(Entity.POSTS, brand_id, reader, actor_id=user_id,
                                    source_name="plan.csv", skip_invalid=False)

The column schema per entity is `SCHEMAS` (domain/imports/schema.py); a GraphQL bulk
mutation passes rows as (index, {coso column: value}) and the same summary comes back.
"""

from domain.imports.base import ImportFileError, ImportSummary, RawRow
from domain.imports.readers import Format, RowReader, detect_format, open_rows
from domain.imports.run import CHUNK_SIZE, import_rows
from domain.imports.schema import SCHEMAS, Entity, MappingError, load_mapping
from domain.imports.values import neutralise_formula, restore_formula

__all__ = [
    "CHUNK_SIZE", "SCHEMAS", "Entity", "Format", "ImportFileError", "ImportSummary",
    "MappingError", "RawRow", "RowReader", "detect_format", "import_rows",
    "load_mapping", "neutralise_formula", "open_rows", "restore_formula",
]
