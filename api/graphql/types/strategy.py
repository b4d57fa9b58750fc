"""Strategy: a brand's objectives, audience, platforms, competitors, budget and KPI targets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.loaders.sql import json_value
from api.graphql.types.common import KpiTarget, Money
from api.graphql.types.enums import Platform
from api.graphql.types.node import load_visible


@strawberry.type(description="A platform the strategy uses, and why.")
class PlatformChoice:
    platform: Platform
    rationale: str


@strawberry.type
class Competitor:
    name: str
    handles: list[str]


@strawberry.type
class Strategy(relay.Node):
    id: relay.NodeID[int]
    name: str
    starts_on: date
    ends_on: date
    objectives: list[str]
    target_audience: str
    platforms: list[PlatformChoice]
    competitors: list[Competitor]
    budget: Money | None
    kpi_targets: list[KpiTarget]
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Strategy:
        return cls(
            id=row["id"], name=row["name"], starts_on=row["starts_on"], ends_on=row["ends_on"],
            objectives=json_value(row["objectives"]) or [],
            target_audience=row["target_audience"],
            platforms=[PlatformChoice(platform=p["platform"], rationale=p.get("rationale", ""))
                       for p in json_value(row["platforms"]) or []],
            competitors=[Competitor(name=c["name"], handles=c.get("handles", []))
                         for c in json_value(row["competitors"]) or []],
            budget=Money.of(row["budget"], row["currency"]),
            kpi_targets=KpiTarget.from_json(json_value(row["kpi_targets"])),
            _row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Strategy | None]:
        return await load_visible(info, info.context.loaders.strategy, node_ids, cls.from_row)
