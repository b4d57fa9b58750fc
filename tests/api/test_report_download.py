"""GET /reports/{id} over the ASGI app: Bearer auth, brand check, safe headers, states."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from api.app import app
from api.reports.storage import report_key
from domain.enums import ReportFormat, ReportKind, ReportStatus
from domain.models import Report
from domain.services.tokens import issue_token
from tests.api.client import gid
from tests.api.conftest import VIEWERS
from tests.integration.reports.jobs_support import report_settings

MEMBERS = {"owner", "admin", "strategist", "manager", "community_manager", "client"}
PDF = b"%PDF-1.7\n% a stored report\n%%EOF\n"


@pytest.fixture
def storage(tmp_path, monkeypatch):
    yield from report_settings(tmp_path, monkeypatch)


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://coso.test") as c:
        yield c


async def _stored(storage, brand, fmt=ReportFormat.PDF, content=PDF,
                  status=ReportStatus.READY) -> Report:
    row = Report(brand=brand.id, kind=ReportKind.ROI, format=fmt, locale="en_GB",
                 period_start=date(2026, 10, 1), period_end=date(2026, 10, 31), status=status)
    await row.save()
    row.storage_key = report_key(brand.id, row.id, fmt)
    row.size_bytes = storage.write(row.storage_key, content)
    await row.save()
    return row


async def _get(client, path: str, user=None, token: str | None = None) -> httpx.Response:
    if user is not None:
        token = await issue_token(user.id, "test")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.get(path, headers=headers)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_only_viewers_of_the_brand_download(client, world, storage, viewer):
    report = await _stored(storage, world.brand)
    response = await _get(client, f"/reports/{gid('Report', report.id)}", world.user(viewer))
    if viewer == "anonymous":
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        return
    if viewer not in MEMBERS:
        # The same answer as for an id that does not exist.
        missing = await _get(client, "/reports/999999", world.user(viewer))
        assert response.status_code == missing.status_code == 404
        assert response.json() == missing.json() == {"error": "no report with this id"}
        return
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="acme-roi-2026-10.pdf"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"


async def test_html_reports_download_sandboxed(client, world, storage):
    report = await _stored(storage, world.brand, ReportFormat.HTML,
                           b"<!doctype html><p>report</p>")
    response = await _get(client, f"/reports/{report.id}", world.user("client"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    policy = response.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy


async def test_unusable_tokens_and_ids(client, world, storage):
    report = await _stored(storage, world.brand)
    path = f"/reports/{report.id}"
    for token in ("garbage", "coso_not-a-token"):
        assert (await _get(client, path, token=token)).status_code == 401
    basic = await client.get(path, headers={"Authorization": "Basic b3duZXI6cHc="})
    assert basic.status_code == 401
    owner = world.user("owner")
    for bad in ("0", "99999999999999", "not-an-id", gid("Post", world.post.id), "%00", "-1"):
        response = await _get(client, f"/reports/{bad}", owner)
        assert response.status_code == 404, bad


@pytest.mark.parametrize("status", [ReportStatus.QUEUED, ReportStatus.RUNNING,
                                    ReportStatus.FAILED])
async def test_a_report_that_is_not_ready_is_a_conflict(client, world, storage, status):
    report = await _stored(storage, world.brand, status=status)
    response = await _get(client, f"/reports/{report.id}", world.user("manager"))
    assert response.status_code == 409
    assert response.json() == {"error": f"the report is {status}, not READY"}


async def test_a_lost_file_is_not_found(client, world, storage):
    report = await _stored(storage, world.brand)
    storage.delete(report.storage_key)
    response = await _get(client, f"/reports/{report.id}", world.user("manager"))
    assert response.status_code == 404
    assert response.json() == {"error": "the report's file is no longer stored"}
