"""Campaign: an objective pursued on some channels, with budget, costs, UTM and targets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.loaders.metrics import Subject
from api.graphql.loaders.rows import CountKey, PageKey
from api.graphql.loaders.sql import Cond, json_value
from api.graphql.pagination import Connection, PageRequest, build_connection
from api.graphql.types.analytics import Analytics, load_analytics
from api.graphql.types.common import KpiTarget, Money
from api.graphql.types.enums import CampaignObjective, CampaignStatus
from api.graphql.types.in_brand import InBrand
from api.graphql.types.metrics import Kpis, MetricSeries, load_kpis, load_series
from api.graphql.types.node import load_visible
from domain.services.analytics import prorated_production_cost

if TYPE_CHECKING:
    from api.graphql.types.channel import Channel
    from api.graphql.types.post import Post, PostFilter

_types = "api.graphql.types"


@strawberry.type
class Utm:
    source: str
    medium: str
    campaign: str
    term: str
    content: str


@strawberry.type
class Campaign(InBrand, relay.Node):
    id: relay.NodeID[int]
    name: str
    description: str
    objective: CampaignObjective
    status: CampaignStatus
    starts_on: date
    ends_on: date
    planned_budget: Money | None
    production_cost: Money | None
    utm: Utm
    kpi_targets: list[KpiTarget]
    created_at: datetime
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Campaign:
        currency = row["currency"]
        return cls(
            id=row["id"], name=row["name"], description=row["description"],
            objective=row["objective"], status=row["status"],
            starts_on=row["starts_on"], ends_on=row["ends_on"],
            planned_budget=Money.of(row["planned_budget"], currency),
            production_cost=Money.of(row["production_cost"], currency),
            utm=Utm(source=row["utm_source"], medium=row["utm_medium"],
                    campaign=row["utm_campaign"], term=row["utm_term"],
                    content=row["utm_content"]),
            kpi_targets=KpiTarget.from_json(json_value(row["kpi_targets"])),
            created_at=row["created_at"], _row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Campaign | None]:
        return await load_visible(info, info.context.loaders.campaign, node_ids, cls.from_row)

    @strawberry.field
    async def channels(
        self, info: Info
    ) -> list[Annotated[Channel, strawberry.lazy(f"{_types}.channel")]]:
        from api.graphql.types.channel import Channel

        links = await info.context.loaders.channels_of_campaign.load(self.id)
        rows = await info.context.loaders.channel.load_many([link["channel"] for link in links])
        return [Channel.from_row(r) for r in rows if r is not None]

    @strawberry.field
    async def posts(
        self, info: Info,
        filter: Annotated[PostFilter, strawberry.lazy(f"{_types}.post")] | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[Annotated[Post, strawberry.lazy(f"{_types}.post")]]:
        from api.graphql.types.post import post_connection

        return await post_connection(info, "campaign", self.id, self._row["brand"], filter,
                                     first, after)

    @strawberry.field(description="KPIs of the campaign's posts; production cost prorated "
                                  "to the days of the period the campaign ran.")
    async def kpis(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> Kpis:
        row = self._row
        return await load_kpis(info, Subject.CAMPAIGN, self.id, from_, to, row["currency"],
                               lambda s, e: prorated_production_cost([row], s, e),
                               brand_id=row["brand"])

    @strawberry.field(description="Dashboards of the campaign's posts over a period, against "
                                  "the campaign's KPI targets.")
    async def analytics(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> Analytics:
        row = self._row
        brand = await info.context.loaders.brand.load(row["brand"])
        return await load_analytics(info, Subject.CAMPAIGN, self.id, brand, from_, to,
                                    lambda s, e: prorated_production_cost([row], s, e),
                                    json_value(row["kpi_targets"]))

    @strawberry.field
    async def metrics(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
        names: list[str] | None = None,
    ) -> list[MetricSeries]:
        return await load_series(info, Subject.CAMPAIGN, self.id, from_, to, names)


@strawberry.input
class CampaignFilter:
    status: list[CampaignStatus] | None = None
    objective: list[CampaignObjective] | None = None
    active_on: date | None = strawberry.field(default=None,
                                              description="Running on this day.")


def campaign_filter(f: CampaignFilter | None) -> tuple[Cond, ...]:
    if f is None:
        return ()
    conds: list[Cond] = []
    if f.status:
        conds.append(Cond("status", "IN", tuple(s.value for s in f.status)))
    if f.objective:
        conds.append(Cond("objective", "IN", tuple(o.value for o in f.objective)))
    if f.active_on:
        conds += [Cond("starts_on", "<=", f.active_on), Cond("ends_on", ">=", f.active_on)]
    return tuple(conds)


async def campaign_connection(
    info: Info, brand_id: int, f: CampaignFilter | None, first: int | None, after: str | None
) -> Connection[Campaign]:
    page = PageRequest.parse(first, after)
    conds = campaign_filter(f)
    loaders = info.context.loaders
    rows = await loaders.campaign_page.load(PageKey(brand_id, conds, page))
    return build_connection(
        rows, page, Campaign.from_row,
        lambda: loaders.campaign_count.load(CountKey(brand_id, conds)),
    )

