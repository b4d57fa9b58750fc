"""`coso export` end to end: stdout or a file, the CSV options, refusals without tracebacks."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from domain.enums import Platform, SourceKind
from domain.services.metrics import Observation, upsert_channel_metrics
from tests.factories import make_brand, make_campaign, make_channel, make_post, make_workspace
from tests.integration.test_cli import refused

pytestmark = pytest.mark.storage

PERIOD = ("--from", "2026-10-01", "--to", "2026-10-31")


@pytest.fixture
async def acme():
    brand = await make_brand(slug="acme", timezone="Europe/Rome", currency="EUR")
    channel = await make_channel(brand, handle="acme", platform=Platform.INSTAGRAM)
    for n in range(3):
        await make_post(brand, channel, ref=f"P-{n}", text=f"=cmd|{n}",
                        scheduled_at=datetime(2026, 10, 5 + n, 9, tzinfo=UTC))
    await upsert_channel_metrics([
        Observation(subject_id=channel.id, metric="followers", day=date(2026, 10, d),
                    value=Decimal(1000 + d), source_kind=SourceKind.PLATFORM_API)
        for d in range(1, 11)])
    return brand


def _rows(data: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                               delimiter=delimiter))


async def test_posts_to_stdout_as_csv(coso, acme):
    result = await coso("export", "posts", "--brand", "acme", *PERIOD)
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    assert data.startswith(b"ref,channel,platform,")
    rows = _rows(data)
    assert [(r["ref"], r["text"]) for r in rows] == [
        ("P-0", "'=cmd|0"), ("P-1", "'=cmd|1"), ("P-2", "'=cmd|2")]
    assert "exported 3 posts of acme from 2026-10-01 to 2026-10-31" in result.stderr


async def test_excel_csv_has_a_bom_and_semicolons(coso, acme):
    result = await coso("export", "metrics", "--brand", "acme", *PERIOD, "--excel",
                        "--delimiter", ";")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfchannel;platform;post;day;")
    rows = _rows(result.stdout_bytes, ";")
    assert len(rows) == 10 and rows[0]["value"] == "1001" and rows[0]["metric"] == "followers"


async def test_files_in_every_format(coso, acme, tmp_path):
    ndjson, xlsx = tmp_path / "metrics.ndjson", tmp_path / "posts.xlsx"
    result = await coso("export", "metrics", "--brand", "acme", *PERIOD, "--out", str(ndjson))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b""
    lines = [json.loads(line) for line in ndjson.read_bytes().splitlines()]
    assert len(lines) == 10 and lines[-1]["value"] == 1010 and lines[-1]["day"] == "2026-10-10"
    result = await coso("export", "posts", "--brand", "acme", *PERIOD, "--out", str(xlsx))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(xlsx)["posts"]
    assert [c.value for c in sheet[2][:5]] == ["P-0", "acme", "instagram", None, "'=cmd|0"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.ndjson", "posts.xlsx"]


async def test_campaigns_with_or_without_a_period(coso, acme, tmp_path):
    for ref, month in (("C-sep", 9), ("C-oct", 10)):
        await make_campaign(acme, ref=ref, name=f"=Campagna {ref}",
                            starts_on=date(2026, month, 1), ends_on=date(2026, month, 20))
    result = await coso("export", "campaigns", "--brand", "acme", *PERIOD, "--excel",
                        "--delimiter", ";")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfref;name;description;objective;")
    assert [(r["ref"], r["name"]) for r in _rows(result.stdout_bytes, ";")] == [
        ("C-oct", "'=Campagna C-oct")]
    assert "exported 1 campaigns of acme from 2026-10-01 to 2026-10-31" in result.stderr
    result = await coso("export", "campaigns", "--brand", "acme", "--to", "2026-09-30",
                        "--format", "ndjson")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["ref"] for line in result.stdout_bytes.splitlines()] == ["C-sep"]
    assert "exported 1 campaigns of acme until 2026-09-30" in result.stderr

    xlsx = tmp_path / "campagne.xlsx"
    result = await coso("export", "campaigns", "--brand", "acme", "--out", str(xlsx))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(xlsx)["campaigns"]
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["C-sep", "C-oct"]
    assert "exported 2 campaigns of acme to" in result.stderr  # no period: all of them

    imported = await coso("import", "campaigns", str(xlsx), "--brand", "acme")
    assert imported.exit_code == 0, imported.output
    assert re.search(r"unchanged\s*│\s*2", imported.output), imported.output


async def test_a_failed_export_leaves_no_partial_file(coso, acme, tmp_path, monkeypatch):
    monkeypatch.setattr("domain.exports.writers.MAX_XLSX_ROWS", 2)
    out = tmp_path / "posts.xlsx"
    out.write_bytes(b"the previous export")
    result = await coso("export", "posts", "--brand", "acme", *PERIOD, "--out", str(out))
    assert result.exit_code == 1 and "XLSX holds at most 1 rows" in result.output
    assert "Traceback" not in result.output
    assert out.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["posts.xlsx"]


@pytest.mark.parametrize(("args", "message"), [
    (("posts", "--brand", "acme", *PERIOD, "--format", "xlsx"), "give --out FILE.xlsx"),
    (("posts", "--brand", "acme", "--from", "2026-10-31", "--to", "2026-10-01"),
     "--to is before --from"),
    (("posts", "--brand", "acme", "--from", "1/10/2026", "--to", "2026-10-31"),
     "--from must be a day like 2026-10-31"),
    (("posts", "--brand", "nobody", *PERIOD), "no brand with slug 'nobody'"),
    (("plans", "--brand", "acme", *PERIOD), "the entity is one of posts, metrics, campaigns"),
    (("metrics", "--brand", "acme", "--from", "2026-10-01"), "metrics needs --from and --to"),
    (("campaigns", "--brand", "nobody"), "no brand with slug 'nobody'"),
    (("campaigns", "--brand", "acme", "--from", "2026-10-31", "--to", "2026-10-01"),
     "--to is before --from"),
    (("posts", "--brand", "acme", *PERIOD, "--format", "pdf"), "--format is one of csv"),
    (("posts", "--brand", "acme", *PERIOD, "--format", "ndjson", "--excel"),
     "--excel and --delimiter apply to csv only"),
    (("posts", "--brand", "acme", *PERIOD, "--delimiter", "|"), "--delimiter is ',', ';'"),
])
async def test_bad_invocations_are_refused_plainly(coso, acme, args, message):
    result = await coso("export", *args)
    assert refused(result, message), result.output
    assert result.stdout_bytes == b""


async def test_the_same_slug_in_two_workspaces_needs_workspace(coso, acme):
    other = await make_workspace(slug="rival")
    await make_brand(other, slug="acme")
    result = await coso("export", "posts", "--brand", "acme", *PERIOD)
    assert refused(result, "add --workspace SLUG"), result.output
    result = await coso("export", "posts", "--brand", "acme", "--workspace", "rival", *PERIOD)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.count(b"\n") == 1  # the header: the rival brand has no posts
