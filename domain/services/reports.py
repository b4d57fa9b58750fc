"""Report use cases: request a report, create, change and delete monthly report schedules."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel import Locale, UnknownLocaleError

from domain.db import write_transaction
from domain.enums import ReportFormat, ReportKind, ReportStatus
from domain.errors import ValidationFailed
from domain.models import Brand, Report, ReportSchedule
from domain.services.audit import record
from domain.services.usecase import KEEP, Keep, Problems, changed, locked
from domain.settings import get_settings

MAX_PERIOD_DAYS = 366
EARLIEST_DAY = date(2000, 1, 1)
# A strategy report plans ahead; nothing further than this is a plausible period.
MAX_DAYS_AHEAD = 400
LAST_SCHEDULE_DAY = 28  # every month has it
MAX_EMAIL_LENGTH = 254
EMAIL = re.compile(r"^[^@\s,;<>()\"'\\]+@[^@\s,;<>()\"'\\]+\.[^@\s,;<>()\"'\\.]+$")
MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def month_period(text: str) -> tuple[date, date]:
    """`2026-10` → the first and last day of that month; ValueError for anything else."""
    match = MONTH.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a month like 2026-10")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < EARLIEST_DAY.year:
        raise ValueError(f"{text!r} is not a month like 2026-10")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_month(today: date) -> tuple[date, date]:
    """The last full month before `today`: what a monthly schedule sends."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def locale_name(value: str) -> str | None:
    """A Babel locale identifier in canonical form (`it-it` → `it_IT`), None if unknown."""
    text = value.strip().replace("-", "_")
    if not text or len(text) > 20:
        return None
    try:
        return str(Locale.parse(text))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def email_address(value: str) -> str | None:
    """The address stripped, if it is one plain address any mail server accepts.

    ASCII only: a non-ASCII address needs SMTPUTF8, which many servers refuse (an
    internationalised domain can be given in its xn-- form).
    """
    text = value.strip()
    if len(text) > MAX_EMAIL_LENGTH or not text.isascii() or not text.isprintable() \
            or not EMAIL.fullmatch(text):
        return None
    return text


# --- reports ------------------------------------------------------------------------------


@dataclass(kw_only=True)
class NewReport:
    brand_id: int
    kind: ReportKind | str
    format: ReportFormat | str = ReportFormat.PDF
    period_start: date
    period_end: date
    locale: str | None = None
    """None or empty: the brand's locale at request time."""
    schedule_id: int | None = None


async def request_report(new: NewReport, actor_id: int | None, *,
                         today: date | None = None) -> dict[str, Any]:
    """A QUEUED report row, checked and audited; the caller queues its job after commit."""
    async with write_transaction():
        brand = await _brand(new.brand_id, "brand")
        problems = Problems()
        kind = _choice(problems, "kind", new.kind, ReportKind)
        fmt = _choice(problems, "format", new.format, ReportFormat)
        _period(problems, new.period_start, new.period_end, today or date.today())
        locale = _locale(problems, new.locale) or brand["locale"]
        problems.check()
        row = Report(brand=brand["id"], kind=kind, format=fmt, locale=locale,
                     period_start=new.period_start, period_end=new.period_end,
                     status=ReportStatus.QUEUED, requested_by=actor_id,
                     schedule=new.schedule_id)
        await row.save()
        after = await Report.select().where(Report.id == row.id).first()
        assert after is not None
        await record(actor_id=actor_id, action="report.request", object_type="report",
                     object_id=row.id, workspace_id=brand["workspace"], brand_id=brand["id"],
                     after=after)
        return after


async def delete_report(report_id: int, actor_id: int | None) -> dict[str, Any]:
    """Delete a report that is not being rendered; the caller removes its file after commit.

    Deliveries that sent it keep their record, without the link.
    """
    async with write_transaction():
        before = await locked(Report.select().where(Report.id == report_id)).first()
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no Report with this id")
        if before["status"] == ReportStatus.RUNNING:
            raise ValidationFailed.one("id", "REPORT_RUNNING",
                                       "the report is being rendered; delete it once it is done")
        await Report.delete().where(Report.id == report_id)
        brand = await _brand(before["brand"], "id")
        await record(actor_id=actor_id, action="report.delete", object_type="report",
                     object_id=report_id, workspace_id=brand["workspace"], brand_id=brand["id"],
                     before=before, after=None)
        return before


def _period(problems: Problems, start: date, end: date, today: date) -> None:
    if end < start:
        problems.add("period.to", "DATES_REVERSED", "the period cannot end before it starts")
    elif (end - start).days + 1 > MAX_PERIOD_DAYS:
        problems.add("period", "TOO_LONG", f"a report covers at most {MAX_PERIOD_DAYS} days")
    if start < EARLIEST_DAY:
        problems.add("period.from", "OUT_OF_RANGE",
                     f"a period starts on {EARLIEST_DAY.isoformat()} or later")
    if end > today + timedelta(days=MAX_DAYS_AHEAD):
        problems.add("period.to", "OUT_OF_RANGE",
                     f"a period ends at most {MAX_DAYS_AHEAD} days from today")


# --- schedules ----------------------------------------------------------------------------


@dataclass(kw_only=True)
class NewSchedule:
    brand_id: int
    kind: ReportKind | str
    day_of_month: int
    recipients: Sequence[str]
    format: ReportFormat | str = ReportFormat.PDF
    locale: str = ""
    active: bool = True


@dataclass(kw_only=True)
class ScheduleChanges:
    """What to change; KEEP leaves a field alone."""

    kind: ReportKind | str | Keep = KEEP
    day_of_month: int | Keep = KEEP
    recipients: Sequence[str] | Keep = KEEP
    format: ReportFormat | str | Keep = KEEP
    locale: str | None | Keep = KEEP
    """None or empty: the brand's locale when the report is sent."""
    active: bool | Keep = KEEP


