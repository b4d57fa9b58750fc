"""The report job end to end: requested over GraphQL, rendered by arq or in-process, downloaded."""

from __future__ import annotations

import asyncio
import io
from datetime import date

import httpx
import pytest
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker
from pypdf import PdfReader

import api.reports.jobs as jobs
from api.app import app
from api.jobs.queues import ArqQueue, inline_queue
from api.reports.jobs import generate
from api.reports.sandbox import Limits
from api.worker import ReportWorkerSettings
from domain.enums import ReportFormat, ReportKind, ReportStatus, Role, WorkspaceRole
from domain.jobs import drain
from domain.models import Report
from domain.services.tokens import issue_token
from domain.settings import get_settings
from tests.api.client import gid, gql
from tests.factories import (
    make_brand,
    make_channel,
    make_membership,
    make_user,
    make_workspace,
    make_workspace_member,
)
from tests.integration.reports.jobs_support import SUPPORT_MODULE, TEST_LIMITS, report_settings

REQUEST = """mutation($input: RequestReportInput!) { requestReport(input: $input) {
  report { id status } userErrors { field code message } } }"""
STATUS = """query($id: ID!) { node(id: $id) { ... on Report {
  status sizeBytes pages error downloadUrl } } }"""


@pytest.fixture
def storage(tmp_path, monkeypatch):
    yield from report_settings(tmp_path, monkeypatch)


@pytest.fixture
def embedded_storage(tmp_path, monkeypatch):
    yield from report_settings(tmp_path, monkeypatch, redis=False)


@pytest.fixture
async def acme():
    workspace = await make_workspace(slug="studio", name="Studio Nord", agency_name="Studio Nord")
    brand = await make_brand(workspace, slug="acme", name="Acme Coffee")
    await make_channel(brand)
    manager = await make_user("manager@studio.example")
    await make_membership(manager, brand, Role.MANAGER)
    owner = await make_user("owner@studio.example")
    await make_workspace_member(workspace, owner, WorkspaceRole.OWNER)
    return brand, manager


async def _queued(brand, kind=ReportKind.ROI, fmt=ReportFormat.PDF) -> Report:
    row = Report(brand=brand.id, kind=kind, format=fmt, locale="en_GB",
                 period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))
    await row.save()
    return row


async def _render(report_id: int, limits: Limits = TEST_LIMITS) -> ReportStatus | None:
    status = await generate(report_id, limits=limits)
    row = await Report.select(Report.error).where(Report.id == report_id).first()
    assert status is not ReportStatus.FAILED or limits is not TEST_LIMITS, row["error"]
    return status


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_generate_stores_a_pdf_and_records_it(acme, storage):
    brand, _ = acme
    report = await _queued(brand)
    assert await _render(report.id) is ReportStatus.READY
    row = await Report.select().where(Report.id == report.id).first()
    assert row["status"] == "READY" and row["error"] == ""
    assert row["storage_key"] == f"reports/{brand.id}/{report.id}.pdf"
    content = storage.read(row["storage_key"])
    assert content.startswith(b"%PDF") and row["size_bytes"] == len(content)
    assert row["pages"] == len(PdfReader(io.BytesIO(content)).pages) > 1
    assert "Acme Coffee" in _pdf_text(content)
    assert row["started_at"] <= row["finished_at"]


async def test_a_ready_report_is_never_rendered_again(acme, storage, monkeypatch):
    brand, _ = acme
    report = await _queued(brand, ReportKind.STRATEGY, ReportFormat.HTML)
    assert await _render(report.id) is ReportStatus.READY
    before = await Report.select().where(Report.id == report.id).first()
    # Any render now would fail loudly: the second run must not get that far.
    monkeypatch.setattr(jobs, "RENDER_TARGET", f"{SUPPORT_MODULE}:explode")
    assert await _render(report.id) is ReportStatus.READY
    assert await Report.select().where(Report.id == report.id).first() == before
    assert storage.read(before["storage_key"]).lstrip().lower().startswith(b"<!doctype html")


async def test_two_runs_at_once_render_once(acme, storage):
    brand, _ = acme
    report = await _queued(brand)
    outcomes = await asyncio.gather(_render(report.id),
                                    _render(report.id))
    # One run claimed it and rendered; the other found it RUNNING and left it alone.
    row = await Report.select(Report.error).first()
    assert sorted(outcomes) == [ReportStatus.READY, ReportStatus.RUNNING], row


async def test_a_hostile_render_fails_the_report_and_the_next_one_still_renders(
        acme, storage, monkeypatch):
    brand, _ = acme
    stuck, fine = await _queued(brand), await _queued(brand)
    real = jobs.RENDER_TARGET
    monkeypatch.setattr(jobs, "RENDER_TARGET", f"{SUPPORT_MODULE}:spin")
    assert await generate(stuck.id, limits=Limits(seconds=1, memory_mb=1536)) is \
        ReportStatus.FAILED
    row = await Report.select().where(Report.id == stuck.id).first()
    assert row["error"] == "TIMEOUT: did not finish within 1 s"
    assert row["storage_key"] == "" and row["finished_at"] is not None
    monkeypatch.setattr(jobs, "RENDER_TARGET", real)
    assert await _render(fine.id) is ReportStatus.READY


async def test_a_stale_running_report_is_taken_over_but_a_live_one_is_not(acme, storage):
    brand, _ = acme
    report = await _queued(brand, fmt=ReportFormat.HTML)
    await Report.update({Report.status: ReportStatus.RUNNING,
                         Report.started_at: jobs.utcnow()}).where(Report.id == report.id)
    assert await _render(report.id) is ReportStatus.RUNNING
    long_ago = jobs.utcnow() - jobs.STALE_MARGIN - jobs.timedelta(seconds=TEST_LIMITS.seconds + 1)
    await Report.update({Report.started_at: long_ago}).where(Report.id == report.id)
    assert await _render(report.id) is ReportStatus.READY


