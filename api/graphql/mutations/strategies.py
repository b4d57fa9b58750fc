"""Mutations for a brand's strategies (strategists, and workspace owners and admins)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from api.graphql.context import Info
from api.graphql.ids import global_id
from api.graphql.mutations.base import Payload, decode, forget, given, load_for, require, run
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.common import KpiTargetInput
from api.graphql.types.enums import Platform
from api.graphql.types.strategy import Strategy
from domain.rules.permissions import Action
from domain.services import strategies as service


@strawberry.input(description="A platform the strategy uses, and why.")
class PlatformChoiceInput:
    platform: Platform
    rationale: str = ""


@strawberry.input
class CompetitorInput:
    name: str
    handles: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class CreateStrategyInput:
    brand: strawberry.ID
    name: str
    starts_on: date
    ends_on: date
    objectives: list[str] = strawberry.field(default_factory=list)
    target_audience: str = ""
    platforms: list[PlatformChoiceInput] = strawberry.field(default_factory=list)
    competitors: list[CompetitorInput] = strawberry.field(default_factory=list)
    budget: Decimal | None = None
    currency: str | None = strawberry.field(default=None,
                                            description="ISO 4217; default the brand's")
    kpi_targets: list[KpiTargetInput] = strawberry.field(
        default_factory=list, description="KPI names as in `Kpis` (engagementRate or "
                                          "engagement_rate) or canonical metric names.")


@strawberry.input(description="Fields left out keep their value; a null budget clears it.")
class UpdateStrategyInput:
    id: strawberry.ID
    name: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    objectives: list[str] | None = None
    target_audience: str | None = None
    platforms: list[PlatformChoiceInput] | None = None
    competitors: list[CompetitorInput] | None = None
    budget: Decimal | None = strawberry.UNSET
    currency: str | None = None
    kpi_targets: list[KpiTargetInput] | None = None


def _fields(data: CreateStrategyInput | UpdateStrategyInput) -> dict[str, Any]:
    values = given(
        name=data.name, starts_on=data.starts_on, ends_on=data.ends_on,
        objectives=None if data.objectives is None else tuple(data.objectives),
        target_audience=data.target_audience, currency=data.currency,
        platforms=None if data.platforms is None else tuple(
            service.PlatformChoice(p.platform, p.rationale) for p in data.platforms),
        competitors=None if data.competitors is None else tuple(
            service.Competitor(c.name, tuple(c.handles)) for c in data.competitors),
        kpi_targets=None if data.kpi_targets is None else tuple(
            service.KpiGoal(k.kpi, k.target) for k in data.kpi_targets),
    )
    if data.budget is not strawberry.UNSET:
        values["budget"] = data.budget
    return values


@strawberry.type
class StrategyPayload(Payload):
    strategy: Strategy | None = None


@strawberry.type
class DeleteStrategyPayload(Payload):
    deleted_id: strawberry.ID | None = None


@strawberry.type
class StrategyMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="A strategy for a period that overlaps no other of the "
                                     "brand. Strategists.")
    async def create_strategy(self, info: Info, input: CreateStrategyInput) -> StrategyPayload:
        user_id = info.context.user_id

        async def work() -> StrategyPayload:
            brand_id = require(info, decode(input.brand, "Brand", field="brand"),
                               Action.EDIT_STRATEGY, field="brand", type_name="Brand")
            row = await service.create_strategy(user_id, brand_id,
                                                service.StrategyValues(**_fields(input)))
            forget(info.context.loaders.strategies_of_brand, brand_id)
            return StrategyPayload(strategy=Strategy.from_row(row))

        return await run(StrategyPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Change a strategy; list fields are replaced whole. "
                                     "Strategists.")
    async def update_strategy(self, info: Info, input: UpdateStrategyInput) -> StrategyPayload:
        user_id = info.context.user_id

        async def work() -> StrategyPayload:
            pk = decode(input.id, "Strategy")
            row = await load_for(info, info.context.loaders.strategy, pk, Action.EDIT_STRATEGY,
                                 field="id", type_name="Strategy")
            updated = await service.update_strategy(user_id, pk, **_fields(input))
            forget(info.context.loaders.strategy, pk)
            forget(info.context.loaders.strategies_of_brand, row["brand"])
            return StrategyPayload(strategy=Strategy.from_row(updated))

        return await run(StrategyPayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Delete a strategy. Strategists.")
    async def delete_strategy(self, info: Info, id: strawberry.ID) -> DeleteStrategyPayload:
        user_id = info.context.user_id

        async def work() -> DeleteStrategyPayload:
            pk = decode(id, "Strategy")
            row = await load_for(info, info.context.loaders.strategy, pk, Action.EDIT_STRATEGY,
                                 field="id", type_name="Strategy")
            await service.delete_strategy(user_id, pk)
            forget(info.context.loaders.strategy, pk)
            forget(info.context.loaders.strategies_of_brand, row["brand"])
            return DeleteStrategyPayload(
                deleted_id=strawberry.ID(str(global_id("Strategy", pk))))

        return await run(DeleteStrategyPayload, work)
