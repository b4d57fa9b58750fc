"""Brands with their kit, per-brand role memberships, channels and strategies."""

from __future__ import annotations

from piccolo.columns import JSON, Date, ForeignKey, Integer, Text, Timestamptz, Varchar

from domain.enums import ChannelStatus, Platform, Role
from domain.models.accounts import User, Workspace
from domain.models.base import Table
from domain.models.columns import created_at, money


class Brand(Table):
    workspace = ForeignKey(Workspace, null=False, index=True)
    name = Varchar(length=200)
    slug = Varchar(length=80)  # unique per workspace (index in the migrations)
    locale = Varchar(length=20, default="en_US")
    timezone = Varchar(length=64, default="UTC")
    currency = Varchar(length=3, default="EUR")
    # Brand kit for reports.
    logo = Text(default="")
    primary_color = Varchar(length=7, default="#1F2937")
    secondary_color = Varchar(length=7, default="#3B82F6")
    font = Varchar(length=100, default="")
    # Opening hours for the inbox's response times: [{weekday 0-6 (Monday 0), opens
    # "HH:MM", closes "HH:MM"}] in the brand's timezone; [] means Monday-Friday 9-18.
    business_hours = JSON(default=[])
    created_at = created_at()


class Membership(Table):
    """One role of one user on one brand; (user, brand, role) is unique."""

    user = ForeignKey(User, null=False, index=True)
    brand = ForeignKey(Brand, null=False, index=True)
    role = Varchar(length=20, choices=Role)
    created_at = created_at()


class Channel(Table):
    """A brand's account on one platform."""

    brand = ForeignKey(Brand, null=False, index=True)
    platform = Varchar(length=20, choices=Platform)
    handle = Varchar(length=200)
    name = Varchar(length=200, default="")
    external_id = Varchar(length=200, default="")
    created_at = created_at()
    # Connection: tokens are encrypted at rest (domain.services.secrets), never returned.
    status = Varchar(length=20, choices=ChannelStatus, default=ChannelStatus.DISCONNECTED)
    access_token = Text(default="")
    refresh_token = Text(default="")
    token_expires_at = Timestamptz(null=True, default=None)
    connected_at = Timestamptz(null=True, default=None)
    token_version = Integer(default=0)
    """Bumped by every token written: a refresh compares it so two jobs refresh once."""
    # Sync state: every day up to metrics_watermark is synced; advanced in the same
    # transaction as the metric rows it covers.
    metrics_watermark = Date(null=True, default=None)
    backfilled_from = Date(null=True, default=None)
    last_error = Text(default="")
    # Community inbox: every comment, mention and message created before this instant
    # is stored; advanced in the same transaction as the messages it covers.
    inbox_watermark = Timestamptz(null=True, default=None)


class Strategy(Table):
    """A brand's social strategy for one period (seed 004: objectives, target, budget, KPIs)."""

    brand = ForeignKey(Brand, null=False, index=True)
    name = Varchar(length=200, default="")
    starts_on = Date()
    ends_on = Date()
    objectives = JSON(default=[])  # [str]
    target_audience = Text(default="")
    platforms = JSON(default=[])  # [{platform, rationale}]
    competitors = JSON(default=[])  # [{name, handles: [str]}]
    budget = money()
    currency = Varchar(length=3, default="EUR")
    kpi_targets = JSON(default=[])  # [{kpi, target}]
    created_at = created_at()
