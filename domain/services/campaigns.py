"""Campaign use cases: create, edit, delete, pick channels; budget fields need their own right."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.db import write_transaction
from domain.enums import CampaignObjective, CampaignStatus
from domain.errors import ValidationFailed
from domain.models import Brand, Campaign, CampaignChannel, Channel, Post
from domain.rules.kpis import KPI_NAMES
from domain.rules.metric_catalog import CANONICAL_METRICS
from domain.services.audit import record
from domain.services.usecase import KEEP, Keep, Problems, changed, locked

MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000
MAX_UTM_LENGTH = 100
MAX_KPI_TARGETS = 50
MAX_CHANNELS = 100
# NUMERIC(14, 2): twelve digits before the point.
MAX_AMOUNT = Decimal(10) ** 12
UTM_PARTS = ("source", "medium", "campaign", "term", "content")
KPI_TARGET_NAMES = frozenset(KPI_NAMES) | frozenset(CANONICAL_METRICS)
BUDGET_FIELDS = {"planned_budget": "plannedBudget", "production_cost": "productionCost"}


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class KpiTarget:
    kpi: str
    target: float | Decimal


@dataclass(kw_only=True)
class NewCampaign:
    brand_id: int
    name: str
    objective: CampaignObjective
    starts_on: date
    ends_on: date
    description: str = ""
    status: CampaignStatus = CampaignStatus.DRAFT
    planned_budget: Money | None = None
    production_cost: Money | None = None
    utm: Mapping[str, str | None] = field(default_factory=dict)
    """Any of UTM_PARTS; a missing part is empty."""
    kpi_targets: Sequence[KpiTarget] = ()
    channel_ids: Sequence[int] = ()


@dataclass(kw_only=True)
class CampaignChanges:
    """What to change; KEEP leaves a field alone, None clears a budget field."""

    name: str | None | Keep = KEEP
    description: str | None | Keep = KEEP
    objective: CampaignObjective | None | Keep = KEEP
    status: CampaignStatus | None | Keep = KEEP
    starts_on: date | None | Keep = KEEP
    ends_on: date | None | Keep = KEEP
    planned_budget: Money | None | Keep = KEEP
    production_cost: Money | None | Keep = KEEP
    utm: Mapping[str, str | None] | Keep = KEEP
    """Only the parts present change; None empties a part."""
    kpi_targets: Sequence[KpiTarget] | None | Keep = KEEP


async def create_campaign(new: NewCampaign, actor_id: int | None, *,
                          may_edit_budget: bool) -> dict[str, Any]:
    """A campaign in the brand's currency; FORBIDDEN on budget fields without the right."""
    async with write_transaction():
        brand = await Brand.select(Brand.id, Brand.workspace, Brand.currency).where(
            Brand.id == new.brand_id).first()
        if brand is None:
            raise ValidationFailed.one("brand", "NOT_FOUND", "no Brand with this id")
        problems = Problems()
        values: dict[str, Any] = {
            "name": problems.text("name", new.name, max_length=MAX_NAME_LENGTH, required=True),
            "description": problems.text("description", new.description,
                                         max_length=MAX_DESCRIPTION_LENGTH),
            "objective": new.objective, "status": new.status,
            "starts_on": new.starts_on, "ends_on": new.ends_on,
            "kpi_targets": _kpi_targets(problems, new.kpi_targets),
            **check_utm(problems, new.utm, {}),
        }
        check_dates(problems, new.starts_on, new.ends_on)
        for name, api_name in BUDGET_FIELDS.items():
            money: Money | None = getattr(new, name)
            if money is not None and not may_edit_budget:
                problems.add(api_name, "FORBIDDEN", _NO_BUDGET_RIGHT)
            values[name] = check_amount(problems, api_name, money, brand["currency"])
        channel_ids = await _channels_in_brand(problems, new.brand_id, new.channel_ids)
        problems.check()
        row = Campaign(brand=new.brand_id, currency=brand["currency"], **values)
        await row.save()
        await _link_channels(row.id, channel_ids)
        after = await _state(row.id)
        assert after is not None
        await _audit("campaign.create", actor_id, brand, None, after)
        return after


