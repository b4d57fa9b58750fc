"""The Table base of every Coso table, with what Piccolo adds at runtime spelled out for mypy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piccolo.table import Table as PiccoloTable

if TYPE_CHECKING:
    from collections.abc import Mapping

    from piccolo.columns import Serial
    from piccolo.query import Update

    class Table(PiccoloTable):
        # Piccolo adds the primary key `id` (Serial) when the class is created; a real column
        # here would be one more Table subclass at runtime, so this exists for mypy only.
        id: Serial
        # Some tables have a `ref` column, which shadows the classmethod Table.ref() (unused).
        ref: Any

        # Piccolo types `values` as dict[Column | str, Any]; dict keys are invariant, so
        # a dict[str, Any] or dict[Varchar, str] of values would not be accepted.
        @classmethod
        def update(cls, values: Mapping[Any, Any] | None = None, force: bool = False,
                   use_auto_update: bool = True, **kwargs: Any) -> Update: ...

else:
    Table = PiccoloTable

__all__ = ["Table"]
