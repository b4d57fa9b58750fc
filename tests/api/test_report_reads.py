"""Brand.reports, Brand.reportSchedules and node(id) for reports: every viewer, paging, filters."""

from __future__ import annotations

from datetime import date

import pytest

from domain.enums import DeliveryStatus, ReportFormat, ReportKind, ReportStatus
from domain.models import Report, ReportDelivery, ReportSchedule
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS

pytestmark = pytest.mark.storage  # raw keyset SQL, the same text on both engines

MEMBERS = {"owner", "admin", "strategist", "manager", "community_manager", "client"}

REPORTS = """query($slug: String!, $first: Int, $after: String, $filter: ReportFilter) {
  brand(slug: $slug) { reports(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id kind status sizeBytes pages error downloadUrl period { from to }
            schedule { dayOfMonth } brand { slug } } } } }"""
SCHEDULES = """query($slug: String!) { brand(slug: $slug) { reportSchedules {
  totalCount nodes { id dayOfMonth recipients
    deliveries { periodStart status attempts error sentAt report { status } } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Report { status } ... on ReportSchedule { dayOfMonth } } }"""


async def _report(brand_id: int, month: int, status: ReportStatus = ReportStatus.READY,
                  **values) -> Report:
    row = Report(brand=brand_id, kind=ReportKind.ROI, format=ReportFormat.PDF, locale="en_GB",
                 period_start=date(2026, month, 1), period_end=date(2026, month, 28),
                 status=status, **values)
    await row.save()
    return row


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_every_member_reads_reports_and_schedules_nobody_else(world, viewer):
    schedule = ReportSchedule(brand=world.brand.id, kind=ReportKind.ROI, day_of_month=2,
                              recipients=["c@acme.example"])
    await schedule.save()
    report = await _report(world.brand.id, 9, schedule=schedule.id, storage_key="x",
                           size_bytes=10, pages=3)
    rival = await _report(world.other_brand.id, 9)
    user = world.user(viewer)
    listed = await gql(REPORTS, as_=user, variables={"slug": "acme"})
    node = await gql(NODE, as_=user, variables={"id": gid("Report", report.id)})
    sched = await gql(NODE, as_=user, variables={"id": gid("ReportSchedule", schedule.id)})
    foreign = await gql(NODE, as_=user, variables={"id": gid("Report", rival.id)})
    if viewer == "anonymous":
        assert listed.errors and listed.get("brand") is None
        assert node.get("node") is None and sched.get("node") is None
        assert foreign.get("node") is None
        return
    if viewer not in MEMBERS:
        assert listed["brand"] is None and node["node"] is None and sched["node"] is None
        assert foreign["node"] == {"__typename": "Report", "id": gid("Report", rival.id),
                                   "status": "READY"}
        return
    assert foreign["node"] is None
    assert listed["brand"]["reports"]["nodes"] == [{
        "id": gid("Report", report.id), "kind": "ROI", "status": "READY", "sizeBytes": 10,
        "pages": 3, "error": None, "downloadUrl": f"/reports/{gid('Report', report.id)}",
        "period": {"from": "2026-09-01", "to": "2026-09-28"}, "schedule": {"dayOfMonth": 2},
        "brand": {"slug": "acme"}}]
    assert node["node"]["status"] == "READY" and sched["node"]["dayOfMonth"] == 2


async def test_reports_newest_first_with_keyset_pages_and_filters(world):
    made = [await _report(world.brand.id, m, status) for m, status in (
        (1, ReportStatus.READY), (2, ReportStatus.FAILED), (3, ReportStatus.QUEUED),
        (4, ReportStatus.READY), (5, ReportStatus.RUNNING))]
    await _report(world.other_brand.id, 6)
    owner = world.user("owner")
    first = await gql(REPORTS, as_=owner, variables={"slug": "acme", "first": 2})
    page = first["brand"]["reports"]
    assert page["totalCount"] == 5 and page["pageInfo"]["hasNextPage"]
    assert [n["id"] for n in page["nodes"]] == [gid("Report", made[4].id),
                                                gid("Report", made[3].id)]
    rest = await gql(REPORTS, as_=owner, variables={
        "slug": "acme", "first": 10, "after": page["pageInfo"]["endCursor"]})
    assert [n["id"] for n in rest["brand"]["reports"]["nodes"]] == [
        gid("Report", r.id) for r in reversed(made[:3])]
    assert not rest["brand"]["reports"]["pageInfo"]["hasNextPage"]
    ready = await gql(REPORTS, as_=owner, variables={
        "slug": "acme", "filter": {"status": ["READY", "FAILED"], "kind": ["ROI"]}})
    nodes = ready["brand"]["reports"]["nodes"]
    assert [(n["status"], n["downloadUrl"] is not None) for n in nodes] == [
        ("READY", True), ("FAILED", False), ("READY", True)]
    assert ready["brand"]["reports"]["totalCount"] == 3


async def test_schedules_show_their_deliveries_latest_first(world):
    schedule = ReportSchedule(brand=world.brand.id, kind=ReportKind.ROI, day_of_month=2,
                              recipients=["c@acme.example", "d@acme.example"])
    await schedule.save()
    report = await _report(world.brand.id, 9)
    await ReportDelivery.insert(
        ReportDelivery(schedule=schedule.id, period_start=date(2026, 9, 1), report=report.id,
                       status=DeliveryStatus.SENT, attempts=2),
        ReportDelivery(schedule=schedule.id, period_start=date(2026, 10, 1),
                       status=DeliveryStatus.FAILED, attempts=1, error="SMTP down"))
    result = await gql(SCHEDULES, as_=world.user("client"), variables={"slug": "acme"})
    schedules = result["brand"]["reportSchedules"]
    assert schedules["totalCount"] == 1
    node = schedules["nodes"][0]
    assert node["recipients"] == ["c@acme.example", "d@acme.example"]
    assert [(d["periodStart"], d["status"], d["attempts"], d["error"], d["report"])
            for d in node["deliveries"]] == [
        ("2026-10-01", "FAILED", 1, "SMTP down", None),
        ("2026-09-01", "SENT", 2, None, {"status": "READY"})]
