"""Brand members, workspace owners and admins, and the viewer's own API tokens."""

from __future__ import annotations

import pytest

from domain.enums import WorkspaceRole
from domain.models import ApiToken, AuditLog, Membership, WorkspaceMember
from tests.api.client import gid, gql, token_for
from tests.api.conftest import VIEWERS, World
from tests.api.test_brand_mutations import (
    ADMINS,
    SIGNED_IN,
    Case,
    check_permission,
    codes,
    db_state,
    outcome,
)
from tests.factories import make_user, make_workspace_member

MEMBER = "member { user { id email } roles } userErrors { field code message }"

SET_MEMBER_ROLES = f"""
mutation($brand: ID!, $user: ID!, $roles: [Role!]!) {{
  setMemberRoles(brand: $brand, user: $user, roles: $roles) {{ {MEMBER} }}
}}"""

REMOVE_MEMBER = """
mutation($brand: ID!, $user: ID!) {
  removeMember(brand: $brand, user: $user) { removedUserId userErrors { field code message } }
}"""

SET_WORKSPACE_ADMIN_ROLE = """
mutation($workspace: ID!, $user: ID!, $role: WorkspaceRole!) {
  setWorkspaceAdminRole(workspace: $workspace, user: $user, role: $role) {
    admin { user { email } role } workspace { slug } userErrors { field code message }
  }
}"""

REMOVE_WORKSPACE_ADMIN = """
mutation($workspace: ID!, $user: ID!) {
  removeWorkspaceAdmin(workspace: $workspace, user: $user) {
    removedUserId userErrors { field code message }
  }
}"""

CREATE_API_TOKEN = """
mutation($name: String!) {
  createApiToken(name: $name) {
    token apiToken { id name prefix createdAt lastUsedAt revokedAt }
    userErrors { field code message }
  }
}"""

REVOKE_API_TOKEN = """
mutation($id: ID!) {
  revokeApiToken(id: $id) { apiToken { id revokedAt } userErrors { field code message } }
}"""

VIEWER_TOKENS = "{ viewer { user { email } tokens { id name prefix revokedAt } } }"


# -- the permission table -----------------------------------------------------------------


async def _set_member_roles(world: World):
    return SET_MEMBER_ROLES, {"brand": gid("Brand", world.brand.id),
                              "user": gid("User", world.user("community_manager").id),
                              "roles": ["COMMUNITY_MANAGER", "MANAGER"]}


async def _remove_member(world: World):
    return REMOVE_MEMBER, {"brand": gid("Brand", world.brand.id),
                           "user": gid("User", world.user("client").id)}


async def _set_workspace_admin_role(world: World):
    return SET_WORKSPACE_ADMIN_ROLE, {"workspace": gid("Workspace", world.workspace.id),
                                      "user": gid("User", world.user("admin").id),
                                      "role": "OWNER"}


async def _remove_workspace_admin(world: World):
    return REMOVE_WORKSPACE_ADMIN, {"workspace": gid("Workspace", world.workspace.id),
                                    "user": gid("User", world.user("admin").id)}


async def _create_api_token(world: World):
    return CREATE_API_TOKEN, {"name": "CI"}


async def _revoke_owner_token(world: World):
    token = await token_for(world.user("owner"))
    row = await ApiToken.select(ApiToken.id).where(ApiToken.prefix == token[:12]).first()
    return REVOKE_API_TOKEN, {"id": gid("ApiToken", row["id"])}


PERMISSIONS: list[tuple[str, Case, set[str]]] = [
    ("setMemberRoles", _set_member_roles, ADMINS),
    ("removeMember", _remove_member, ADMINS),
    ("setWorkspaceAdminRole", _set_workspace_admin_role, {"owner"}),
    ("removeWorkspaceAdmin", _remove_workspace_admin, {"owner"}),
    ("createApiToken", _create_api_token, SIGNED_IN),
]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("field", "case", "allowed"), PERMISSIONS,
                         ids=[p[0] for p in PERMISSIONS])
async def test_permissions(world, viewer, field, case, allowed):
    await check_permission(world, viewer, field, case, allowed)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_only_its_owner_revokes_a_token(world, viewer):
    """Tokens are personal: anyone else, workspace owner included, gets NOT_FOUND."""
    query, variables = await _revoke_owner_token(world)
    before = await ApiToken.select(ApiToken.id, ApiToken.revoked_at).order_by(ApiToken.id)
    audit = await AuditLog.count()
    result = await gql(query, as_=world.user(viewer), variables=variables)
    got = outcome(result, "revokeApiToken")
    assert got == {"owner": "OK", "anonymous": "AUTH"}.get(viewer, "NOT_FOUND")
    after = await ApiToken.select(ApiToken.id, ApiToken.revoked_at).where(
        ApiToken.id.is_in([r["id"] for r in before])).order_by(ApiToken.id)
    assert (after != before) == (got == "OK")
    assert (await AuditLog.count() > audit) == (got == "OK")


