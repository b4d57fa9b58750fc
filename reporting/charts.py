"""Report charts as vector SVG from matplotlib's object API: time series, bars and donuts.

No pyplot: each chart owns its Figure, so renders in several threads do not share state.
Text stays text in the SVG (svg.fonttype none) and is set in the report's own fonts.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

import matplotlib
from markupsafe import Markup
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reporting.safety import SANS, STATIC_DIR

# Process-wide, set once at import (before any thread draws): text as <text>, stable ids.
matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "coso-report"
matplotlib.rcParams["font.family"] = [SANS, "DejaVu Sans"]
for _font in sorted((STATIC_DIR / "fonts").glob("*.[ot]tf")):
    font_manager.fontManager.addfont(str(_font))

_DRAW_LOCK = threading.Lock()  # font caches inside matplotlib are shared
_HEADER = re.compile(r"^.*?(?=<svg)", re.S)
_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
GREY, GRID, INK = "#9CA3AF", "#E5E7EB", "#374151"
Fmt = Callable[[float], str]


def plain(text: str, limit: int = 40) -> str:
    """User text as a chart label: no mathtext, bounded length."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=72)
    fig.patch.set_alpha(0)
    return fig


def _style(ax: Axes, fmt: Fmt | None = None, *, numeric_y: bool = True) -> None:
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GRID)
    ax.tick_params(colors=INK, labelsize=8, length=0, pad=4)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    if numeric_y:
        ax.yaxis.set_major_locator(MaxNLocator(4))
    if fmt is not None:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v)))
    ax.patch.set_alpha(0)


def to_svg(fig: Figure, label: str) -> Markup:
    """The figure as inline <svg> markup that scales to its container."""
    buffer = io.StringIO()
    with _DRAW_LOCK:
        # print_svg is the one untyped matplotlib call Coso makes.
        FigureCanvasSVG(fig).print_svg(  # type: ignore[no-untyped-call]
            buffer, metadata={"Date": None, "Creator": None})
    svg = _METADATA.sub("", _HEADER.sub("", buffer.getvalue(), count=1))
    svg = _SIZE.sub(r'<svg\1 class="chart" role="img"', svg, count=1)
    # The label is escaped by Markup.format; everything else is matplotlib's own output.
    svg = svg.replace("<svg", Markup('<svg aria-label="{}"').format(label), 1)
    return Markup(svg)


def _floats(values: Sequence[Decimal | None]) -> list[float]:
    """Missing days become gaps (NaN), never a fake 0."""
    return [math.nan if v is None else float(v) for v in values]


