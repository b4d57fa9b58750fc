"""Report mutations end to end: who may request and schedule, validation, nothing half-written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from arq.connections import RedisSettings, create_pool

from api.reports.jobs import job_id
from api.reports.storage import report_key
from domain.enums import DeliveryStatus, ReportFormat, ReportKind, ReportStatus
from domain.models import AuditLog, Report, ReportDelivery, ReportSchedule
from domain.settings import get_settings
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS
from tests.integration.reports.jobs_support import report_settings

REQUEST = """mutation($input: RequestReportInput!) { requestReport(input: $input) {
  report { id kind format locale status period { from to } downloadUrl requestedBy { email } }
  userErrors { field code message } } }"""
SCHEDULE_FIELDS = """schedule { id kind format locale dayOfMonth recipients active
  createdBy { email } brand { slug } }
userErrors { field code message }"""
CREATE = f"""mutation($input: CreateReportScheduleInput!) {{
  createReportSchedule(input: $input) {{ {SCHEDULE_FIELDS} }} }}"""
UPDATE = f"""mutation($input: UpdateReportScheduleInput!) {{
  updateReportSchedule(input: $input) {{ {SCHEDULE_FIELDS} }} }}"""
DELETE = """mutation($id: ID!) { deleteReportSchedule(id: $id) {
  deletedId userErrors { field code message } } }"""
DELETE_REPORT = """mutation($id: ID!) { deleteReport(id: $id) {
  deletedId userErrors { field code message } } }"""

# The BRIEF: strategists and managers request and schedule reports (workspace admins too).
ALLOWED = {"owner", "admin", "strategist", "manager"}


@pytest.fixture
async def queue():
    """arq's Redis (the test database), emptied so report ids of earlier tests are forgotten."""
    pool = await create_pool(RedisSettings.from_dsn(get_settings().redis_url))
    await pool.flushdb()
    yield pool
    await pool.flushdb()
    await pool.aclose()


async def _schedule(brand, **values: Any) -> ReportSchedule:
    row = ReportSchedule(**{"brand": brand.id, "kind": ReportKind.ROI, "day_of_month": 3,
                            "recipients": ["client@acme.example"], **values})
    await row.save()
    return row


@dataclass(frozen=True)
class Case:
    document: str
    field: str
    target: str  # where NOT_FOUND / FORBIDDEN point


CASES = {
    "requestReport": Case(REQUEST, "requestReport", "brand"),
    "createReportSchedule": Case(CREATE, "createReportSchedule", "brand"),
    "updateReportSchedule": Case(UPDATE, "updateReportSchedule", "id"),
    "deleteReportSchedule": Case(DELETE, "deleteReportSchedule", "id"),
    "deleteReport": Case(DELETE_REPORT, "deleteReport", "id"),
}


async def _variables(name: str, brand) -> dict[str, Any]:
    if name == "requestReport":
        return {"input": {"brand": gid("Brand", brand.id), "kind": "ROI", "month": "2026-10"}}
    if name == "createReportSchedule":
        return {"input": {"brand": gid("Brand", brand.id), "kind": "STRATEGY",
                          "dayOfMonth": 5, "recipients": ["ceo@acme.example"]}}
    if name == "deleteReport":
        report = Report(brand=brand.id, kind=ReportKind.ROI, format=ReportFormat.PDF,
                        locale="en_GB", period_start=date(2026, 9, 1),
                        period_end=date(2026, 9, 30))
        await report.save()
        return {"id": gid("Report", report.id)}
    schedule = await _schedule(brand)
    sid = gid("ReportSchedule", schedule.id)
    if name == "updateReportSchedule":
        return {"input": {"id": sid, "dayOfMonth": 10, "active": False}}
    return {"id": sid}


async def _state() -> tuple[Any, ...]:
    return (await Report.select(), await ReportSchedule.select(), await AuditLog.count())