# -- brand members ------------------------------------------------------------------------


async def test_set_member_roles_replaces_and_empty_removes(world):
    cm = world.user("community_manager")
    variables = {"brand": gid("Brand", world.brand.id), "user": gid("User", cm.id)}
    result = await gql(SET_MEMBER_ROLES, as_=world.user("owner"),
                       variables={**variables, "roles": ["MANAGER", "STRATEGIST"]})
    assert result["setMemberRoles"]["member"]["roles"] == ["MANAGER", "STRATEGIST"]
    roles = await Membership.select(Membership.role).where(Membership.user == cm.id)
    assert sorted(r["role"] for r in roles) == ["MANAGER", "STRATEGIST"]
    audit = await AuditLog.select().where(AuditLog.action == "member.roles").output(
        load_json=True).first()
    assert audit["before"]["roles"] == ["COMMUNITY_MANAGER"]
    assert audit["after"]["roles"] == ["MANAGER", "STRATEGIST"]

    emptied = await gql(SET_MEMBER_ROLES, as_=world.user("owner"),
                        variables={**variables, "roles": []})
    assert emptied["setMemberRoles"]["member"]["roles"] == []
    assert await Membership.count().where(Membership.user == cm.id) == 0
    # No longer a member: nothing left to set, and the brand is gone from their view.
    gone = await gql(SET_MEMBER_ROLES, as_=world.user("owner"),
                     variables={**variables, "roles": ["CLIENT"]})
    assert codes(gone, "setMemberRoles") == {("user", "NOT_FOUND")}
    seen = await gql("{ brands(first: 5) { totalCount } }", as_=cm)
    assert seen["brands"]["totalCount"] == 0


async def test_remove_member(world):
    client = world.user("client")
    variables = {"brand": gid("Brand", world.brand.id), "user": gid("User", client.id)}
    result = await gql(REMOVE_MEMBER, as_=world.user("admin"), variables=variables)
    assert result["removeMember"] == {"removedUserId": gid("User", client.id),
                                      "userErrors": []}
    assert await Membership.count().where(Membership.user == client.id) == 0
    assert await AuditLog.count().where(AuditLog.action == "member.remove") == 1
    again = await gql(REMOVE_MEMBER, as_=world.user("admin"), variables=variables)
    assert codes(again, "removeMember") == {("user", "NOT_FOUND")}
    # A member of the rival's brand is not a member here either.
    outsider = await gql(REMOVE_MEMBER, as_=world.user("admin"), variables={
        **variables, "user": gid("User", world.user("outsider").id)})
    assert codes(outsider, "removeMember") == {("user", "NOT_FOUND")}


# -- workspace owners and admins ----------------------------------------------------------


async def _owners(world: World) -> list[str]:
    rows = await WorkspaceMember.select(WorkspaceMember.user.email).where(
        WorkspaceMember.workspace == world.workspace.id,
        WorkspaceMember.role == WorkspaceRole.OWNER)
    return sorted(r["user.email"] for r in rows)


async def test_the_last_owner_stays(world):
    owner = world.user("owner")
    variables = {"workspace": gid("Workspace", world.workspace.id), "user": gid("User", owner.id)}
    before = await db_state()
    alone = await gql(REMOVE_WORKSPACE_ADMIN, as_=owner, variables=variables)
    assert codes(alone, "removeWorkspaceAdmin") == {("user", "LAST_OWNER")}
    demote = await gql(SET_WORKSPACE_ADMIN_ROLE, as_=owner, variables={
        **variables, "role": "ADMIN"})
    assert codes(demote, "setWorkspaceAdminRole") == {("role", "LAST_OWNER")}
    assert await db_state() == before

    # With a second owner, the first may step down; then the second is the last one.
    promoted = await gql(SET_WORKSPACE_ADMIN_ROLE, as_=owner, variables={
        **variables, "user": gid("User", world.user("admin").id), "role": "OWNER"})
    assert promoted["setWorkspaceAdminRole"]["admin"] == {
        "user": {"email": "admin@agency.example"}, "role": "OWNER"}
    assert await _owners(world) == ["admin@agency.example", "owner@agency.example"]
    left = await gql(REMOVE_WORKSPACE_ADMIN, as_=owner, variables=variables)
    assert left["removeWorkspaceAdmin"]["userErrors"] == []
    assert await _owners(world) == ["admin@agency.example"]
    last = await gql(REMOVE_WORKSPACE_ADMIN, as_=world.user("admin"), variables={
        **variables, "user": gid("User", world.user("admin").id)})
    assert codes(last, "removeWorkspaceAdmin") == {("user", "LAST_OWNER")}
    # The former owner has no say in the workspace any more.
    refused = await gql(REMOVE_WORKSPACE_ADMIN, as_=owner, variables={
        **variables, "user": gid("User", world.user("admin").id)})
    assert codes(refused, "removeWorkspaceAdmin") == {("workspace", "NOT_FOUND")}