async def update_campaign(campaign_id: int, changes: CampaignChanges, actor_id: int | None, *,
                          may_edit_budget: bool) -> dict[str, Any]:
    async with write_transaction():
        before = await _state(campaign_id, lock=True)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no Campaign with this id")
        problems = Problems()
        updates: dict[str, Any] = {}
        if changes.name is not KEEP:
            updates["name"] = problems.text("name", changes.name, max_length=MAX_NAME_LENGTH,
                                            required=True)
        if changes.description is not KEEP:
            updates["description"] = problems.text("description", changes.description,
                                                   max_length=MAX_DESCRIPTION_LENGTH)
        for name, api_name in (("objective", "objective"), ("status", "status"),
                               ("starts_on", "startsOn"), ("ends_on", "endsOn")):
            value = getattr(changes, name)
            if value is None:
                problems.add(api_name, "REQUIRED", f"{api_name} cannot be null")
            elif value is not KEEP:
                updates[name] = value
        starts_on = updates.get("starts_on", before["starts_on"])
        ends_on = updates.get("ends_on", before["ends_on"])
        check_dates(problems, starts_on, ends_on)
        for name, api_name in BUDGET_FIELDS.items():
            money = getattr(changes, name)
            if money is KEEP:
                continue
            amount = check_amount(problems, api_name, money, before["currency"])
            # Sending back the stored amount is not an edit: a form may echo every field.
            if not may_edit_budget and not _same_amount(amount, before[name]):
                problems.add(api_name, "FORBIDDEN", _NO_BUDGET_RIGHT)
            updates[name] = amount
        if changes.utm is not KEEP:
            updates.update(check_utm(problems, changes.utm, before))
        if changes.kpi_targets is not KEEP:
            updates["kpi_targets"] = _kpi_targets(problems, changes.kpi_targets or ())
        problems.check()
        if changed(before, updates):
            await Campaign.update({getattr(Campaign, k): v for k, v in updates.items()}).where(
                Campaign.id == campaign_id)
        after = await _state(campaign_id)
        assert after is not None
        await _audit("campaign.update", actor_id, await _brand(before["brand"]), before, after)
        return after


async def delete_campaign(campaign_id: int, actor_id: int | None, *,
                          may_edit_budget: bool) -> dict[str, Any]:
    """Delete a campaign no post refers to; one with a budget or cost needs the budget right."""
    async with write_transaction():
        # The lock waits for any transaction attaching a post to it (they take KEY SHARE).
        before = await _state(campaign_id, lock=True)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no Campaign with this id")
        problems = Problems()
        posts = await Post.count().where(Post.campaign == campaign_id)
        if posts:
            problems.add("id", "CAMPAIGN_IN_USE",
                         f"{posts} post(s) belong to this campaign; move or detach them first")
        if not may_edit_budget and any(before[name] is not None for name in BUDGET_FIELDS):
            problems.add("id", "FORBIDDEN",
                         "this campaign has a budget or cost; only a strategist may delete it")
        problems.check()
        await CampaignChannel.delete().where(CampaignChannel.campaign == campaign_id)
        await Campaign.delete().where(Campaign.id == campaign_id)
        await record(actor_id=actor_id, action="campaign.delete", object_type="campaign",
                     object_id=campaign_id, workspace_id=(await _brand(before["brand"]))[
                         "workspace"], brand_id=before["brand"], before=before, after=None)
        return before


async def set_campaign_channels(campaign_id: int, channel_ids: Sequence[int],
                               actor_id: int | None) -> dict[str, Any]:
    """Replace the campaign's channels with these (the brand's own, duplicates ignored)."""
    async with write_transaction():
        before = await _state(campaign_id, lock=True)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no Campaign with this id")
        problems = Problems()
        wanted = await _channels_in_brand(problems, before["brand"], channel_ids)
        problems.check()
        current = set(before["channels"])
        if set(wanted) != current:
            await CampaignChannel.delete().where(
                (CampaignChannel.campaign == campaign_id)
                & CampaignChannel.channel.not_in(wanted or [0]))
            await _link_channels(campaign_id, [c for c in wanted if c not in current])
        after = await _state(campaign_id)
        assert after is not None
        await _audit("campaign.set_channels", actor_id, await _brand(before["brand"]),
                     before, after)
        return after


_NO_BUDGET_RIGHT = "only a strategist (or a workspace admin) may set budget and cost"


