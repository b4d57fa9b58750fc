"""Workspace, brand and channel mutations: who may call them, validation, what they write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from domain.enums import Role
from domain.models import ALL_TABLES, ApiToken, AuditLog, Brand, Channel, Post, Workspace
from tests.api.client import GqlResult, gid, gql
from tests.api.conftest import VIEWERS, World
from tests.factories import make_brand, make_channel, make_membership, make_user

# -- helpers shared by the mutation test modules ------------------------------------------


async def db_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but API tokens (each `gql(as_=…)` call issues one)."""
    state = {}
    for table in ALL_TABLES:
        if table is not ApiToken:
            state[table._meta.tablename] = await table.select().order_by(
                table._meta.primary_key)
    return state


def outcome(result: GqlResult, field: str) -> str:
    """OK, the first userError's code, or AUTH for the anonymous refusal."""
    if result.errors:
        assert len(result.errors) == 1 and "authentication required" in result.errors[0], \
            result.errors
        return "AUTH"
    errors = result[field]["userErrors"]
    return errors[0]["code"] if errors else "OK"


def expected(viewer: str, allowed: set[str]) -> str:
    """The BRIEF's answer: a foreign brand is a missing one, a visible one without the role
    is FORBIDDEN."""
    if viewer == "anonymous":
        return "AUTH"
    if viewer in allowed:
        return "OK"
    return "NOT_FOUND" if viewer == "outsider" else "FORBIDDEN"


Case = Callable[[World], Awaitable[tuple[str, dict[str, Any]]]]


async def check_permission(world: World, viewer: str, field: str, case: Case,
                           allowed: set[str]) -> None:
    """Run one mutation as one viewer; a refusal must leave every row (audit log too) as it was."""
    query, variables = await case(world)
    before = await db_state()
    result = await gql(query, as_=world.user(viewer), variables=variables)
    got = outcome(result, field)
    assert got == expected(viewer, allowed), (viewer, field, result, result.errors)
    after = await db_state()
    if got == "OK":
        assert len(after["audit_log"]) > len(before["audit_log"]), "a write leaves an audit row"
    else:
        assert after == before


def codes(result: GqlResult, field: str) -> set[tuple[str | None, str]]:
    assert result.errors == [], result.errors
    return {(e["field"], e["code"]) for e in result[field]["userErrors"]}


ADMINS = {"owner", "admin"}
SIGNED_IN = set(VIEWERS) - {"anonymous"}

# -- documents ----------------------------------------------------------------------------

CREATE_WORKSPACE = """
mutation($name: String!, $slug: String!) {
  createWorkspace(name: $name, slug: $slug) {
    workspace { id name slug viewerRole } userErrors { field code message }
  }
}"""

UPDATE_WORKSPACE = """
mutation($id: ID!, $name: String, $whiteLabel: WhiteLabelInput) {
  updateWorkspace(id: $id, name: $name, whiteLabel: $whiteLabel) {
    workspace { id name whiteLabel { agencyName agencyLogo reportFooter } }
    userErrors { field code message }
  }
}"""

CREATE_BRAND = """
mutation($input: CreateBrandInput!) {
  createBrand(input: $input) {
    brand { id name slug locale timezone currency viewerCan
            kit { logo primaryColor secondaryColor font } workspace { slug } }
    userErrors { field code message }
  }
}"""

UPDATE_BRAND = """
mutation($input: UpdateBrandInput!) {
  updateBrand(input: $input) {
    brand { id name slug locale timezone currency kit { logo primaryColor secondaryColor font } }
    userErrors { field code message }
  }
}"""

DELETE_BRAND = """
mutation($id: ID!) { deleteBrand(id: $id) { deletedId userErrors { field code message } } }"""

CREATE_CHANNEL = """
mutation($input: CreateChannelInput!) {
  createChannel(input: $input) {
    channel { id platform handle name externalId brand { slug } }
    userErrors { field code message }
  }
}"""

UPDATE_CHANNEL = """
mutation($input: UpdateChannelInput!) {
  updateChannel(input: $input) {
    channel { id platform handle name externalId } userErrors { field code message }
  }
}"""

DELETE_CHANNEL = """
mutation($id: ID!) { deleteChannel(id: $id) { deletedId userErrors { field code message } } }"""


# -- the permission table -----------------------------------------------------------------


async def _create_workspace(world: World):
    return CREATE_WORKSPACE, {"name": "New agency", "slug": "new-agency"}


async def _update_workspace(world: World):
    return UPDATE_WORKSPACE, {"id": gid("Workspace", world.workspace.id), "name": "Renamed"}


