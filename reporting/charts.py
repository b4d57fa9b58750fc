"""Report charts as vector SVG from matplotlib's object API: time series, bars and donuts.

No pyplot: each chart owns its Figure, so renders in several threads do not share state.
Text stays text in the SVG (svg.fonttype none) and is set in the report's own fonts.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

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
_IDS = re.compile(r'( id="|href="#|url\(#)')
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
    # matplotlib numbers ids per figure (figure_1, legend…): prefix them with the chart's
    # own hash so the page's ids, and the clip paths they point at, are unique.
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"
    svg = _IDS.sub(lambda m: m.group(1) + prefix, svg)
    svg = _SIZE.sub(r'<svg\1 class="chart" role="img"', svg, count=1)
    # The label is escaped by Markup.format; everything else is matplotlib's own output.
    svg = svg.replace("<svg", Markup('<svg aria-label="{}"').format(label), 1)
    return Markup(svg)


def _floats(values: Sequence[Decimal | None]) -> list[float]:
    """Missing days become gaps (NaN), never a fake 0."""
    return [math.nan if v is None else float(v) for v in values]


def _legend(fig: Figure, handles: list[Any], labels: list[str], *, right: bool) -> None:
    """A one-row legend in the figure's top margin, inside the figure (never clipped),
    current period first in every chart."""
    fig.legend(handles, labels, loc="upper right" if right else "upper left",
               bbox_to_anchor=(0.98 if right else 0.06, 0.995), ncols=len(handles),
               frameon=False, fontsize=8, labelcolor=INK, handlelength=1.8,
               borderaxespad=0.1).set_gid("legend")


def trend(days: Sequence[date], values: Sequence[Decimal | None],
          previous: Sequence[Decimal | None],
          *, color: str, label: str, fmt: Fmt, day_fmt: Callable[[date], str],
          legend: tuple[str, str], bars: bool = False, from_zero: bool = True) -> Markup:
    """One metric per day with the previous period's days laid over it, day by day.

    Aligned by day of period: day 1 over day 1; a longer previous period (October under
    November) is cut at this period's last day, so nothing is drawn past it.
    """
    fig = _figure(7.4, 2.4)
    ax = fig.add_axes((0.08, 0.13, 0.9, 0.72))
    xs = list(range(len(days)))
    ys = _floats(values)
    current: Any
    if bars:
        current = ax.bar(xs, ys, color=color, width=0.7, gid="series-current")
    else:
        if from_zero:  # a shaded area would pull a stock's axis down to 0
            ax.fill_between(xs, ys, color=color, alpha=0.12, linewidth=0)
        (current,) = ax.plot(xs, ys, color=color, linewidth=2, gid="series-current")
    handles, names = [current], [legend[0]]
    before = list(previous)[: len(days)]
    if before:
        (line,) = ax.plot(list(range(len(before))), _floats(before), color=GREY,
                          linewidth=1.2, linestyle=(0, (3, 2)), gid="series-previous")
        handles.append(line)
        names.append(legend[1])
    step = max(1, len(days) // 6)
    ax.set_xticks(xs[::step], [day_fmt(d) for d in days[::step]])
    ax.set_xlim(-0.6, max(len(xs), 1) - 0.4)
    if from_zero:
        ax.set_ylim(bottom=0)
    _style(ax, fmt)
    _legend(fig, handles, names, right=False)
    return to_svg(fig, label)


def _label_lines(text: str, limit: int) -> str:
    """A label of up to two lines (platform, then name), each line bounded."""
    return "\n".join(plain(line, limit) for line in text.split("\n")[:2])


def _text_width(lines: Sequence[str], size: float) -> float:
    """A generous width in inches of the longest line at `size` points (Inter)."""
    longest = max((len(line) for text in lines for line in text.split("\n")), default=0)
    return longest * size * 0.56 / 72


def bars(labels: Sequence[str], values: Sequence[Decimal | None],
         previous: Sequence[Decimal | None] | None, *, color: str, label: str, fmt: Fmt,
         value_fmt: Callable[[Decimal], str], legend: tuple[str, str]) -> Markup:
    """Horizontal bars per item (channels), the previous period as a thin grey bar.

    A label may hold a line break (platform, then channel name): it is never cut short
    of 32 characters a line, and the plot starts where the longest label ends.
    """
    n = max(len(labels), 1)
    names = [_label_lines(t, 32) for t in labels]
    width, top, bottom, row = 7.4, 0.4, 0.35, 0.5
    height = top + bottom + row * n
    left = min(0.4, max(0.12, (_text_width(names, 8) + 0.15) / width))
    fig = _figure(width, height)
    ax = fig.add_axes((left, bottom / height, 0.97 - left - 0.02, row * n / height))
    ys = list(range(len(labels)))[::-1]
    # A missing value draws no bar (and is labelled "—"): an empty bar would read as 0.
    now = [float(v) if v is not None else 0.0 for v in values]
    handles: list[Any] = [ax.barh([y + 0.12 for y in ys], now, height=0.42, color=color,
                                  gid="series-current")]
    if previous is not None:
        handles.append(ax.barh([y - 0.22 for y in ys], _floats(previous),
                               height=0.22, color=GREY, gid="series-previous"))
    ax.set_yticks(ys, names)
    for y, v, raw in zip(ys, now, values, strict=True):
        ax.annotate(value_fmt(raw) if raw is not None else "—", (v, y + 0.12),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8,
                    color=INK)
    ax.margins(x=0.16)
    _style(ax, numeric_y=False)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v)))
    ax.set_ylim(-0.6, len(labels) - 0.4)
    if previous is not None:
        _legend(fig, handles, list(legend), right=True)
    return to_svg(fig, label)


def donut(labels: Sequence[str], values: Sequence[Decimal | int | None],
          colors: Sequence[str], *, label: str, center: str,
          fmt: Callable[[Decimal | int | None], str], share: Fmt,
          keys: Sequence[str] | None = None) -> Markup:
    """Shares of a whole, with the total in the middle and a legend beside.

    The legend is laid out in points, one entry under the other with a gap, so entries
    never touch however many there are; a label may hold a line break. `keys` name the
    slices in the SVG (id "slice-KEY"). A None value is missing: it takes no room in the
    ring, and its legend entry says "—" (as `fmt` writes None) with no share, never
    "0 · 0%".
    """
    names = [_label_lines(t, 28) for t in labels]
    name_pt, value_pt, gap_pt = 10.0, 9.0, 8.0
    entries = [name_pt * (name.count("\n") + 1) + value_pt for name in names]
    legend_pt = sum(entries) + gap_pt * max(len(entries) - 1, 0)
    width, across = 3.8, 1.62  # inches: the figure, and the donut (centred vertically)
    height = max(1.9, legend_pt / 72 + 0.3)
    fig = _figure(width, height)
    size = across / width
    ax = fig.add_axes((0.0, (height - across) / 2 / height, size, across / height))
    data = [float(v) if v is not None else 0.0 for v in values]
    total = sum(data)
    fills = list(colors)
    if total <= 0:
        data, fills = [1.0], [GRID]
    wedges = ax.pie(data, colors=fills, startangle=90, counterclock=False,
                    wedgeprops={"width": 0.32, "edgecolor": "white", "linewidth": 1.5})[0]
    if keys is not None and total > 0:
        for wedge, key in zip(wedges, keys, strict=True):
            wedge.set_gid(f"slice-{key}")
    ax.text(0, 0, plain(center, 14), ha="center", va="center", fontsize=10,
            fontweight="bold", color=INK)
    ax.set_aspect("equal")
    x0 = 0.2 / width + size  # legend column, in figure fractions: 2 in, 30 characters
    y = (height * 72 + legend_pt) / 2  # top of the legend block, in points from the bottom
    for name, value, c, h in zip(names, values, colors, entries, strict=False):
        fig.add_artist(Rectangle((x0, (y - 8.5) / (height * 72)), 7 / (width * 72),
                                 7 / (height * 72), color=c, transform=fig.transFigure))
        part = f" · {share(float(value) / total)}" if total > 0 and value is not None else ""
        lines = name.split("\n")
        for k, line in enumerate(lines):  # one text per line: spacing set here, in points
            fig.text(x0 + 11 / (width * 72), (y - 1 - k * name_pt) / (height * 72), line,
                     va="top", fontsize=8, color=INK)
        fig.text(x0 + 11 / (width * 72), (y - 1.5 - len(lines) * name_pt) / (height * 72),
                 fmt(value) + part, va="top", fontsize=7, color=GREY)
        y -= h + gap_pt
    return to_svg(fig, label)


# The content pillars in the order the calendar's legend shows them.
PILLARS = ("INFORMATIVE", "OPINION", "PROMOTIONAL")


def pillar_colors(primary: str, secondary: str) -> dict[str, str]:
    """Each content pillar's one colour, from the brand kit: the calendar's chips, its
    legend and the content-mix donut all take theirs from here."""
    from reporting.safety import mix

    if secondary == primary:
        secondary = mix(primary, "#FFFFFF", 0.5)
    return {"INFORMATIVE": mix(primary, "#FFFFFF", 0.6), "OPINION": secondary,
            "PROMOTIONAL": primary}


def palette(primary: str, secondary: str, n: int) -> list[str]:
    """`n` colours from the brand's two, their tints and shades: ten distinct, enough for
    every format of a post."""
    from reporting.safety import mix

    base = [primary, secondary, mix(primary, "#FFFFFF", 0.45), mix(secondary, "#FFFFFF", 0.45),
            mix(primary, "#000000", 0.3), mix(secondary, "#000000", 0.3), GREY,
            mix(primary, secondary, 0.5), mix(primary, "#FFFFFF", 0.75), "#4B5563"]
    return [base[i % len(base)] for i in range(n)]