async def _state(campaign_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    """The campaign row with its channel ids (sorted), JSON decoded; None when missing."""
    query = Campaign.select().where(Campaign.id == campaign_id).output(load_json=True)
    row = await (locked(query) if lock else query).first()
    if row is not None:
        links = await CampaignChannel.select(CampaignChannel.channel).where(
            CampaignChannel.campaign == campaign_id)
        row["channels"] = sorted(link["channel"] for link in links)
    return row


async def _brand(brand_id: int) -> dict[str, Any]:
    row = await Brand.select(Brand.id, Brand.workspace).where(Brand.id == brand_id).first()
    assert row is not None, "a campaign's brand outlives it"
    return row


async def _link_channels(campaign_id: int, channel_ids: Sequence[int]) -> None:
    if channel_ids:
        await CampaignChannel.insert(*(CampaignChannel(campaign=campaign_id, channel=c)
                                       for c in channel_ids))


async def _channels_in_brand(problems: Problems, brand_id: int,
                             channel_ids: Sequence[int]) -> list[int]:
    """The ids, de-duplicated in order; NOT_FOUND for each that is not the brand's."""
    wanted = list(dict.fromkeys(channel_ids))
    if len(wanted) > MAX_CHANNELS:
        problems.add("channels", "TOO_MANY", f"a campaign takes at most {MAX_CHANNELS} channels")
        return wanted
    found: set[int] = set()
    if wanted:
        rows = await locked(Channel.select(Channel.id).where(
            Channel.id.is_in(wanted) & (Channel.brand == brand_id)), "KEY SHARE")
        found = {row["id"] for row in rows}
    for i, channel_id in enumerate(channel_ids):
        if channel_id not in found:
            problems.add(f"channels.{i}", "NOT_FOUND",
                         "no Channel with this id in the campaign's brand")
    return wanted


def check_dates(problems: Problems, starts_on: date, ends_on: date) -> None:
    """DATES_REVERSED when the campaign would end before it starts."""
    if ends_on < starts_on:
        problems.add("endsOn", "DATES_REVERSED", "endsOn must not be before startsOn")


def check_amount(problems: Problems, field: str, money: Money | None,
            currency: str) -> Decimal | None:
    """The amount to store, if it is a non-negative amount in the campaign's currency."""
    if money is None:
        return None
    amount = money.amount
    try:
        valid = amount.is_finite() and amount == amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        valid = False
    if not valid or abs(amount) >= MAX_AMOUNT:
        problems.add(f"{field}.amount", "INVALID",
                     "an amount has at most 2 decimals and 12 digits before the point")
    elif amount < 0:
        problems.add(f"{field}.amount", "NEGATIVE", "an amount cannot be negative")
    if money.currency.strip().upper() != currency:
        problems.add(f"{field}.currency", "CURRENCY_MISMATCH",
                     f"amounts of this brand are in {currency}, got {money.currency!r}")
    return amount


def _same_amount(new: Decimal | None, stored: Any) -> bool:
    if new is None or stored is None:
        return new is None and stored is None
    return Decimal(new) == Decimal(stored)


def check_utm(problems: Problems, given: Mapping[str, str | None],
         before: Mapping[str, Any]) -> dict[str, str]:
    """Column values for the UTM parts present in `given`; the others as they were (or "")."""
    values = {}
    for part in UTM_PARTS:
        column = f"utm_{part}"
        if part in given:
            values[column] = problems.text(f"utm.{part}", given[part],
                                           max_length=MAX_UTM_LENGTH)
        else:
            values[column] = before.get(column, "")
    return values


def _kpi_targets(problems: Problems, targets: Sequence[KpiTarget]) -> list[dict[str, Any]]:
    if len(targets) > MAX_KPI_TARGETS:
        problems.add("kpiTargets", "TOO_MANY",
                     f"a campaign takes at most {MAX_KPI_TARGETS} KPI targets")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(targets):
        kpi = item.kpi.strip()
        if kpi not in KPI_TARGET_NAMES:
            problems.add(f"kpiTargets.{i}.kpi", "INVALID",
                         f"{kpi!r} is neither a KPI nor a canonical metric")
        elif kpi in seen:
            problems.add(f"kpiTargets.{i}.kpi", "DUPLICATE", f"{kpi} has a target already")
        seen.add(kpi)
        target = float(item.target)
        if not math.isfinite(target):
            problems.add(f"kpiTargets.{i}.target", "INVALID", "a target must be a number")
        elif target < 0:
            problems.add(f"kpiTargets.{i}.target", "NEGATIVE", "a target cannot be negative")
        out.append({"kpi": kpi, "target": target})
    return out


async def _audit(action: str, actor_id: int | None, brand: Mapping[str, Any],
                 before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    await record(actor_id=actor_id, action=action, object_type="campaign",
                 object_id=after["id"], workspace_id=brand["workspace"], brand_id=brand["id"],
                 before=before, after=after)