async def _create_brand(world: World):
    return CREATE_BRAND, {"input": {"workspace": gid("Workspace", world.workspace.id),
                                    "name": "Globex", "slug": "globex"}}


async def _update_brand(world: World):
    return UPDATE_BRAND, {"input": {"id": gid("Brand", world.brand.id), "name": "Acme Inc"}}


async def _delete_brand(world: World):
    return DELETE_BRAND, {"id": gid("Brand", world.brand.id)}


async def _create_channel(world: World):
    return CREATE_CHANNEL, {"input": {"brand": gid("Brand", world.brand.id),
                                      "platform": "LINKEDIN", "handle": "acme-inc"}}


async def _update_channel(world: World):
    return UPDATE_CHANNEL, {"input": {"id": gid("Channel", world.channel.id),
                                      "name": "Acme on Instagram"}}


async def _delete_channel(world: World):
    return DELETE_CHANNEL, {"id": gid("Channel", world.channel.id)}


PERMISSIONS: list[tuple[str, Case, set[str]]] = [
    ("createWorkspace", _create_workspace, SIGNED_IN),
    ("updateWorkspace", _update_workspace, ADMINS),
    ("createBrand", _create_brand, ADMINS),
    ("updateBrand", _update_brand, ADMINS),
    ("deleteBrand", _delete_brand, ADMINS),
    ("createChannel", _create_channel, ADMINS | {"manager"}),
    ("updateChannel", _update_channel, ADMINS | {"manager"}),
    ("deleteChannel", _delete_channel, ADMINS | {"manager"}),
]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("field", "case", "allowed"), PERMISSIONS,
                         ids=[p[0] for p in PERMISSIONS])
async def test_permissions(world, viewer, field, case, allowed):
    await check_permission(world, viewer, field, case, allowed)


async def test_missing_and_foreign_ids_read_the_same(world):
    owner = world.user("owner")
    missing = await gql(DELETE_BRAND, as_=owner, variables={"id": gid("Brand", 999_999)})
    foreign = await gql(DELETE_BRAND, as_=owner,
                        variables={"id": gid("Brand", world.other_brand.id)})
    assert missing["deleteBrand"] == foreign["deleteBrand"]
    assert foreign["deleteBrand"]["userErrors"][0]["code"] == "NOT_FOUND"
    wrong_type = await gql(DELETE_BRAND, as_=owner,
                           variables={"id": gid("Channel", world.channel.id)})
    assert codes(wrong_type, "deleteBrand") == {("id", "WRONG_TYPE")}
    garbage = await gql(DELETE_BRAND, as_=owner, variables={"id": "not an id"})
    assert codes(garbage, "deleteBrand") == {("id", "INVALID_ID")}
    assert await Brand.count() == 2


# -- workspaces ---------------------------------------------------------------------------


async def test_create_workspace_makes_the_viewer_its_owner():
    user = await make_user()
    result = await gql(CREATE_WORKSPACE, as_=user, variables={"name": " Studio ",
                                                               "slug": "studio"})
    data = result["createWorkspace"]
    assert data["userErrors"] == []
    assert data["workspace"]["name"] == "Studio" and data["workspace"]["viewerRole"] == "OWNER"
    # …and may at once create a brand in it.
    brand = await gql(CREATE_BRAND, as_=user, variables={"input": {
        "workspace": data["workspace"]["id"], "name": "Studio brand", "slug": "studio-brand"}})
    assert brand["createBrand"]["userErrors"] == []
    assert "EDIT_BRAND" in brand["createBrand"]["brand"]["viewerCan"]

    again = await gql(CREATE_WORKSPACE, as_=user, variables={"name": "", "slug": "studio"})
    assert codes(again, "createWorkspace") == {("name", "REQUIRED"), ("slug", "SLUG_TAKEN")}
    bad = await gql(CREATE_WORKSPACE, as_=user, variables={"name": "x" * 201,
                                                           "slug": "Not A Slug"})
    assert codes(bad, "createWorkspace") == {("name", "TOO_LONG"), ("slug", "INVALID_SLUG")}
    assert await Workspace.count() == 1