def trend(days: Sequence[date], values: Sequence[Decimal | None],
          previous: Sequence[Decimal | None],
          *, color: str, label: str, fmt: Fmt, day_fmt: Callable[[date], str],
          legend: tuple[str, str], bars: bool = False, from_zero: bool = True) -> Markup:
    """One metric per day with the previous period's days laid over it, day by day."""
    fig = _figure(7.4, 2.4)
    ax = fig.add_axes((0.08, 0.16, 0.9, 0.72))
    xs = list(range(len(days)))
    ys = _floats(values)
    if bars:
        ax.bar(xs, ys, color=color, width=0.7, label=legend[0])
    else:
        if from_zero:  # a shaded area would pull a stock's axis down to 0
            ax.fill_between(xs, ys, color=color, alpha=0.12, linewidth=0)
        ax.plot(xs, ys, color=color, linewidth=2, label=legend[0])
    if previous:
        ax.plot(list(range(len(previous))), _floats(previous), color=GREY,
                linewidth=1.2, linestyle=(0, (3, 2)), label=legend[1])
    step = max(1, len(days) // 6)
    ax.set_xticks(xs[::step], [day_fmt(d) for d in days[::step]])
    ax.set_xlim(-0.6, max(len(xs), len(previous), 1) - 0.4)
    if from_zero:
        ax.set_ylim(bottom=0)
    _style(ax, fmt)
    ax.legend(loc="upper left", bbox_to_anchor=(0, 1.2), ncols=2, frameon=False, fontsize=8,
              labelcolor=INK)
    return to_svg(fig, label)


def bars(labels: Sequence[str], values: Sequence[Decimal | None],
         previous: Sequence[Decimal | None] | None, *, color: str, label: str, fmt: Fmt,
         value_fmt: Callable[[Decimal], str], legend: tuple[str, str]) -> Markup:
    """Horizontal bars per item (channels), the previous period as a thin grey bar."""
    n = max(len(labels), 1)
    fig = _figure(7.4, 0.45 * n + 0.7)
    ax = fig.add_axes((0.26, 0.5 / (0.45 * n + 0.7), 0.7, (0.45 * n) / (0.45 * n + 0.7)))
    ys = list(range(len(labels)))[::-1]
    # A missing value draws no bar (and is labelled "—"): an empty bar would read as 0.
    now = [float(v) if v is not None else 0.0 for v in values]
    ax.barh([y + 0.12 for y in ys], now, height=0.42, color=color, label=legend[0])
    if previous is not None:
        ax.barh([y - 0.22 for y in ys], _floats(previous), height=0.22,
                color=GREY, label=legend[1])
    ax.set_yticks(ys, [plain(t, 28) for t in labels])
    for y, v, raw in zip(ys, now, values, strict=True):
        ax.text(v, y + 0.12, "  " + value_fmt(raw) if raw is not None else "  —", va="center",
                fontsize=8, color=INK)
    ax.margins(x=0.18)
    _style(ax, numeric_y=False)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v)))
    ax.set_ylim(-0.6, len(labels) - 0.4)
    if previous is not None:
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=2, frameon=False,
                  fontsize=8, labelcolor=INK)
    return to_svg(fig, label)


def donut(labels: Sequence[str], values: Sequence[Decimal | int | None],
          colors: Sequence[str], *, label: str, center: str,
          fmt: Callable[[Decimal | int | None], str], share: Fmt) -> Markup:
    """Shares of a whole, with the total in the middle and a legend beside.

    A None value is missing: it takes no room in the ring, and its legend entry says "—"
    (as `fmt` writes None) with no share, never "0 · 0%".
    """
    fig = _figure(3.6, 1.9)
    ax = fig.add_axes((0.0, 0.02, 0.5, 0.96))
    data = [float(v) if v is not None else 0.0 for v in values]
    total = sum(data)
    if total <= 0:
        data, colors = [1.0], [GRID]
    ax.pie(data, colors=colors, startangle=90, counterclock=False,
           wedgeprops={"width": 0.32, "edgecolor": "white", "linewidth": 1.5})
    ax.text(0, 0, plain(center, 14), ha="center", va="center", fontsize=10,
            fontweight="bold", color=INK)
    ax.set_aspect("equal")
    legend = fig.add_axes((0.52, 0.05, 0.48, 0.9))
    legend.axis("off")
    rows = len(labels)
    for i, (name, value, c) in enumerate(zip(labels, values, colors, strict=False)):
        y = 1 - (i + 0.5) / max(rows, 4)
        legend.add_patch(Rectangle((0, y - 0.04), 0.07, 0.08, color=c,
                                                      transform=legend.transAxes))
        part = f" · {share(float(value) / total)}" if total > 0 and value is not None else ""
        legend.text(0.11, y, f"{plain(name, 18)}", va="center", fontsize=8, color=INK,
                    transform=legend.transAxes)
        legend.text(0.11, y - 0.1, fmt(value) + part, va="center", fontsize=7, color=GREY,
                    transform=legend.transAxes)
    return to_svg(fig, label)


def palette(primary: str, secondary: str, n: int) -> list[str]:
    """`n` distinct colours from the brand's two, then tints of them."""
    from reporting.safety import mix

    base = [primary, secondary, mix(primary, "#FFFFFF", 0.45), mix(secondary, "#FFFFFF", 0.45),
            mix(primary, "#000000", 0.3), mix(secondary, "#000000", 0.3), GREY]
    return [base[i % len(base)] for i in range(n)]
