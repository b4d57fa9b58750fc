"""Both report kinds, both languages and both formats for the demo brands, and the edge cases:
an empty month, a one-channel brand, a workspace's own templates (sandboxed)."""

from __future__ import annotations

import io
import pickle
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from jinja2.exceptions import SecurityError
from pypdf import PdfReader

from domain.demo import EN, IT, seed_demo
from domain.enums import MediaType, PostStatus, ReportFormat, ReportKind, SourceKind
from domain.models import Brand
from domain.services.metrics import Observation, upsert_channel_metrics, upsert_post_metrics
from reporting import build_report, default_period, render
from reporting.formatting import UNKNOWN
from reporting.render import html_to_pdf, render_html
from tests.factories import make_brand, make_channel, make_post, make_workspace

TODAY = date(2026, 11, 20)
NO_FILES = "/nonexistent"  # no brand has a logo stored: none is looked for
WORDS = {  # a heading of each kind and language, and the page label of the running footer
    ("it", ReportKind.ROI): ("Sintesi", "Post migliori e peggiori", "Pagina"),
    ("en", ReportKind.ROI): ("Executive summary", "Top and bottom posts", "Page"),
    ("it", ReportKind.STRATEGY): ("Piano editoriale", "Check-up", "Pagina"),
    ("en", ReportKind.STRATEGY): ("Editorial plan", "Health check", "Page"),
}


def pdf_text(content: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split())
            for page in PdfReader(io.BytesIO(content)).pages]


async def brand_id(slug: str) -> int:
    row = await Brand.select(Brand.id).where(Brand.slug == slug).first()
    assert row is not None
    return row["id"]


@pytest.mark.timeout(600)  # eight PDFs on a machine shared with other test runs
async def test_demo_brands_render_both_kinds_in_both_languages():
    await seed_demo(TODAY)
    for slug, other in ((IT, "en_GB"), (EN, "it_IT")):
        pk = await brand_id(slug)
        for kind in ReportKind:
            start, end = default_period(kind, TODAY)
            for locale in (None, other):
                data = await build_report(pk, kind, start, end, locale=locale)
                language = data.locale[:2]
                pdf = render(data, ReportFormat.PDF, storage_dir=NO_FILES)
                assert pdf.media_type == "application/pdf" and pdf.content[:5] == b"%PDF-"
                pages = pdf_text(pdf.content)
                assert pdf.pages == len(pages) >= 8
                text = " ".join(pages)
                for word in WORDS[(language, kind)]:
                    assert word in text, (slug, kind, locale, word)
                assert data.brand.name in pages[0]
                assert pdf.filename == f"{slug}-{kind.value.lower()}-{start:%Y-%m}.pdf"
                # Running footer with page numbers from the second page on; the contents
                # page points at real page numbers.
                assert re.search(rf"{WORDS[(language, kind)][2]} 2 / {len(pages)}", pages[1])
                assert re.search(r"\b\d{1,2}\b", pages[1])

                html = render(data, ReportFormat.HTML, storage_dir=NO_FILES)
                page = html.content.decode()
                assert html.media_type.startswith("text/html") and html.pages is None
                assert page.count("<svg") >= 2 and "data:font/woff2;base64," in page
                assert "coso-static:" not in page and not re.search(r'(src|href)="http', page)
                assert WORDS[(language, kind)][0] in page


async def test_an_empty_month_says_so_instead_of_showing_zeros():
    brand = await make_brand(name="Quiet Shop", locale="en_GB", currency="GBP")
    await make_channel(brand)
    for kind in ReportKind:
        data = await build_report(brand.id, kind, date(2026, 10, 1), date(2026, 10, 31))
        rendered = render(data, ReportFormat.PDF, storage_dir=NO_FILES)
        text = " ".join(pdf_text(rendered.content))
        assert UNKNOWN in text
        if kind is ReportKind.ROI:
            assert "No activity was recorded from 1 Oct 2026 to 31 Oct 2026." in text
            assert "No post was published in this period." in text
            assert "No campaign ran in this period." in text
        else:
            assert "No strategy covers this period yet" in text
            assert "Nothing is planned for this period yet." in text


