"""The demo reports look as their committed references do (see visual.py to regenerate).

A subset keeps it quick: Aurora's ROI and strategy in Italian, Brightside's in English:
both kinds, both brands, both languages. The demo is seeded for a fixed day and the
issue date is fixed, so the pages never drift with the clock.
"""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.demo import EN, IT, seed_demo
from domain.enums import ReportFormat, ReportKind
from domain.models import Brand
from reporting import build_report, default_period, render
from tests.integration.reports import visual

TODAY = date(2026, 12, 4)
ISSUED = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
REPORTS = ((IT, ReportKind.ROI, "it_IT"), (IT, ReportKind.STRATEGY, "it_IT"),
           (EN, ReportKind.ROI, "en_GB"), (EN, ReportKind.STRATEGY, "en_GB"))

pytestmark = pytest.mark.skipif(visual.pdftoppm() is None and not visual.UPDATE,
                                reason="pdftoppm (poppler-utils) is not installed")


async def _pdf(slug: str, kind: ReportKind, locale: str) -> bytes:
    row = await Brand.select(Brand.id).where(Brand.slug == slug).first()
    assert row is not None
    start, end = default_period(kind, TODAY)
    data = await build_report(row["id"], kind, start, end, locale=locale)
    data = dataclasses.replace(data, generated_at=ISSUED)
    return render(data, ReportFormat.PDF, storage_dir="/nonexistent").content


@pytest.mark.timeout(600)  # four PDFs on a machine shared with other test runs
async def test_demo_report_pages_match_their_references():
    await seed_demo(TODAY)
    out_dir = Path(tempfile.mkdtemp(prefix="coso-visual-"))
    problems, written = [], []
    for slug, kind, locale in REPORTS:
        name = f"{slug}-{kind.value.lower()}-{locale}"
        images = visual.pages(await _pdf(slug, kind, locale))
        if visual.UPDATE:
            written += visual.update(name, images)
        else:
            problems += visual.compare(name, images, out_dir)
    if visual.UPDATE:
        pytest.skip(f"wrote {len(written)} reference pages to {visual.REFS}")
    assert not problems, visual.report(problems)
