"""KPI targets against actuals: on track or not, given how much of the period has passed."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from domain.rules.metric_catalog import CANONICAL_METRICS, Aggregation

# Figures where less is better (unit costs, response times): a rise is shown as bad.
LOWER_IS_BETTER = frozenset({"cpm", "cpc", "cpa", "first_response_time_median",
                             "first_response_time_p90"})
# A target on these is a ceiling too: a budget not to exceed.
CEILINGS = LOWER_IS_BETTER | {"spend", "media_spend", "total_cost", "production_cost"}

# Figures that build up over a period, so by the middle of a period about half the target
# should be reached: every summed canonical metric and the KPIs that are sums of them.
CUMULATIVE = frozenset(
    {n for n, m in CANONICAL_METRICS.items() if m.aggregation is Aggregation.SUM}
    | {"engagement", "media_spend", "total_cost", "production_cost", "follower_growth"})

AT_RISK_MARGIN = Decimal("0.10")
"""How far behind the expected value (as a share of it) a figure is AT_RISK, not OFF_TRACK."""


class TargetStatus(StrEnum):
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    OFF_TRACK = "OFF_TRACK"
    NO_DATA = "NO_DATA"


def expected_by_now(kpi: str, target: Decimal, days_measured: int, days_total: int
                    ) -> Decimal | None:
    """What the figure should be after `days_measured` of `days_total` days to meet `target`
    at the end: the target times the elapsed share for cumulative figures (reach, spend,
    engagement), the target itself for rates, ratios and stocks (CTR, ROAS, followers).
    None before any day is measured."""
    if days_measured <= 0 or days_total <= 0:
        return None
    if kpi in CUMULATIVE:
        return target * Decimal(min(days_measured, days_total)) / Decimal(days_total)
    return target


def target_status(kpi: str, target: Decimal, actual: Decimal | None, days_measured: int,
                  days_total: int) -> TargetStatus:
    """The documented rule (domain.rules.definitions.TARGET_STATUS): compare the actual
    with `expected_by_now`; ON_TRACK when it is at least that (at most, for CEILINGS), AT_RISK
    when it misses by no more than AT_RISK_MARGIN of it, else OFF_TRACK; NO_DATA when the
    actual is unknown or no day of the period is measured yet."""
    expected = expected_by_now(kpi, target, days_measured, days_total)
    if actual is None or expected is None:
        return TargetStatus.NO_DATA
    if kpi in CEILINGS:
        if actual <= expected:
            return TargetStatus.ON_TRACK
        within = actual <= expected * (1 + AT_RISK_MARGIN)
    else:
        if actual >= expected:
            return TargetStatus.ON_TRACK
        within = actual >= expected * (1 - AT_RISK_MARGIN)
    return TargetStatus.AT_RISK if within else TargetStatus.OFF_TRACK
