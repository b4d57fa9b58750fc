"""Issue 13: membership only with consent, no user enumeration, no slug shadowing."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from api.app import app
from domain.enums import InvitationStatus, Role, WorkspaceRole
from domain.models import AuditLog, Invitation, Membership, User, WorkspaceMember
from domain.services.usecase import utcnow
from domain.settings import get_settings
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS, World
from tests.api.test_brand_mutations import ADMINS, check_permission, codes, db_state
from tests.factories import make_brand, make_membership, make_user, make_workspace
from tests.integration.reports.jobs_support import SmtpServer

INVITATION = "id email roles workspaceRole status brandName workspaceName"
ERRORS = "userErrors { field code message }"

INVITE_MEMBER = f"""
mutation($brand: ID!, $email: String!, $roles: [Role!]!) {{
  inviteMember(brand: $brand, email: $email, roles: $roles) {{
    invitation {{ {INVITATION} }} {ERRORS}
  }}
}}"""

INVITE_ADMIN = f"""
mutation($workspace: ID!, $email: String!, $role: WorkspaceRole! = ADMIN) {{
  inviteWorkspaceAdmin(workspace: $workspace, email: $email, role: $role) {{
    invitation {{ {INVITATION} }} {ERRORS}
  }}
}}"""

REVOKE = f"""
mutation($id: ID!) {{ revokeInvitation(id: $id) {{ invitation {{ status }} {ERRORS} }} }}"""

ACCEPT = f"""
mutation($id: ID, $token: String) {{
  acceptInvitation(id: $id, token: $token) {{ invitation {{ status }} apiToken {ERRORS} }}
}}"""

DECLINE = f"""
mutation($id: ID, $token: String) {{
  declineInvitation(id: $id, token: $token) {{ invitation {{ status }} apiToken {ERRORS} }}
}}"""

MY_INVITATIONS = "{ viewer { invitations { id email roles brandName invitedBy { email } } } }"

PENDING = """
query($brand: ID!, $workspace: ID!) {
  brand: node(id: $brand) { ... on Brand { pendingInvitations { email roles } } }
  workspace: node(id: $workspace) { ... on Workspace { pendingInvitations { email } } }
}"""


@pytest.fixture
def smtp(monkeypatch):
    server = SmtpServer().start()
    monkeypatch.setenv("COSO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COSO_SMTP_PORT", str(server.port))
    monkeypatch.setenv("COSO_PUBLIC_URL", "http://coso.test")
    get_settings.cache_clear()
    yield server
    server.stop()
    get_settings.cache_clear()


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://coso.test") as c:
        yield c


def _link_token(server: SmtpServer, path: str = "invitations") -> str:
    """The token in the link of the latest e-mail."""
    body = server.inbox.parsed()[-1].get_body(("plain",)).get_content()
    found = re.search(rf"http://coso\.test/{path}/(\S+)", body)
    assert found, body
    return found.group(1)


async def _invite(world: World, email: str, roles=("CLIENT",), as_: str = "admin"):
    return await gql(INVITE_MEMBER, as_=world.user(as_), variables={
        "brand": gid("Brand", world.brand.id), "email": email, "roles": list(roles)})


# -- who may invite: the permission matrix -------------------------------------------------


async def _invite_member_case(world: World):
    return INVITE_MEMBER, {"brand": gid("Brand", world.brand.id), "email": "new@client.example",
                           "roles": ["CLIENT"]}


async def _invite_admin_case(world: World):
    return INVITE_ADMIN, {"workspace": gid("Workspace", world.workspace.id),
                          "email": "second@agency.example"}


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("field", "case", "allowed"), [
    ("inviteMember", _invite_member_case, ADMINS),
    ("inviteWorkspaceAdmin", _invite_admin_case, {"owner"}),
], ids=["inviteMember", "inviteWorkspaceAdmin"])
async def test_who_may_invite(world, viewer, field, case, allowed):
    await check_permission(world, viewer, field, case, allowed)


# -- consent -------------------------------------------------------------------------------


async def test_an_invitation_gives_nothing_until_accepted(world, smtp):
    """The finding: `addMember` made anyone a member at once."""
    marta = await make_user("marta@client.example")
    result = await _invite(world, "Marta@Client.Example", roles=("CLIENT", "STRATEGIST"))
    invitation = result["inviteMember"]["invitation"]
    assert result["inviteMember"]["userErrors"] == []
    assert invitation["status"] == "PENDING" and invitation["roles"] == ["CLIENT", "STRATEGIST"]
    assert await Membership.count().where(Membership.user == marta.id) == 0
    seen = await gql("{ brands(first: 5) { totalCount } }", as_=marta)
    assert seen["brands"]["totalCount"] == 0

    # She is told by e-mail, and sees it among her invitations.
    [message] = smtp.inbox.parsed()
    assert message["To"] == "marta@client.example" and "Acme" in message["Subject"]
    mine = await gql(MY_INVITATIONS, as_=marta)
    assert mine["viewer"]["invitations"] == [{
        "id": invitation["id"], "email": "marta@client.example",
        "roles": ["CLIENT", "STRATEGIST"], "brandName": "Acme",
        "invitedBy": {"email": "admin@agency.example"}}]

    # Nobody else may answer it by id: it reads as missing.
    other = await gql(ACCEPT, as_=world.user("client"), variables={"id": invitation["id"]})
    assert codes(other, "acceptInvitation") == {("id", "NOT_FOUND")}

    accepted = await gql(ACCEPT, as_=marta, variables={"id": invitation["id"]})
    assert accepted["acceptInvitation"] == {"invitation": {"status": "ACCEPTED"},
                                            "apiToken": None, "userErrors": []}
    seen = await gql("{ brands(first: 5) { edges { node { slug viewerRoles } } } }", as_=marta)
    assert seen["brands"]["edges"] == [{"node": {"slug": "acme",
                                                 "viewerRoles": ["CLIENT", "STRATEGIST"]}}]
    again = await gql(ACCEPT, as_=marta, variables={"id": invitation["id"]})
    assert codes(again, "acceptInvitation") == {("id", "ALREADY_ACCEPTED")}
    actions = {r["action"] for r in await AuditLog.select(AuditLog.action)}
    assert {"invitation.create", "invitation.accepted", "member.add"} <= actions


async def test_declining_changes_nothing_but_the_invitation(world, smtp):
    marta = await make_user("marta@client.example")
    result = await _invite(world, "marta@client.example")
    declined = await gql(DECLINE, as_=marta,
                         variables={"id": result["inviteMember"]["invitation"]["id"]})
    assert declined["declineInvitation"]["invitation"] == {"status": "DECLINED"}
    assert await Membership.count().where(Membership.user == marta.id) == 0
    # The link of a declined invitation is spent too.
    token = _link_token(smtp)
    late = await gql(ACCEPT, variables={"token": token})
    assert codes(late, "acceptInvitation") == {("token", "ALREADY_DECLINED")}


async def test_the_link_creates_the_account_with_a_token(world, smtp):
    """Someone without an account accepts with the e-mailed link, signed in as no one."""
    await _invite(world, "newcomer@client.example", roles=("MANAGER",))
    assert await User.count().where(User.email == "newcomer@client.example") == 0
    token = _link_token(smtp)
    accepted = await gql(ACCEPT, variables={"token": token})
    payload = accepted["acceptInvitation"]
    assert payload["userErrors"] == [] and payload["apiToken"].startswith("coso_")
    me = await gql("{ viewer { user { email } } brands(first: 5) { edges { node { slug "
                   "viewerRoles } } } }", token=payload["apiToken"])
    assert me["viewer"]["user"]["email"] == "newcomer@client.example"
    assert me["brands"]["edges"] == [{"node": {"slug": "acme", "viewerRoles": ["MANAGER"]}}]
    # Single use: a replay is refused and creates nothing.
    replay = await gql(ACCEPT, variables={"token": token})
    assert codes(replay, "acceptInvitation") == {("token", "ALREADY_ACCEPTED")}
    assert await User.count().where(User.email == "newcomer@client.example") == 1


@pytest.mark.parametrize("token", ["", "inv.x.y", "coso_abc", "rcp.a.b", "inv." + "a" * 300])
async def test_a_forged_link_is_refused(world, token):
    result = await gql(ACCEPT, variables={"token": token})
    assert codes(result, "acceptInvitation") == {("token", "INVALID_TOKEN")}
    assert await User.count() == len([u for u in world.users.values() if u])


async def test_a_tampered_token_is_refused(world, smtp):
    await _invite(world, "newcomer@client.example")
    token = _link_token(smtp)
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    result = await gql(ACCEPT, variables={"token": tampered})
    assert codes(result, "acceptInvitation") == {("token", "INVALID_TOKEN")}


async def test_id_or_token_not_both(world):
    neither = await gql(ACCEPT, as_=world.user("client"))
    assert codes(neither, "acceptInvitation") == {(None, "ID_OR_TOKEN")}
    anonymous = await gql(ACCEPT, variables={"id": gid("Invitation", 1)})
    assert codes(anonymous, "acceptInvitation") == {("id", "AUTHENTICATION_REQUIRED")}


async def test_revoked_and_expired_invitations_cannot_be_accepted(world, smtp):
    marta = await make_user("marta@client.example")
    first = (await _invite(world, "marta@client.example"))["inviteMember"]["invitation"]
    # Someone who cannot manage the brand's members cannot revoke it: it reads as missing.
    refused = await gql(REVOKE, as_=world.user("manager"), variables={"id": first["id"]})
    assert codes(refused, "revokeInvitation") == {("id", "NOT_FOUND")}
    foreign = await gql(REVOKE, as_=world.user("outsider"), variables={"id": first["id"]})
    assert codes(foreign, "revokeInvitation") == {("id", "NOT_FOUND")}
    revoked = await gql(REVOKE, as_=world.user("owner"), variables={"id": first["id"]})
    assert revoked["revokeInvitation"] == {"invitation": {"status": "REVOKED"}, "userErrors": []}
    late = await gql(ACCEPT, as_=marta, variables={"id": first["id"]})
    assert codes(late, "acceptInvitation") == {("id", "ALREADY_REVOKED")}

    second = (await _invite(world, "marta@client.example"))["inviteMember"]["invitation"]
    await Invitation.update({Invitation.expires_at: utcnow() - timedelta(seconds=1)}).where(
        Invitation.status == InvitationStatus.PENDING)
    expired = await gql(ACCEPT, as_=marta, variables={"id": second["id"]})
    assert codes(expired, "acceptInvitation") == {("id", "EXPIRED")}
    link = await gql(ACCEPT, variables={"token": _link_token(smtp)})
    assert codes(link, "acceptInvitation") == {("token", "EXPIRED")}
    assert await Membership.count().where(Membership.user == marta.id) == 0
    assert (await gql(MY_INVITATIONS, as_=marta))["viewer"]["invitations"] == []


async def test_a_new_invitation_replaces_the_pending_one(world, smtp):
    await _invite(world, "marta@client.example")
    old_token = _link_token(smtp)
    await _invite(world, "marta@client.example", roles=("MANAGER",))
    statuses = [r["status"] for r in await Invitation.select(Invitation.status).order_by(
        Invitation.id)]
    assert statuses == ["REVOKED", "PENDING"]
    stale = await gql(ACCEPT, variables={"token": old_token})
    assert codes(stale, "acceptInvitation") == {("token", "ALREADY_REVOKED")}


async def test_workspace_admin_invitation(world, smtp):
    ops = await make_user("ops@agency.example")
    result = await gql(INVITE_ADMIN, as_=world.user("owner"), variables={
        "workspace": gid("Workspace", world.workspace.id), "email": "ops@agency.example"})
    invitation = result["inviteWorkspaceAdmin"]["invitation"]
    assert invitation["workspaceRole"] == "ADMIN" and invitation["roles"] == []
    assert await WorkspaceMember.count().where(WorkspaceMember.user == ops.id) == 0
    await gql(ACCEPT, as_=ops, variables={"id": invitation["id"]})
    role = await WorkspaceMember.select(WorkspaceMember.role).where(
        WorkspaceMember.user == ops.id).first()
    assert role["role"] == WorkspaceRole.ADMIN
    seen = await gql("{ brands(first: 5) { edges { node { viewerCan } } } }", as_=ops)
    assert "EDIT_BRAND" in seen["brands"]["edges"][0]["node"]["viewerCan"]


async def test_managers_list_pending_invitations_others_may_not(world, smtp):
    await _invite(world, "marta@client.example", roles=("CLIENT",))
    await gql(INVITE_ADMIN, as_=world.user("owner"), variables={
        "workspace": gid("Workspace", world.workspace.id), "email": "ops@agency.example"})
    variables = {"brand": gid("Brand", world.brand.id),
                 "workspace": gid("Workspace", world.workspace.id)}
    owner = await gql(PENDING, as_=world.user("owner"), variables=variables)
    assert owner["brand"]["pendingInvitations"] == [{"email": "marta@client.example",
                                                     "roles": ["CLIENT"]}]
    assert owner["workspace"]["pendingInvitations"] == [{"email": "ops@agency.example"}]
    client = await gql(PENDING, as_=world.user("client"), variables=variables)
    assert client.errors and all("owners" in e for e in client.errors)
    assert "marta@client.example" not in str(dict(client))


# -- no enumeration ------------------------------------------------------------------------


def _shape(result) -> dict:
    """The answer with what legitimately differs (the id, the address typed) blanked."""
    payload = dict(result["inviteMember"])
    payload["invitation"] = {k: v for k, v in payload["invitation"].items()
                             if k not in {"id", "email"}}
    return payload


async def test_known_and_unknown_emails_get_the_same_answer(world, smtp):
    """The finding: addMember answered with the user's id, e-mail and name, and an
    unknown e-mail silently created a user."""
    await make_user("known@client.example", name="Known Person")
    users = await User.count()
    known = await _invite(world, "known@client.example")
    unknown = await _invite(world, "unknown@client.example")
    assert known.errors == unknown.errors == []
    assert _shape(known) == _shape(unknown)
    assert "Known Person" not in str(dict(known))
    assert await User.count() == users  # nobody created
    assert await User.count().where(User.email == "unknown@client.example") == 0
    # Both mails alike too (but for the address and the link).
    first, second = (m.get_body(("plain",)).get_content() for m in smtp.inbox.parsed())
    strip = re.compile(r"(http://coso\.test/invitations/\S+|id \S+|[a-z]+@client\.example)")
    assert strip.sub("", first) == strip.sub("", second)


async def test_invitation_input_is_checked(world):
    before = await db_state()
    bad = await gql(INVITE_MEMBER, as_=world.user("owner"), variables={
        "brand": gid("Brand", world.brand.id), "email": "not-an-email", "roles": []})
    assert codes(bad, "inviteMember") == {("email", "INVALID_EMAIL"), ("roles", "REQUIRED")}
    nul = await gql(INVITE_MEMBER, as_=world.user("owner"), variables={
        "brand": gid("Brand", world.brand.id), "email": "a\x00b@example.com",
        "roles": ["CLIENT"]})
    assert codes(nul, "inviteMember") == {("email", "INVALID_EMAIL")}
    assert await db_state() == before


async def test_pending_invitations_per_brand_are_limited(world, monkeypatch):
    monkeypatch.setenv("COSO_MAX_PENDING_INVITATIONS", "2")
    get_settings.cache_clear()
    try:
        for i in range(2):
            ok = await _invite(world, f"u{i}@client.example")
            assert ok["inviteMember"]["userErrors"] == []
        over = await _invite(world, "u9@client.example")
    finally:
        get_settings.cache_clear()
    [error] = over["inviteMember"]["userErrors"]
    assert (error["field"], error["code"]) == ("brand", "MAX_PENDING_INVITATIONS")
    assert "at most 2 pending invitations per brand" in error["message"]
    assert await Invitation.count() == 2


# -- the link's page: GET shows, POST acts -------------------------------------------------


async def test_the_invitation_page_acts_only_on_post(world, smtp, client):
    await _invite(world, "newcomer@client.example")
    token = _link_token(smtp)
    page = await client.get(f"/invitations/{token}")
    assert page.status_code == 200 and "Acme" in page.text and "Accept" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert await User.count().where(User.email == "newcomer@client.example") == 0
    accepted = await client.post(f"/invitations/{token}/accept")
    assert accepted.status_code == 200
    api_token = re.search(r"<code>(coso_[^<]+)</code>", accepted.text).group(1)
    me = await gql("{ viewer { user { email } } }", token=api_token)
    assert me["viewer"]["user"]["email"] == "newcomer@client.example"
    replay = await client.post(f"/invitations/{token}/accept")
    assert replay.status_code == 410
    assert (await client.get(f"/invitations/{token}")).status_code == 410
    assert (await client.get("/invitations/inv.forged.abc")).status_code == 404
    assert (await client.post("/invitations/inv.forged.abc/decline")).status_code == 404
    assert (await client.post(f"/invitations/{token}/other")).status_code in (404, 405)


# -- brand(slug:) never picks among workspaces ---------------------------------------------

BRAND_BY_SLUG = """
query($slug: String!, $workspace: String) { brand(slug: $slug, workspace: $workspace) { name } }
"""


async def test_an_ambiguous_slug_is_an_error_naming_the_workspace_argument(world):
    """The finding: a stranger's brand with the victim's slug was returned silently."""
    client = world.user("client")
    stranger_space = await make_workspace(slug="stranger")
    fake = await make_brand(stranger_space, slug="acme", name="Acme (fake)")
    # Only brands the viewer sees count: the stranger's is invisible, so no ambiguity.
    alone = await gql(BRAND_BY_SLUG, as_=client, variables={"slug": "acme"})
    assert alone["brand"] == {"name": "Acme"}
    # Made a member of the look-alike (as addMember did), the slug is ambiguous.
    await make_membership(client, fake, Role.CLIENT)
    ambiguous = await gql(BRAND_BY_SLUG, as_=client, variables={"slug": "acme"})
    assert ambiguous.get("brand") is None
    assert len(ambiguous.errors) == 1 and "`workspace`" in ambiguous.errors[0]
    by_slug = await gql(BRAND_BY_SLUG, as_=client, variables={"slug": "acme",
                                                              "workspace": "agency"})
    assert by_slug["brand"] == {"name": "Acme"}
    by_id = await gql(BRAND_BY_SLUG, as_=client, variables={
        "slug": "acme", "workspace": gid("Workspace", stranger_space.id)})
    assert by_id["brand"] == {"name": "Acme (fake)"}
    nowhere = await gql(BRAND_BY_SLUG, as_=client, variables={"slug": "acme",
                                                              "workspace": "rival"})
    assert nowhere["brand"] is None and nowhere.errors == []


async def test_one_address_is_not_mailed_without_end(world, smtp):
    """Each re-invitation mails a new link: a few a day per address, then a userError."""
    for _ in range(3):
        ok = await _invite(world, "target@client.example")
        assert ok["inviteMember"]["userErrors"] == []
    over = await _invite(world, "target@client.example")
    assert codes(over, "inviteMember") == {("email", "TOO_MANY_INVITATIONS")}
    assert len(smtp.inbox.messages) == 3
    # Another address is not affected.
    other = await _invite(world, "other@client.example")
    assert other["inviteMember"]["userErrors"] == []


async def test_the_link_of_an_existing_account_gives_no_new_token(world, smtp):
    marta = await make_user("marta@client.example")
    await _invite(world, "marta@client.example")
    accepted = await gql(ACCEPT, variables={"token": _link_token(smtp)})
    assert accepted["acceptInvitation"] == {"invitation": {"status": "ACCEPTED"},
                                            "apiToken": None, "userErrors": []}
    roles = await Membership.select(Membership.role).where(Membership.user == marta.id)
    assert [r["role"] for r in roles] == [Role.CLIENT]
    assert await User.count().where(User.email == "marta@client.example") == 1