def _result(payload: dict[str, Any]) -> Any:
    return payload.get("report") or payload.get("schedule") or payload.get("deletedId")


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("viewer", VIEWERS)
async def test_permission_table(world, queue, viewer, name):
    case = CASES[name]
    variables = await _variables(name, world.brand)
    before = await _state()
    result = await gql(case.document, as_=world.user(viewer), variables=variables)
    if viewer == "anonymous":
        assert result.errors == ["authentication required: send Authorization: Bearer <token>"]
        assert await _state() == before
        return
    assert result.errors == []
    payload = result[case.field]
    if viewer in ALLOWED:
        assert payload["userErrors"] == [] and _result(payload) is not None
        assert (await _state())[2] == before[2] + 1  # one audit row
        return
    expected = "NOT_FOUND" if viewer == "outsider" else "FORBIDDEN"
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(case.target, expected)]
    assert _result(payload) is None
    assert await _state() == before


@pytest.mark.parametrize("name", list(CASES))
async def test_the_rival_agency_acts_on_its_own_brand_only(world, queue, name):
    case = CASES[name]
    own = await gql(case.document, as_=world.user("outsider"),
                    variables=await _variables(name, world.other_brand))
    assert own[case.field]["userErrors"] == []
    foreign = await gql(case.document, as_=world.user("owner"),
                        variables=await _variables(name, world.other_brand))
    assert [e["code"] for e in foreign[case.field]["userErrors"]] == ["NOT_FOUND"]


async def test_request_queues_one_arq_job_per_report(world, queue):
    result = await gql(REQUEST, as_=world.user("manager"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "kind": "STRATEGY", "format": "HTML",
        "period": {"from": "2026-11-01", "to": "2026-11-30"}, "locale": "it-it"}})
    report = result["requestReport"]["report"]
    assert report["status"] == "QUEUED" and report["downloadUrl"] is None
    assert report["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert report["locale"] == "it_IT" and report["format"] == "HTML"
    assert report["requestedBy"] == {"email": "manager@agency.example"}
    row = await Report.select().first()
    assert row["job_id"] == job_id(row["id"]) == f"report:{row['id']}"
    jobs = await queue.queued_jobs()
    assert [(j.function, j.args, j.job_id) for j in jobs] == [
        ("generate_report", (row["id"],), row["job_id"])]


async def test_request_defaults_to_the_brand_locale_and_the_kind_s_month(world, queue):
    result = await gql(REQUEST, as_=world.user("strategist"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "kind": "ROI"}})
    report = result["requestReport"]["report"]
    start, end = date.fromisoformat(report["period"]["from"]), date.fromisoformat(
        report["period"]["to"])
    today = date.today()
    assert start.day == 1 and end < today.replace(day=1) and (today - start).days <= 62
    assert report["locale"] == "en_GB" and report["format"] == "PDF"


@pytest.mark.parametrize(("data", "errors"), [
    ({"month": "2026-13"}, {("month", "INVALID")}),
    ({"month": "October"}, {("month", "INVALID")}),
    ({"month": "2026-10", "period": {"from": "2026-10-01", "to": "2026-10-31"}},
     {("month", "AMBIGUOUS")}),
    ({"period": {"from": "2026-10-31", "to": "2026-10-01"}}, {("period.to", "DATES_REVERSED")}),
    ({"period": {"from": "2024-01-01", "to": "2025-12-31"}}, {("period", "TOO_LONG")}),
    ({"period": {"from": "1999-12-01", "to": "1999-12-31"}}, {("period.from", "OUT_OF_RANGE")}),
    ({"period": {"from": "2999-01-01", "to": "2999-01-31"}}, {("period.to", "OUT_OF_RANGE")}),
    ({"month": "2026-10", "locale": "xx_YY"}, {("locale", "INVALID")}),
    ({"month": "2026-10", "locale": "it_IT\x00"}, {("locale", "INVALID")}),
])
async def test_request_validation_writes_nothing(world, queue, data, errors):
    before = await _state()
    result = await gql(REQUEST, as_=world.user("manager"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "kind": "ROI", **data}})
    assert result.errors == []
    payload = result["requestReport"]
    assert {(e["field"], e["code"]) for e in payload["userErrors"]} == errors
    assert payload["report"] is None
    assert await _state() == before
    assert await queue.queued_jobs() == []


