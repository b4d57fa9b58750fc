"""ReportData → charts → Jinja2 (sandboxed, autoescaped) → self-contained HTML or WeasyPrint PDF.

Pure CPU, no database and no settings: callers say where the files and the template
overrides are, and run `render` in a worker process or thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from domain.enums import ReportFormat, ReportKind
from reporting import assets, views
from reporting.i18n import language_of, translations
from reporting.model import ReportData
from reporting.safety import AssetFetcher

TEMPLATE_DIR = Path(__file__).parent / "templates"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_FILENAME = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True, slots=True)
class RenderedReport:
    content: bytes
    media_type: str
    pages: int | None
    filename: str


def override_dir(template_dir: Path | str | None, workspace_slug: str) -> Path | None:
    """The workspace's own template folder, only when its slug is plain and it exists."""
    if template_dir is None or not _SLUG.match(workspace_slug):
        return None
    root = Path(template_dir).resolve()
    folder = (root / workspace_slug).resolve()
    return folder if folder.is_relative_to(root) and folder.is_dir() else None


def css_string(value: str) -> Markup:
    """A value as a quoted CSS string: quotes, backslashes and line breaks escaped."""
    escaped = "".join(c if c.isalnum() or c in " .,:;-–/()%" else f"\\{ord(c):X} "
                      for c in str(value))
    return Markup(f'"{escaped}"')


@cache
def environment(folder: str | None, language: str) -> ImmutableSandboxedEnvironment:
    """One sandboxed environment per override folder and language, templates cached in it.

    Sandboxed for every template, ours included, so an override can do nothing ours
    cannot: no attribute starting with _, no mutation of the data, autoescape always on.
    """
    loaders = [FileSystemLoader(folder)] if folder else []
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader([*loaders, FileSystemLoader(TEMPLATE_DIR)]),
        autoescape=True, undefined=StrictUndefined, extensions=["jinja2.ext.i18n"],
        trim_blocks=True, lstrip_blocks=True, auto_reload=folder is not None,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["css_string"] = css_string
    return env


def filename(data: ReportData, fmt: ReportFormat) -> str:
    slug = _FILENAME.sub("-", data.brand.slug.lower()).strip("-") or "brand"
    kind = "roi" if data.kind is ReportKind.ROI else "strategy"
    start, end = data.period.start, data.period.end
    when = f"{start:%Y-%m}" if views.is_month(start, end) else f"{start:%Y%m%d}-{end:%Y%m%d}"
    return f"{slug}-{kind}-{when}.{'pdf' if fmt is ReportFormat.PDF else 'html'}"


def context(data: ReportData, fmt: ReportFormat, storage_dir: str | Path,
            charts: dict[str, Markup] | None = None) -> dict[str, Any]:
    """Everything the templates see: the data, its view helpers, theme, assets and charts."""
    view = views.ReportView(data)
    asset: Callable[[str], str] = (assets.pdf_url if fmt is ReportFormat.PDF
                                   else assets.data_url)
    theme = assets.theme(data, storage_dir, asset, embed_fonts=fmt is ReportFormat.HTML)
    return {
        "report": data, "v": view, "f": view.fmt, "theme": theme, "for_pdf":
        fmt is ReportFormat.PDF, "charts": view.charts() if charts is None else charts,
    }


def render_html(data: ReportData, fmt: ReportFormat, *, storage_dir: str | Path,
                template_dir: Path | None = None,
                charts: dict[str, Markup] | None = None) -> str:
    """The report's HTML; brand images come from `storage_dir`, a workspace's own
    templates from `template_dir` (None: Coso's only)."""
    folder = override_dir(template_dir, data.agency.workspace_slug)
    env = environment(str(folder) if folder else None, language_of(data.locale))
    template = env.get_template("report.html")
    return template.render(**context(data, fmt, storage_dir, charts))


def html_to_pdf(html: str, storage_dir: str | Path | None = None, *,
                fetcher: AssetFetcher | None = None) -> tuple[bytes, int]:
    """WeasyPrint with the allow-list fetcher (by default one serving `storage_dir`'s
    brand images); returns the PDF and its page count."""
    from weasyprint import HTML

    if fetcher is None:
        if storage_dir is None:
            raise TypeError("html_to_pdf needs storage_dir or fetcher")
        fetcher = AssetFetcher(storage_dir)
    document = HTML(string=html, base_url=None, url_fetcher=fetcher).render()
    return document.write_pdf(), len(document.pages)


def render(data: ReportData, fmt: ReportFormat, *, storage_dir: str | Path,
           template_dir: Path | None = None) -> RenderedReport:
    """The report as PDF or self-contained HTML (see render_html for the folders)."""
    fmt = ReportFormat(fmt)
    html = render_html(data, fmt, storage_dir=storage_dir, template_dir=template_dir)
    if fmt is ReportFormat.HTML:
        return RenderedReport(html.encode(), "text/html; charset=utf-8", None,
                              filename(data, fmt))
    pdf, pages = html_to_pdf(html, storage_dir)
    return RenderedReport(pdf, "application/pdf", pages, filename(data, fmt))
