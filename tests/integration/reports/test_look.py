"""The look of the demo reports where it can be asserted from their HTML and PDF text:
one pillar colour in the calendar and the donut, a posts heading kept with its posts."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from domain.demo import IT, seed_demo
from domain.enums import ReportFormat, ReportKind
from domain.models import Brand
from reporting import build_report, default_period, render
from reporting.charts import PILLARS
from reporting.render import render_html
from tests.integration.reports.test_visual import TODAY


async def _data(kind: ReportKind, locale: str):  # noqa: ANN202 - ReportData
    await seed_demo(TODAY)
    row = await Brand.select(Brand.id).where(Brand.slug == IT).first()
    assert row is not None
    start, end = default_period(kind, TODAY)
    return await build_report(row["id"], kind, start, end, locale=locale)


async def test_each_pillar_has_one_colour_in_the_calendar_and_the_content_mix_donut():
    data = await _data(ReportKind.STRATEGY, "it_IT")
    html = render_html(data, ReportFormat.HTML, storage_dir="/nonexistent")
    chips = dict(re.findall(r"\.pillar-(\w+) \{ background: (#[0-9A-F]{6});", html))
    slices = {key.lower(): fill.upper() for key, fill in re.findall(
        r'<g id="c[0-9a-f]{8}-slice-(\w+)">\s*<path[^>]*style="fill: (#[0-9a-f]{6})', html)}
    planned = {p.pillar.lower() for p in data.strategy.plan}
    assert planned and set(chips) == {p.lower() for p in PILLARS}
    assert set(slices) == planned
    for pillar in planned:
        assert slices[pillar] == chips[pillar], pillar
        assert f'class="chip pillar-{pillar}"' in html


async def test_bottom_posts_start_on_the_page_that_holds_them_all():
    data = await _data(ReportKind.ROI, "it_IT")
    pdf = render(data, ReportFormat.PDF, storage_dir="/nonexistent").content
    texts = [" ".join((p.extract_text() or "").split())
             for p in PdfReader(io.BytesIO(pdf)).pages]
    heading = [t for t in texts if "Post peggiori" in t]  # not in "Post migliori e peggiori"
    assert len(heading) == 1
    page = heading[0]
    assert data.roi is not None and data.roi.bottom_posts
    for post in data.roi.bottom_posts:
        first_words = " ".join(post.text.split()[:4])
        assert first_words in page, first_words
