"""Visual regression of the demo reports: pages rendered to PNG (pdftoppm) and compared with
committed references within a tolerance, so the look cannot drift unseen.

Regenerate the references after an intended change of the look (one command):

    COSO_UPDATE_VISUAL=1 .venv/bin/python -m pytest tests/integration/reports/test_visual.py

then look at the new PNGs in tests/integration/reports/visual_refs/ before committing them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

REFS = Path(__file__).parent / "visual_refs"
DPI = 50  # small references; enough to see a clipped legend or a page that moved
PIXEL_THRESHOLD = 48  # a pixel differs when a channel moves more than this (0–255)
MAX_DIFFERING = 0.0003  # of a page's pixels (~70 at 50 dpi): a swapped legend is 0.09%
COLOURS = 32  # references are stored as 32-colour PNGs (~8 KB a page), pages compared so
UPDATE = os.environ.get("COSO_UPDATE_VISUAL", "") not in ("", "0")


@dataclass(frozen=True, slots=True)
class PageDiff:
    name: str
    differing: float  # share of pixels beyond the threshold
    actual: Path | None = None
    diff: Path | None = None
    note: str = ""


def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def pages(pdf: bytes, dpi: int = DPI) -> list[Image.Image]:
    """The PDF's pages as RGB images, rasterised by poppler's pdftoppm."""
    exe = pdftoppm()
    if exe is None:
        raise RuntimeError("pdftoppm not found: install poppler-utils (scripts/lib.sh)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.pdf"
        source.write_bytes(pdf)
        subprocess.run([exe, "-r", str(dpi), "-png", str(source), str(Path(tmp) / "p")],
                       check=True, capture_output=True, timeout=120)
        files = sorted(Path(tmp).glob("p-*.png"))
        out = []
        for f in files:
            with Image.open(f) as image:
                out.append(image.convert("RGB"))
        return out


def reduced(image: Image.Image) -> Image.Image:
    """The page as its reference is stored: a palette of COLOURS, no dithering (the same
    page always reduces to the same pixels)."""
    return image.convert("RGB").quantize(COLOURS, method=Image.Quantize.MEDIANCUT,
                                         dither=Image.Dither.NONE)


def differing(expected: Image.Image, actual: Image.Image) -> tuple[float, Image.Image]:
    """The share of pixels whose largest channel difference passes the threshold, and a
    diff image (differing pixels red over a faded copy of the reference)."""
    delta = ImageChops.difference(expected, actual)
    mask = delta.convert("RGB").split()
    worst = ImageChops.lighter(ImageChops.lighter(mask[0], mask[1]), mask[2])
    over = worst.point(lambda v: 255 if v > PIXEL_THRESHOLD else 0)
    count = over.histogram()[255]
    faded = Image.blend(expected, Image.new("RGB", expected.size, "white"), 0.7)
    faded.paste(Image.new("RGB", expected.size, (220, 0, 0)), mask=over)
    return count / (expected.width * expected.height), faded


def compare(name: str, images: list[Image.Image], out_dir: Path) -> list[PageDiff]:
    """Each page against REFS/<name>-NN.png; failures write actual and diff to out_dir."""
    problems = []
    refs = sorted(REFS.glob(f"{name}-*.png"))
    if len(refs) != len(images):
        problems.append(PageDiff(name, 1.0, note=f"{len(images)} pages, references have "
                                                 f"{len(refs)}"))
    for number, page_image in enumerate(images, 1):
        image = reduced(page_image).convert("RGB")
        page = f"{name}-{number:02d}"
        ref = REFS / f"{page}.png"
        if not ref.exists():
            continue
        with Image.open(ref) as stored:
            expected = stored.convert("RGB")
        if expected.size != image.size:
            share, diff = 1.0, None
        else:
            share, diff = differing(expected, image)
        if share > MAX_DIFFERING:
            out_dir.mkdir(parents=True, exist_ok=True)
            actual_path = out_dir / f"{page}-actual.png"
            image.save(actual_path)
            diff_path = None
            if diff is not None:
                diff_path = out_dir / f"{page}-diff.png"
                diff.save(diff_path)
            problems.append(PageDiff(page, share, actual_path, diff_path))
    return problems


def update(name: str, images: list[Image.Image]) -> list[Path]:
    """Replace REFS/<name>-*.png with these pages (reduced, optimised PNG)."""
    REFS.mkdir(parents=True, exist_ok=True)
    for old in REFS.glob(f"{name}-*.png"):
        old.unlink()
    written = []
    for number, image in enumerate(images, 1):
        path = REFS / f"{name}-{number:02d}.png"
        reduced(image).save(path, optimize=True)
        written.append(path)
    return written


def report(problems: list[PageDiff]) -> str:
    lines = ["pages differ from tests/integration/reports/visual_refs (regenerate with "
             "COSO_UPDATE_VISUAL=1 if the change is intended):"]
    for p in problems:
        where = f"; actual {p.actual}" if p.actual else ""
        where += f"; diff {p.diff}" if p.diff else ""
        lines.append(f"  {p.name}: {p.differing:.2%} of pixels differ{where} {p.note}")
    return "\n".join(lines)
