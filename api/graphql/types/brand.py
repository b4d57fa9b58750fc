"""Brand: the root of everything a team manages for one client."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.loaders.metrics import Subject
from api.graphql.loaders.sql import json_value
from api.graphql.pagination import Connection
from api.graphql.types.analytics import Analytics, load_analytics
from api.graphql.types.enums import Action, Role
from api.graphql.types.metrics import Kpis, MetricSeries, load_kpis, load_series
from api.graphql.types.node import load_one_visible, load_visible
from domain.rules.permissions import Action as DomainAction

if TYPE_CHECKING:
    from api.graphql.types.calendar import CalendarDay
    from api.graphql.types.campaign import Campaign, CampaignFilter
    from api.graphql.types.channel import Channel
    from api.graphql.types.inbox import Conversation, ConversationFilter, SavedReply
    from api.graphql.types.invitation import Invitation
    from api.graphql.types.member import Member
    from api.graphql.types.post import Post, PostFilter
    from api.graphql.types.report import Report, ReportFilter, ReportSchedule
    from api.graphql.types.response_times import BusinessHoursWindow, ResponseTimes
    from api.graphql.types.strategy import Strategy
    from api.graphql.types.workspace import Workspace

_types = "api.graphql.types"


@strawberry.type(description="The brand kit used on reports.")
class BrandKit:
    logo: str
    primary_color: str
    secondary_color: str
    font: str


@strawberry.type
class Brand(relay.Node):
    id: relay.NodeID[int]
    name: str
    slug: str
    locale: str
    timezone: str
    currency: str
    kit: BrandKit
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Brand:
        return cls(
            id=row["id"], name=row["name"], slug=row["slug"], locale=row["locale"],
            timezone=row["timezone"], currency=row["currency"],
            kit=BrandKit(logo=row["logo"], primary_color=row["primary_color"],
                         secondary_color=row["secondary_color"], font=row["font"]),
            _row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Brand | None]:
        return await load_visible(info, info.context.loaders.brand, node_ids, cls.from_row,
                                  brand=lambda row: row["id"])

    @strawberry.field
    async def workspace(
        self, info: Info
    ) -> Annotated[Workspace, strawberry.lazy(f"{_types}.workspace")]:
        from api.graphql.types.workspace import Workspace

        row = await info.context.loaders.workspace.load(self._row["workspace"])
        return Workspace.from_row(row)

    @strawberry.field(description="The viewer's own roles on this brand.")
    def viewer_roles(self, info: Info) -> list[Role]:
        return sorted(info.context.access.roles_on(self.id))

    @strawberry.field(description="What the viewer may do here, for frontends to show or hide.")
    def viewer_can(self, info: Info) -> list[Action]:
        return [a for a in DomainAction if info.context.access.can(self.id, a)]

    @strawberry.field
    async def channels(
        self, info: Info
    ) -> list[Annotated[Channel, strawberry.lazy(f"{_types}.channel")]]:
        from api.graphql.types.channel import Channel

        return [Channel.from_row(r) for r in await info.context.loaders.channels_of_brand.load(
            self.id)]

    @strawberry.field(description="The strategy in force on a day (default: today).")
    async def strategy(
        self, info: Info, on: date | None = None
    ) -> Annotated[Strategy, strawberry.lazy(f"{_types}.strategy")] | None:
        from api.graphql.types.strategy import Strategy

        day = on or date.today()
        for row in await info.context.loaders.strategies_of_brand.load(self.id):
            if row["starts_on"] <= day <= row["ends_on"]:
                return Strategy.from_row(row)
        return None

    @strawberry.field
    async def strategies(
        self, info: Info
    ) -> list[Annotated[Strategy, strawberry.lazy(f"{_types}.strategy")]]:
        from api.graphql.types.strategy import Strategy

        rows = await info.context.loaders.strategies_of_brand.load(self.id)
        return [Strategy.from_row(r) for r in sorted(rows, key=lambda r: r["starts_on"])]

    @strawberry.field
    async def campaigns(
        self, info: Info,
        filter: Annotated[CampaignFilter, strawberry.lazy(f"{_types}.campaign")] | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[Annotated[Campaign, strawberry.lazy(f"{_types}.campaign")]]:
        from api.graphql.types.campaign import campaign_connection

        return await campaign_connection(info, self.id, filter, first, after)

    @strawberry.field
    async def posts(
        self, info: Info,
        filter: Annotated[PostFilter, strawberry.lazy(f"{_types}.post")] | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[Annotated[Post, strawberry.lazy(f"{_types}.post")]]:
        from api.graphql.types.post import post_connection

        return await post_connection(info, "brand", self.id, self.id, filter, first, after)

    @strawberry.field(description="The community inbox, newest conversation first "
                                  "(strategists, managers and community managers; empty for "
                                  "anyone else).")
    async def conversations(
        self, info: Info,
        filter: Annotated[ConversationFilter, strawberry.lazy(f"{_types}.inbox")] | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[Annotated[Conversation, strawberry.lazy(f"{_types}.inbox")]]:
        from api.graphql.types.inbox import conversation_connection

        return await conversation_connection(info, self.id, filter, first, after)

    @strawberry.field(description="When the brand's community team works, in its timezone: "
                                  "response times are counted in these hours.")
    def business_hours(
        self
    ) -> list[Annotated[BusinessHoursWindow, strawberry.lazy(f"{_types}.response_times")]]:
        from api.graphql.types.response_times import brand_hours

        return brand_hours(self._row)

    @strawberry.field(description="The inbox's response rate, first response and resolution "
                                  "times (median, p90) of the conversations started from "
                                  "`from` to `to` (the brand's days), in business hours; "
                                  "per channel and per community manager.")
    async def response_times(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> Annotated[ResponseTimes, strawberry.lazy(f"{_types}.response_times")]:
        from api.graphql.types.response_times import load_response_times

        return await load_response_times(info, self.id, from_, to)

    @strawberry.field(description="The brand's saved replies, oldest first (who may read "
                                  "the inbox).")
    async def saved_replies(
        self, info: Info, first: int | None = None, after: str | None = None,
    ) -> Connection[Annotated[SavedReply, strawberry.lazy(f"{_types}.inbox")]]:
        from api.graphql.types.inbox import saved_reply_connection

        return await saved_reply_connection(info, self.id, first, after)

    @strawberry.field(description="Posts scheduled from `from` to `to` (inclusive), by local "
                                  "day in the brand's timezone and by channel.")
    async def calendar(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> list[Annotated[CalendarDay, strawberry.lazy(f"{_types}.calendar")]]:
        from api.graphql.types.calendar import load_calendar

        return await load_calendar(info, self._row, from_, to)

    @strawberry.field
    async def members(
        self, info: Info
    ) -> list[Annotated[Member, strawberry.lazy(f"{_types}.member")]]:
        from api.graphql.types.member import load_members

        return await load_members(info, self.id)

    @strawberry.field(description="Invitations to this brand not yet answered, oldest first. "
                                  "Workspace owners and admins.")
    async def pending_invitations(
        self, info: Info
    ) -> list[Annotated[Invitation, strawberry.lazy(f"{_types}.invitation")]]:
        from api.graphql.types.invitation import brand_invitations

        return await brand_invitations(info, self.id)

    @strawberry.field(description="The BRIEF's KPIs over a period, all channels together.")
    async def kpis(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> Kpis:
        from api.graphql.types.campaign import prorated_production_cost

        campaigns = await info.context.loaders.campaigns_of_brand.load(self.id)
        return await load_kpis(info, Subject.BRAND, self.id, from_, to, self.currency,
                               lambda s, e: prorated_production_cost(campaigns, s, e),
                               brand_id=self.id)

    @strawberry.field(description="Dashboards over a period, all channels together; targets "
                                  "are the strategy's in force on the period's last day.")
    async def analytics(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
    ) -> Analytics:
        from api.graphql.types.campaign import prorated_production_cost

        campaigns = await info.context.loaders.campaigns_of_brand.load(self.id)
        strategies = await info.context.loaders.strategies_of_brand.load(self.id)
        targets = next((json_value(r["kpi_targets"]) for r in strategies
                        if r["starts_on"] <= to <= r["ends_on"]), None)
        return await load_analytics(info, Subject.BRAND, self.id, self._row, from_, to,
                                    lambda s, e: prorated_production_cost(campaigns, s, e),
                                    targets)

    @strawberry.field(description="Daily series of canonical metrics, all channels together.")
    async def metrics(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
        names: list[str] | None = None,
    ) -> list[MetricSeries]:
        return await load_series(info, Subject.BRAND, self.id, from_, to, names)

    @strawberry.field(description="Reports of the brand, newest first.")
    async def reports(
        self, info: Info,
        filter: Annotated[ReportFilter, strawberry.lazy(f"{_types}.report")] | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[Annotated[Report, strawberry.lazy(f"{_types}.report")]]:
        from api.graphql.types.report import report_connection

        return await report_connection(info, self.id, filter, first, after)

    @strawberry.field(description="The brand's monthly report e-mails, oldest first.")
    async def report_schedules(
        self, info: Info, first: int | None = None, after: str | None = None,
    ) -> Connection[Annotated[ReportSchedule, strawberry.lazy(f"{_types}.report")]]:
        from api.graphql.types.report import schedule_connection

        return await schedule_connection(info, self.id, first, after)


async def visible_brand(info: Info, brand_id: int) -> Brand | None:
    return await load_one_visible(info, info.context.loaders.brand, brand_id, Brand.from_row,
                                  brand=lambda row: row["id"])
