"""Report formatting, periods, catalogues and the summary's rules: pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_python
from babel.messages.pofile import read_po

from domain.enums import ReportKind
from domain.rules.kpis import compute_kpis
from domain.services.analytics import PeriodKpis
from reporting.formatting import UNKNOWN, Formatter
from reporting.i18n import LOCALE_DIR, language_of, translations
from reporting.model import Compared
from reporting.narrative import _engagement_rate, _followers, _money, _reach
from reporting.periods import default_period, previous_period

REPORTING = Path(__file__).resolve().parents[2] / "reporting"
DEFINITIONS_PY = REPORTING.parent / "domain" / "rules" / "definitions.py"


def test_numbers_money_and_rates_follow_the_locale():
    it, en = Formatter("it_IT", "EUR"), Formatter("en_GB", "GBP")
    assert it.count(D("1234567")) == "1.234.567" and en.count(D("1234567")) == "1,234,567"
    assert it.money(D("1234.5")) == "1.234,50\xa0€" and en.money(D("1234.5")) == "£1,234.50"
    assert it.percent(D("0.04567")) == "4,57%" and en.roi(D("2.451")) == "245.1%"
    assert en.ratio(D("3.216")) == "3.22×" and it.ratio(D("3.216")) == "3,22×"
    assert en.change(D("-0.04")) == "\u22124.0%" and en.change(D("0.123")) == "+12.3%"
    assert en.points(D("0.0123")) == "1.23"


def test_unknown_is_a_dash_never_zero():
    f = Formatter("en_GB", "GBP")
    for method in (f.count, f.percent, f.money, f.ratio, f.change, f.points, f.compact):
        assert method(None) == UNKNOWN
    assert f.kpi("cpa", None) == UNKNOWN and f.kpi("ctr", D(0)) == "0.00%"


def test_kpi_kinds_pick_their_form():
    f = Formatter("en_GB", "GBP")
    assert f.kpi("cpm", D("2.5")) == "£2.50"
    assert f.kpi("roi", D("1.421")) == "142.1%"
    assert f.kpi("roas", D("5")) == "5.00×"
    assert f.kpi("reach", D("12000")) == "12,000"


def test_dates_months_and_axis_ticks_follow_the_locale():
    it, en = Formatter("it_IT", "EUR"), Formatter("en_GB", "GBP")
    assert it.period(date(2026, 10, 1), date(2026, 10, 31)) == "ottobre 2026"
    assert en.period(date(2026, 10, 1), date(2026, 10, 31)) == "October 2026"
    assert en.period(date(2026, 10, 3), date(2026, 10, 9)) == "3 Oct 2026 – 9 Oct 2026"
    assert it.short_date(date(2026, 10, 5)) == "5 ott"
    # en_US: CLDR (Babel 2.19) writes en_GB's million in lower case, 2.5m.
    us = Formatter("en_US", "USD")
    assert it.axis(20000.000000004) == "20.000" and us.axis(2_500_000.0) == "2.5M"


@pytest.mark.parametrize(("kind", "today", "period"), [
    (ReportKind.ROI, date(2026, 11, 20), (date(2026, 10, 1), date(2026, 10, 31))),
    (ReportKind.ROI, date(2026, 1, 1), (date(2025, 12, 1), date(2025, 12, 31))),
    (ReportKind.STRATEGY, date(2026, 11, 20), (date(2026, 12, 1), date(2026, 12, 31))),
    (ReportKind.STRATEGY, date(2026, 12, 31), (date(2027, 1, 1), date(2027, 1, 31))),
])
def test_default_periods(kind, today, period):
    assert default_period(kind, today) == period


def test_the_previous_period_is_the_previous_month_or_as_many_days_before():
    assert previous_period(date(2026, 3, 1), date(2026, 3, 31)) == (date(2026, 2, 1),
                                                                    date(2026, 2, 28))
    assert previous_period(date(2026, 3, 10), date(2026, 3, 16)) == (date(2026, 3, 3),
                                                                     date(2026, 3, 9))


def _kpis(totals, start=None, end=None, cost=None) -> PeriodKpis:
    k = compute_kpis(totals, followers_start=start, followers_end=end, production_cost=cost)
    present = {n: v for n, v in totals.items() if v is not None}
    return PeriodKpis(date(2026, 10, 1), date(2026, 10, 31), present, k, cost)


def test_summary_states_the_movement_of_reach_in_its_direction():
    up = Compared(_kpis({"reach": D(1100)}), _kpis({"reach": D(1000)}))
    down = Compared(_kpis({"reach": D(900)}), _kpis({"reach": D(1000)}))
    flat = Compared(_kpis({"reach": D(1005)}), _kpis({"reach": D(1000)}))
    new = Compared(_kpis({"reach": D(10)}), _kpis({}))
    assert _reach(up).key.startswith("Reach (daily reach, summed) rose")
    assert _reach(up).tone == "good"
    assert dict(_reach(up).params)["change"] == ("change", D("0.1"))
    assert _reach(down).key.startswith("Reach (daily reach, summed) fell")
    assert _reach(down).tone == "bad"
    assert _reach(flat).key.startswith("Reach (daily reach, summed) held steady")
    assert _reach(new).key == "Reach, the sum of daily reach, was %(value)s."


def test_summary_falls_back_to_impressions_where_reach_is_missing():
    k = Compared(_kpis({"impressions": D(500)}), _kpis({"impressions": D(1000)}))
    assert _reach(k).key.startswith("Impressions fell")
    assert _reach(Compared(_kpis({}), _kpis({}))) is None


def test_summary_engagement_rate_in_points_and_followers_in_people():
    k = Compared(_kpis({"reach": D(1000), "reactions": D(50)}, D(990), D(1000)),
                 _kpis({"reach": D(1000), "reactions": D(40)}))
    sentence = _engagement_rate(k)
    assert sentence.tone == "good" and dict(sentence.params)["points"] == ("points", D("0.01"))
    grew = _followers(k)
    assert dict(grew.params)["count"] == ("count", D(10))
    shrank = _followers(Compared(_kpis({}, D(1000), D(990)), _kpis({})))
    assert shrank.key.startswith("The audience shrank") and shrank.tone == "bad"


def test_summary_money_sentences_only_with_the_figures_they_need():
    assert _money(Compared(_kpis({"reach": D(5)}), _kpis({}))) == []
    k = Compared(_kpis({"revenue": D(300), "spend": D(100)}, cost=D(50)), _kpis({}))
    keys = [s.key for s in _money(k)]
    assert keys[0].startswith("Each %(unit)s") and keys[1].startswith("Return on investment was")
    loss = Compared(_kpis({"revenue": D(10), "spend": D(100)}, cost=D(0)), _kpis({}))
    unknown_cost = Compared(_kpis({"revenue": D(10), "spend": D(100)}), _kpis({}))
    assert [s.key for s in _money(unknown_cost)] == [keys[0]]  # no ROI sentence
    assert "negative" in _money(loss)[1].key and _money(loss)[0].tone == "bad"


def _extracted() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2"),
                  ("**/templates/**.css", "jinja2")]
    keywords = {"_": None, "gettext": None, "N_": None, "_n": (1, 2), "ngettext": (1, 2)}
    found = {message[0] if isinstance(message, tuple) else message
             for _, _, message, *_ in extract_from_dir(
                 str(REPORTING), method_map, keywords=keywords)}
    # The definitions the appendix prints live beside the KPI formulas.
    with open(DEFINITIONS_PY, "rb") as f:
        found |= {message for _, _, message, _ in extract_python(f, ["N_"], [], {})
                  if isinstance(message, str)}
    return found


def test_every_word_of_the_templates_and_rules_has_an_italian_translation():
    with (LOCALE_DIR / "it" / "LC_MESSAGES" / "reports.po").open("rb") as f:
        italian = {m.id[0] if isinstance(m.id, tuple) else m.id: m.string
                   for m in read_po(f) if m.id}
    used = _extracted()
    assert len(used) > 150
    def done(string: str | tuple[str, ...] | None) -> bool:
        return all(string) if isinstance(string, tuple) else bool(string)

    missing = sorted(m for m in used if not done(italian.get(m)))
    assert not missing, f"untranslated: {missing[:5]}"


def test_catalogues_compile_and_translate_with_their_placeholders_intact():
    it = translations("it")
    assert it.gettext("Executive summary") == "Sintesi"
    assert it.gettext("KPI targets met: %(met)s of %(total)s.") % {"met": 2, "total": 3} == (
        "Obiettivi KPI raggiunti: 2 su 3.")
    assert translations("en").gettext("Executive summary") == "Executive summary"
    assert language_of("it_IT") == "it" and language_of("fr_FR") == "en"
