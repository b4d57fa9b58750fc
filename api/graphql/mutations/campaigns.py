"""Campaign mutations: create, update, delete and choose channels; budget needs a strategist."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import strawberry

from api.graphql.context import Info
from api.graphql.ids import decode_id, global_id
from api.graphql.mutations.base import Payload, load_for, require, run
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.campaign import Campaign
from api.graphql.types.common import KpiTargetInput
from api.graphql.types.enums import CampaignObjective, CampaignStatus
from domain import enums
from domain.rules.permissions import Action
from domain.services import campaigns as service
from domain.services.usecase import KEEP

UNSET: Any = strawberry.UNSET


@strawberry.input(description="An amount in the brand's currency (ISO 4217 code).")
class MoneyInput:
    amount: Decimal
    currency: str


@strawberry.input(description="UTM parameters, each at most 100 characters; on update an "
                              "omitted part stays as it is and null empties it.")
class UtmInput:
    source: str | None = UNSET
    medium: str | None = UNSET
    campaign: str | None = UNSET
    term: str | None = UNSET
    content: str | None = UNSET


@strawberry.input
class CreateCampaignInput:
    brand: strawberry.ID
    name: str
    objective: CampaignObjective
    starts_on: date
    ends_on: date = strawberry.field(description="On or after startsOn.")
    description: str = ""
    status: CampaignStatus = enums.CampaignStatus.DRAFT
    planned_budget: MoneyInput | None = strawberry.field(
        default=None, description="STRATEGIST (or workspace admin) only.")
    production_cost: MoneyInput | None = strawberry.field(
        default=None, description="Production and staff cost; STRATEGIST only.")
    utm: UtmInput | None = None
    kpi_targets: list[KpiTargetInput] = strawberry.field(
        default_factory=list, description="Targets for KPIs or canonical metrics.")
    channels: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Channels of the same brand.")


@strawberry.input(description="The campaign to change and the fields to change; an omitted "
                              "field stays as it is.")
class UpdateCampaignInput:
    id: strawberry.ID
    name: str | None = UNSET
    description: str | None = UNSET
    objective: CampaignObjective | None = UNSET
    status: CampaignStatus | None = UNSET
    starts_on: date | None = UNSET
    ends_on: date | None = UNSET
    planned_budget: MoneyInput | None = strawberry.field(
        default=UNSET, description="STRATEGIST only; null clears it.")
    production_cost: MoneyInput | None = strawberry.field(
        default=UNSET, description="STRATEGIST only; null clears it.")
    utm: UtmInput | None = UNSET
    kpi_targets: list[KpiTargetInput] | None = strawberry.field(
        default=UNSET, description="Replaces every target; null or [] removes them.")


@strawberry.type
class CampaignPayload(Payload):
    campaign: Campaign | None = None


P = TypeVar("P", bound=CampaignPayload)


@strawberry.type
class CreateCampaignPayload(CampaignPayload):
    pass


@strawberry.type
class UpdateCampaignPayload(CampaignPayload):
    pass


@strawberry.type
class SetCampaignChannelsPayload(CampaignPayload):
    pass


@strawberry.type
class DeleteCampaignPayload(Payload):
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the deleted campaign.")


def _money(value: MoneyInput | None) -> service.Money | None:
    return None if value is None else service.Money(value.amount, value.currency)


def _utm(value: UtmInput | None) -> dict[str, str | None]:
    if value is None:
        return {}
    return {part: getattr(value, part) for part in service.UTM_PARTS
            if getattr(value, part) is not UNSET}


def _targets(items: list[KpiTargetInput] | None) -> list[service.KpiTarget]:
    return [service.KpiTarget(kpi=i.kpi, target=i.target) for i in items or []]


def _channel_ids(ids: list[strawberry.ID]) -> list[int]:
    return [decode_id(gid, "Channel", field=f"channels.{i}") for i, gid in enumerate(ids)]


def _done(info: Info, payload: type[P], row: dict[str, Any]) -> P:
    loaders = info.context.loaders
    loaders.campaign.prime(row["id"], row, force=True)
    loaders.channels_of_campaign.prime(
        row["id"], [{"channel": c} for c in row["channels"]], force=True)
    return payload(campaign=Campaign.from_row(row))


def _may_edit_budget(info: Info, brand_id: int) -> bool:
    return info.context.access.can(brand_id, Action.EDIT_CAMPAIGN_BUDGET)


@strawberry.type
class CampaignMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="A campaign of the brand (STRATEGIST; MANAGER without "
                                     "budget and cost).")
    async def create_campaign(self, info: Info,
                              input: CreateCampaignInput) -> CreateCampaignPayload:
        user_id = info.context.user_id

        async def work() -> CreateCampaignPayload:
            brand_id = require(info, decode_id(input.brand, "Brand", field="brand"),
                               Action.EDIT_CAMPAIGN, field="brand", type_name="Brand")
            new = service.NewCampaign(
                brand_id=brand_id, name=input.name, objective=input.objective,
                starts_on=input.starts_on, ends_on=input.ends_on,
                description=input.description, status=input.status,
                planned_budget=_money(input.planned_budget),
                production_cost=_money(input.production_cost),
                utm=_utm(input.utm), kpi_targets=_targets(input.kpi_targets),
                channel_ids=_channel_ids(input.channels),
            )
            row = await service.create_campaign(
                new, user_id, may_edit_budget=_may_edit_budget(info, brand_id))
            return _done(info, CreateCampaignPayload, row)

        return await run(CreateCampaignPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Change a campaign (STRATEGIST; MANAGER without budget "
                                     "and cost).")
    async def update_campaign(self, info: Info,
                              input: UpdateCampaignInput) -> UpdateCampaignPayload:
        user_id = info.context.user_id

        def given(value: Any, convert: Any = None) -> Any:
            if value is UNSET:
                return KEEP
            return convert(value) if convert is not None else value

        async def work() -> UpdateCampaignPayload:
            pk = decode_id(input.id, "Campaign", field="id")
            row = await load_for(info, info.context.loaders.campaign, pk, Action.EDIT_CAMPAIGN,
                                 field="id", type_name="Campaign")
            changes = service.CampaignChanges(
                name=given(input.name), description=given(input.description),
                objective=given(input.objective), status=given(input.status),
                starts_on=given(input.starts_on), ends_on=given(input.ends_on),
                planned_budget=given(input.planned_budget, _money),
                production_cost=given(input.production_cost, _money),
                utm=given(input.utm, _utm), kpi_targets=given(input.kpi_targets, _targets),
            )
            updated = await service.update_campaign(
                pk, changes, user_id, may_edit_budget=_may_edit_budget(info, row["brand"]))
            return _done(info, UpdateCampaignPayload, updated)

        return await run(UpdateCampaignPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Delete a campaign no post belongs to (STRATEGIST; "
                                     "MANAGER when it has no budget or cost).")
    async def delete_campaign(self, info: Info, id: strawberry.ID) -> DeleteCampaignPayload:
        user_id = info.context.user_id

        async def work() -> DeleteCampaignPayload:
            pk = decode_id(id, "Campaign", field="id")
            row = await load_for(info, info.context.loaders.campaign, pk, Action.EDIT_CAMPAIGN,
                                 field="id", type_name="Campaign")
            await service.delete_campaign(
                pk, user_id, may_edit_budget=_may_edit_budget(info, row["brand"]))
            info.context.loaders.campaign.prime(pk, None, force=True)
            return DeleteCampaignPayload(deleted_id=strawberry.ID(str(global_id("Campaign", pk))))

        return await run(DeleteCampaignPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Replace the channels a campaign runs on with these "
                                     "channels of its brand (STRATEGIST, MANAGER).")
    async def set_campaign_channels(self, info: Info, id: strawberry.ID,
                                    channels: list[strawberry.ID]
                                    ) -> SetCampaignChannelsPayload:
        user_id = info.context.user_id

        async def work() -> SetCampaignChannelsPayload:
            pk = decode_id(id, "Campaign", field="id")
            await load_for(info, info.context.loaders.campaign, pk, Action.EDIT_CAMPAIGN,
                           field="id", type_name="Campaign")
            row = await service.set_campaign_channels(pk, _channel_ids(channels), user_id)
            return _done(info, SetCampaignChannelsPayload, row)

        return await run(SetCampaignChannelsPayload, work)
