"""Scheduled report e-mails against a real SMTP server on localhost: once per schedule and month."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from api.reports.schedules import MAX_ATTEMPTS, send_scheduled_reports
from domain.enums import DeliveryStatus, ReportFormat, ReportKind, Role
from domain.models import RecipientConfirmation, Report, ReportDelivery, ReportSchedule
from tests.factories import make_brand, make_channel, make_membership, make_user, make_workspace
from tests.integration.reports.jobs_support import (
    TEST_LIMITS,
    SmtpServer,
    free_port,
    report_settings,
    smtp_server,
)

# The claims (INSERT … ON CONFLICT, UPDATE … RETURNING) must hold on SQLite too.
pytestmark = pytest.mark.storage

NOW = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)  # the 5th: schedules for days 1 to 5 are due


@pytest.fixture
def storage(tmp_path, monkeypatch):
    yield from report_settings(tmp_path, monkeypatch)


@pytest.fixture
def smtp():
    yield from smtp_server()


@pytest.fixture
async def agency():
    return await make_workspace(slug="studio", name="Studio Nord srl",
                                agency_name="Studio Nord", report_footer="Studio Nord · Milano")


async def _brand(agency, **values):
    brand = await make_brand(agency, **{"slug": "acme", "name": "Acme Coffee", **values})
    await make_channel(brand)
    return brand


async def _schedule(brand, *, confirmed: bool = True, **values) -> ReportSchedule:
    """A schedule whose recipients (unless not `confirmed`) confirmed their address."""
    row = ReportSchedule(**{"brand": brand.id, "kind": ReportKind.ROI, "day_of_month": 3,
                            "recipients": ["ceo@acme.example", "cmo@acme.example"], **values})
    await row.save()
    if confirmed:
        for i, email in enumerate(row.recipients):
            await RecipientConfirmation.insert(RecipientConfirmation(
                brand=brand.id, email=email.lower(), token_hash=f"{row.id}-{i}",
                expires_at=NOW, confirmed_at=NOW)).on_conflict(action="DO NOTHING")
    return row


async def _run(smtp: SmtpServer, storage, now: datetime = NOW):
    return await send_scheduled_reports(now=now, smtp=smtp.config, storage=storage,
                                        limits=TEST_LIMITS)


async def _deliveries() -> list[dict]:
    return await ReportDelivery.select().order_by(ReportDelivery.id)


async def test_last_month_s_report_arrives_with_its_pdf(agency, storage, smtp):
    brand = await _brand(agency)
    schedule = await _schedule(brand)
    summary = await _run(smtp, storage)
    assert (summary.due, summary.sent, summary.failed, summary.skipped) == (1, 1, 0, 0)
    [(sender, recipients, _)] = smtp.inbox.messages
    assert sender == "reports@agency.example"
    assert recipients == ["ceo@acme.example", "cmo@acme.example"]
    [message] = smtp.inbox.parsed()
    assert message["Subject"] == "Acme Coffee: performance and ROI report, October 2026"
    assert message["From"] == "Studio Nord <reports@agency.example>"
    assert message["To"] == "ceo@acme.example, cmo@acme.example"
    body = message.get_body(("plain",)).get_content()
    assert "ROI report of Acme Coffee for October 2026" in body and "Studio Nord" in body
    assert "Studio Nord · Milano" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "acme-roi-2026-10.pdf"
    pdf = PdfReader(io.BytesIO(attachment.get_content()))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Acme Coffee" in text and "October 2026" in text
    [delivery] = await _deliveries()
    report = await Report.select().first()
    assert delivery["status"] == "SENT" and delivery["attempts"] == 1
    assert delivery["period_start"] == date(2026, 10, 1) and delivery["report"] == report["id"]
    assert delivery["message_id"] == message["Message-ID"].strip()
    assert delivery["sent_at"] is not None
    assert (report["schedule"], report["period_start"], report["period_end"],
            report["pages"]) == (schedule.id, date(2026, 10, 1), date(2026, 10, 31),
                                 len(pdf.pages))


async def test_running_twice_and_concurrently_sends_exactly_one_mail(agency, storage, smtp):
    brand = await _brand(agency)
    await _schedule(brand)
    await _schedule(brand, kind=ReportKind.STRATEGY, format=ReportFormat.HTML,
                    recipients=["team@acme.example"])
    runs = await asyncio.gather(*(_run(smtp, storage) for _ in range(3)))
    again = await _run(smtp, storage, NOW + timedelta(days=1))
    assert sum(r.sent for r in runs) == 2 and again.sent == 0
    # Of 3 × 2 claims two won; the later run found both schedules SENT.
    assert (sum(r.skipped for r in runs), again.skipped) == (3 * 2 - 2, 2)
    assert sorted(r for _, rs, _ in smtp.inbox.messages for r in rs) == [
        "ceo@acme.example", "cmo@acme.example", "team@acme.example"]
    assert [d["status"] for d in await _deliveries()] == ["SENT", "SENT"]
    assert await Report.count() == 2  # one render per schedule, not per run


async def test_smtp_down_fails_with_its_reason_then_the_next_run_sends_once(
        agency, storage):
    brand = await _brand(agency)
    await _schedule(brand)
    server = SmtpServer(port=free_port())  # not started: nothing listens there
    first = await _run(server, storage)
    assert (first.sent, first.failed) == (0, 1)
    [delivery] = await _deliveries()
    assert delivery["status"] == "FAILED" and delivery["attempts"] == 1
    assert delivery["error"].startswith(f"SMTP 127.0.0.1:{server.port}: ")
    assert delivery["sent_at"] is None
    server.start()
    try:
        second = await _run(server, storage, NOW + timedelta(days=1))
        third = await _run(server, storage, NOW + timedelta(days=2))
    finally:
        server.stop()
    assert (second.sent, third.sent, third.skipped) == (1, 0, 1)
    assert len(server.inbox.messages) == 1
    [delivery] = await _deliveries()
    assert (delivery["status"], delivery["attempts"], delivery["error"]) == ("SENT", 2, "")
    assert await Report.count() == 1  # the retry sent the file rendered the first time


async def test_an_italian_brand_gets_italian_mail(agency, storage, smtp):
    brand = await _brand(agency, slug="aurora", name="Torrefazione Aurora", locale="it_IT",
                         timezone="Europe/Rome", currency="EUR")
    await _schedule(brand, kind=ReportKind.STRATEGY, recipients=["titolare@aurora.example"])
    await _run(smtp, storage)
    [message] = smtp.inbox.parsed()
    assert message["Subject"] == "Torrefazione Aurora: report strategico, ottobre 2026"
    body = message.get_body(("plain",))
    assert body["Content-Language"] == "it"
    assert "in allegato il report strategico di Torrefazione Aurora per ottobre 2026" in \
        body.get_content()


async def test_user_text_cannot_add_headers_or_recipients(agency, storage, smtp):
    agency.agency_name = "Nord\r\nBcc: spy@evil.example"
    await agency.save()
    brand = await _brand(agency, name="Acme\nBcc: spy@evil.example")
    await _schedule(brand, recipients=["ceo@acme.example"])
    await _run(smtp, storage)
    [(_, recipients, raw)] = smtp.inbox.messages
    assert recipients == ["ceo@acme.example"]
    [message] = smtp.inbox.parsed()
    assert message["Bcc"] is None and "\n" not in message["Subject"]
    assert message["Subject"].startswith("Acme Bcc: spy@evil.example: ")
    assert b"\nBcc:" not in raw


async def test_due_on_its_day_in_the_brand_s_timezone_and_only_when_active(
        agency, storage, smtp):
    far_east = await _brand(agency, slug="kiwi", timezone="Pacific/Auckland")
    await _schedule(far_east, day_of_month=6)
    paused = await _brand(agency, slug="paused")
    await _schedule(paused, day_of_month=1, active=False)
    # 11:00 UTC on the 5th is already the 6th in Auckland.
    early = await _run(smtp, storage, datetime(2026, 11, 5, 10, 0, tzinfo=UTC))
    late = await _run(smtp, storage, datetime(2026, 11, 5, 11, 30, tzinfo=UTC))
    assert (early.due, late.due, late.sent) == (0, 1, 1)
    assert [d["period_start"] for d in await _deliveries()] == [date(2026, 10, 1)]


async def test_a_claim_held_by_a_live_run_is_left_alone_a_dead_one_is_taken_over(
        agency, storage, smtp):
    brand = await _brand(agency)
    schedule = await _schedule(brand)
    claim = ReportDelivery(schedule=schedule.id, period_start=date(2026, 10, 1),
                           status=DeliveryStatus.SENDING, attempts=1, created_at=NOW)
    await claim.save()
    busy = await _run(smtp, storage)
    assert (busy.sent, busy.skipped, smtp.inbox.messages) == (0, 1, [])
    # Hours later, its claimer is clearly gone.
    taken = await _run(smtp, storage, NOW + timedelta(hours=3))
    assert taken.sent == 1
    [delivery] = await _deliveries()
    assert (delivery["status"], delivery["attempts"]) == ("SENT", 2)


async def test_a_delivery_out_of_attempts_is_not_tried_again(agency, storage, smtp):
    brand = await _brand(agency)
    schedule = await _schedule(brand)
    await ReportDelivery(schedule=schedule.id, period_start=date(2026, 10, 1),
                         status=DeliveryStatus.FAILED, attempts=MAX_ATTEMPTS,
                         error="SMTP down").save()
    summary = await _run(smtp, storage)
    assert (summary.due, summary.skipped, smtp.inbox.messages) == (1, 1, [])


async def test_a_report_that_cannot_render_fails_the_delivery(agency, storage, smtp,
                                                               monkeypatch):
    import api.reports.jobs as jobs
    from tests.integration.reports.jobs_support import SUPPORT_MODULE

    brand = await _brand(agency)
    await _schedule(brand)
    monkeypatch.setattr(jobs, "RENDER_TARGET", f"{SUPPORT_MODULE}:explode")
    summary = await _run(smtp, storage)
    assert summary.failed == 1 and smtp.inbox.messages == []
    [delivery] = await _deliveries()
    assert delivery["status"] == "FAILED"
    assert delivery["error"] == ("the report could not be rendered: "
                                 "FAILED: ValueError: template said no")


async def test_only_members_and_confirmed_addresses_are_mailed(agency, storage, smtp):
    """Issue 13: a schedule is no mail relay. A stranger listed by a manager receives
    nothing until they confirm; the brand's members need no confirmation."""
    brand = await _brand(agency)
    member = await make_user("cmo@acme.example")
    await make_membership(member, brand, Role.CLIENT)
    await _schedule(brand, confirmed=False,
                    recipients=["stranger@elsewhere.example", "CMO@acme.example"])
    summary = await _run(smtp, storage)
    assert summary.sent == 1
    [(_, recipients, _)] = smtp.inbox.messages
    assert recipients == ["CMO@acme.example"]

    # Nobody mailable: the month is not claimed, so it goes out once someone confirms.
    other = await _brand(agency, slug="other")
    await _schedule(other, confirmed=False, recipients=["stranger@elsewhere.example"])
    summary = await _run(smtp, storage)
    assert (summary.sent, summary.skipped) == (0, 2)
    assert len(smtp.inbox.messages) == 1
    await RecipientConfirmation.insert(RecipientConfirmation(
        brand=other.id, email="stranger@elsewhere.example", token_hash="x", expires_at=NOW,
        confirmed_at=NOW))
    summary = await _run(smtp, storage)
    assert summary.sent == 1
    assert smtp.inbox.messages[-1][1] == ["stranger@elsewhere.example"]
