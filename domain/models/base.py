"""The Table base of every Coso table, with what Piccolo adds at runtime spelled out for mypy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piccolo.table import Table as PiccoloTable

if TYPE_CHECKING:
    from piccolo.columns import Serial

    class Table(PiccoloTable):
        # Piccolo adds the primary key `id` (Serial) when the class is created; a real column
        # here would be one more Table subclass at runtime, so this exists for mypy only.
        id: Serial
        # Some tables have a `ref` column, which shadows the classmethod Table.ref() (unused).
        ref: Any

else:
    Table = PiccoloTable

__all__ = ["Table"]
