"""The BRIEF's six common mistakes (seed 004) as pure checks, each with the data that decided it."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.enums import CampaignObjective, ContentPillar, MediaType, Role
from domain.rules.kpis import ratio

# Thresholds, named so the report can say what a flag means.
MAX_PROMOTIONAL_SHARE = Decimal("0.5")  # more than half of the posts selling
MAX_PAID_SHARE = Decimal("0.5")
MIN_RESPONSE_RATE = Decimal("0.5")  # fewer than half of the conversations answered
MIN_POSTS_TO_JUDGE = 5
MIN_CAMPAIGN_DAYS = 28  # audience, community and authority need a month at least
PLAN_HORIZON_DAYS = 14
MIN_POSTS_PER_WEEK = 2
SALES_OBJECTIVES = frozenset({CampaignObjective.PRODUCT_LAUNCH, CampaignObjective.STORE_PROMOTION,
                              CampaignObjective.LEAD_GENERATION})
FINANCIAL_KPIS = frozenset({"roi", "roas", "cpa", "cpc", "conversions", "revenue"})
_SPACE = re.compile(r"\s+")


class Mistake(StrEnum):
    ADVERTISING_ONLY = "ADVERTISING_ONLY"
    IMMEDIATE_ROI = "IMMEDIATE_ROI"
    NO_COMMUNITY_MANAGER = "NO_COMMUNITY_MANAGER"
    NO_BUDGET = "NO_BUDGET"
    SAME_EVERYWHERE = "SAME_EVERYWHERE"
    NO_PLAN = "NO_PLAN"


class Verdict(StrEnum):
    FLAGGED = "FLAGGED"
    OK = "OK"
    UNKNOWN = "UNKNOWN"  # too little data to judge


Evidence = tuple[tuple[str, object], ...]
"""(name, value) pairs; values are int, Decimal, str, bool or tuples of str."""


@dataclass(frozen=True, slots=True)
class Finding:
    mistake: Mistake
    verdict: Verdict
    evidence: Evidence = ()

    @property
    def flagged(self) -> bool:
        return self.verdict is Verdict.FLAGGED

    def get(self, name: str) -> object:
        return dict(self.evidence).get(name)


@dataclass(frozen=True, slots=True)
class PostFacts:
    platform: str
    pillar: str
    media_type: str
    text: str
    day: date  # local day it was (or is to be) published


@dataclass(frozen=True, slots=True)
class CampaignFacts:
    name: str
    objective: str
    status: str
    starts_on: date
    ends_on: date
    kpi_targets: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


@dataclass(frozen=True, slots=True)
class HealthInputs:
    """What the checks look at; `recent_posts` were published in the period looked back on."""

    recent_posts: Sequence[PostFacts]
    planned_posts: Sequence[PostFacts]  # the plan of the period ahead, from `plan_start`
    plan_start: date
    campaigns: Sequence[CampaignFacts]
    roles_held: frozenset[str]
    has_strategy: bool
    objectives: tuple[str, ...]
    strategy_kpis: tuple[str, ...]
    budget: Decimal | None
    spend: Decimal | None
    production_cost: Decimal | None
    response_rate: Decimal | None = None  # None: no conversation data to judge from


def advertising_only(i: HealthInputs) -> Finding:
    posts = i.recent_posts
    promo = sum(1 for p in posts if p.pillar == ContentPillar.PROMOTIONAL)
    paid = sum(1 for p in posts if p.media_type == MediaType.PAID)
    promo_share, paid_share = ratio(promo, len(posts)), ratio(paid, len(posts))
    evidence: list[tuple[str, object]] = [
        ("posts", len(posts)), ("promotional_posts", promo), ("promotional_share", promo_share),
        ("paid_share", paid_share)]
    if i.response_rate is not None:
        evidence.append(("response_rate", i.response_rate))
    low_replies = i.response_rate is not None and i.response_rate < MIN_RESPONSE_RATE
    if len(posts) < MIN_POSTS_TO_JUDGE and i.response_rate is None:
        return Finding(Mistake.ADVERTISING_ONLY, Verdict.UNKNOWN, tuple(evidence))
    selling = len(posts) >= MIN_POSTS_TO_JUDGE and (
        (promo_share or 0) > MAX_PROMOTIONAL_SHARE or (paid_share or 0) > MAX_PAID_SHARE)
    verdict = Verdict.FLAGGED if selling or low_replies else Verdict.OK
    return Finding(Mistake.ADVERTISING_ONLY, verdict, tuple(evidence))


def immediate_roi(i: HealthInputs) -> Finding:
    short = [c for c in i.campaigns
             if c.days < MIN_CAMPAIGN_DAYS and c.status != "DRAFT"
             and (c.objective in SALES_OBJECTIVES or FINANCIAL_KPIS & set(c.kpi_targets))]
    targets = set(i.strategy_kpis)
    money_only = bool(targets) and targets <= FINANCIAL_KPIS
    evidence: Evidence = (
        ("short_campaigns", tuple(f"{c.name} ({c.days})" for c in short)),
        ("financial_targets_only", money_only),
        ("min_days", MIN_CAMPAIGN_DAYS),
    )
    if not i.campaigns and not targets:
        return Finding(Mistake.IMMEDIATE_ROI, Verdict.UNKNOWN, evidence)
    verdict = Verdict.FLAGGED if short or money_only else Verdict.OK
    return Finding(Mistake.IMMEDIATE_ROI, verdict, evidence)


def no_community_manager(i: HealthInputs) -> Finding:
    held = i.roles_held
    verdict = Verdict.OK if Role.COMMUNITY_MANAGER in held else Verdict.FLAGGED
    return Finding(Mistake.NO_COMMUNITY_MANAGER, verdict,
                   (("roles_held", tuple(r for r in Role if r in held)),))


def no_budget(i: HealthInputs) -> Finding:
    def nothing(amount: Decimal | None) -> bool:
        return amount is None or amount == 0

    evidence: Evidence = (("budget", i.budget), ("spend", i.spend),
                          ("production_cost", i.production_cost))
    flagged = nothing(i.budget) and nothing(i.spend) and nothing(i.production_cost)
    return Finding(Mistake.NO_BUDGET, Verdict.FLAGGED if flagged else Verdict.OK, evidence)


def normalized(text: str) -> str:
    """The text as a reader compares it: case and spacing aside."""
    return _SPACE.sub(" ", text).strip().casefold()


def same_everywhere(i: HealthInputs) -> Finding:
    platforms: dict[str, set[str]] = defaultdict(set)
    first_seen: dict[str, str] = {}
    for post in [*i.recent_posts, *i.planned_posts]:
        key = normalized(post.text)
        if key:
            platforms[key].add(post.platform)
            first_seen.setdefault(key, post.text.strip())
    repeated = sorted((k for k, seen in platforms.items() if len(seen) > 1),
                      key=lambda k: (-len(platforms[k]), k))
    examples = tuple(f"{first_seen[k][:120]} — {', '.join(sorted(platforms[k]))}"
                     for k in repeated[:3])
    evidence: Evidence = (("repeated_texts", len(repeated)), ("examples", examples))
    if len(i.recent_posts) + len(i.planned_posts) < MIN_POSTS_TO_JUDGE:
        return Finding(Mistake.SAME_EVERYWHERE, Verdict.UNKNOWN, evidence)
    return Finding(Mistake.SAME_EVERYWHERE, Verdict.FLAGGED if repeated else Verdict.OK,
                   evidence)


def no_plan(i: HealthInputs) -> Finding:
    horizon_end = i.plan_start + timedelta(days=PLAN_HORIZON_DAYS)
    ahead = [p for p in i.planned_posts if i.plan_start <= p.day < horizon_end]
    weeks = PLAN_HORIZON_DAYS // 7
    empty_weeks = sum(
        1 for w in range(weeks)
        if not any(i.plan_start + timedelta(days=7 * w) <= p.day
                   < i.plan_start + timedelta(days=7 * (w + 1)) for p in ahead))
    evidence: Evidence = (
        ("objectives", len(i.objectives)), ("planned_posts", len(ahead)),
        ("horizon_days", PLAN_HORIZON_DAYS), ("empty_weeks", empty_weeks))
    flagged = (not i.has_strategy or not i.objectives
               or len(ahead) < MIN_POSTS_PER_WEEK * weeks or empty_weeks > 0)
    return Finding(Mistake.NO_PLAN, Verdict.FLAGGED if flagged else Verdict.OK, evidence)


CHECKS = (advertising_only, immediate_roi, no_community_manager, no_budget, same_everywhere,
          no_plan)


def health_check(inputs: HealthInputs) -> tuple[Finding, ...]:
    """The six checks in the BRIEF's order."""
    return tuple(check(inputs) for check in CHECKS)


def flagged(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.flagged]
