"""PUT /brands/{id}/logo and /workspaces/{id}/logo: who may, what is an image, what is kept."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from api.reports.jobs import generate
from domain.enums import ReportFormat, ReportKind, ReportStatus
from domain.models import AuditLog, Brand, Report, Workspace
from domain.services.tokens import issue_token
from tests.api import test_report_download as download_tests
from tests.api.client import gid
from tests.api.conftest import VIEWERS
from tests.integration.reports.jobs_support import TEST_LIMITS

ADMINS = {"owner", "admin"}
BRAND_MEMBERS = {"strategist", "manager", "community_manager", "client"}


# The same temporary store and ASGI client as the download tests.
storage, client = download_tests.storage, download_tests.client


def image(fmt: str = "PNG", size: tuple[int, int] = (320, 120), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 90, 20)).save(out, fmt, **options)
    return out.getvalue()


async def _put(client, path: str, body: bytes, user=None, token: str | None = None):
    if user is not None:
        token = await issue_token(user.id, "test")
    headers = {"Content-Type": "application/octet-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await client.put(path, content=body, headers=headers)


async def _logos(world) -> tuple[str, str, int]:
    brand = await Brand.select(Brand.logo).where(Brand.id == world.brand.id).first()
    space = await Workspace.select(Workspace.agency_logo).where(
        Workspace.id == world.workspace.id).first()
    return brand["logo"], space["agency_logo"], await AuditLog.count()


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_brand_logo_is_for_workspace_admins(client, world, storage, viewer):
    before = await _logos(world)
    response = await _put(client, f"/brands/{gid('Brand', world.brand.id)}/logo", image(),
                          world.user(viewer))
    expected = {"anonymous": 401, "outsider": 404, **{v: 403 for v in BRAND_MEMBERS},
                **{v: 200 for v in ADMINS}}[viewer]
    assert response.status_code == expected, response.text
    if expected != 200:
        assert await _logos(world) == before
        return
    key = response.json()["logo"]
    assert key.startswith(f"brands/{world.brand.id}/logo-") and key.endswith(".png")
    stored = storage.read(key)
    assert response.json()["sizeBytes"] == len(stored)
    with Image.open(io.BytesIO(stored)) as logo:
        assert (logo.format, logo.size) == ("PNG", (320, 120))
    after = await _logos(world)
    assert after == (key, before[1], before[2] + 1)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_agency_logo_is_for_workspace_admins(client, world, storage, viewer):
    before = await _logos(world)
    response = await _put(client, f"/workspaces/{world.workspace.id}/logo",
                          image("JPEG", quality=80), world.user(viewer))
    expected = {"anonymous": 401, "outsider": 404, **{v: 403 for v in BRAND_MEMBERS},
                **{v: 200 for v in ADMINS}}[viewer]
    assert response.status_code == expected, response.text
    if expected == 200:
        key = response.json()["logo"]
        assert key.startswith(f"workspaces/{world.workspace.id}/logo-")
        assert await _logos(world) == (before[0], key, before[2] + 1)
    else:
        assert await _logos(world) == before


def _bomb() -> bytes:
    # Tiny on disk, 10,000 × 10,000 pixels once decoded.
    return image("PNG", (10_000, 10_000), optimize=True)


@pytest.mark.parametrize(("body", "status"), [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>', 422),
    (b"GIF89a but not really", 422),
    (image()[:200], 422),  # a truncated PNG
    (image("BMP"), 422),  # an image, but not one of the four formats
    (b"", 422),
    (_bomb(), 422),
    (b"\x89PNG" + b"\x00" * (2 * 1024 * 1024), 413),
])
async def test_only_real_images_within_limits_are_kept(client, world, storage, body, status):
    before = await _logos(world)
    response = await _put(client, f"/brands/{world.brand.id}/logo", body, world.user("owner"))
    assert response.status_code == status
    assert "error" in response.json()
    assert await _logos(world) == before
    assert not (storage.root / "brands").exists()


@pytest.mark.parametrize("bad", ["0", "abc", gid("Post", 1), "99999999999"])
async def test_unknown_ids_are_not_found(client, world, storage, bad):
    response = await _put(client, f"/brands/{bad}/logo", image(), world.user("owner"))
    assert response.status_code == 404


async def test_an_uploaded_logo_reaches_the_rendered_report(client, world, storage):
    response = await _put(client, f"/brands/{world.brand.id}/logo", image(),
                          world.user("owner"))
    assert response.status_code == 200
    report = Report(brand=world.brand.id, kind=ReportKind.ROI, format=ReportFormat.HTML,
                    locale="en_GB", period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))
    await report.save()
    assert await generate(report.id, limits=TEST_LIMITS) is ReportStatus.READY
    row = await Report.select(Report.storage_key).where(Report.id == report.id).first()
    assert "data:image/png;base64," in storage.read(row["storage_key"]).decode()
