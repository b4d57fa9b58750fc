"""Report mutations: request a report (queued as a job) and manage monthly report schedules."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import strawberry

from api.graphql.context import Info
from api.graphql.ids import decode_id, global_id
from api.graphql.mutations.base import Payload, require, run, user_errors
from api.graphql.permissions import IsAuthenticated
from api.graphql.types.report import Report, ReportFormat, ReportKind, ReportSchedule
from api.jobs.queues import job_queue
from api.links import mail_recipient_links
from api.reports.jobs import fail_unqueued, queue_report
from api.reports.storage import Storage
from domain import enums
from domain.errors import Problem, ValidationFailed
from domain.jobs import QueueUnavailable
from domain.models import Report as ReportTable
from domain.rules.permissions import Action
from domain.services import recipients
from domain.services import reports as service
from domain.services.usecase import KEEP, Problems

UNSET: Any = strawberry.UNSET


@strawberry.input(description="A span of days, both ends included.")
class PeriodInput:
    from_: date = strawberry.field(name="from")
    to: date


@strawberry.input(description="Give `period` or `month`, or neither for the kind's default "
                              "(ROI: last month; STRATEGY: the coming month).")
class RequestReportInput:
    brand: strawberry.ID
    kind: ReportKind
    format: ReportFormat = enums.ReportFormat.PDF
    period: PeriodInput | None = None
    month: str | None = strawberry.field(default=None, description="A month, e.g. 2026-10.")
    locale: str | None = strawberry.field(
        default=None, description="e.g. it_IT; default: the brand's locale.")


@strawberry.input
class CreateReportScheduleInput:
    brand: strawberry.ID
    kind: ReportKind
    day_of_month: int = strawberry.field(description="1 to 28: the day last month's report "
                                                     "is sent, in the brand's timezone.")
    recipients: list[str]
    format: ReportFormat = enums.ReportFormat.PDF
    locale: str | None = strawberry.field(default=None,
                                          description="null: the brand's locale when sent.")
    active: bool = True


@strawberry.input(description="The schedule to change; an omitted field stays as it is.")
class UpdateReportScheduleInput:
    id: strawberry.ID
    kind: ReportKind | None = UNSET
    day_of_month: int | None = UNSET
    recipients: list[str] | None = UNSET
    format: ReportFormat | None = UNSET
    locale: str | None = strawberry.field(default=UNSET,
                                          description="null: the brand's locale.")
    active: bool | None = UNSET


@strawberry.type
class RequestReportPayload(Payload):
    report: Report | None = None


@strawberry.type
class ReportSchedulePayload(Payload):
    schedule: ReportSchedule | None = None


@strawberry.type
class CreateReportSchedulePayload(ReportSchedulePayload):
    pass


@strawberry.type
class UpdateReportSchedulePayload(ReportSchedulePayload):
    pass


@strawberry.type
class DeleteReportSchedulePayload(Payload):
    deleted_id: strawberry.ID | None = None


@strawberry.type
class DeleteReportPayload(Payload):
    deleted_id: strawberry.ID | None = None


def _period(data: RequestReportInput, today: date) -> tuple[date, date]:
    if data.period is not None and data.month is not None:
        raise ValidationFailed.one("month", "AMBIGUOUS", "give period or month, not both")
    if data.period is not None:
        return data.period.from_, data.period.to
    if data.month is not None:
        try:
            return service.month_period(data.month)
        except ValueError:
            raise ValidationFailed.one("month", "INVALID",
                                       "month is a month like 2026-10") from None
    from reporting.periods import default_period

    return default_period(data.kind, today)


async def _schedule_id(info: Info, gid: strawberry.ID) -> int:
    """The schedule's key, if the viewer may manage its brand's reports."""
    pk = decode_id(gid, "ReportSchedule", field="id")
    row = await info.context.loaders.reports.schedule.load(pk)
    require(info, row["brand"] if row else None, Action.REQUEST_REPORT, field="id",
            type_name="ReportSchedule")
    return pk


def _required(problems: Problems, field: str, value: Any) -> Any:
    """KEEP when omitted; a REQUIRED problem when null (only locale may be null)."""
    if value is UNSET:
        return KEEP
    if value is None:
        problems.add(field, "REQUIRED", f"{field} cannot be null")
    return value


@strawberry.type
class ReportMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Render a report in the background (STRATEGIST, MANAGER); "
                                     "follow it in Brand.reports or node(id).")
    async def request_report(self, info: Info, input: RequestReportInput) -> RequestReportPayload:
        user_id = info.context.user_id

        async def work() -> RequestReportPayload:
            brand_id = require(info, decode_id(input.brand, "Brand", field="brand"),
                               Action.REQUEST_REPORT, field="brand", type_name="Brand")
            start, end = _period(input, date.today())
            row = await service.request_report(service.NewReport(
                brand_id=brand_id, kind=input.kind, format=input.format, period_start=start,
                period_end=end, locale=input.locale), user_id)
            return RequestReportPayload(report=Report.from_row(row))

        payload = await run(RequestReportPayload, work)
        if payload.report is not None:
            # Only now is the row committed, so a worker picking the job up can read it.
            try:
                await queue_report(job_queue(), payload.report.id)
            except QueueUnavailable as error:
                await fail_unqueued(payload.report.id, error)
                row = await ReportTable.select().where(
                    ReportTable.id == payload.report.id).first()
                payload.report = Report.from_row(row)
                payload.user_errors.extend(user_errors([Problem(
                    None, "QUEUE_UNAVAILABLE",
                    "the report was recorded but could not be queued; try again")]))
        return payload

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="E-mail last month's report on a day of each month "
                                     "(STRATEGIST, MANAGER). Recipients who are not members "
                                     "of the brand get a confirmation link and nothing else "
                                     "until they confirm.")
    async def create_report_schedule(self, info: Info, input: CreateReportScheduleInput
                                     ) -> CreateReportSchedulePayload:
        user_id = info.context.user_id

        links: list[tuple[int, list[tuple[str, str]]]] = []

        async def work() -> CreateReportSchedulePayload:
            brand_id = require(info, decode_id(input.brand, "Brand", field="brand"),
                               Action.REQUEST_REPORT, field="brand", type_name="Brand")
            row = await service.create_schedule(service.NewSchedule(
                brand_id=brand_id, kind=input.kind, format=input.format,
                day_of_month=input.day_of_month, recipients=input.recipients,
                locale=input.locale or "", active=input.active), user_id)
            links.append((brand_id, await recipients.links_to_send(brand_id, row["recipients"])))
            return CreateReportSchedulePayload(schedule=ReportSchedule.from_row(row))

        payload = await run(CreateReportSchedulePayload, work)
        if links and not payload.user_errors:
            await mail_recipient_links(*links[0])
        return payload

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Change a report schedule (STRATEGIST, MANAGER).")
    async def update_report_schedule(self, info: Info, input: UpdateReportScheduleInput
                                     ) -> UpdateReportSchedulePayload:
        user_id = info.context.user_id

        async def work() -> UpdateReportSchedulePayload:
            pk = await _schedule_id(info, input.id)
            problems = Problems()
            changes = service.ScheduleChanges(
                kind=_required(problems, "kind", input.kind),
                day_of_month=_required(problems, "dayOfMonth", input.day_of_month),
                recipients=_required(problems, "recipients", input.recipients),
                format=_required(problems, "format", input.format),
                active=_required(problems, "active", input.active),
                locale=KEEP if input.locale is UNSET else input.locale,
            )
            problems.check()
            row = await service.update_schedule(pk, changes, user_id)
            links.append((row["brand"],
                          await recipients.links_to_send(row["brand"], row["recipients"])))
            return UpdateReportSchedulePayload(schedule=ReportSchedule.from_row(row))

        links: list[tuple[int, list[tuple[str, str]]]] = []
        payload = await run(UpdateReportSchedulePayload, work)
        if links and not payload.user_errors:
            await mail_recipient_links(*links[0])
        return payload

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Stop and delete a report schedule; the reports it made "
                                     "stay (STRATEGIST, MANAGER).")
    async def delete_report_schedule(self, info: Info,
                                     id: strawberry.ID) -> DeleteReportSchedulePayload:
        user_id = info.context.user_id

        async def work() -> DeleteReportSchedulePayload:
            pk = await _schedule_id(info, id)
            await service.delete_schedule(pk, user_id)
            return DeleteReportSchedulePayload(
                deleted_id=strawberry.ID(str(global_id("ReportSchedule", pk))))

        return await run(DeleteReportSchedulePayload, work)

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Delete a report and its file, unless it is being "
                                     "rendered (STRATEGIST, MANAGER).")
    async def delete_report(self, info: Info, id: strawberry.ID) -> DeleteReportPayload:
        user_id = info.context.user_id
        files: list[str] = []

        async def work() -> DeleteReportPayload:
            pk = decode_id(id, "Report", field="id")
            row = await info.context.loaders.reports.report.load(pk)
            require(info, row["brand"] if row else None, Action.REQUEST_REPORT, field="id",
                    type_name="Report")
            files.append((await service.delete_report(pk, user_id))["storage_key"])
            info.context.loaders.reports.report.prime(pk, None, force=True)
            return DeleteReportPayload(deleted_id=strawberry.ID(str(global_id("Report", pk))))

        payload = await run(DeleteReportPayload, work)
        if payload.deleted_id is not None and files[0]:  # the row is gone for good now
            await asyncio.to_thread(Storage.default().delete, files[0])
        return payload

