"""Hostile brands, posts and templates: no markup or CSS gets in, and nothing outside Coso's
packaged assets and validated brand images is fetched (a local HTTP server counts the tries)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from domain.enums import PostStatus, ReportFormat, ReportKind
from domain.models import Strategy
from reporting import build_report, render
from reporting.assets import theme
from reporting.render import html_to_pdf, render_html
from reporting.safety import (
    DEFAULT_PRIMARY,
    AssetFetcher,
    font_stack,
    logo_png,
    safe_color,
    storage_path,
)
from tests.factories import make_brand, make_campaign, make_channel, make_post, make_workspace


class Trap:
    """A local HTTP server that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                trap.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def trap() -> Iterator[Trap]:
    server = Trap()
    yield server
    server.close()


def hostile(url: str) -> dict[str, str]:
    return {
        "markup": f'<img src="{url}/img.png"><script>alert(1)</script></style><style>'
                  f'body {{ background: url("{url}/bg.png") }}</style>',
        "svg": f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{url}/svg.png"/></svg>',
        "css": f'#FFF;}} body {{ background: url({url}/css.png) }} x {{',
        "colour": "red;}*{",  # the most a 7-character colour column can hold
        "font": f'Inter", sans-serif; }} @import url("{url}/font.css"); x {{ font: "',
        "link": f'<link rel="stylesheet" href="{url}/link.css"><a href="javascript:alert(1)">x</a>',
    }


async def hostile_brand(url: str) -> int:
    h = hostile(url)
    workspace = await make_workspace(
        agency_name=h["markup"], agency_logo="file:///etc/passwd", report_footer=h["link"])
    brand = await make_brand(workspace, name=h["markup"], primary_color=h["colour"],
                             secondary_color="red", font=h["font"], logo=f"{url}/logo.png")
    channel = await make_channel(brand, name=h["svg"], handle=h["markup"])
    campaign = await make_campaign(brand, name=h["link"], starts_on=date(2026, 10, 1),
                                   ends_on=date(2026, 12, 31))
    for i, text in enumerate((h["markup"], h["svg"], h["link"], h["css"])):
        at = datetime(2026, 10, 3 + i, 10, tzinfo=UTC)
        await make_post(brand, channel, text=text, status=PostStatus.PUBLISHED, published_at=at,
                        scheduled_at=at, campaign=campaign.id)
        at = datetime(2026, 12, 3 + i, 10, tzinfo=UTC)
        await make_post(brand, channel, text=text, status=PostStatus.SCHEDULED, scheduled_at=at)
    await Strategy.insert(Strategy(
        brand=brand.id, name=h["markup"], starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31),
        objectives=[h["markup"], h["svg"]], target_audience=h["link"],
        platforms=[{"platform": "instagram", "rationale": h["svg"]}],
        competitors=[{"name": h["markup"], "handles": [h["link"]]}],
        kpi_targets=[{"kpi": "ctr", "target": 0.01}]))
    return brand.id


@pytest.mark.parametrize("kind", list(ReportKind))
async def test_hostile_text_never_becomes_markup_css_or_a_request(trap, tmp_path, kind):
    brand_id = await hostile_brand(trap.url)
    start, end = (date(2026, 10, 1), date(2026, 10, 31)) if kind is ReportKind.ROI else (
        date(2026, 12, 1), date(2026, 12, 31))
    data = await build_report(brand_id, kind, start, end)
    html = render_html(data, ReportFormat.PDF, storage_dir=tmp_path)
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "<link" not in html and "<image" not in html
    assert 'href="javascript' not in html
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert trap.url not in style and "@import" not in style and "red;" not in style
    assert f"--primary: {DEFAULT_PRIMARY};" in style
    fetcher = AssetFetcher(tmp_path)
    pdf, pages = html_to_pdf(html, fetcher=fetcher)
    assert pdf[:5] == b"%PDF-" and pages >= 5
    assert fetcher.refused == []  # our own template asks for nothing it may not have
    assert all(u.startswith("coso-static:fonts/") for u in fetcher.served)

    page = render(data, ReportFormat.HTML, storage_dir=tmp_path).content.decode()
    assert "<script" not in page and "<img" not in page
    assert trap.requests == []


