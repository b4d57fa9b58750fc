"""What may reach the report's CSS and what WeasyPrint may fetch: colours, fonts, assets, logos.

User text never becomes markup (autoescaping does that); this module covers the rest:
colours only as #RRGGBB, font names from a narrow alphabet, and a URL fetcher that serves
Coso's packaged assets and validated brand images and refuses everything else (file:
elsewhere, http(s), data:, any other scheme).
"""

from __future__ import annotations

import io
import mimetypes
import re
import threading
import warnings
from pathlib import Path, PurePosixPath

from PIL import Image, UnidentifiedImageError

from domain.settings import get_settings

with warnings.catch_warnings():
    # WeasyPrint warns at import that a future version will need libharfbuzz-subset;
    # this one falls back to fontTools, so the warning says nothing about today's output.
    warnings.filterwarnings("ignore", "HarfBuzz-Subset", DeprecationWarning)
    from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = (Path(__file__).parent / "static").resolve()
STATIC_SCHEME = "coso-static:"
FILE_SCHEME = "coso-file:"
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_FONT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,59}$")
_STATIC_SUFFIXES = frozenset({".otf", ".ttf", ".woff", ".woff2", ".css", ".png", ".svg"})

MAX_LOGO_PIXELS = 4096 * 4096
LOGO_BOX = (1200, 600)  # re-encoded logos are scaled down to fit
LOGO_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP"})

DEFAULT_PRIMARY = "#1F2937"
DEFAULT_SECONDARY = "#3B82F6"
SANS, SERIF = "Inter", "Vollkorn"
# Well-known serif families: a brand using one falls back to the bundled serif.
SERIF_FAMILIES = frozenset(name.casefold() for name in (
    "Playfair Display", "Merriweather", "Lora", "Georgia", "Times New Roman", "Times",
    "Garamond", "EB Garamond", "Cormorant", "Cormorant Garamond", "Libre Baskerville",
    "Baskerville", "PT Serif", "Source Serif Pro", "Source Serif 4", "Crimson Text",
    "Crimson Pro", "Vollkorn", "DM Serif Display", "Bodoni Moda", "Spectral", "Noto Serif",
    "Roboto Slab", "Caladea", "Cambria", "Libre Caslon Text", "Fraunces", "Literata"))


def safe_color(value: str | None, default: str) -> str:
    """`value` when it is exactly #RRGGBB (upper-cased), else `default`."""
    if isinstance(value, str) and _COLOR.match(value):
        return value.upper()
    return default


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def mix(color: str, other: str, amount: float) -> str:
    """`color` moved `amount` (0–1) of the way towards `other`: tints and shades."""
    a, b = _rgb(color), _rgb(other)
    return "#" + "".join(f"{round(x + (y - x) * amount):02X}" for x, y in zip(a, b, strict=True))


def luminance(color: str) -> float:
    """WCAG relative luminance of an sRGB colour."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = map(channel, _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(color: str) -> str:
    """White or near-black, whichever reads better on `color`."""
    return "#FFFFFF" if luminance(color) < 0.4 else "#111827"


def safe_font(name: str | None) -> str:
    """The brand's font name when it is plain (letters, digits, spaces, hyphens), else ""."""
    if isinstance(name, str) and _FONT.match(name.strip()):
        return " ".join(name.split())
    return ""


def font_stack(name: str | None) -> str:
    """A CSS font-family list: the brand font (quoted, plain) before the bundled fallback."""
    font = safe_font(name)
    fallback = SERIF if font.casefold() in SERIF_FAMILIES else SANS
    generic = "serif" if fallback == SERIF else "sans-serif"
    families = [f'"{font}"'] if font and font.casefold() != fallback.casefold() else []
    return ", ".join([*families, f'"{fallback}"', generic])


def storage_path(key: str, storage_dir: str | Path) -> Path | None:
    """The file a stored key names, only when it is a plain relative path inside the store."""
    if not key or "\\" in key or "\x00" in key or ":" in key:
        return None
    relative = PurePosixPath(key)
    if relative.is_absolute() or ".." in relative.parts:
        return None
    root = Path(storage_dir).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def validated_image(path: Path) -> bytes | None:
    """The image re-encoded as PNG (metadata dropped, scaled to LOGO_BOX), or None if it is
    not a raster image of an allowed format and size. SVG is refused: it can reference
    other files and run CSS."""
    try:
        if path.stat().st_size > get_settings().max_upload_bytes:
            return None
        raw = path.read_bytes()
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in LOGO_FORMATS:
                return None
            if probe.width * probe.height > MAX_LOGO_PIXELS:
                return None
            probe.verify()
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            converted = image.convert("RGBA")
            converted.thumbnail(LOGO_BOX)
            out = io.BytesIO()
            converted.save(out, "PNG", optimize=True)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None


def logo_png(key: str, storage_dir: str | Path) -> bytes | None:
    """A stored logo, validated and re-encoded; None for URLs, bad paths and non-images."""
    path = storage_path(key, storage_dir)
    return validated_image(path) if path is not None else None


def static_path(name: str) -> Path | None:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or "\\" in name:
        return None
    path = (STATIC_DIR / relative).resolve()
    if not path.is_relative_to(STATIC_DIR) or path.suffix not in _STATIC_SUFFIXES:
        return None
    return path if path.is_file() else None


class AssetFetcher(URLFetcher):
    """WeasyPrint's only way out: `coso-static:` assets and `coso-file:` brand images.

    Every other URL is refused before any I/O and remembered in `refused`, so tests can
    show that nothing outside the allow-list was even attempted.
    """

    def __init__(self, storage_dir: str | Path) -> None:
        super().__init__(allowed_protocols=())
        self.storage_dir = Path(storage_dir)
        self.refused: list[str] = []
        self.served: list[str] = []
        self._lock = threading.Lock()

    def _refuse(self, url: str) -> ValueError:
        with self._lock:
            self.refused.append(url)
        return ValueError(f"not an allowed report asset: {url[:200]}")

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith(STATIC_SCHEME):
            path = static_path(url.removeprefix(STATIC_SCHEME))
            if path is None:
                raise self._refuse(url)
            body = path.read_bytes()
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".svg":
                media_type = "image/svg+xml"
        elif url.startswith(FILE_SCHEME):
            png = logo_png(url.removeprefix(FILE_SCHEME), self.storage_dir)
            if png is None:
                raise self._refuse(url)
            body, media_type = png, "image/png"
        else:
            raise self._refuse(url)
        with self._lock:
            self.served.append(url)
        return URLFetcherResponse(url, body, {"Content-Type": media_type})
