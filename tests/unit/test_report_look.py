"""The report's look, testable without a page: one rule per kind of figure, the minus sign,
Italian elision and plurals, and the charts' SVG (legends inside, days aligned, colours)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from reporting import charts
from reporting.assets import pillar_css
from reporting.formatting import MINUS, Formatter, elide_italian, italian_vowel_number
from reporting.i18n import translations
from reporting.model import Sentence

IT, EN = Formatter("it_IT", "EUR", "Europe/Rome"), Formatter("en_GB", "GBP", "Europe/London")


# --- one rule per kind of figure -----------------------------------------------------

def test_rates_always_have_two_decimals_so_a_column_never_mixes_them():
    assert [IT.percent(D(v)) for v in ("0.159", "0.0249", "0.5", "0")] == [
        "15,90%", "2,49%", "50,00%", "0,00%"]
    assert EN.kpi("engagement_rate", D("0.159")) == "15.90%"


def test_roi_and_shares_have_one_decimal_changes_one_points_two():
    assert IT.kpi("roi", D("0.254")) == "25,4%" and IT.kpi("roi", D("8.946")) == "894,6%"
    assert IT.share(D("0.0213")) == "2,1%" and IT.share(D("0.83")) == "83,0%"
    assert IT.change(D("0.04")) == "+4,0%" and IT.change(D("-0.2749")) == MINUS + "27,5%"
    assert IT.points_change(D("0.04")) == "+4,00"
    assert IT.points_change(D("-0.2749")) == MINUS + "27,49"
    assert EN.points_change(D("-8.566"), 1) == MINUS + "856.6"


@pytest.mark.parametrize("text", [
    IT.roi(D("-0.785")), IT.change(D("-0.5")), IT.money(D("-12.5")), IT.count(D("-3")),
    IT.percent(D("-0.01")), IT.ratio(D("-1")), IT.points(D("-0.01")), IT.axis(-4000.0),
    EN.compact(D("-1200000")), EN.money(D("-12.5")),
])
def test_negative_values_use_the_true_minus_sign(text):
    assert MINUS in text and "-" not in text


def test_post_times_have_no_seconds():
    when = datetime(2026, 11, 20, 18, 0, 59, tzinfo=UTC)
    assert IT.datetime(when) == "20 nov 2026, 19:00"
    assert EN.datetime(when) == "20 Nov 2026, 18:00"
    assert IT.time(when) == "19:00"


# --- Italian ---------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "vowel"), [
    (1, True), (8, True), (11, True), (80, True), (89, True), (800, True), (8000, True),
    (11_000, True), (1_000_000, True), (8_000_000, True), (2, False), (18, False),
    (100, False), (1000, False), (1500, False), (81_000, True), (18_000, False),
])
def test_which_numbers_italian_reads_with_a_vowel(n, vowel):
    assert italian_vowel_number(n) is vowel


def test_italian_elides_the_preposition_before_vowel_numbers():
    assert elide_italian("è salito al 8,37%, non al 5,2%") == "è salito all'8,37%, non al 5,2%"
    assert elide_italian("scese del 11,0%, sul 80%") == "scese dell'11,0%, sull'80%"
    assert elide_italian("Dal 1 nov al 30 nov") == "Dall'1 nov al 30 nov"
    assert elide_italian("Emesso il 8 dicembre") == "Emesso l'8 dicembre"
    assert elide_italian("al 1.096,45 €") == "al 1.096,45 €"  # mille
    assert elide_italian("al 18%") == "al 18%" and elide_italian("totale 8%") == "totale 8%"


def test_summary_sentences_elide_and_take_their_plural_from_the_count():
    it = translations("it")
    one = it.ngettext("Health check: %(count)s of the six common mistakes flagged.",
                      "Health check: %(count)s of the six common mistakes flagged.", 1)
    two = it.ngettext("Health check: %(count)s of the six common mistakes flagged.",
                      "Health check: %(count)s of the six common mistakes flagged.", 2)
    assert one == "Check-up: segnalato %(count)s dei sei errori comuni."
    assert two == "Check-up: segnalati %(count)s dei sei errori comuni."
    en = translations("en")
    assert en.ngettext("The best post, on %(platform)s, earned %(count)s engagement.",
                       "The best post, on %(platform)s, earned %(count)s engagements.",
                       1).endswith("engagement.")


def test_media_spend_is_spesa_pubblicitaria_in_italian():
    it = translations("it")
    assert it.gettext("Media spend") == "Spesa pubblicitaria"
    assert "spesa media" not in it.gettext(
        "Each %(unit)s of media spend brought back %(return)s in revenue.")


def test_a_sentence_names_the_plural_and_its_count():
    s = Sentence("a %(n)s", (("n", ("count", D(1))),), plural=("as %(n)s", "n"))
    assert s.plural == ("as %(n)s", "n")


# --- charts ----------------------------------------------------------------------------

def _viewbox(svg: str) -> tuple[float, float]:
    m = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    assert m is not None
    return float(m.group(1)), float(m.group(2))


def _group(svg: str, gid: str) -> str:
    """Every <g id="gid"> up to its closing tag (matplotlib nests plain <g>s; each bar of
    a bar chart is a group of its own with the series' id)."""
    out = []
    for found in re.finditer(f'<g id="c[0-9a-f]{{8}}-{gid}"', svg):
        start = found.start()
        depth = 0
        for m in re.finditer(r"<g[\s>]|</g>", svg[start:]):
            depth += 1 if m.group(0).startswith("<g") else -1
            if depth == 0:
                out.append(svg[start:start + m.end()])
                break
    assert out, f"no group {gid}"
    return "".join(out)


def _paths(markup: str) -> list[tuple[float, float]]:
    pairs = []
    for d in re.findall(r' d="([^"]+)"', markup):
        nums = [float(n) for n in re.findall(r"-?[\d.]+", d)]
        pairs += list(zip(nums[::2], nums[1::2], strict=False))
    return pairs


def _texts(markup: str, size: int | None = None) -> list[tuple[float, float]]:
    """Where each <text> (of `size` px) starts: x and its baseline y."""
    font = rf"font-size: {size}px" if size else r"font-size: [\d.]+px"
    return [(float(x), float(y)) for x, y in re.findall(
        rf'<text style="{font}[^"]*" x="(-?[\d.]+)" y="(-?[\d.]+)"', markup)]


def _inside(svg: str, gid: str) -> None:
    """Every path point and every text (its baseline at least a cap height down) of the
    group lies inside the SVG's viewBox: nothing is clipped."""
    width, height = _viewbox(svg)
    markup = _group(svg, gid)
    paths, texts = _paths(markup), _texts(markup)
    assert paths and texts
    for x, y in paths:
        assert 0 <= x <= width and 0 <= y <= height, (gid, x, y, width, height)
    for x, y in texts:
        assert 0 <= x <= width and 6 <= y <= height, (gid, x, y, width, height)


def _days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def _trend(bars: bool = False) -> str:
    november = _days(date(2026, 11, 1), 30)
    return charts.trend(november, [D(i + 1) for i in range(30)],
                        [D(50 - i) for i in range(31)], color="#6B3F24", label="Reach",
                        fmt=EN.axis, day_fmt=EN.short_date,
                        legend=("November 2026", "October 2026"), bars=bars)


@pytest.mark.parametrize("bars", [False, True])
def test_the_trend_stops_at_the_periods_last_day_and_its_legend_is_inside(bars):
    svg = _trend(bars)
    current = [x for x, _ in _paths(_group(svg, "series-current"))]
    previous = [x for x, _ in _paths(_group(svg, "series-previous"))]
    assert previous and max(previous) <= max(current) + 1
    _inside(svg, "legend")


def test_every_chart_lists_the_current_period_first():
    for svg in (_trend(False), _trend(True)):
        legend = _group(svg, "legend")
        assert legend.index("November 2026") < legend.index("October 2026")


def test_channel_bars_keep_their_legend_inside_and_their_names_whole():
    names = ["Facebook\nTorrefazione Aurora Milano", "Instagram\nTorrefazione Aurora",
             "TikTok\nAurora Caffè"]
    svg = charts.bars(names, [D(71944), D(81052), D(103514)], [D(83000), D(86000), D(19000)],
                      color="#6B3F24", label="Impressions", fmt=IT.axis, value_fmt=IT.count,
                      legend=("novembre 2026", "ottobre 2026"))
    _inside(svg, "legend")
    assert "Torrefazione Aurora Milano" in svg and "…" not in svg
    legend = _group(svg, "legend")
    assert legend.index("novembre 2026") < legend.index("ottobre 2026")


def test_donut_legend_entries_do_not_touch():
    names = ["Video", "Carosello", "Reel", "Immagine", "Link", "GIF", "Storia", "Testo"]
    svg = charts.donut(names, [6, 4, 4, 3, 1, 1, 1, 1], charts.palette("#6B3F24", "#D9A441", 8),
                       label="Post", center="21", fmt=IT.count, share=IT.share)
    width, height = _viewbox(svg)
    ys = sorted({round(y, 1) for _, y in _texts(svg, 8)})
    assert len(ys) == len(names)
    gaps = [b - a for a, b in zip(ys, ys[1:], strict=False)]
    assert min(gaps) >= 8 + 7 + 6  # name, value line and a gap, in points
    assert max(ys) <= height


def test_one_colour_per_pillar_for_the_donut_and_the_calendar_chips():
    colours = charts.pillar_colors("#6B3F24", "#D9A441")
    assert set(colours) == set(charts.PILLARS) and len(set(colours.values())) == 3
    css = str(pillar_css("#6B3F24", "#D9A441"))
    svg = charts.donut(["Argomentativi", "Didascalici", "Promozionali"], [9, 7, 2],
                       [colours[p] for p in ("OPINION", "INFORMATIVE", "PROMOTIONAL")],
                       label="Post", center="18", fmt=IT.count, share=IT.share,
                       keys=["OPINION", "INFORMATIVE", "PROMOTIONAL"])
    for pillar, colour in colours.items():
        assert f".pillar-{pillar.lower()} {{ background: {colour};" in css
        assert f"fill: {colour.lower()}" in _group(svg, f"slice-{pillar}").lower()


@pytest.mark.parametrize("language", ["it", "en"])
def test_catalogues_compile_with_pybabel_too(language):
    """`pybabel compile` skips a catalogue whose header is fuzzy, and fuzzy messages."""
    from babel.messages.pofile import read_po

    from reporting.i18n import LOCALE_DIR

    with (LOCALE_DIR / language / "LC_MESSAGES" / "reports.po").open("rb") as f:
        catalog = read_po(f, locale=language)
    assert not catalog.fuzzy and catalog.num_plurals == 2
    assert not [m.id for m in catalog if m.id and m.fuzzy]
    if language == "it":
        plurals = [m for m in catalog if isinstance(m.id, tuple)]
        assert len(plurals) >= 6 and all(all(m.string) for m in plurals)


def test_the_palette_tells_every_post_format_apart():
    from domain.enums import PostFormat

    colours = charts.palette("#6B3F24", "#D9A441", len(PostFormat))
    assert len(set(colours)) == len(PostFormat)


def _view(locale: str, *sentences: Sentence):  # noqa: ANN202 - ReportView
    from domain.enums import ReportKind
    from reporting.model import AgencyInfo, BrandInfo, Period, ReportData
    from reporting.views import ReportView

    brand = BrandInfo(1, "Aurora", "aurora", locale, "Europe/Rome", "EUR", "", "#6B3F24",
                      "#D9A441", "")
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    data = ReportData(ReportKind.ROI, locale, brand, AgencyInfo("a", "A", "A", "", ""),
                      period, Period(date(2026, 10, 1), date(2026, 10, 31)),
                      datetime(2026, 12, 1, tzinfo=UTC), (), summary=sentences)
    return ReportView(data)


def test_the_summary_reads_as_italian_writes_it():
    from reporting.narrative import _n, _s

    rose = _s("The engagement rate rose to %(rate)s, up %(points)s points.", "good",
              rate=("percent", D("0.0837")), points=("points", D("0.0427")))
    one = _n("Health check: %(count)s of the six common mistakes flagged.",
             "Health check: %(count)s of the six common mistakes flagged.", "count", "bad",
             count=("count", D(1)))
    three = _n("Health check: %(count)s of the six common mistakes flagged.",
               "Health check: %(count)s of the six common mistakes flagged.", "count", "bad",
               count=("count", D(3)))
    texts = [str(t) for t, _ in _view("it_IT", rose, one, three).sentences()]
    assert texts == [
        "Il tasso di engagement è salito all'8,37%, 4,27 punti percentuali in più.",
        "Check-up: segnalato 1 dei sei errori comuni.",
        "Check-up: segnalati 3 dei sei errori comuni.",
    ]
    english = [str(t) for t, _ in _view("en_GB", rose, one).sentences()]
    assert english[0] == "The engagement rate rose to 8.37%, up 4.27 points."
