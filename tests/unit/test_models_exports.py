"""domain.models exports every table by a literal __all__ (type checkers read it)."""

from __future__ import annotations

import domain.models as models


def test_all_names_every_table_and_nothing_else() -> None:
    tables = {table.__name__ for table in models.ALL_TABLES}
    assert set(models.__all__) == tables | {"ALL_TABLES"}
    assert len(models.__all__) == len(set(models.__all__))


def test_every_table_has_the_serial_id_primary_key() -> None:
    for table in models.ALL_TABLES:
        primary_key = table._meta.primary_key
        assert (primary_key._meta.name, type(primary_key).__name__) == ("id", "Serial"), table
