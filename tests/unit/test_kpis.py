"""The BRIEF's KPI formulas: values, zero denominators, missing inputs, exact money, time."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from domain.rules.kpis import (
    KPI_NAMES,
    BusinessHours,
    Kpis,
    business_seconds_between,
    compute_kpis,
    engagement,
    period_value,
    ratio,
    response_rate,
    response_time_stats,
    share_of_voice,
)

D = Decimal
ROME = ZoneInfo("Europe/Rome")
WHOLE_DAY = ((time(0), time(0)),)
ALWAYS_OPEN_ROME = BusinessHours(timezone="Europe/Rome", week=(WHOLE_DAY,) * 7)

PRODUCTION_COST = D("300.00")
TOTALS = {
    "impressions": D(10000),
    "reach": D(4000),
    "reactions": D(300),
    "comments": D(50),
    "shares": D(30),
    "saves": D(20),
    "clicks": D(250),
    "conversions": D(12),
    "revenue": D("900.00"),
    "spend": D("150.00"),
}


def kpis(totals=None, *, start=4800, end=5000, production_cost=PRODUCTION_COST,
         paid=None) -> Kpis:
    """KPIs of `totals`; paid content defaults to all of it (every impression bought)."""
    totals = TOTALS if totals is None else totals
    paid = paid if paid is not None else totals
    return compute_kpis(
        totals,
        followers_start=None if start is None else D(start),
        followers_end=None if end is None else D(end),
        production_cost=production_cost,
        paid_impressions=(paid.get("spend"), paid.get("impressions")),
        paid_clicks=(paid.get("spend"), paid.get("clicks")),
    )


# ratio ---------------------------------------------------------------------------------


def test_ratio_divides_exactly():
    assert ratio(D(1), D(4)) == D("0.25")
    assert ratio(3, 4) == D("0.75")
    assert isinstance(ratio(3, 4), Decimal)


@pytest.mark.parametrize("denominator", [D(0), 0, D("0.00"), None])
def test_ratio_with_zero_or_missing_denominator_is_unknown(denominator):
    assert ratio(D(5), denominator) is None


def test_ratio_with_missing_numerator_is_unknown():
    assert ratio(None, D(100)) is None


def test_ratio_with_zero_numerator_is_zero_not_unknown():
    result = ratio(D(0), D(100))
    assert result is not None
    assert result == 0


def test_ratio_keeps_28_significant_digits():
    assert ratio(1, 3) == D("0.3333333333333333333333333333")


@pytest.mark.parametrize("bad", [0.5, True, "3"])
def test_ratio_refuses_floats_and_other_non_decimals(bad):
    with pytest.raises(TypeError):
        ratio(bad, D(1))


# engagement ----------------------------------------------------------------------------


def test_engagement_sums_all_components():
    assert engagement(D(300), D(50), D(30), D(20)) == D(400)


def test_engagement_sums_present_components_when_platform_has_no_saves():
    assert engagement(D(300), D(50), D(30), None) == D(380)


def test_engagement_all_missing_is_missing():
    assert engagement(None, None, None, None) is None


def test_engagement_of_zeros_is_zero():
    assert engagement(D(0), D(0), None, None) == D(0)


# period_value --------------------------------------------------------------------------


def test_period_value_sums_flows():
    days = [(date(2026, 3, 1), D(10)), (date(2026, 3, 2), D(0)), (date(2026, 3, 3), D(5))]
    assert period_value("impressions", days) == D(15)


def test_period_value_sums_money_exactly():
    days = [(date(2026, 3, d), D("0.10")) for d in range(1, 4)]
    assert period_value("spend", days) == D("0.30")


def test_period_value_takes_the_latest_day_for_stocks_in_any_order():
    days = [(date(2026, 3, 31), D(5000)), (date(2026, 3, 1), D(4800)), (date(2026, 3, 15), D(6000))]
    assert period_value("followers", days) == D(5000)


def test_period_value_stock_falls_back_to_latest_known_day():
    days = [(date(2026, 3, 1), D(4800)), (date(2026, 3, 20), D(4900))]
    assert period_value("followers", days) == D(4900)


@pytest.mark.parametrize("name", ["impressions", "followers"])
def test_period_value_without_days_is_missing_not_zero(name):
    assert period_value(name, []) is None


def test_period_value_all_zero_days_is_zero():
    assert period_value("clicks", [(date(2026, 3, 1), D(0))]) == D(0)


def test_period_value_rejects_unknown_metric():
    with pytest.raises(KeyError, match="likes"):
        period_value("likes", [(date(2026, 3, 1), D(1))])


def test_period_value_rejects_a_day_given_twice():
    with pytest.raises(ValueError, match="twice"):
        period_value("clicks", [(date(2026, 3, 1), D(1)), (date(2026, 3, 1), D(2))])


# compute_kpis --------------------------------------------------------------------------


def test_kpi_names_are_the_fields_in_order():
    assert KPI_NAMES == (
        "engagement", "engagement_rate", "engagement_rate_by_impressions",
        "engagement_rate_by_followers", "ctr", "cpm", "cpc", "cpa", "roas", "roi",
        "media_spend", "total_cost", "follower_growth", "follower_growth_rate",
        "amplification", "applause", "conversation",
    )
    assert tuple(f.name for f in dataclasses.fields(Kpis)) == KPI_NAMES


def test_compute_kpis_normal_values():
    k = kpis()
    assert k.engagement == D(400)
    assert k.engagement_rate == D("0.1")  # 400 / 4000 reach
    assert k.engagement_rate_by_impressions == D("0.04")  # 400 / 10000
    assert k.engagement_rate_by_followers == D("0.08")  # 400 / 5000 at period end
    assert k.ctr == D("0.025")
    assert k.cpm == D(15)
    assert k.cpc == D("0.6")
    assert k.cpa == D("12.5")
    assert k.roas == D(6)  # 900 / 150 media spend only
    assert k.media_spend == D("150.00")
    assert k.total_cost == D("450.00")  # 150 media + 300 production
    assert k.roi == D(1)  # (900 - 450) / 450
    assert k.follower_growth == D(200)
    assert k.follower_growth_rate == D(200) / D(4800)
    assert k.amplification == D("0.006")
    assert k.applause == D("0.06")
    assert k.conversation == D("0.01")


def test_compute_kpis_values_are_all_decimal_when_inputs_are_complete():
    k = kpis()
    for name in KPI_NAMES:
        assert isinstance(getattr(k, name), Decimal), name


def test_kpis_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        kpis().ctr = D(1)  # type: ignore[misc]


def test_compute_kpis_with_nothing_known_is_all_none():
    k = compute_kpis({}, followers_start=None, followers_end=None)
    assert all(getattr(k, name) is None for name in KPI_NAMES)


def test_compute_kpis_rejects_unknown_metric_names():
    with pytest.raises(KeyError, match="likes"):
        compute_kpis({"likes": D(1)}, followers_start=None, followers_end=None)


def test_cpm_on_three_impressions_is_exact():
    k = kpis({"spend": D("0.30"), "impressions": D(3)})
    assert k.cpm == D(100)  # in floats 0.3 / 3 * 1000 is 99.99999999999999
    k = kpis({"spend": D("1.00"), "impressions": D(3)})
    assert k.cpm == D("333.3333333333333333333333333")
    assert k.cpm.quantize(D("0.01")) == D("333.33")


def test_cpc_and_cpa_keep_cents_exact():
    k = kpis({"spend": D("10.10"), "clicks": D(10), "conversions": D(4)})
    assert k.cpc == D("1.01")
    assert k.cpa == D("2.525")


@pytest.mark.parametrize(
    "field, totals",
    [
        ("engagement_rate", {"reactions": D(5), "reach": D(0)}),
        ("engagement_rate_by_impressions", {"reactions": D(5), "impressions": D(0)}),
        ("ctr", {"clicks": D(5), "impressions": D(0)}),
        ("cpm", {"spend": D(5), "impressions": D(0)}),
        ("cpc", {"spend": D(5), "clicks": D(0)}),
        ("cpa", {"spend": D(5), "conversions": D(0)}),
        ("roas", {"revenue": D(5), "spend": D(0)}),
    ],
)
def test_zero_denominator_is_unknown(field, totals):
    assert getattr(kpis(totals, production_cost=None), field) is None


@pytest.mark.parametrize(
    "field, totals",
    [
        ("engagement_rate", {"reactions": D(5)}),
        ("engagement_rate_by_impressions", {"reactions": D(5)}),
        ("ctr", {"clicks": D(5)}),
        ("ctr", {"impressions": D(100)}),
        ("cpm", {"spend": D(5)}),
        ("cpm", {"impressions": D(100)}),
        ("cpc", {"spend": D(5)}),
        ("cpa", {"conversions": D(5)}),
        ("roas", {"spend": D(5)}),
        ("roas", {"revenue": D(5)}),
        ("amplification", {"reactions": D(5)}),
    ],
)
def test_missing_input_is_unknown(field, totals):
    assert getattr(kpis(totals), field) is None


@pytest.mark.parametrize(
    "field, totals",
    [
        ("engagement_rate", {"reactions": D(0), "reach": D(100)}),
        ("ctr", {"clicks": D(0), "impressions": D(100)}),
        ("cpm", {"spend": D("0.00"), "impressions": D(100)}),
        ("cpc", {"spend": D("0.00"), "clicks": D(100)}),
        ("roas", {"revenue": D("0.00"), "spend": D(100)}),
        ("amplification", {"shares": D(0)}),
        ("applause", {"reactions": D(0)}),
        ("conversation", {"comments": D(0)}),
    ],
)
def test_zero_numerator_is_zero_not_unknown(field, totals):
    value = getattr(kpis(totals), field)
    assert value is not None
    assert value == 0


def test_engagement_rate_by_followers_uses_followers_at_the_end():
    k = kpis({"reactions": D(100)}, start=100, end=1000)
    assert k.engagement_rate_by_followers == D("0.1")
    assert k.applause == D("0.1")


def test_per_follower_ratios_are_unknown_without_end_followers():
    k = kpis({"reactions": D(1), "comments": D(1), "shares": D(1)}, end=None)
    assert (k.engagement_rate_by_followers, k.amplification, k.applause, k.conversation) == (
        None, None, None, None,
    )
    assert k.follower_growth is None
    assert k.follower_growth_rate is None


def test_per_follower_ratios_are_unknown_with_zero_end_followers():
    k = kpis({"shares": D(3)}, start=0, end=0)
    assert k.amplification is None
    assert k.follower_growth == D(0)
    assert k.follower_growth_rate is None


def test_follower_growth_can_be_negative():
    k = kpis({}, start=1000, end=950)
    assert k.follower_growth == D(-50)
    assert k.follower_growth_rate == D("-0.05")


def test_follower_growth_rate_from_zero_start_is_unknown():
    k = kpis({}, start=0, end=120)
    assert k.follower_growth == D(120)
    assert k.follower_growth_rate is None


def test_follower_growth_unknown_without_start():
    k = kpis({}, start=None, end=120)
    assert k.follower_growth is None
    assert k.follower_growth_rate is None


def test_roi_can_be_negative():
    k = kpis({"revenue": D("100.00"), "spend": D("150.00")}, production_cost=D("250.00"))
    assert k.total_cost == D("400.00")
    assert k.roi == D("-0.75")
    assert k.roas == D(100) / D(150)


def test_roi_with_zero_revenue_is_minus_one():
    k = kpis({"revenue": D(0), "spend": D("50.00")}, production_cost=D("0.00"))
    assert k.roi == D(-1)
    assert k.roas == D(0)


def test_total_cost_with_only_production_cost_organic_work():
    k = kpis({"revenue": D("600.00")}, production_cost=D("400.00"))
    assert k.media_spend is None
    assert k.total_cost == D("400.00")
    assert k.roi == D("0.5")
    assert k.roas is None  # no media spend recorded


def test_unknown_production_cost_makes_total_cost_and_roi_unknown_not_free():
    k = kpis({"revenue": D("300.00"), "spend": D("200.00")}, production_cost=None)
    assert k.total_cost is None
    assert k.roi is None
    assert k.roas == D("1.5")  # media spend only: still known
    known = kpis({"revenue": D("300.00"), "spend": D("200.00")}, production_cost=D("0.00"))
    assert known.total_cost == D("200.00") and known.roi == D("0.5")


def test_cpm_and_cpc_divide_spend_by_paid_impressions_and_clicks_only():
    totals = {"spend": D("50.00"), "impressions": D(100000), "clicks": D(1000)}
    k = kpis(totals, paid={"spend": D("50.00"), "impressions": D(10000), "clicks": D(100)})
    assert k.cpm == D(5)  # 50 / 10,000 paid impressions × 1000, not 50 / 100,000
    assert k.cpc == D("0.5")
    # Spend on content that reports no clicks (Instagram) is left out of CPC, not added.
    part = compute_kpis(totals, followers_start=None, followers_end=None,
                        paid_clicks=(D("20.00"), D(100)))
    assert part.cpc == D("0.2") and part.cpm is None
    assert k.ctr == D("0.01")  # CTR stays all clicks / all impressions
    none_paid = kpis(totals, paid={})
    assert none_paid.cpm is None and none_paid.cpc is None


def test_total_cost_and_roi_unknown_when_both_costs_missing():
    k = kpis({"revenue": D("300.00")}, production_cost=None)
    assert k.total_cost is None
    assert k.roi is None


def test_roi_unknown_when_total_cost_is_zero():
    k = kpis({"revenue": D("300.00"), "spend": D(0)}, production_cost=D(0))
    assert k.total_cost == D(0)
    assert k.roi is None


def test_roi_unknown_without_revenue():
    k = kpis({"spend": D("100.00")})
    assert k.total_cost == D("400.00")
    assert k.roi is None


def test_engagement_in_kpis_without_saves():
    k = kpis({"reactions": D(10), "comments": D(5), "shares": D(5), "reach": D(100)})
    assert k.engagement == D(20)
    assert k.engagement_rate == D("0.2")


# response rate and share of voice ------------------------------------------------------


def test_response_rate():
    assert response_rate(3, 4) == D("0.75")
    assert response_rate(4, 4) == D(1)


def test_response_rate_zero_replies_is_zero():
    assert response_rate(0, 5) == D(0)


def test_response_rate_without_conversations_is_unknown():
    assert response_rate(0, 0) is None


@pytest.mark.parametrize("replied, total", [(5, 4), (-1, 4), (0, -1)])
def test_response_rate_rejects_impossible_counts(replied, total):
    with pytest.raises(ValueError):
        response_rate(replied, total)


def test_share_of_voice():
    assert share_of_voice(D(30), [D(50), D(20)]) == D("0.3")
    assert share_of_voice(1, [2]) == D(1) / D(3)


def test_share_of_voice_zero_brand_mentions_is_zero():
    assert share_of_voice(D(0), [D(10)]) == D(0)


def test_share_of_voice_nobody_mentioned_is_unknown():
    assert share_of_voice(D(0), [D(0), D(0)]) is None


def test_share_of_voice_without_competitors_is_whole():
    assert share_of_voice(D(7), []) == D(1)


def test_share_of_voice_with_missing_counts_is_unknown():
    assert share_of_voice(None, [D(10)]) is None
    assert share_of_voice(D(10), [D(10), None]) is None


# business hours ------------------------------------------------------------------------

MON = date(2026, 3, 23)  # a Monday


def at(day: date, hour: int, minute: int = 0, tz=UTC) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


NINE_TO_SIX_UTC = BusinessHours()


def test_default_business_hours_are_weekdays_nine_to_six():
    assert NINE_TO_SIX_UTC.timezone == "UTC"
    assert NINE_TO_SIX_UTC.week[:5] == (((time(9), time(18)),),) * 5
    assert NINE_TO_SIX_UTC.week[5:] == ((), ())


def test_business_seconds_within_one_day():
    assert business_seconds_between(at(MON, 10), at(MON, 11, 30), NINE_TO_SIX_UTC) == 5400


def test_business_seconds_clip_to_opening_and_closing():
    assert business_seconds_between(at(MON, 7), at(MON, 20), NINE_TO_SIX_UTC) == 9 * 3600


def test_business_seconds_outside_hours_are_zero():
    assert business_seconds_between(at(MON, 18, 30), at(MON, 23), NINE_TO_SIX_UTC) == 0


def test_business_seconds_over_a_night():
    tue = MON + timedelta(days=1)
    assert business_seconds_between(at(MON, 17), at(tue, 10), NINE_TO_SIX_UTC) == 2 * 3600


def test_business_seconds_over_a_weekend():
    fri, mon = MON + timedelta(days=4), MON + timedelta(days=7)
    assert business_seconds_between(at(fri, 17), at(mon, 10), NINE_TO_SIX_UTC) == 2 * 3600


def test_business_seconds_within_a_weekend_are_zero():
    sat, sun = MON + timedelta(days=5), MON + timedelta(days=6)
    assert business_seconds_between(at(sat, 10), at(sun, 17), NINE_TO_SIX_UTC) == 0


def test_business_seconds_over_a_whole_week():
    assert business_seconds_between(at(MON, 0), at(MON + timedelta(days=7), 0),
                                    NINE_TO_SIX_UTC) == 5 * 9 * 3600


def test_business_seconds_end_before_start_is_zero():
    assert business_seconds_between(at(MON, 12), at(MON, 10), NINE_TO_SIX_UTC) == 0


def test_business_seconds_counts_whole_seconds():
    start = at(MON, 10)
    end = start + timedelta(seconds=90, microseconds=999_999)
    assert business_seconds_between(start, end, NINE_TO_SIX_UTC) == 90


def test_business_seconds_use_the_brands_timezone():
    rome = BusinessHours(timezone="Europe/Rome")
    # 08:30 UTC is 09:30 in Rome (CET, UTC+1): half an hour after opening.
    assert business_seconds_between(at(MON, 8), at(MON, 8, 30), rome) == 30 * 60
    # Inputs in another zone are the same instants: 03:00 New York is 08:00 UTC.
    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 23, 4, 0, tzinfo=new_york)  # 08:00 UTC, 09:00 Rome
    end = datetime(2026, 3, 23, 5, 0, tzinfo=new_york)  # 09:00 UTC, 10:00 Rome
    assert business_seconds_between(start, end, rome) == 3600


def test_business_seconds_over_the_spring_dst_weekend():
    rome = BusinessHours(timezone="Europe/Rome")
    # Rome moves to CEST on Sunday 2026-03-29. Friday 17:00 CET is 16:00 UTC and
    # Monday 10:00 CEST is 08:00 UTC: one hour on Friday, one on Monday.
    start = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)
    end = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert business_seconds_between(start, end, rome) == 2 * 3600


def test_business_seconds_over_the_autumn_dst_weekend():
    rome = BusinessHours(timezone="Europe/Rome")
    # Back to CET on Sunday 2026-10-25: Friday 17:00 CEST = 15:00 UTC, Monday 10:00 CET = 09:00 UTC.
    start = datetime(2026, 10, 23, 15, 0, tzinfo=UTC)
    end = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert business_seconds_between(start, end, rome) == 2 * 3600


def test_dst_days_last_23_and_25_hours_when_always_open():
    spring = business_seconds_between(
        datetime(2026, 3, 28, 12, tzinfo=ROME), datetime(2026, 3, 29, 12, tzinfo=ROME),
        ALWAYS_OPEN_ROME,
    )
    autumn = business_seconds_between(
        datetime(2026, 10, 24, 12, tzinfo=ROME), datetime(2026, 10, 25, 12, tzinfo=ROME),
        ALWAYS_OPEN_ROME,
    )
    assert spring == 23 * 3600
    assert autumn == 25 * 3600


def test_business_seconds_with_a_lunch_break():
    split = BusinessHours(week=(((time(9), time(13)), (time(14), time(18))),) * 5 + ((), ()))
    assert business_seconds_between(at(MON, 12), at(MON, 15), split) == 2 * 3600


def test_business_seconds_need_aware_datetimes():
    with pytest.raises(ValueError, match="aware"):
        business_seconds_between(datetime(2026, 3, 23, 10), at(MON, 11), NINE_TO_SIX_UTC)


def test_business_hours_validation():
    with pytest.raises(ValueError, match="7"):
        BusinessHours(week=(((time(9), time(18)),),) * 5)
    with pytest.raises(ValueError, match="closes before"):
        BusinessHours(week=(((time(18), time(9)),),) * 7)
    with pytest.raises(ValueError, match="overlap"):
        BusinessHours(week=(((time(9), time(13)), (time(12), time(18))),) * 7)
    with pytest.raises(ZoneInfoNotFoundError):
        BusinessHours(timezone="Mars/Olympus_Mons")


# response time stats -------------------------------------------------------------------


def test_response_time_stats_empty():
    assert response_time_stats([]) == (None, None)


def test_response_time_stats_single_value():
    assert response_time_stats([42]) == (D(42), D(42))


def test_response_time_stats_odd_count_unsorted():
    # nearest rank for p90 of 3 values: ceil(2.7) = 3rd smallest
    assert response_time_stats([300, 60, 120]) == (D(120), D(300))


def test_response_time_stats_even_count_averages_the_middle():
    assert response_time_stats(list(range(1, 11))) == (D("5.5"), D(9))


@pytest.mark.parametrize(
    "n, p90",
    [(9, 9), (10, 9), (11, 10), (20, 18), (21, 19), (100, 90)],
)
def test_p90_is_nearest_rank(n, p90):
    _, result = response_time_stats(list(range(1, n + 1)))
    assert result == D(p90)


def test_response_time_stats_reject_negative_durations():
    with pytest.raises(ValueError):
        response_time_stats([10, -1])