async def test_a_queue_that_is_down_fails_the_report_visibly(world, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    get_settings.cache_clear()
    try:
        result = await gql(REQUEST, as_=world.user("manager"), variables={"input": {
            "brand": gid("Brand", world.brand.id), "kind": "ROI", "month": "2026-10"}})
    finally:
        get_settings.cache_clear()
    payload = result["requestReport"]
    assert result.errors == []
    assert [e["code"] for e in payload["userErrors"]] == ["QUEUE_UNAVAILABLE"]
    assert payload["report"]["status"] == "FAILED"
    row = await Report.select(Report.status, Report.error).first()
    assert row["status"] == "FAILED" and row["error"].startswith("QUEUE_UNAVAILABLE")


async def test_create_schedule_normalises_and_reads_back(world):
    result = await gql(CREATE, as_=world.user("strategist"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "kind": "ROI", "dayOfMonth": 28,
        "recipients": [" ceo@acme.example ", "Marketing@Acme.example"], "format": "HTML",
        "locale": "it"}})
    payload = result["createReportSchedule"]
    assert payload["userErrors"] == []
    assert payload["schedule"] | {"id": None} == {
        "id": None, "kind": "ROI", "format": "HTML", "locale": "it", "dayOfMonth": 28,
        "recipients": ["ceo@acme.example", "Marketing@Acme.example"], "active": True,
        "createdBy": {"email": "strategist@agency.example"}, "brand": {"slug": "acme"}}


async def test_schedule_validation_reports_every_problem(world):
    before = await _state()
    result = await gql(CREATE, as_=world.user("manager"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "kind": "ROI", "dayOfMonth": 29,
        "recipients": ["ok@acme.example", "not an address", "OK@acme.example",
                       "x@y.z\r\nBcc: evil@example.com", "a@b"],
        "locale": "klingon"}})
    payload = result["createReportSchedule"]
    assert payload["schedule"] is None
    assert {(e["field"], e["code"]) for e in payload["userErrors"]} == {
        ("dayOfMonth", "OUT_OF_RANGE"), ("recipients.1", "INVALID"),
        ("recipients.2", "DUPLICATE"), ("recipients.3", "INVALID"), ("recipients.4", "INVALID"),
        ("locale", "INVALID")}
    assert await _state() == before


@pytest.mark.parametrize(("recipients", "code"), [([], "REQUIRED"),
                                                  ([f"u{i}@acme.example" for i in range(21)],
                                                   "MAX_RECIPIENTS_PER_SCHEDULE")])
async def test_schedule_recipient_count(world, recipients, code):
    result = await gql(CREATE, as_=world.user("manager"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "kind": "ROI", "dayOfMonth": 1,
        "recipients": recipients}})
    errors = result["createReportSchedule"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("recipients", code)]
    if code != "REQUIRED":  # the limit's value and its setting, COSO_MAX_…=20 by default
        assert "at most 20 " in errors[0]["message"]
        assert "COSO_MAX_RECIPIENTS_PER_SCHEDULE" in errors[0]["message"]


async def test_a_brand_has_a_bounded_number_of_schedules(world, monkeypatch):
    monkeypatch.setenv("COSO_MAX_SCHEDULES_PER_BRAND", "3")
    get_settings.cache_clear()
    for _ in range(3):
        await _schedule(world.brand)
    result = await gql(CREATE, as_=world.user("manager"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "kind": "ROI", "dayOfMonth": 1,
        "recipients": ["a@acme.example"]}})
    get_settings.cache_clear()
    errors = result["createReportSchedule"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("brand", "MAX_SCHEDULES_PER_BRAND")]
    assert "at most 3 report schedules per brand" in errors[0]["message"]


