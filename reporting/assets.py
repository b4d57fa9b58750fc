"""The report's look: validated brand colours and fonts, @font-face rules, logos as safe URLs.

PDF output points at `coso-static:` / `coso-file:` URLs that only our fetcher resolves;
HTML output inlines the same files as data: URIs so the page is self-contained. Either
way the bytes come from Coso's package or from a logo re-validated as an image.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from markupsafe import Markup

from reporting.model import ReportData
from reporting.safety import (
    DEFAULT_PRIMARY,
    DEFAULT_SECONDARY,
    FILE_SCHEME,
    SANS,
    SERIF,
    STATIC_SCHEME,
    font_stack,
    logo_png,
    mix,
    safe_color,
    static_path,
    text_on,
)

# (family, weight, style, file) of the bundled fonts.
FONT_FILES = (
    (SANS, 400, "normal", "fonts/Inter-Regular.otf"),
    (SANS, 500, "normal", "fonts/Inter-Medium.otf"),
    (SANS, 600, "normal", "fonts/Inter-SemiBold.otf"),
    (SANS, 700, "normal", "fonts/Inter-Bold.otf"),
    (SANS, 400, "italic", "fonts/Inter-Italic.otf"),
    (SERIF, 400, "normal", "fonts/Vollkorn-Regular.ttf"),
    (SERIF, 600, "normal", "fonts/Vollkorn-SemiBold.ttf"),
    (SERIF, 400, "italic", "fonts/Vollkorn-Italic.ttf"),
)
# What an HTML report keeps of each font: Latin, general punctuation and currency signs.
_HTML_UNICODES = "U+0000-024F,U+02C6-02DD,U+2000-206F,U+20A0-20CF,U+2100-215F,U+2190-21FF,U+2212"


def pdf_url(name: str) -> str:
    return STATIC_SCHEME + name


@cache
def data_url(name: str) -> str:
    """A packaged asset inlined; fonts subset to Latin and compressed as WOFF2 first."""
    path = static_path(name)
    if path is None:
        raise ValueError(f"no packaged asset {name!r}")
    if path.suffix in {".otf", ".ttf"}:
        body, media_type = _woff2(path), "font/woff2"
    else:
        body = path.read_bytes()
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{media_type};base64,{base64.b64encode(body).decode()}"


def _woff2(path: Path) -> bytes:
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["kern", "liga", "tnum", "lnum", "case"]
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(_HTML_UNICODES))
    subsetter.subset(font)
    out = BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def font_faces(asset: Callable[[str], str], families: set[str]) -> Markup:
    rules = [
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
        f'font-style: {style}; src: url("{asset(name)}"); }}'
        for family, weight, style, name in FONT_FILES if family in families
    ]
    return Markup("\n".join(rules))


def _initials(name: str) -> str:
    words = [w for w in name.split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "•"


@dataclass(frozen=True, slots=True)
class Theme:
    primary: str
    secondary: str
    on_primary: str
    tint: str  # very light primary: panels and table stripes
    tint_strong: str
    shade: str  # darker primary: headings on white
    heading_font: Markup
    body_font: Markup
    font_faces: Markup
    logo: str | None  # URL of the brand's validated logo
    agency_logo: str | None
    initials: str
    pillar_css: Markup  # the calendar's pillar chips, coloured as the content-mix donut


def pillar_css(primary: str, secondary: str) -> Markup:
    """`.pillar-<name>` rules from charts.pillar_colors, text in black or white to read."""
    from reporting.charts import pillar_colors

    rules = [f".pillar-{name.lower()} {{ background: {color}; color: {text_on(color)}; }}"
             for name, color in pillar_colors(primary, secondary).items()]
    return Markup("\n".join(rules))


def _logo(key: str, storage_dir: str | Path, for_pdf: bool) -> str | None:
    png = logo_png(key, storage_dir)
    if png is None:
        return None
    if for_pdf:
        return FILE_SCHEME + key
    return "data:image/png;base64," + base64.b64encode(png).decode()


def theme(data: ReportData, storage_dir: str | Path, asset: Callable[[str], str], *,
          embed_fonts: bool) -> Theme:
    primary = safe_color(data.brand.primary_color, DEFAULT_PRIMARY)
    secondary = safe_color(data.brand.secondary_color, DEFAULT_SECONDARY)
    if primary == secondary:
        secondary = mix(primary, "#FFFFFF", 0.5)
    heading = font_stack(data.brand.font)
    # Only the families the page uses are embedded in an HTML report.
    families = {SANS} | ({SERIF} if f'"{SERIF}"' in heading else set())
    for_pdf = asset is pdf_url
    return Theme(
        primary=primary, secondary=secondary, on_primary=text_on(primary),
        tint=mix(primary, "#FFFFFF", 0.93), tint_strong=mix(primary, "#FFFFFF", 0.8),
        shade=mix(primary, "#000000", 0.15) if text_on(primary) == "#FFFFFF"
        else mix(primary, "#000000", 0.55),
        heading_font=Markup(heading), body_font=Markup(font_stack(SANS)),
        font_faces=font_faces(asset, families if embed_fonts else {SANS, SERIF}),
        logo=_logo(data.brand.logo, storage_dir, for_pdf),
        agency_logo=_logo(data.agency.logo, storage_dir, for_pdf),
        initials=_initials(data.brand.name), pillar_css=pillar_css(primary, secondary),
    )