async def test_a_template_asking_for_anything_outside_the_allow_list_gets_nothing(
        trap, tmp_path):
    workspace = await make_workspace(slug="greedy")
    brand = await make_brand(workspace)
    secret = tmp_path / "secret.png"
    Image.new("RGB", (4, 4)).save(secret)
    store = tmp_path / "store"
    store.mkdir()
    asks = [f"{trap.url}/a.png", "file:///etc/passwd", f"file://{secret}",
            "data:image/svg+xml;base64,PHN2Zy8+", "coso-static:../../../etc/passwd",
            "coso-static:templates/report.html", "coso-file:../secret.png",
            "coso-file:/etc/passwd", "ftp://127.0.0.1/x", "../secret.png", "//127.0.0.1/x.png"]
    tags = "".join(f'<img src="{u}">' for u in asks)
    (tmp_path / "greedy").mkdir()
    (tmp_path / "greedy" / "cover.html").write_text(
        "<section>" + tags.replace("{", "&#123;") +
        f'<link rel="stylesheet" href="{trap.url}/x.css">'
        f'<style>@import url("{trap.url}/i.css"); body {{ background: url("{trap.url}/b.png") }}'
        f'</style></section>')
    data = await build_report(brand.id, ReportKind.ROI, date(2026, 10, 1), date(2026, 10, 31))
    html = render_html(data, ReportFormat.PDF, template_dir=tmp_path, storage_dir=store)
    fetcher = AssetFetcher(store)
    pdf, _ = html_to_pdf(html, fetcher=fetcher)
    assert pdf[:5] == b"%PDF-"
    assert trap.requests == []
    refused = set(fetcher.refused)
    for url in (f"{trap.url}/a.png", "file:///etc/passwd", f"file://{secret}",
                "coso-static:../../../etc/passwd", "coso-static:templates/report.html",
                "coso-file:../secret.png", "coso-file:/etc/passwd", f"{trap.url}/x.css",
                f"{trap.url}/i.css", f"{trap.url}/b.png"):
        assert url in refused, url
    assert any(u.startswith("data:") for u in refused)
    assert not any("secret" in u or "passwd" in u for u in fetcher.served)


def test_colours_are_only_ever_rrggbb():
    assert safe_color("#0f766e", "#000000") == "#0F766E"
    for bad in ("red", "#FFF", "#12345G", "#123456;", " #123456", "#1234567", "", None,
                "#123456\n}", "rgb(1,2,3)"):
        assert safe_color(bad, DEFAULT_PRIMARY) == DEFAULT_PRIMARY


def test_font_names_are_plain_and_quoted_before_the_bundled_fallback():
    assert font_stack("Playfair Display") == '"Playfair Display", "Vollkorn", serif'
    assert font_stack("Inter") == '"Inter", sans-serif'
    assert font_stack("Montserrat") == '"Montserrat", "Inter", sans-serif'
    for bad in ('Inter"; } body { x', "Inter\\", "a" * 80, "url(x)", "Ünïcode", ""):
        assert font_stack(bad) == '"Inter", sans-serif'


def test_stored_logos_are_re_validated_images_inside_the_store(tmp_path):
    store = tmp_path / "store"
    (store / "brands").mkdir(parents=True)
    Image.new("RGB", (3000, 900), "#0F766E").save(store / "brands" / "logo.jpg")
    (store / "brands" / "fake.png").write_bytes(b"<svg onload=alert(1)>")
    (store / "brands" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    Image.new("1", (5000, 5000)).save(store / "brands" / "bomb.png")  # 25 Mpx, tiny file
    Image.new("RGB", (4, 4)).save(tmp_path / "outside.png")

    png = logo_png("brands/logo.jpg", store)
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(__import__("io").BytesIO(png)) as image:
        assert image.size == (1200, 360)  # scaled into the box, re-encoded as PNG
    for key in ("brands/fake.png", "brands/logo.svg", "brands/bomb.png", "../outside.png",
                "brands/../../outside.png", str(tmp_path / "outside.png"), "brands/missing.png",
                "https://example.com/logo.png", "file:///etc/passwd", "brands\\logo.jpg", ""):
        assert logo_png(key, store) is None, key
    assert storage_path("brands/logo.jpg", store) == (store / "brands" / "logo.jpg").resolve()


async def test_a_valid_stored_logo_reaches_the_pdf_through_the_fetcher(tmp_path):
    store = tmp_path / "store"
    (store / "logos").mkdir(parents=True)
    Image.new("RGB", (200, 80), "#6B3E26").save(store / "logos" / "brand.png")
    brand = await make_brand(logo="logos/brand.png", name="Logo Co")
    data = await build_report(brand.id, ReportKind.ROI, date(2026, 10, 1), date(2026, 10, 31))
    assert theme(data, store, lambda n: n, embed_fonts=False).logo.startswith("data:image/png")
    fetcher = AssetFetcher(store)
    html = render_html(data, ReportFormat.PDF, storage_dir=store)
    assert 'src="coso-file:logos/brand.png"' in html
    html_to_pdf(html, fetcher=fetcher)
    assert "coso-file:logos/brand.png" in fetcher.served and fetcher.refused == []
    page = render_html(data, ReportFormat.HTML, storage_dir=store)
    assert 'src="data:image/png;base64,' in page


def test_the_fetcher_never_serves_outside_its_two_roots(tmp_path: Path):
    fetcher = AssetFetcher(tmp_path)
    assert fetcher.fetch("coso-static:fonts/Inter-Regular.otf").read()[:4] == b"OTTO"
    for url in ("coso-static:fonts/../../gather.py", "coso-static:/etc/passwd",
                "file:///etc/passwd", "http://127.0.0.1:9/x", "data:text/plain,hi"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 5
