"""What the demo brands plan: this quarter's strategy and three campaigns around `today`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain.demo.agency import EN, IT
from domain.enums import CampaignObjective, CampaignStatus, Platform

P = Platform


def quarter(today: date) -> tuple[date, date, int]:
    """First day, last day and number of `today`'s quarter."""
    q = (today.month - 1) // 3
    starts = date(today.year, 3 * q + 1, 1)
    ends = date(today.year + (q == 3), (3 * q + 3) % 12 + 1, 1) - timedelta(days=1)
    return starts, ends, q + 1


def strategy(slug: str, today: date) -> dict[str, Any]:
    """The brand's strategy for `today`'s quarter, as Strategy column values."""
    starts, ends, q = quarter(today)
    if slug == IT:
        return dict(
            name=f"Strategia social T{q} {today.year}", starts_on=starts,
            ends_on=ends, budget=Decimal("9000.00"), currency="EUR",
            objectives=["Far conoscere la torrefazione oltre Milano",
                        "Lanciare la miscela Aurora Oro",
                        "Portare clienti in bottega e sull'e-shop"],
            target_audience="Amanti del caffè tra i 25 e i 45 anni a Milano e nel Nord "
                            "Italia, attenti alla qualità e alla filiera; baristi e piccoli "
                            "bar.",
            platforms=[
                {"platform": "instagram", "rationale": "Il caffè si racconta per immagini: "
                 "reel della tostatura e caroselli sulle origini."},
                {"platform": "facebook", "rationale": "Pubblico over 40 e clienti della "
                 "bottega; eventi e promozioni locali."},
                {"platform": "tiktok", "rationale": "Raggiungere i più giovani con video brevi "
                 "e un tono ironico."}],
            competitors=[
                {"name": "Caffè Nero Milano", "handles": ["@caffeneromilano"]},
                {"name": "Torrefazione Lombarda", "handles": ["@torrefazionelombarda",
                                                              "torrefazionelombarda"]}],
            kpi_targets=[{"kpi": "engagement_rate", "target": 0.05},
                         {"kpi": "follower_growth_rate", "target": 0.06},
                         {"kpi": "ctr", "target": 0.008}, {"kpi": "roas", "target": 3.0}],
        )
    return dict(
        name=f"Social strategy Q{q} {today.year}", starts_on=starts,
        ends_on=ends, budget=Decimal("12000.00"), currency="GBP",
        objectives=["Become London's go-to commuter bike workshop",
                    "Generate fleet leads from local businesses",
                    "Grow the YouTube workshop channel"],
        target_audience="London commuters aged 25–50, and HR and facilities managers at "
                        "companies with 20–500 staff.",
        platforms=[
            {"platform": "linkedin", "rationale": "Where HR and facilities managers decide on "
             "fleet and cycle-to-work schemes."},
            {"platform": "x", "rationale": "Commuter conversation and local cycling news."},
            {"platform": "instagram", "rationale": "Product and lifestyle for riders."},
            {"platform": "youtube", "rationale": "Workshop how-tos build authority and search "
             "traffic."}],
        competitors=[
            {"name": "Pedal Works", "handles": ["@pedalworks", "pedal-works"]},
            {"name": "CityCycle Co", "handles": ["@citycycleco"]}],
        kpi_targets=[{"kpi": "engagement_rate", "target": 0.035},
                     {"kpi": "follower_growth_rate", "target": 0.05},
                     {"kpi": "ctr", "target": 0.01}, {"kpi": "roas", "target": 2.5}],
    )


def campaigns(today: date) -> list[dict[str, Any]]:
    """The campaigns of both brands, dated around `today`."""
    def d(n: int) -> date:
        return today + timedelta(days=n)

    return [
        dict(brand=IT, name="Lancio Miscela Aurora Oro", objective=CampaignObjective.PRODUCT_LAUNCH,
             status=CampaignStatus.ACTIVE, starts_on=d(-40), ends_on=d(20),
             planned_budget=Decimal("2500.00"), production_cost=Decimal("1200.00"),
             description="La nuova miscela in bottega e online: reel della tostatura, "
                         "degustazioni e una promozione per chi ci segue.",
             utm_medium="paid_social", utm_campaign="aurora-oro", promotional=True,
             platforms=(P.INSTAGRAM, P.FACEBOOK, P.TIKTOK),
             kpi_targets=[{"kpi": "roas", "target": 3.0}, {"kpi": "ctr", "target": 0.01},
                          {"kpi": "engagement_rate", "target": 0.05}]),
        dict(brand=IT, name="Apertura bottega Porta Romana",
             objective=CampaignObjective.STORE_PROMOTION, status=CampaignStatus.COMPLETED,
             starts_on=d(-88), ends_on=d(-45), planned_budget=Decimal("1500.00"),
             production_cost=Decimal("800.00"),
             description="La seconda bottega: inviti all'inaugurazione e degustazioni.",
             utm_medium="social", utm_campaign="porta-romana", promotional=True,
             platforms=(P.INSTAGRAM, P.FACEBOOK),
             kpi_targets=[{"kpi": "follower_growth_rate", "target": 0.04},
                          {"kpi": "engagement_rate", "target": 0.045}]),
        dict(brand=EN, name="Bikes for Business", objective=CampaignObjective.LEAD_GENERATION,
             status=CampaignStatus.ACTIVE, starts_on=d(-30), ends_on=d(30),
             planned_budget=Decimal("4000.00"), production_cost=Decimal("1500.00"),
             description="Fleet bikes and cycle-to-work schemes for London employers.",
             utm_medium="paid_social", utm_campaign="bikes-for-business", promotional=False,
             platforms=(P.LINKEDIN, P.X, P.YOUTUBE),
             kpi_targets=[{"kpi": "cpa", "target": 45.0}, {"kpi": "ctr", "target": 0.012},
                          {"kpi": "roi", "target": 0.5}]),
    ]
