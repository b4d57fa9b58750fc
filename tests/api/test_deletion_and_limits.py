"""Issue 13: deleted brands and workspaces leave no files; limits are settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.reports.storage import remove_after_commit
from domain.db import write_transaction
from domain.models import AuditLog, Brand, Report, Workspace
from domain.services.brands import delete_brand
from domain.settings import get_settings
from tests.api import test_report_download as download_tests
from tests.api.client import gid, gql
from tests.api.test_brand_mutations import codes
from tests.api.test_report_logo_upload import _put, image

storage, client = download_tests.storage, download_tests.client
_stored = download_tests._stored

DELETE_BRAND = """mutation($id: ID!) { deleteBrand(id: $id) {
  deletedId userErrors { field code message } } }"""
DELETE_WORKSPACE = """mutation($id: ID!) { deleteWorkspace(id: $id) {
  deletedId userErrors { field code message } } }"""
CREATE_WORKSPACE = """mutation($name: String!, $slug: String!) {
  createWorkspace(name: $name, slug: $slug) { workspace { slug } userErrors {
  field code message } } }"""
UPDATE_BRAND_LOGO = """mutation($id: ID!) { updateBrand(input: {id: $id, kit: {logo: ""}}) {
  brand { id } userErrors { field code message } } }"""


async def _files(storage, world, client) -> dict[str, Path]:
    """A report and a logo of Acme, a logo of its workspace, a report of the rival."""
    report = await _stored(storage, world.brand)
    rival = await _stored(storage, world.other_brand)
    owner = world.user("owner")
    brand_logo = await _put(client, f"/brands/{world.brand.id}/logo", image(), owner)
    agency_logo = await _put(client, f"/workspaces/{world.workspace.id}/logo", image(), owner)
    assert brand_logo.status_code == agency_logo.status_code == 200
    files = {"report": storage.path(report.storage_key),
             "brand_logo": storage.path(brand_logo.json()["logo"]),
             "agency_logo": storage.path(agency_logo.json()["logo"]),
             "rival_report": storage.path(rival.storage_key)}
    assert all(p.is_file() for p in files.values())
    return files


async def test_delete_brand_removes_its_files(world, storage, client):
    files = await _files(storage, world, client)
    result = await gql(DELETE_BRAND, as_=world.user("admin"),
                       variables={"id": gid("Brand", world.brand.id)})
    assert result["deleteBrand"]["userErrors"] == []
    assert not files["report"].exists() and not files["brand_logo"].exists()
    assert not (storage.root / "reports" / str(world.brand.id)).exists()
    assert files["agency_logo"].is_file() and files["rival_report"].is_file()
    # The audit row stays, saying what went.
    assert await AuditLog.count().where(AuditLog.action == "brand.delete") == 1


async def test_a_failed_delete_leaves_the_files(world, storage, client):
    """Files go only after the commit: a rolled-back delete keeps both rows and files."""
    files = await _files(storage, world, client)
    with pytest.raises(RuntimeError):
        async with write_transaction():
            keys = await delete_brand(world.user("owner").id, world.brand.id)
            remove_after_commit(keys=keys, folders=[f"reports/{world.brand.id}"])
            raise RuntimeError("something after the delete failed")
    assert all(p.is_file() for p in files.values())
    assert await Brand.exists().where(Brand.id == world.brand.id)
    assert await Report.count().where(Report.brand == world.brand.id) == 1


@pytest.mark.parametrize("viewer", ["admin", "strategist", "outsider"])
async def test_only_owners_delete_a_workspace(world, storage, viewer):
    result = await gql(DELETE_WORKSPACE, as_=world.user(viewer),
                       variables={"id": gid("Workspace", world.workspace.id)})
    expected = {"outsider": "NOT_FOUND"}.get(viewer, "FORBIDDEN")
    assert codes(result, "deleteWorkspace") == {("id", expected)}
    assert await Workspace.exists().where(Workspace.id == world.workspace.id)


async def test_delete_workspace_removes_every_brand_and_file(world, storage, client):
    files = await _files(storage, world, client)
    result = await gql(DELETE_WORKSPACE, as_=world.user("owner"),
                       variables={"id": gid("Workspace", world.workspace.id)})
    assert result["deleteWorkspace"] == {"deletedId": gid("Workspace", world.workspace.id),
                                         "userErrors": []}
    assert not await Workspace.exists().where(Workspace.id == world.workspace.id)
    assert not await Brand.exists().where(Brand.id == world.brand.id)
    assert not any(files[k].exists() for k in ("report", "brand_logo", "agency_logo"))
    assert files["rival_report"].is_file()
    audit = await AuditLog.select().where(AuditLog.action == "workspace.delete").first()
    assert audit["object_id"] == world.workspace.id


async def test_a_replaced_or_removed_logo_s_file_goes(world, storage, client):
    owner = world.user("owner")
    first = await _put(client, f"/brands/{world.brand.id}/logo", image(), owner)
    second = await _put(client, f"/brands/{world.brand.id}/logo",
                        image(size=(200, 80)), owner)
    old, new = storage.path(first.json()["logo"]), storage.path(second.json()["logo"])
    assert old != new and not old.exists() and new.is_file()
    # The same image again keeps its file (same content, same name).
    again = await _put(client, f"/brands/{world.brand.id}/logo", image(size=(200, 80)), owner)
    assert again.json()["logo"] == second.json()["logo"] and new.is_file()
    removed = await gql(UPDATE_BRAND_LOGO, as_=owner,
                        variables={"id": gid("Brand", world.brand.id)})
    assert removed["updateBrand"]["userErrors"] == []
    assert not new.exists()


# -- limits --------------------------------------------------------------------------------


@pytest.fixture
def limits(monkeypatch):
    def set_limit(name: str, value: int) -> None:
        monkeypatch.setenv(name, str(value))
        get_settings.cache_clear()

    yield set_limit
    get_settings.cache_clear()


async def test_workspaces_per_user(world, limits):
    """The finding: anyone could create unlimited workspaces."""
    limits("COSO_MAX_WORKSPACES_PER_USER", 2)
    owner = world.user("owner")  # owns one already
    ok = await gql(CREATE_WORKSPACE, as_=owner, variables={"name": "Two", "slug": "two"})
    assert ok["createWorkspace"]["userErrors"] == []
    over = await gql(CREATE_WORKSPACE, as_=owner, variables={"name": "Three", "slug": "three"})
    [error] = over["createWorkspace"]["userErrors"]
    assert error["code"] == "MAX_WORKSPACES_PER_USER"
    assert "at most 2 workspaces" in error["message"]
    assert not await Workspace.exists().where(Workspace.slug == "three")


async def test_default_workspace_limit_is_set():
    assert get_settings().max_workspaces_per_user == 10


async def test_upload_size_is_a_setting(world, storage, client, limits):
    limits("COSO_MAX_UPLOAD_BYTES", 1000)
    body = image(size=(600, 600), fmt="PNG")
    assert len(body) > 1000
    response = await _put(client, f"/brands/{world.brand.id}/logo", body, world.user("owner"))
    assert response.status_code == 413
    assert response.json()["code"] == "MAX_UPLOAD_BYTES" and "1000" in response.json()["error"]
    brand = await Brand.select(Brand.logo).where(Brand.id == world.brand.id).first()
    assert brand["logo"] == ""
