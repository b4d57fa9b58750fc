"""The dashboards' pure rules: periods and buckets, target status, change attribution."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rules import attribution as attr
from domain.rules import periods as p
from domain.rules.kpis import RATIO_PARTS
from domain.rules.targets import TargetStatus, expected_by_now, target_status
from domain.services.analytics import Series, kpi_value, period_kpis
from domain.services.dashboard import Slot, attribute, best_times, breakdown, ranked

D = Decimal
G = p.Granularity
days_ = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


# --- periods --------------------------------------------------------------------------------

@given(days_, st.integers(0, 800), st.sampled_from(list(G)), st.integers(0, 6))
def test_buckets_are_whole_contiguous_and_cover_the_range(start, span, granularity, weekday):
    end = start + timedelta(days=span)
    buckets = p.buckets(start, end, granularity, weekday)
    assert buckets[0][0] <= start <= buckets[0][1] and buckets[-1][0] <= end <= buckets[-1][1]
    for (_, a1), (b0, _) in zip(buckets, buckets[1:], strict=False):
        assert b0 == a1 + timedelta(days=1)
    for first, last in buckets:
        assert p.bucket_of(first, granularity, weekday) == (first, last)
        if granularity is G.WEEK:
            assert first.weekday() == weekday and (last - first).days == 6
        if granularity is G.MONTH:
            assert first.day == 1 and (last + timedelta(days=1)).day == 1


def test_weeks_start_on_the_locale_first_weekday_and_have_local_labels():
    assert p.first_weekday("it") == 0 and p.first_weekday("en_US") == 6
    assert p.bucket_of(date(2026, 12, 5), G.WEEK, 0) == (date(2026, 11, 30), date(2026, 12, 6))
    assert p.bucket_of(date(2026, 12, 5), G.WEEK, 6) == (date(2026, 11, 29), date(2026, 12, 5))
    assert p.bucket_label(date(2026, 12, 1), date(2026, 12, 31), G.MONTH, "it") == \
        "dicembre 2026"
    assert p.bucket_label(date(2026, 12, 1), date(2026, 12, 31), G.MONTH, "en") == \
        "December 2026"


def test_comparison_periods_a_month_days_and_a_year_earlier():
    oct1, oct31 = date(2026, 10, 1), date(2026, 10, 31)
    assert p.previous_period(oct1, oct31) == (date(2026, 9, 1), date(2026, 9, 30))
    assert p.year_earlier_period(oct1, oct31) == (date(2025, 10, 1), date(2025, 10, 31))
    # A whole February stays a whole February; 29 February becomes the 28th.
    assert p.year_earlier_period(date(2028, 2, 1), date(2028, 2, 29)) == (
        date(2027, 2, 1), date(2027, 2, 28))
    assert p.year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    # Partial: equal days from the start of each.
    assert p.compared_previous(oct1, oct31, date(2026, 10, 3)) == (
        date(2026, 9, 1), date(2026, 9, 3))
    assert p.compared_year_earlier(oct1, oct31, date(2026, 10, 3)) == (
        date(2025, 10, 1), date(2025, 10, 3))
    # Nothing measured yet: empty.
    prev = p.compared_previous(oct1, oct31, date(2026, 9, 30))
    assert prev[1] < prev[0]
    assert p.elapsed_share(oct1, oct31, date(2026, 10, 10)) == (10, 31)
    assert p.elapsed_share(oct1, oct31, None) == (0, 31)


# --- targets --------------------------------------------------------------------------------

@pytest.mark.parametrize(("kpi", "target", "actual", "done", "status"), [
    # Cumulative: 10 of 30 days gone, a third of 30,000 impressions expected.
    ("impressions", "30000", "10000", 10, TargetStatus.ON_TRACK),
    ("impressions", "30000", "9000", 10, TargetStatus.AT_RISK),  # 10% short
    ("impressions", "30000", "8999", 10, TargetStatus.OFF_TRACK),
    # A rate is judged on the target itself, whatever the share passed.
    ("engagement_rate", "0.05", "0.05", 1, TargetStatus.ON_TRACK),
    ("engagement_rate", "0.05", "0.046", 29, TargetStatus.AT_RISK),
    ("engagement_rate", "0.05", "0.02", 30, TargetStatus.OFF_TRACK),
    # Costs are ceilings: lower is on track.
    ("cpc", "1.00", "0.80", 5, TargetStatus.ON_TRACK),
    ("cpc", "1.00", "1.10", 5, TargetStatus.AT_RISK),
    ("cpc", "1.00", "1.11", 5, TargetStatus.OFF_TRACK),
    ("media_spend", "300", "110", 10, TargetStatus.AT_RISK),  # 100 expected by now
    (" unknown", "1", None, 10, TargetStatus.NO_DATA),
    ("reach", "100", "50", 0, TargetStatus.NO_DATA),  # nothing measured yet
])
def test_target_status(kpi, target, actual, done, status):
    assert target_status(kpi, D(target), None if actual is None else D(actual), done,
                         30) is status


def test_expected_by_now():
    assert expected_by_now("reach", D(300), 10, 30) == D(100)
    assert expected_by_now("ctr", D("0.02"), 10, 30) == D("0.02")
    assert expected_by_now("reach", D(300), 0, 30) is None


# --- attribution ----------------------------------------------------------------------------

amount = st.one_of(st.none(), st.integers(0, 10_000).map(D))
TOLERANCE = D("1e-18")


@given(st.dictionaries(st.integers(1, 30), st.tuples(amount, amount), max_size=12))
def test_additive_contributions_sum_to_the_change(members):
    result = attr.additive(members)
    if result.change is None:
        assert result.members == ()
        return
    assert sum((c.contribution for c in result.members), D(0)) == result.change


@settings(max_examples=300)
@given(st.dictionaries(st.integers(1, 30),
                       st.tuples(st.tuples(amount, amount), st.tuples(amount, amount)),
                       max_size=12), st.sampled_from([1, 1000]))
def test_ratio_contributions_sum_to_the_change_and_split_into_rate_and_mix(members, scale):
    result = attr.ratio_change(members, scale)
    if result.change is None:
        assert result.members == ()
        return
    total = sum((c.contribution for c in result.members), D(0))
    assert abs(total - result.change) <= TOLERANCE * scale
    for c in result.members:
        assert c.rate_effect is not None and c.mix_effect is not None
        assert abs(c.rate_effect + c.mix_effect - c.contribution) <= TOLERANCE * scale


def test_ratio_attribution_by_hand():
    # Two channels, both at 5%: weight moving between them changes nothing.
    flat = attr.ratio_change({"a": ((D(5), D(100)), (D(6), D(120))),
                              "b": ((D(5), D(100)), (D(4), D(80)))})
    assert flat.change == 0 and all(abs(c.contribution) < TOLERANCE for c in flat.members)
    # a: 10% → 20% on a steady half of the reach: the whole change is a's rate effect.
    moved = attr.ratio_change({"a": ((D(10), D(100)), (D(20), D(100))),
                               "b": ((D(5), D(100)), (D(5), D(100)))})
    a, b = moved.members
    assert moved.change == D("0.05") and a.contribution == D("0.05")
    assert a.rate_effect == D("0.05") and a.mix_effect == 0 and b.contribution == 0
    # A new member (no denominator before) is all mix: its rate has nothing to compare with.
    new = attr.ratio_change({"a": ((D(10), D(100)), (D(10), D(100))),
                             "b": ((None, None), (D(30), D(100)))})
    assert new.change == D("0.1")
    b = next(c for c in new.members if c.key == "b")
    assert b.rate_effect == 0 and b.mix_effect == b.contribution and b.before is None
    # No denominator in a period: the change is unknown, nothing is attributed.
    assert attr.ratio_change({"a": ((D(1), D(0)), (D(1), D(10)))}).change is None


def _series(values: dict[str, Decimal]) -> dict[str, Series]:
    day = date(2026, 10, 1)
    return {n: Series(n, [(day, v)]) for n, v in values.items()}


positive = st.integers(1, 10_000).map(D)


@given(st.fixed_dictionaries({
    "reactions": positive, "comments": positive, "reach": positive, "impressions": positive,
    "clicks": positive, "spend": positive, "conversions": positive, "revenue": positive,
    "paid:impressions": positive, "paid:spend/impressions": positive, "paid:clicks": positive,
    "paid:spend/clicks": positive}))
def test_ratio_parts_are_the_kpi_formulas(values):
    day = date(2026, 10, 1)
    period = period_kpis(_series(values), day, day, None)
    for name, (num, den, scale) in RATIO_PARTS.items():
        numerator, denominator = kpi_value(period, num), kpi_value(period, den)
        assert numerator is not None and denominator
        assert abs(kpi_value(period, name) - numerator / denominator * scale) < D("1e-15")


def test_attribution_through_kpis_sums_for_engagement_rate():
    day = date(2026, 10, 1)
    before = {1: period_kpis(_series({"reactions": D(10), "reach": D(100)}), day, day, None),
              2: period_kpis(_series({"reactions": D(3), "reach": D(50)}), day, day, None)}
    after = {1: period_kpis(_series({"reactions": D(30), "reach": D(200)}), day, day, None),
             3: period_kpis(_series({"comments": D(8), "reach": D(40)}), day, day, None)}
    result = attribute("engagement_rate", before, after)
    assert result.before == D(13) / D(150) and result.after == D(38) / D(240)
    assert abs(sum(c.contribution for c in result.members) - result.change) < TOLERANCE
    reach = attribute("reach", before, after)
    assert reach.change == D(90)
    assert {c.key: c.contribution for c in reach.members} == {1: D(100), 2: D(-50), 3: D(40)}


# --- breakdowns, rankings, best times --------------------------------------------------------

def test_breakdown_shares_and_rankings():
    day = date(2026, 10, 1)
    groups = {"IMAGE": _series({"reach": D(300)}), "VIDEO": _series({"reach": D(100)}),
              "GIF": _series({"comments": D(1)})}
    result = breakdown(groups, "reach", day, day, keys=["TEXT"])
    assert result.total == D(400)
    assert [(m.key, m.value, m.share) for m in result.members] == [
        ("IMAGE", D(300), D("0.75")), ("VIDEO", D(100), D("0.25")), ("GIF", None, None),
        ("TEXT", None, None)]
    per_post = {1: _series({"clicks": D(2), "spend": D(10)}),
                2: _series({"clicks": D(5), "spend": D(10)}),
                3: _series({"clicks": D(1), "spend": D(10)}),
                4: _series({"reach": D(1)})}
    best, worst = ranked(per_post, "clicks", day, day, 2)
    assert best == [(2, D(5)), (1, D(2))] and worst == [(3, D(1))]
    best, _ = ranked(per_post, "cpa", day, day, 1)  # no conversions: no CPA at all
    assert best == []


def test_best_times_need_enough_posts():
    slots = [Slot(0, 9, 5, 5, D(500), D(100)), Slot(1, 9, 2, 2, D(1000), D(500)),
             Slot(2, 18, 4, 3, D(450), D(150))]
    assert [(s.weekday, s.hour) for s in best_times(slots, 3, 5)] == [(2, 18), (0, 9)]
    assert best_times(slots, 6, 5) == []


@given(days_, st.integers(0, 500))
def test_rollup_cover_is_whole_buckets_that_tile_the_range(start, span):
    from domain.services.rollups import bucket_start, cover

    end = start + timedelta(days=span)
    covered: list[date] = []
    for grain, starts in cover(start, end).items():
        for first in starts:
            assert bucket_start(grain, first) == first
            last = first if grain == "DAY" else (
                first + timedelta(days=6) if grain == "WEEK"
                else p.month_of(first)[1])
            covered += [first + timedelta(days=i) for i in range((last - first).days + 1)]
    assert sorted(covered) == [start + timedelta(days=i) for i in range(span + 1)]
