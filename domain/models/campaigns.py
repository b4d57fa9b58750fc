"""Campaigns: an objective, dates, budget and costs, channels, UTM and KPI targets."""

from __future__ import annotations

from piccolo.columns import JSON, Date, ForeignKey, Text, Varchar

from domain.enums import CampaignObjective, CampaignStatus
from domain.models.base import Table
from domain.models.brands import Brand, Channel
from domain.models.columns import created_at, money


class Campaign(Table):
    brand = ForeignKey(Brand, null=False, index=True)
    name = Varchar(length=200)
    description = Text(default="")
    objective = Varchar(length=30, choices=CampaignObjective)
    status = Varchar(length=20, choices=CampaignStatus, default=CampaignStatus.DRAFT)
    starts_on = Date()
    ends_on = Date()
    planned_budget = money()
    production_cost = money()
    currency = Varchar(length=3, default="EUR")
    utm_source = Varchar(length=100, default="")
    utm_medium = Varchar(length=100, default="")
    utm_campaign = Varchar(length=100, default="")
    utm_term = Varchar(length=100, default="")
    utm_content = Varchar(length=100, default="")
    kpi_targets = JSON(default=[])  # [{kpi, target}]
    created_at = created_at()
    # The importer's own id for the campaign; (brand, ref) is unique.
    ref = Varchar(length=200, null=True, default=None)


class CampaignChannel(Table):
    """Which channels a campaign runs on; (campaign, channel) is unique."""

    campaign = ForeignKey(Campaign, null=False, index=True)
    channel = ForeignKey(Channel, null=False, index=True)
