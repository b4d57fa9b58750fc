"""`coso import` end to end: summary, exit codes, the rejects file that imports back once fixed."""

from __future__ import annotations

import csv
import json

import pytest

from domain.enums import Platform
from domain.models import AuditLog, Campaign, ChannelMetric, Post
from tests.factories import make_brand, make_channel, make_user
from tests.integration import test_cli

pytestmark = pytest.mark.storage
coso = test_cli.coso  # the `coso …` runner fixture of the CLI tests


@pytest.fixture
async def acme():
    brand = await make_brand(slug="acme", locale="it_IT", timezone="Europe/Rome",
                             currency="EUR")
    await make_channel(brand, handle="@acme", platform=Platform.INSTAGRAM)
    await make_user("ada@example.com")
    return brand


async def test_skip_invalid_then_fixed_rejects_file_imports(coso, acme, tmp_path):
    plan = tmp_path / "piano.csv"
    plan.write_text("\ufeffref;canale;testo;data\n"
                    "P-1;@acme;Buongiorno;31/12/2026 09:30\n"
                    "P-2;@nessuno;Canale sbagliato;01/12/2026\n"
                    "P-3;@acme;Data sbagliata;31/13/2026\n", encoding="utf-8")
    result = await coso("import", "posts", str(plan), "--brand", "acme", "--skip-invalid",
                        "--actor", "ada@example.com")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert [r["ref"] for r in await Post.select(Post.ref)] == ["P-1"]
    rejects = tmp_path / "piano.rejects.csv"
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [(r["ref"], r["_line"]) for r in rows] == [("P-2", "3"), ("P-3", "4")]
    assert "canale: the brand has no channel '@nessuno'" in rows[0]["_errors"]
    assert "data: " in rows[1]["_errors"]

    rejects.write_text(rejects.read_text(encoding="utf-8-sig")
                       .replace("@nessuno", "@acme").replace("31/13/2026", "30/12/2026"),
                       encoding="utf-8")
    fixed = await coso("import", "posts", str(rejects), "--brand", "acme")
    assert fixed.exit_code == 0, fixed.output
    assert sorted(r["ref"] for r in await Post.select(Post.ref)) == ["P-1", "P-2", "P-3"]
    again = await coso("import", "posts", str(plan), "--brand", "acme", "--skip-invalid")
    assert again.exit_code == 1 and await Post.count() == 3
    audit = await AuditLog.select(AuditLog.actor, AuditLog.after).where(
        AuditLog.action == "import.posts").order_by(AuditLog.id).output(load_json=True)
    assert [(a["after"]["inserted"], a["after"]["rejected"]) for a in audit] == [
        (1, 2), (2, 0), (0, 2)]
    assert audit[0]["actor"] is not None and audit[1]["actor"] is None


async def test_all_or_nothing_exit_code_and_message(coso, acme, tmp_path):
    ndjson = tmp_path / "metrics.ndjson"
    ndjson.write_text("\n".join(json.dumps(r) for r in [
        {"channel": "@acme", "day": "2026-10-01", "metric": "followers", "value": 120},
        {"channel": "@acme", "day": "2026-10-01", "metric": "followers", "value": 121},
    ]) + "\n")
    result = await coso("import", "metrics", str(ndjson), "--brand", "acme")
    assert result.exit_code == 1
    assert "nothing was written" in result.output and "DUPLICATE" in result.output
    assert await ChannelMetric.count() == 0


async def test_bad_invocations_exit_2(coso, acme, tmp_path):
    plan = tmp_path / "c.csv"
    plan.write_text("ref,name\n")
    mapping = tmp_path / "m.json"
    mapping.write_text('{"Nome": "no_such_column"}')
    for args, message in (
        (("import", "posts", str(tmp_path / "none.csv"), "--brand", "acme"), "no file"),
        (("import", "posts", str(plan), "--brand", "nope"), "no brand with slug 'nope'"),
        (("import", "widgets", str(plan), "--brand", "acme"), "not 'widgets'"),
        (("import", "campaigns", str(plan), "--brand", "acme", "--mapping", str(mapping)),
         "not a campaigns column"),
        (("import", "campaigns", str(plan), "--brand", "acme", "--actor", "x@example.com"),
         "no user with e-mail"),
    ):
        result = await coso(*args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    missing = await coso("import", "campaigns", str(plan), "--brand", "acme")
    assert missing.exit_code == 1 and "MISSING_COLUMN" in missing.output
    assert await Campaign.count() == 0