async def test_update_keeps_omitted_fields_refuses_nulls_and_clears_locale(world):
    schedule = await _schedule(world.brand, locale="it_IT", format=ReportFormat.HTML)
    sid = gid("ReportSchedule", schedule.id)
    nulls = await gql(UPDATE, as_=world.user("manager"), variables={"input": {
        "id": sid, "kind": None, "recipients": None, "dayOfMonth": None}})
    assert {(e["field"], e["code"]) for e in nulls["updateReportSchedule"]["userErrors"]} == {
        ("kind", "REQUIRED"), ("recipients", "REQUIRED"), ("dayOfMonth", "REQUIRED")}
    bad = await gql(UPDATE, as_=world.user("manager"), variables={"input": {
        "id": sid, "dayOfMonth": 0, "recipients": ["nope"]}})
    assert {(e["field"], e["code"]) for e in bad["updateReportSchedule"]["userErrors"]} == {
        ("dayOfMonth", "OUT_OF_RANGE"), ("recipients.0", "INVALID")}
    ok = await gql(UPDATE, as_=world.user("manager"), variables={"input": {
        "id": sid, "locale": None, "recipients": ["new@acme.example"]}})
    schedule_out = ok["updateReportSchedule"]["schedule"]
    assert schedule_out["locale"] is None and schedule_out["format"] == "HTML"
    assert schedule_out["recipients"] == ["new@acme.example"] and schedule_out["dayOfMonth"] == 3


async def test_delete_schedule_keeps_its_reports(world):
    schedule = await _schedule(world.brand)
    report = Report(brand=world.brand.id, kind=ReportKind.ROI, format=ReportFormat.PDF,
                    locale="en_GB", period_start=date(2026, 9, 1), period_end=date(2026, 9, 30),
                    schedule=schedule.id)
    await report.save()
    result = await gql(DELETE, as_=world.user("owner"),
                       variables={"id": gid("ReportSchedule", schedule.id)})
    assert result["deleteReportSchedule"] == {
        "deletedId": gid("ReportSchedule", schedule.id), "userErrors": []}
    assert await ReportSchedule.count() == 0
    assert (await Report.select(Report.schedule).first())["schedule"] is None


@pytest.mark.parametrize("bad_id", ["garbage", "UmVwb3J0OjE=", "UmVwb3J0U2NoZWR1bGU6OTk5"])
async def test_bad_schedule_ids_are_user_errors(world, bad_id):
    result = await gql(DELETE, as_=world.user("owner"), variables={"id": bad_id})
    assert result.errors == []
    assert result["deleteReportSchedule"]["userErrors"][0]["code"] in {
        "INVALID_ID", "WRONG_TYPE", "NOT_FOUND"}


@pytest.fixture
def storage(tmp_path, monkeypatch):
    yield from report_settings(tmp_path, monkeypatch)


async def test_delete_report_removes_its_file_but_not_while_it_renders(world, storage):
    schedule = await _schedule(world.brand)
    report = Report(brand=world.brand.id, kind=ReportKind.ROI, format=ReportFormat.PDF,
                    locale="en_GB", period_start=date(2026, 9, 1), period_end=date(2026, 9, 30),
                    status=ReportStatus.RUNNING, schedule=schedule.id)
    await report.save()
    key = report_key(world.brand.id, report.id, "PDF")
    storage.write(key, b"%PDF-1.7")
    await ReportDelivery(schedule=schedule.id, period_start=date(2026, 9, 1), report=report.id,
                         status=DeliveryStatus.SENT, attempts=1).save()
    rid = gid("Report", report.id)
    busy = await gql(DELETE_REPORT, as_=world.user("manager"), variables={"id": rid})
    assert [(e["field"], e["code"]) for e in busy["deleteReport"]["userErrors"]] == [
        ("id", "REPORT_RUNNING")]
    assert storage.exists(key)
    await Report.update({Report.status: ReportStatus.READY, Report.storage_key: key}).where(
        Report.id == report.id)
    done = await gql(DELETE_REPORT, as_=world.user("manager"), variables={"id": rid})
    assert done["deleteReport"] == {"deletedId": rid, "userErrors": []}
    assert await Report.count() == 0 and not storage.exists(key)
    delivery = await ReportDelivery.select(ReportDelivery.status, ReportDelivery.report).first()
    assert delivery == {"status": "SENT", "report": None}
    audit = await AuditLog.select(AuditLog.action).where(AuditLog.action == "report.delete")
    assert len(audit) == 1
