"""`coso report`: one command renders a brand's report in this process and writes the file."""

from __future__ import annotations

import pytest

from domain.models import AuditLog, Report
from tests.factories import make_brand, make_channel, make_workspace
from tests.integration import test_cli as cli_tests
from tests.integration.reports.jobs_support import report_settings


@pytest.fixture
def storage(tmp_path, monkeypatch):
    yield from report_settings(tmp_path, monkeypatch)


coso = cli_tests.coso  # `coso …` as a user runs it, in its own thread and event loop


@pytest.fixture
async def acme():
    workspace = await make_workspace(slug="studio")
    brand = await make_brand(workspace, slug="acme", name="Acme Coffee", locale="it_IT")
    await make_channel(brand)
    return brand


async def test_report_writes_the_pdf_and_records_it(coso, acme, storage, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = await coso("report", "--brand", "acme", "--kind", "ROI", "--month", "2026-10",
                        "--out", str(out))
    assert result.exit_code == 0, result.output
    target = out / "acme-roi-2026-10.pdf"
    assert result.stdout.strip().splitlines()[-1] == str(target)
    assert target.read_bytes().startswith(b"%PDF")
    row = await Report.select().first()
    assert (row["status"], row["locale"], row["requested_by"]) == ("READY", "it_IT", None)
    assert row["size_bytes"] == target.stat().st_size
    assert await AuditLog.count().where(AuditLog.action == "report.request") == 1


async def test_report_html_in_another_language_to_a_named_file(coso, acme, storage, tmp_path):
    target = tmp_path / "nested" / "strategy.html"
    result = await coso("report", "--brand", "acme", "--kind", "strategy", "--format", "html",
                        "--month", "2026-12", "--locale", "en_GB", "--out", str(target))
    assert result.exit_code == 0, result.output
    html = target.read_text()
    assert "Acme Coffee" in html and 'lang="en' in html


@pytest.mark.parametrize(("args", "message"), [
    (("--brand", "nope", "--kind", "roi"), "no brand with slug 'nope'"),
    (("--brand", "acme", "--kind", "weekly"), "--kind is one of strategy, roi"),
    (("--brand", "acme", "--kind", "roi", "--format", "docx"), "--format is one of pdf, html"),
    (("--brand", "acme", "--kind", "roi", "--month", "2026-13"), "is not a month like 2026-10"),
    (("--brand", "acme", "--kind", "roi", "--month", "2026-10", "--locale", "xx"),
     "locale: 'xx' is not a known locale"),
])
async def test_bad_input_is_one_line_and_exit_2(coso, acme, storage, args, message):
    result = await coso("report", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert await Report.count() == 0