async def create_schedule(new: NewSchedule, actor_id: int | None) -> dict[str, Any]:
    async with write_transaction():
        # The brand row lock serialises concurrent creations against the per-brand cap.
        brand = await _brand(new.brand_id, "brand", lock=True)
        problems = Problems()
        values = {
            "kind": _choice(problems, "kind", new.kind, ReportKind),
            "format": _choice(problems, "format", new.format, ReportFormat),
            "day_of_month": _day(problems, new.day_of_month),
            "recipients": _recipients(problems, new.recipients),
            "locale": _locale(problems, new.locale),
            "active": bool(new.active),
        }
        limit = get_settings().max_schedules_per_brand
        if await ReportSchedule.count().where(ReportSchedule.brand == brand["id"]) >= limit:
            problems.limit("brand", "max_schedules_per_brand", limit,
                           "report schedules per brand")
        problems.check()
        row = ReportSchedule(brand=brand["id"], created_by=actor_id, **values)
        await row.save()
        after = await _schedule(row.id)
        assert after is not None
        await _audit("report_schedule.create", actor_id, brand, None, after)
        return after


async def update_schedule(schedule_id: int, changes: ScheduleChanges,
                          actor_id: int | None) -> dict[str, Any]:
    async with write_transaction():
        before = await _schedule(schedule_id, lock=True)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no ReportSchedule with this id")
        problems = Problems()
        updates: dict[str, Any] = {}
        if changes.kind is not KEEP:
            updates["kind"] = _choice(problems, "kind", changes.kind, ReportKind)
        if changes.format is not KEEP:
            updates["format"] = _choice(problems, "format", changes.format, ReportFormat)
        if changes.day_of_month is not KEEP:
            updates["day_of_month"] = _day(problems, changes.day_of_month)
        if changes.recipients is not KEEP:
            updates["recipients"] = _recipients(problems, changes.recipients)
        if changes.locale is not KEEP:
            updates["locale"] = _locale(problems, changes.locale)
        if changes.active is not KEEP:
            updates["active"] = bool(changes.active)
        problems.check()
        if changed(before, updates):
            await ReportSchedule.update(
                {getattr(ReportSchedule, k): v for k, v in updates.items()}
            ).where(ReportSchedule.id == schedule_id)
        after = await _schedule(schedule_id)
        assert after is not None
        await _audit("report_schedule.update", actor_id, await _brand(before["brand"], "id"),
                     before, after)
        return after


async def delete_schedule(schedule_id: int, actor_id: int | None) -> dict[str, Any]:
    """Delete a schedule and its delivery records; reports it made stay, unlinked."""
    async with write_transaction():
        before = await _schedule(schedule_id, lock=True)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no ReportSchedule with this id")
        await ReportSchedule.delete().where(ReportSchedule.id == schedule_id)
        await _audit("report_schedule.delete", actor_id, await _brand(before["brand"], "id"),
                     before, None)
        return before


def _day(problems: Problems, value: int) -> int:
    if not isinstance(value, int) or not 1 <= value <= LAST_SCHEDULE_DAY:
        problems.add("dayOfMonth", "OUT_OF_RANGE",
                     f"dayOfMonth is a day from 1 to {LAST_SCHEDULE_DAY} (every month has it)")
    return value


def _recipients(problems: Problems, values: Sequence[str]) -> list[str]:
    if not values:
        problems.add("recipients", "REQUIRED", "a schedule needs at least one recipient")
    elif len(values) > (limit := get_settings().max_recipients_per_schedule):
        problems.limit("recipients", "max_recipients_per_schedule", limit,
                       "recipients per schedule")
        return list(values)
    out: list[str] = []
    seen: set[str] = set()
    for i, value in enumerate(values):
        address = email_address(value)
        if address is None:
            problems.add(f"recipients.{i}", "INVALID", f"{value[:100]!r} is not an e-mail address")
        elif address.lower() in seen:
            problems.add(f"recipients.{i}", "DUPLICATE", f"{address} is listed twice")
        else:
            seen.add(address.lower())
            out.append(address)
    return out


def _locale(problems: Problems, value: str | None) -> str:
    """A canonical locale, or "" for the brand's own."""
    if value is None or not value.strip():
        return ""
    name = locale_name(value)
    if name is None:
        problems.add("locale", "INVALID", f"{value[:40]!r} is not a known locale, e.g. it_IT")
        return ""
    return name


def _choice(problems: Problems, field: str, value: Any, enum: Any) -> Any:
    try:
        return enum(value.upper() if isinstance(value, str) else value)
    except ValueError:
        problems.add(field, "INVALID", f"{field} is one of {', '.join(enum)}")
        return value


async def _brand(brand_id: int, field: str, *, lock: bool = False) -> dict[str, Any]:
    query = Brand.select(Brand.id, Brand.workspace, Brand.locale).where(Brand.id == brand_id)
    brand = await (locked(query) if lock else query).first()
    if brand is None:
        raise ValidationFailed.one(field, "NOT_FOUND", "no Brand with this id")
    return brand


async def _schedule(schedule_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    query = ReportSchedule.select().where(ReportSchedule.id == schedule_id).output(
        load_json=True)
    return await (locked(query) if lock else query).first()


async def _audit(action: str, actor_id: int | None, brand: dict[str, Any],
                 before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    subject = after or before
    assert subject is not None
    await record(actor_id=actor_id, action=action, object_type="report_schedule",
                 object_id=subject["id"], workspace_id=brand["workspace"],
                 brand_id=brand["id"], before=before, after=after)