async def test_a_brand_with_one_channel_gets_its_channel_and_no_comparison_between_channels():
    brand = await make_brand(name="Solo", locale="it_IT", currency="EUR")
    channel = await make_channel(brand, name="Solo IG")
    post = await make_post(brand, channel, status=PostStatus.PUBLISHED, text="Ciao a tutti",
                           published_at=datetime(2026, 10, 5, 9, tzinfo=UTC),
                           media_type=MediaType.OWNED)
    rows = [Observation(subject_id=post.id, metric=m, day=date(2026, 10, d), value=Decimal(v),
                        source_kind=SourceKind.MANUAL)
            for d in (5, 6) for m, v in (("impressions", 400), ("reach", 300), ("reactions", 12))]
    await upsert_post_metrics(rows)
    await upsert_channel_metrics([
        Observation(subject_id=channel.id, metric="followers", day=date(2026, 10, d),
                    value=Decimal(1000 + d), source_kind=SourceKind.MANUAL) for d in (1, 31)])
    data = await build_report(brand.id, ReportKind.ROI, date(2026, 10, 1), date(2026, 10, 31))
    assert len(data.roi.channels) == 1 and data.roi.top_posts[0].text == "Ciao a tutti"
    keys = [s.key for s in data.summary]
    assert not any("highest engagement rate" in k for k in keys)
    text = " ".join(pdf_text(render(data, ReportFormat.PDF, storage_dir=NO_FILES).content))
    assert "Solo IG" in text and "Ciao a tutti" in text and "Interazioni" in text


async def test_a_workspace_folder_overrides_templates_for_that_workspace_only(tmp_path):
    workspace = await make_workspace(slug="studio-nord")
    brand = await make_brand(workspace, name="Nord")
    folder = tmp_path / "studio-nord"
    folder.mkdir()
    (folder / "cover.html").write_text(
        '<section class="cover"><h1 class="cover-title">{{ report.brand.name }}</h1>'
        "<p>Studio Nord {{ _('Contents') }}</p></section>")
    data = await build_report(brand.id, ReportKind.ROI, date(2026, 10, 1), date(2026, 10, 31),
                              locale="it")
    html = render(data, ReportFormat.HTML, storage_dir=NO_FILES,
                  template_dir=tmp_path).content.decode()
    assert "Studio Nord Indice" in html and 'class="cover-band"' not in html
    assert "Sintesi" in html  # the rest still comes from Coso's own templates

    other = await build_report((await make_brand(name="Elsewhere")).id, ReportKind.ROI,
                               date(2026, 10, 1), date(2026, 10, 31))
    assert 'class="cover-band"' in render(other, ReportFormat.HTML, storage_dir=NO_FILES,
                                         template_dir=tmp_path).content.decode()


@pytest.mark.parametrize("expression", [
    "report.__class__.__mro__", "report.brand.__slots__", "''.__class__.__subclasses__()",
    "v._t", "v.calendar().append(1)", "v.fmt.locale.__init__",
])
async def test_workspace_templates_run_sandboxed(tmp_path, expression):
    workspace = await make_workspace(slug="sneaky")
    brand = await make_brand(workspace)
    (tmp_path / "sneaky").mkdir()
    (tmp_path / "sneaky" / "cover.html").write_text("{{ " + expression + " }}")
    data = await build_report(brand.id, ReportKind.ROI, date(2026, 10, 1), date(2026, 10, 31))
    with pytest.raises(SecurityError):
        render(data, ReportFormat.HTML, storage_dir=NO_FILES, template_dir=tmp_path)


async def test_report_data_pickles_and_renders_in_threads_at_once():
    await seed_demo(TODAY)
    start, end = default_period(ReportKind.ROI, TODAY)
    data = await build_report(await brand_id(EN), ReportKind.ROI, start, end)
    copy = pickle.loads(pickle.dumps(data))
    assert copy == data
    single = render_html(data, ReportFormat.PDF, storage_dir=NO_FILES)
    with ThreadPoolExecutor(3) as pool:
        pages = list(pool.map(lambda d: html_to_pdf(render_html(
            d, ReportFormat.PDF, storage_dir=NO_FILES), NO_FILES)[1],
            [data, copy, data]))
    assert len(set(pages)) == 1 and pages[0] >= 8
    assert render_html(copy, ReportFormat.PDF, storage_dir=NO_FILES) == single
