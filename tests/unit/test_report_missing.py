"""Missing is never drawn or written as 0 in a report's charts and sentences (issue 14)."""

from __future__ import annotations

import re
from decimal import Decimal as D

from reporting import charts
from reporting.formatting import Formatter


def test_the_donut_legend_writes_a_missing_slice_as_a_dash_not_zero():
    f = Formatter("it_IT", "EUR")
    svg = charts.donut(["Posseduti", "Pagati", "Guadagnati"], [D(39756), D(43272), None],
                       ["#6b3f2a", "#d9a441", "#cccccc"], label="Impression",
                       center=f.count(D(83028)), fmt=f.count,
                       share=f.share)
    texts = re.findall(r"<text[^>]*>([^<]*)<", svg)
    assert texts[-2:] == ["Guadagnati", "—"]  # not "0 · 0,00%"
    assert "39.756 · 47,9%" in texts  # the known slices share the known total


def test_a_bar_with_no_previous_value_is_not_drawn_as_zero():
    f = Formatter("en_GB", "GBP")
    svg = charts.bars(["A", "B"], [D(10), D(20)], [D(5), None], color="#123456",
                      label="Impressions", fmt=f.axis, value_fmt=f.count,
                      legend=("Now", "Before"))
    previous = re.findall(r'<g id="[^"]*series-previous">\s*<path d="([^"]*)"', svg)
    assert len(previous) == 2
    assert "L" in previous[0]  # the known previous value is a drawn bar
    assert "L" not in previous[1]  # the missing one has no outline at all, not a 0 bar


def test_follower_growth_with_an_unknown_rate_names_no_percentage():
    from datetime import date

    from domain.rules.kpis import compute_kpis
    from domain.services.analytics import PeriodKpis
    from reporting.model import Compared
    from reporting.narrative import _followers

    def period(start: D | None, end: D | None) -> PeriodKpis:
        k = compute_kpis({}, followers_start=start, followers_end=end)
        return PeriodKpis(date(2026, 10, 1), date(2026, 10, 31), {}, k, None)

    # Growth known (0 → 120) but its rate unknown: a start of 0 followers divides by zero.
    sentence = _followers(Compared(period(D(0), D(120)), period(None, None)))
    assert sentence is not None and sentence.plural is not None
    assert sentence.plural[0] == "The audience grew by %(count)s followers."
    assert "rate" not in dict(sentence.params)
