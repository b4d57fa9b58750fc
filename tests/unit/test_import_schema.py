"""Import headers: aliases, mapping files, and every unknown, doubled or missing column."""

from __future__ import annotations

import pytest

from domain.imports import SCHEMAS, Entity, MappingError, load_mapping
from domain.imports.schema import resolve_header


def codes(problems):
    return sorted((p.field, p.code) for p in problems)


def test_aliases_case_and_spaces():
    header, problems = resolve_header(
        Entity.POSTS, ["External ID", "Canale", "Testo", "Data Pubblicazione", "_line", "_errors"])
    assert problems == []
    assert header.columns == {"External ID": "ref", "Canale": "channel", "Testo": "text",
                              "Data Pubblicazione": "scheduled_at"}
    assert header.file_column("channel") == "Canale"
    assert header.present() == {"ref", "channel", "text", "scheduled_at"}


def test_unknown_doubled_and_missing_columns_are_all_reported():
    _, problems = resolve_header(Entity.METRICS, ["channel", "date", "day", "valor"])
    assert codes(problems) == [("day", "DUPLICATE_COLUMN"), ("metric", "MISSING_COLUMN"),
                               ("valor", "UNKNOWN_COLUMN"), ("value", "MISSING_COLUMN")]


def test_mapping_renames_and_skips(tmp_path):
    path = tmp_path / "map.json"
    path.write_text('{"Giorno": "day", "Metrica": "metric", "Valore": "value", '
                    '"Profilo": "channel", "Commento": ""}')
    mapping = load_mapping(path, Entity.METRICS)
    header, problems = resolve_header(
        Entity.METRICS, ["Profilo", "Giorno", "Metrica", "Valore", "Commento"], mapping)
    assert problems == [] and header.ignored == {"Commento"}
    assert header.columns["Giorno"] == "day"


def test_csv_mapping_with_header_row(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("file_column;coso_column\nNome;name\nObiettivo;objective\nNote;-\n")
    assert load_mapping(path, Entity.CAMPAIGNS) == {"Nome": "name", "Obiettivo": "objective",
                                                    "Note": ""}


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": "nope"}', "not a campaigns column"),
    ('{"a": "name", "b": "nome"}', "both mapped to name"),
    ('["a"]', "JSON object"),
    ('{"a": ', "not valid JSON"),
])
def test_bad_mappings(tmp_path, text, message):
    path = tmp_path / "map.json"
    path.write_text(text)
    with pytest.raises(MappingError, match=message):
        load_mapping(path, Entity.CAMPAIGNS)


def test_every_column_is_documented():
    for schema in SCHEMAS.values():
        assert all(c.doc for c in schema.columns)
        names = [c.name for c in schema.columns]
        assert len(names) == len(set(names))
