"""How each figure is computed, in words: one registry for API descriptions and report appendix.

The formulas themselves are in `domain.rules.kpis` and `domain.services.analytics`; each
text here says what they do, and a unit test keeps the two from drifting (inputs read by
`compute_kpis` are listed in `inputs`). The texts are English message ids: the reports
translate them through their catalogue (`N_` marks them for `pybabel extract`), the API
prints them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:  # noqa: N802 (gettext's marker name)
    """Marks a message id for extraction; translation happens where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class Definition:
    name: str  # snake_case KPI or metric name, as in Kpis and the canonical catalogue
    text: str  # one or two sentences: what it is and how it is computed
    # Canonical metrics read; "paid:x" = x and spend of the post-days reporting both.
    inputs: tuple[str, ...]
    uses_production_cost: bool = False


ENGAGEMENT_INPUTS = ("reactions", "comments", "shares", "saves")

DEFINITIONS: dict[str, Definition] = {d.name: d for d in (
    Definition("reach", N_(
        "The sum of each day's reach over the period. The same person reached on two "
        "days counts twice, so it is not the number of distinct people reached."),
        ("reach",)),
    Definition("impressions", N_(
        "Times content was shown. For each channel it comes from the "
        "account-level figures where the platform gives them, else from the sum of its "
        "posts; the brand adds up its channels."), ("impressions",)),
    Definition("clicks", N_(
        "As each platform counts them, taken like impressions. On Facebook these "
        "are page actions (any click on the page or its posts), not link clicks; on "
        "Instagram, clicks on the profile's website link; on X, link clicks."), ("clicks",)),
    Definition("engagement", N_(
        "Reactions, comments, shares and saves added up; a part the platform "
        "does not report is left out, not counted as zero."), ENGAGEMENT_INPUTS),
    Definition("engagement_rate", N_("Engagement divided by reach."),
               (*ENGAGEMENT_INPUTS, "reach")),
    Definition("ctr", N_("Clicks divided by impressions."), ("clicks", "impressions")),
    Definition("cpm", N_(
        "Media spend per thousand impressions of paid content: only the days on which a "
        "post reports both spend and impressions count, so organic impressions do not "
        "dilute it."), ("paid:impressions",)),
    Definition("cpc", N_(
        "Media spend divided by clicks, over the days on which a post reports both; spend "
        "on content whose platform reports no clicks is left out, not spread over others' "
        "clicks."), ("paid:clicks",)),
    Definition("cpa", N_("Media spend divided by conversions."),
               ("spend", "conversions")),
    Definition("roas", N_("Revenue divided by media spend."), ("revenue", "spend")),
    Definition("production_cost", N_(
        "Each campaign's production and staff cost, spread evenly over its "
        "days; the period counts the days it shares with the campaign. It is unknown when "
        "no campaign with a recorded cost covers the period."), (),
        uses_production_cost=True),
    Definition("total_cost", N_(
        "Media spend plus production cost; unknown when production cost is."),
        ("spend",), uses_production_cost=True),
    Definition("roi", N_(
        "Revenue minus total cost, divided by total cost. When production cost is "
        "unknown, ROI is unknown (—): it is never computed as if production were free."),
        ("revenue", "spend"), uses_production_cost=True),
    Definition("follower_growth_rate", N_(
        "Followers gained net of those lost, divided by followers at "
        "the start of the period."), ("followers",)),
)}

# Shown in the appendix of the ROI report, in this order.
APPENDIX = ("reach", "impressions", "clicks", "engagement", "engagement_rate", "ctr", "cpm",
            "cpc", "cpa", "roas", "production_cost", "total_cost", "roi",
            "follower_growth_rate")

PARTIAL_PERIOD = N_(
    "A period that has not ended, or whose data has not been synced to its end, is marked "
    "partial: its figures run through the last day every channel has data for, and it is "
    "compared with the same number of days at the start of the previous period.")
# For the API and README only (no report prints it yet, so it is not in the catalogue).
TARGET_STATUS = (
    "A target is judged against what the figure should be by now: for a figure that builds "
    "up over the period (reach, engagement, spend, clicks) the target times the share of "
    "the period's days measured so far; for a rate, ratio or stock (CTR, ROAS, followers) "
    "the target itself. ON_TRACK: at least that (at most, for costs and budgets); AT_RISK: "
    "short of it (over it) by at most 10%; OFF_TRACK: further off; NO_DATA: the figure is "
    "unknown or no day of the period is measured yet.")
MEDIA_SPLIT_TOTALS = N_(
    "The media split adds up posts only, while headline totals prefer each channel's "
    "account-level figures, so the two totals differ.")

# What a canonical metric means on a platform where it is not what its name suggests.
PLATFORM_NOTES: dict[tuple[str, str], str] = {
    ("facebook", "clicks"): N_(
        "Clicks on Facebook are page actions (any click on the page or its posts), not "
        "link clicks."),
}


def describe(name: str) -> str | None:
    """The English definition of a KPI or metric, for API descriptions; None if not defined."""
    definition = DEFINITIONS.get(name)
    return definition.text if definition else None