async def test_update_workspace_white_label(world):
    variables = {"id": gid("Workspace", world.workspace.id), "whiteLabel": {
        "agencyName": "Agency Srl", "agencyLogo": "",
        "reportFooter": "Agency Srl · P.IVA 01234567890"}}
    result = await gql(UPDATE_WORKSPACE, as_=world.user("admin"), variables=variables)
    data = result["updateWorkspace"]
    assert data["userErrors"] == []
    assert data["workspace"]["name"] == world.workspace.name  # left out: kept
    assert data["workspace"]["whiteLabel"]["agencyName"] == "Agency Srl"

    variables["whiteLabel"] = {"agencyLogo": "javascript:alert(1)", "reportFooter": "x" * 2001}
    variables["name"] = " "
    bad = await gql(UPDATE_WORKSPACE, as_=world.user("owner"), variables=variables)
    assert codes(bad, "updateWorkspace") == {
        ("name", "REQUIRED"), ("whiteLabel.agencyLogo", "LOGO_NOT_UPLOADED"),
        ("whiteLabel.reportFooter", "TOO_LONG")}
    row = await Workspace.objects().get(Workspace.id == world.workspace.id)
    assert (row.agency_name, row.agency_logo) == ("Agency Srl", "")


# -- brands -------------------------------------------------------------------------------


async def test_create_brand_with_kit_and_defaults(world):
    result = await gql(CREATE_BRAND, as_=world.user("owner"), variables={"input": {
        "workspace": gid("Workspace", world.workspace.id), "name": "Bottega", "slug": "bottega",
        "locale": "it-it", "timezone": "Europe/Rome", "currency": "eur",
        "kit": {"primaryColor": "#aa0000", "logo": "", "font": "Inter"}}})
    brand = result["createBrand"]["brand"]
    assert result["createBrand"]["userErrors"] == []
    assert (brand["locale"], brand["timezone"], brand["currency"]) == (
        "it_IT", "Europe/Rome", "EUR")
    assert brand["kit"] == {"logo": "", "primaryColor": "#AA0000",
                            "secondaryColor": "#3B82F6", "font": "Inter"}
    audit = await AuditLog.select().where(AuditLog.action == "brand.create").first()
    assert audit["actor"] == world.user("owner").id and audit["workspace"] == world.workspace.id


async def test_brand_validation_reports_every_problem(world):
    result = await gql(CREATE_BRAND, as_=world.user("owner"), variables={"input": {
        "workspace": gid("Workspace", world.workspace.id), "name": " ", "slug": "acme",
        "locale": "xx_YY", "timezone": "Mars/Olympus", "currency": "ABC",
        "kit": {"primaryColor": "red", "secondaryColor": "#12345", "logo": "ftp://x/y",
                "font": "f" * 101}}})
    assert codes(result, "createBrand") == {
        ("name", "REQUIRED"), ("slug", "SLUG_TAKEN"), ("locale", "INVALID_LOCALE"),
        ("timezone", "INVALID_TIMEZONE"), ("currency", "INVALID_CURRENCY"),
        ("kit.primaryColor", "INVALID_COLOR"), ("kit.secondaryColor", "INVALID_COLOR"),
        ("kit.logo", "LOGO_NOT_UPLOADED"), ("kit.font", "TOO_LONG")}
    assert result["createBrand"]["brand"] is None
    assert await Brand.count() == 2


async def test_slug_is_unique_per_workspace(world):
    # The rival workspace's slug is free here…
    result = await gql(CREATE_BRAND, as_=world.user("admin"), variables={"input": {
        "workspace": gid("Workspace", world.workspace.id), "name": "R", "slug": "rival-brand"}})
    assert result["createBrand"]["userErrors"] == []
    # …but not a sibling's, on update either.
    taken = await gql(UPDATE_BRAND, as_=world.user("admin"), variables={"input": {
        "id": result["createBrand"]["brand"]["id"], "slug": "acme"}})
    assert codes(taken, "updateBrand") == {("slug", "SLUG_TAKEN")}
    same = await gql(UPDATE_BRAND, as_=world.user("admin"), variables={"input": {
        "id": gid("Brand", world.brand.id), "slug": "acme", "name": "Acme"}})
    assert same["updateBrand"]["userErrors"] == []


async def test_update_brand_changes_only_what_is_sent(world):
    result = await gql(UPDATE_BRAND, as_=world.user("owner"), variables={"input": {
        "id": gid("Brand", world.brand.id), "kit": {"secondaryColor": "#00ff00"},
        "timezone": "America/New_York"}})
    brand = result["updateBrand"]["brand"]
    assert brand["name"] == "Acme" and brand["locale"] == "en_GB"
    assert brand["timezone"] == "America/New_York"
    assert brand["kit"]["secondaryColor"] == "#00FF00"
    assert brand["kit"]["primaryColor"] == "#1F2937"
    audit = await AuditLog.select().where(AuditLog.action == "brand.update").output(
        load_json=True).first()
    assert audit["before"]["timezone"] == "Europe/London"
    assert audit["after"]["timezone"] == "America/New_York"