async def test_owners_of_one_workspace_are_not_owners_of_another(world):
    # The rival's owner also administers Acme's workspace as ADMIN: still not an owner here.
    await make_workspace_member(world.workspace, world.user("outsider"), WorkspaceRole.ADMIN)
    result = await gql(SET_WORKSPACE_ADMIN_ROLE, as_=world.user("outsider"), variables={
        "workspace": gid("Workspace", world.workspace.id),
        "user": gid("User", world.user("admin").id), "role": "OWNER"})
    assert codes(result, "setWorkspaceAdminRole") == {("workspace", "FORBIDDEN")}


# -- API tokens ---------------------------------------------------------------------------


async def test_token_lifecycle():
    user = await make_user("dev@agency.example")
    created = await gql(CREATE_API_TOKEN, as_=user, variables={"name": " Deploy bot "})
    data = created["createApiToken"]
    token = data["token"]
    assert data["userErrors"] == [] and token.startswith("coso_")
    assert data["apiToken"]["name"] == "Deploy bot"
    assert data["apiToken"]["prefix"] == token[:12] and data["apiToken"]["revokedAt"] is None

    # Usable at once, and listed without its secret.
    me = await gql(VIEWER_TOKENS, token=token)
    assert me["viewer"]["user"]["email"] == "dev@agency.example"
    listed = {t["id"]: t for t in me["viewer"]["tokens"]}
    assert listed[data["apiToken"]["id"]]["prefix"] == token[:12]
    assert token not in str(me)
    stored = await ApiToken.select(ApiToken.token_hash).where(
        ApiToken.prefix == token[:12]).first()
    assert stored["token_hash"] != token
    audit = await AuditLog.select().where(AuditLog.action == "api_token.create").output(
        load_json=True).first()
    assert "token_hash" not in audit["after"] and token not in str(audit)

    revoked = await gql(REVOKE_API_TOKEN, token=token,
                        variables={"id": data["apiToken"]["id"]})
    assert revoked["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    # Revoking it spent it: the next request with it is anonymous.
    after = await gql(VIEWER_TOKENS, token=token)
    assert after.errors and "authentication required" in after.errors[0]
    # Revoking again (with another token) is a no-op, not an error.
    again = await gql(REVOKE_API_TOKEN, as_=user, variables={"id": data["apiToken"]["id"]})
    assert again["revokeApiToken"]["userErrors"] == []
    assert await AuditLog.count().where(AuditLog.action == "api_token.revoke") == 1


async def test_token_name_is_required():
    user = await make_user()
    result = await gql(CREATE_API_TOKEN, as_=user, variables={"name": "  "})
    assert codes(result, "createApiToken") == {("name", "REQUIRED")}
    assert result["createApiToken"]["token"] is None
    long = await gql(CREATE_API_TOKEN, as_=user, variables={"name": "n" * 101})
    assert codes(long, "createApiToken") == {("name", "TOO_LONG")}


async def test_wrong_kind_of_id_for_a_token(world):
    result = await gql(REVOKE_API_TOKEN, as_=world.user("owner"),
                       variables={"id": gid("User", world.user("owner").id)})
    assert codes(result, "revokeApiToken") == {("id", "WRONG_TYPE")}


async def test_what_postgresql_cannot_store_is_a_user_error(world):
    owner = world.user("owner")
    name = await gql(CREATE_API_TOKEN, as_=owner, variables={"name": "bot \ud83d"})
    assert codes(name, "createApiToken") == {("name", "INVALID")}
    huge = await gql(REMOVE_MEMBER, as_=owner, variables={
        "brand": gid("Brand", world.brand.id), "user": gid("User", 2**40)})
    missing = await gql(REMOVE_MEMBER, as_=owner, variables={
        "brand": gid("Brand", world.brand.id), "user": gid("User", 999_999)})
    assert huge["removeMember"] == missing["removeMember"]
    assert codes(huge, "removeMember") == {("user", "NOT_FOUND")}
    token = await gql(REVOKE_API_TOKEN, as_=owner, variables={"id": gid("ApiToken", 2**40)})
    other = await gql(REVOKE_API_TOKEN, as_=owner, variables={"id": gid("ApiToken", 999_999)})
    assert token["revokeApiToken"] == other["revokeApiToken"]
