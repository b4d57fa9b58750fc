"""Report, ReportSchedule and ReportDelivery: rendered files, monthly e-mails and their record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.ids import global_id
from api.graphql.loaders.rows import CountKey, PageKey
from api.graphql.loaders.sql import Cond, json_value
from api.graphql.pagination import Connection, PageRequest, build_connection
from api.graphql.types.in_brand import InBrand
from api.graphql.types.node import load_visible
from api.graphql.types.user import User
from domain import enums
from domain.services import recipients

# A plain alias (a type to mypy), then registered: strawberry.enum() marks the class
# itself and returns it, so the alias is the GraphQL enum.
ReportKind = enums.ReportKind
strawberry.enum(ReportKind, description="STRATEGY or ROI (performance).")
ReportFormat = enums.ReportFormat
strawberry.enum(ReportFormat)
ReportStatus = enums.ReportStatus
strawberry.enum(ReportStatus)
ReportDeliveryStatus = enums.DeliveryStatus
strawberry.enum(ReportDeliveryStatus, name="ReportDeliveryStatus")

DOWNLOAD_PATH = "/reports/{id}"


@strawberry.type(description="A span of days, both ends included.")
class ReportPeriod:
    from_: date = strawberry.field(name="from")
    to: date


async def _user(info: Info, pk: int | None) -> User | None:
    row = await info.context.loaders.user.load(pk) if pk is not None else None
    return User.from_row(row) if row else None


@strawberry.type(description="One rendered (or queued) report of a brand.")
class Report(InBrand, relay.Node):
    id: relay.NodeID[int]
    kind: ReportKind
    format: ReportFormat
    locale: str = strawberry.field(description="The language and formats it is written in.")
    period: ReportPeriod
    status: ReportStatus
    size_bytes: int = strawberry.field(description="Size of the file; 0 until READY.")
    pages: int | None = strawberry.field(description="Pages of a PDF; null for HTML.")
    error: str | None = strawberry.field(description="Why it FAILED.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Report:
        return cls(
            id=row["id"], kind=row["kind"], format=row["format"], locale=row["locale"],
            period=ReportPeriod(from_=row["period_start"], to=row["period_end"]),
            status=row["status"], size_bytes=row["size_bytes"], pages=row["pages"],
            error=row["error"] or None, created_at=row["created_at"],
            started_at=row["started_at"], finished_at=row["finished_at"], _row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Report | None]:
        return await load_visible(info, info.context.loaders.reports.report, node_ids,
                                  cls.from_row)

    @strawberry.field(description="Where to GET the file with the same Bearer token, once "
                                  "READY (a path on this API's host); null before.")
    def download_url(self) -> str | None:
        if self._row["status"] != enums.ReportStatus.READY:
            return None
        return DOWNLOAD_PATH.format(id=global_id("Report", self.id))

    @strawberry.field(description="Who asked for it; null for a scheduled report.")
    async def requested_by(self, info: Info) -> User | None:
        return await _user(info, self._row["requested_by"])

    @strawberry.field(description="The schedule that produced it, if any.")
    async def schedule(self, info: Info) -> ReportSchedule | None:
        pk = self._row["schedule"]
        row = await info.context.loaders.reports.schedule.load(pk) if pk is not None else None
        return ReportSchedule.from_row(row) if row else None


@strawberry.type(description="One schedule's e-mail for one month: claimed once, then sent "
                             "or failed (a failed one is retried by the next run).")
class ReportDelivery:
    period_start: date
    status: ReportDeliveryStatus
    attempts: int
    message_id: str | None
    error: str | None
    attempted_at: datetime = strawberry.field(description="When the latest attempt began.")
    sent_at: datetime | None
    _report: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReportDelivery:
        return cls(period_start=row["period_start"], status=row["status"],
                   attempts=row["attempts"], message_id=row["message_id"] or None,
                   error=row["error"] or None, attempted_at=row["created_at"],
                   sent_at=row["sent_at"], _report=row["report"])

    @strawberry.field
    async def report(self, info: Info) -> Report | None:
        row = (await info.context.loaders.reports.report.load(self._report)
               if self._report is not None else None)
        return Report.from_row(row) if row else None


@strawberry.type(description="Last month's report e-mailed to recipients on a day of each "
                             "month.")
class ReportSchedule(InBrand, relay.Node):
    id: relay.NodeID[int]
    kind: ReportKind
    format: ReportFormat
    locale: str | None = strawberry.field(description="null: the brand's locale.")
    day_of_month: int
    recipients: list[str]
    active: bool
    created_at: datetime
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReportSchedule:
        return cls(id=row["id"], kind=row["kind"], format=row["format"],
                   locale=row["locale"] or None, day_of_month=row["day_of_month"],
                   recipients=list(json_value(row["recipients"]) or []),
                   active=bool(row["active"]), created_at=row["created_at"], _row=row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ReportSchedule | None]:
        return await load_visible(info, info.context.loaders.reports.schedule, node_ids,
                                  cls.from_row)

    @strawberry.field
    async def created_by(self, info: Info) -> User | None:
        return await _user(info, self._row["created_by"])

    @strawberry.field(description="Recipients mailed nothing until they confirm through the "
                                  "link e-mailed to them: neither members of the brand nor "
                                  "confirmed.")
    async def unconfirmed_recipients(self) -> list[str]:
        return await recipients.unconfirmed(self._row["brand"], self.recipients)

    @strawberry.field(description="Its e-mails, latest month first.")
    async def deliveries(self, info: Info, last: int = 12) -> list[ReportDelivery]:
        rows = await info.context.loaders.reports.deliveries.load(self.id)
        return [ReportDelivery.from_row(r) for r in rows[:max(0, min(last, 120))]]


@strawberry.input
class ReportFilter:
    status: list[ReportStatus] | None = None
    kind: list[ReportKind] | None = None


def _conds(f: ReportFilter | None) -> tuple[Cond, ...]:
    if f is None:
        return ()
    conds = []
    if f.status:
        conds.append(Cond("status", "IN", tuple(s.value for s in f.status)))
    if f.kind:
        conds.append(Cond("kind", "IN", tuple(k.value for k in f.kind)))
    return tuple(conds)


async def report_connection(info: Info, brand_id: int, f: ReportFilter | None,
                            first: int | None, after: str | None) -> Connection[Report]:
    page = PageRequest.parse(first, after)
    conds = _conds(f)
    loaders = info.context.loaders.reports
    rows = await loaders.report_page.load(PageKey(brand_id, conds, page))
    return build_connection(rows, page, Report.from_row,
                            lambda: loaders.report_count.load(CountKey(brand_id, conds)))


async def schedule_connection(info: Info, brand_id: int, first: int | None,
                              after: str | None) -> Connection[ReportSchedule]:
    page = PageRequest.parse(first, after)
    loaders = info.context.loaders.reports
    rows = await loaders.schedule_page.load(PageKey(brand_id, (), page))
    return build_connection(rows, page, ReportSchedule.from_row,
                            lambda: loaders.schedule_count.load(CountKey(brand_id, ())))

