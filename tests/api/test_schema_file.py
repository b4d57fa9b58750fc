"""The committed `api/schema.graphql` is the schema the code builds."""

from __future__ import annotations

from pathlib import Path

from api.graphql.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "api" / "schema.graphql"


def test_committed_schema_is_current():
    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    assert committed == schema.as_str() + "\n", (
        "api/schema.graphql is stale: run "
        "`.venv/bin/python -m api.graphql.schema > api/schema.graphql` and commit it"
    )
