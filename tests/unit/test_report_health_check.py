"""The six common mistakes as pure rules: each flags on its data and says what it saw."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from domain.rules.health_check import (
    CampaignFacts,
    HealthInputs,
    Mistake,
    PostFacts,
    Verdict,
    advertising_only,
    health_check,
    immediate_roi,
    no_budget,
    no_community_manager,
    no_plan,
    normalized,
    same_everywhere,
)

START = date(2026, 12, 1)


def post(pillar: str = "INFORMATIVE", media: str = "OWNED", platform: str = "instagram",
         text: str = "", day: date = START) -> PostFacts:
    return PostFacts(platform, pillar, media, text or f"post {id(object())}", day)


def healthy() -> HealthInputs:
    """A brand doing everything right: every check says OK."""
    recent = [post(pillar=p, text=f"recent {i}", day=START - timedelta(days=i + 1))
              for i, p in enumerate(["INFORMATIVE", "OPINION", "PROMOTIONAL", "INFORMATIVE",
                                     "OPINION", "INFORMATIVE"])]
    planned = [post(text=f"planned {i}", day=START + timedelta(days=i * 3)) for i in range(6)]
    return HealthInputs(
        recent_posts=recent, planned_posts=planned, plan_start=START,
        campaigns=[CampaignFacts("Launch", "PRODUCT_LAUNCH", "ACTIVE", START,
                                 START + timedelta(days=59), ("roas",))],
        roles_held=frozenset({"STRATEGIST", "MANAGER", "COMMUNITY_MANAGER"}),
        has_strategy=True, objectives=("Grow awareness",),
        strategy_kpis=("engagement_rate", "roas"), budget=D("9000.00"), spend=D("450.00"),
        production_cost=D("800.00"),
    )


def test_a_healthy_brand_passes_all_six_in_order():
    findings = health_check(healthy())
    assert [f.mistake for f in findings] == list(Mistake)
    assert [f.verdict for f in findings] == [Verdict.OK] * 6


def test_mostly_promotional_posts_flag_advertising_only_with_the_share():
    inputs = replace(healthy(), recent_posts=[post(pillar="PROMOTIONAL", text=f"buy {i}")
                                              for i in range(4)] + [post(text="hello")] * 2)
    finding = advertising_only(inputs)
    assert finding.verdict is Verdict.FLAGGED
    assert finding.get("promotional_posts") == 4
    assert finding.get("promotional_share") == D(4) / D(6)


def test_mostly_paid_posts_flag_advertising_only():
    inputs = replace(healthy(), recent_posts=[post(media="PAID", text=f"ad {i}")
                                              for i in range(5)])
    finding = advertising_only(inputs)
    assert finding.verdict is Verdict.FLAGGED and finding.get("paid_share") == 1


def test_a_low_response_rate_flags_advertising_only_even_with_few_posts():
    inputs = replace(healthy(), recent_posts=[], response_rate=D("0.2"))
    finding = advertising_only(inputs)
    assert finding.verdict is Verdict.FLAGGED and finding.get("response_rate") == D("0.2")


def test_too_few_posts_and_no_conversations_is_unknown_not_ok():
    finding = advertising_only(replace(healthy(), recent_posts=[post(pillar="PROMOTIONAL")]))
    assert finding.verdict is Verdict.UNKNOWN
    assert "response_rate" not in dict(finding.evidence)  # no inbox data: not shown as 0


def test_a_short_sales_campaign_flags_immediate_roi_with_its_length():
    short = CampaignFacts("Flash sale", "STORE_PROMOTION", "COMPLETED", START,
                          START + timedelta(days=9))
    finding = immediate_roi(replace(healthy(), campaigns=[short]))
    assert finding.verdict is Verdict.FLAGGED
    assert finding.get("short_campaigns") == ("Flash sale (10)",)


def test_a_short_awareness_campaign_without_money_targets_is_fine():
    short = CampaignFacts("Teaser", "BRAND_AWARENESS", "ACTIVE", START, START + timedelta(days=9))
    assert immediate_roi(replace(healthy(), campaigns=[short])).verdict is Verdict.OK


def test_only_financial_strategy_targets_flag_immediate_roi():
    finding = immediate_roi(replace(healthy(), strategy_kpis=("roi", "cpa")))
    assert finding.verdict is Verdict.FLAGGED and finding.get("financial_targets_only") is True


def test_nobody_in_the_community_manager_role_is_flagged_with_the_roles_held():
    finding = no_community_manager(replace(healthy(), roles_held=frozenset({"MANAGER"})))
    assert finding.verdict is Verdict.FLAGGED and finding.get("roles_held") == ("MANAGER",)


@pytest.mark.parametrize(("budget", "spend", "cost", "verdict"), [
    (None, None, None, Verdict.FLAGGED),
    (D(0), D(0), None, Verdict.FLAGGED),
    (None, D("12.50"), None, Verdict.OK),
    (D("100"), None, None, Verdict.OK),
    (None, None, D("300"), Verdict.OK),
])
def test_no_budget_unless_something_was_budgeted_or_spent(budget, spend, cost, verdict):
    finding = no_budget(replace(healthy(), budget=budget, spend=spend, production_cost=cost))
    assert finding.verdict is verdict
    assert finding.get("budget") == budget and finding.get("spend") == spend


def test_the_same_text_on_two_platforms_is_flagged_with_an_example():
    text = "Our new  blend is here!\n#coffee"
    inputs = replace(healthy(), planned_posts=[
        *healthy().planned_posts, post(platform="instagram", text=text),
        post(platform="facebook", text="our new blend is here! #coffee")])
    finding = same_everywhere(inputs)
    assert finding.verdict is Verdict.FLAGGED and finding.get("repeated_texts") == 1
    assert finding.get("examples") == ("Our new  blend is here!\n#coffee — facebook, instagram",)


def test_the_same_text_twice_on_one_platform_is_not_the_same_presence_everywhere():
    inputs = replace(healthy(), planned_posts=[*healthy().planned_posts,
                                               post(text="again"), post(text="again")])
    assert same_everywhere(inputs).verdict is Verdict.OK


def test_normalized_ignores_case_and_spacing_only():
    assert normalized("  Hello\n\nWorld ") == normalized("hello world")
    assert normalized("Hello, world") != normalized("Hello world")


def test_no_strategy_or_no_objectives_flags_no_plan():
    assert no_plan(replace(healthy(), has_strategy=False, objectives=())).flagged
    assert no_plan(replace(healthy(), objectives=())).flagged


def test_an_empty_second_week_flags_no_plan_with_the_count():
    first_week = [post(text=f"p{i}", day=START + timedelta(days=i)) for i in range(5)]
    finding = no_plan(replace(healthy(), planned_posts=first_week))
    assert finding.verdict is Verdict.FLAGGED
    assert finding.get("planned_posts") == 5 and finding.get("empty_weeks") == 1


def test_posts_before_the_plan_start_do_not_count_as_planned():
    before = [post(text=f"p{i}", day=START - timedelta(days=1)) for i in range(9)]
    assert no_plan(replace(healthy(), planned_posts=before)).get("planned_posts") == 0