async def test_a_missing_report_is_no_error(storage):
    assert await generate(424242, limits=TEST_LIMITS) is None


# arq's Worker.close still calls redis' deprecated close().
@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_requested_over_graphql_run_by_arq_downloaded_over_http(acme, storage):
    brand, manager = acme
    queue = await create_pool(RedisSettings.from_dsn(get_settings().redis_url))
    await queue.flushdb()
    try:
        result = await gql(REQUEST, as_=manager, variables={"input": {
            "brand": gid("Brand", brand.id), "kind": "ROI", "month": "2026-10"}})
        report = result["requestReport"]["report"]
        assert report["status"] == "QUEUED"
        worker = Worker(functions=ReportWorkerSettings.functions,
                        redis_settings=RedisSettings.from_dsn(get_settings().redis_url),
                        burst=True, poll_delay=0.05, handle_signals=False)
        try:
            await worker.main()
        finally:
            await worker.close()
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    finally:
        await queue.flushdb()
        await queue.aclose()
    status = (await gql(STATUS, as_=manager, variables={"id": report["id"]}))["node"]
    assert status["status"] == "READY" and status["pages"] > 1 and status["error"] is None
    token = await issue_token(manager.id, "test")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://coso.test") as client:
        response = await client.get(status["downloadUrl"],
                                    headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert len(response.content) == status["sizeBytes"]
    assert "Acme Coffee" in _pdf_text(response.content)


async def test_without_redis_the_report_renders_in_this_process(acme, embedded_storage):
    brand, manager = acme
    result = await gql(REQUEST, as_=manager, variables={"input": {
        "brand": gid("Brand", brand.id), "kind": "STRATEGY", "format": "HTML",
        "month": "2026-11", "locale": "it_IT"}})
    assert result["requestReport"]["userErrors"] == []
    await drain()
    status = (await gql(STATUS, as_=manager,
                        variables={"id": result["requestReport"]["report"]["id"]}))["node"]
    assert status["status"] == "READY" and status["pages"] is None
    row = await Report.select().first()
    html = embedded_storage.read(row["storage_key"]).decode()
    assert "Acme Coffee" in html and 'lang="it' in html


async def test_reports_whose_job_was_lost_are_queued_again(acme, storage):
    brand, _ = acme
    now = jobs.utcnow()
    old = now - jobs.timedelta(hours=1)
    stale = now - jobs.timedelta(seconds=TEST_LIMITS.seconds) - jobs.STALE_MARGIN * 2
    lost, _fresh, dead, alive, done = [await _queued(brand) for _ in range(5)]
    for report, values in ((lost, {Report.created_at: old}),
                           (dead, {Report.status: ReportStatus.RUNNING, Report.started_at: stale}),
                           (alive, {Report.status: ReportStatus.RUNNING, Report.started_at: now}),
                           (done, {Report.status: ReportStatus.READY, Report.created_at: old})):
        await Report.update(values).where(Report.id == report.id)
    queue = await create_pool(RedisSettings.from_dsn(get_settings().redis_url))
    await queue.flushdb()
    try:
        assert await jobs.requeue_stalled(ArqQueue(queue), now=now, limits=TEST_LIMITS) == 2
        # Still queued: arq keeps the same job id from being added twice.
        assert await jobs.requeue_stalled(ArqQueue(queue), now=now, limits=TEST_LIMITS) == 0
        queued = await queue.queued_jobs()
    finally:
        await queue.flushdb()
        await queue.aclose()
    assert sorted((j.function, j.args, j.job_id) for j in queued) == [
        ("generate_report", (r.id,), f"report:{r.id}") for r in (lost, dead)]


async def test_without_redis_a_new_process_renders_what_a_dead_one_left(acme, embedded_storage):
    brand, _ = acme
    now = jobs.utcnow()
    long_ago = now - jobs.timedelta(days=1)
    just_queued, dead, alive, done = [await _queued(brand, fmt=ReportFormat.HTML)
                                      for _ in range(4)]
    for report, values in (
            (dead, {Report.status: ReportStatus.RUNNING, Report.started_at: long_ago}),
            (alive, {Report.status: ReportStatus.RUNNING, Report.started_at: now}),
            (done, {Report.status: ReportStatus.READY, Report.storage_key: "kept"})):
        await Report.update(values).where(Report.id == report.id)
    assert await jobs.resume_stalled(inline_queue()) == 2  # the queued one of any age, the dead one
    await drain()
    statuses = {r["id"]: r["status"] for r in await Report.select(Report.id, Report.status)}
    assert statuses == {just_queued.id: ReportStatus.READY, dead.id: ReportStatus.READY,
                        alive.id: ReportStatus.RUNNING, done.id: ReportStatus.READY}
    assert (await Report.select(Report.storage_key).where(Report.id == done.id).first()) == {
        "storage_key": "kept"}


@pytest.mark.parametrize("redis", [False, True])
async def test_the_app_resumes_reports_at_start_only_without_redis(redis, tmp_path,
                                                                   monkeypatch):
    import api.app as app_module

    calls: list[str] = []

    async def record(*_: object) -> int:
        calls.append("resume")
        return 0

    async def nothing(*_: object) -> None:
        return None

    # The test's own pool stays as it is.
    monkeypatch.setattr(app_module, "open_pool", nothing)
    monkeypatch.setattr(app_module, "close_pool", nothing)
    monkeypatch.setattr(app_module, "resume_stalled", record)
    for _ in report_settings(tmp_path, monkeypatch, redis=redis):
        async with app_module.lifespan(app):
            pass
    assert calls == ([] if redis else ["resume"])