@pytest.mark.storage
async def test_delete_brand_takes_its_rows_and_keeps_the_audit(world):
    result = await gql(DELETE_BRAND, as_=world.user("owner"),
                       variables={"id": gid("Brand", world.brand.id)})
    assert result["deleteBrand"] == {"deletedId": gid("Brand", world.brand.id),
                                     "userErrors": []}
    assert await Brand.count() == 1
    assert await Channel.count().where(Channel.brand == world.brand.id) == 0
    assert await Post.count().where(Post.brand == world.brand.id) == 0
    audit = await AuditLog.select().where(AuditLog.action == "brand.delete").output(
        load_json=True).first()
    assert audit["brand_id"] == world.brand.id
    assert audit["before"]["deleted_with"] == {"channels": 1, "campaigns": 1, "posts": 1}
    # The rival's brand is untouched, and the deleted brand is gone for its former members.
    assert await Post.count().where(Post.brand == world.other_brand.id) == 1
    gone = await gql("{ brands(first: 5) { totalCount } }", as_=world.user("manager"))
    assert gone["brands"]["totalCount"] == 0


# -- channels -----------------------------------------------------------------------------


async def test_channel_create_update_and_handle_uniqueness(world):
    manager = world.user("manager")
    made = await gql(CREATE_CHANNEL, as_=manager, variables={"input": {
        "brand": gid("Brand", world.brand.id), "platform": "TIKTOK", "handle": " @acme ",
        "name": "Acme TikTok", "externalId": "7001"}})
    channel = made["createChannel"]["channel"]
    assert channel == {"id": channel["id"], "platform": "TIKTOK", "handle": "@acme",
                       "name": "Acme TikTok", "externalId": "7001", "brand": {"slug": "acme"}}
    twin = await gql(CREATE_CHANNEL, as_=manager, variables={"input": {
        "brand": gid("Brand", world.brand.id), "platform": "TIKTOK", "handle": "@acme"}})
    assert codes(twin, "createChannel") == {("handle", "HANDLE_TAKEN")}
    # The same handle on another platform is another channel.
    other = await gql(CREATE_CHANNEL, as_=manager, variables={"input": {
        "brand": gid("Brand", world.brand.id), "platform": "X", "handle": "@acme"}})
    assert other["createChannel"]["userErrors"] == []

    bad = await gql(UPDATE_CHANNEL, as_=manager, variables={"input": {
        "id": channel["id"], "handle": "", "name": "n" * 201}})
    assert codes(bad, "updateChannel") == {("handle", "REQUIRED"), ("name", "TOO_LONG")}
    renamed = await gql(UPDATE_CHANNEL, as_=manager, variables={"input": {
        "id": channel["id"], "name": "Acme on TikTok"}})
    assert renamed["updateChannel"]["channel"]["name"] == "Acme on TikTok"
    assert renamed["updateChannel"]["channel"]["handle"] == "@acme"


async def test_channel_of_a_brand_the_manager_does_not_manage():
    manager = await make_user()
    mine, theirs = await make_brand(), await make_brand()
    await make_membership(manager, mine, Role.MANAGER)
    await make_membership(manager, theirs, Role.CLIENT)
    channel = await make_channel(theirs)
    result = await gql(DELETE_CHANNEL, as_=manager, variables={"id": gid("Channel", channel.id)})
    assert codes(result, "deleteChannel") == {("id", "FORBIDDEN")}
    assert await Channel.count() == 1


async def test_what_postgresql_cannot_store_is_a_user_error(world):
    owner = world.user("owner")
    huge = await gql(DELETE_BRAND, as_=owner, variables={"id": gid("Brand", 2**40)})
    missing = await gql(DELETE_BRAND, as_=owner, variables={"id": gid("Brand", 999_999)})
    assert huge["deleteBrand"] == missing["deleteBrand"]
    channel = await gql(UPDATE_CHANNEL, as_=owner, variables={"input": {
        "id": gid("Channel", 2**40), "name": "x"}})
    assert codes(channel, "updateChannel") == {("id", "NOT_FOUND")}
    nul = await gql(UPDATE_BRAND, as_=owner, variables={"input": {
        "id": gid("Brand", world.brand.id), "name": "Ac\x00me", "kit": {"font": "\ud800"},
        "locale": "en\x00"}})
    assert codes(nul, "updateBrand") == {("name", "INVALID"), ("kit.font", "INVALID"),
                                         ("locale", "INVALID_LOCALE")}
    logo = await gql(UPDATE_WORKSPACE, as_=owner, variables={
        "id": gid("Workspace", world.workspace.id),
        "whiteLabel": {"agencyLogo": "https://cdn.example/\x00.png"}})
    assert codes(logo, "updateWorkspace") == {("whiteLabel.agencyLogo", "LOGO_NOT_UPLOADED")}
