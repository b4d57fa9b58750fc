"""Invitations: roles on a brand or a workspace offered by e-mail, held only once accepted.

Inviting answers the same whether or not the e-mail has an account, and creates no user:
a user is created only when someone holding the e-mailed link accepts. An invitee with
an account accepts (or declines) by the invitation's id with their own token, their
e-mail matching; anyone holding the link's token may too. Pending invitations past
`expires_at` read as EXPIRED and are marked so when next touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from domain.db import write_transaction
from domain.enums import InvitationStatus, WorkspaceRole
from domain.errors import ValidationFailed
from domain.models import Brand, Invitation, User, Workspace
from domain.services.audit import record
from domain.services.links import link_hash, new_link_token, signed
from domain.services.members import (
    email_problems,
    grant_roles,
    grant_workspace_role,
    normalize_email,
    role_problems,
)
from domain.services.tokens import issue_token
from domain.services.usecase import Problems, lock_row, must_exist, utcnow
from domain.settings import get_settings

PURPOSE = "inv"
PENDING = InvitationStatus.PENDING
MAX_PER_ADDRESS_PER_DAY = 3

# Every column but the token's hash: what the API and the audit log may show.
_COLUMNS = (Invitation.id, Invitation.workspace, Invitation.brand, Invitation.email,
            Invitation.roles, Invitation.inviter, Invitation.status, Invitation.expires_at,
            Invitation.responded_at, Invitation.created_at)


@dataclass(frozen=True, slots=True)
class Accepted:
    invitation: dict[str, Any]
    user: dict[str, Any]
    api_token: str | None
    """A new user's first API token, in clear (shown once); None for an existing user."""


async def expire_due() -> None:
    """Mark pending invitations past their time EXPIRED."""
    await Invitation.update({Invitation.status: InvitationStatus.EXPIRED}).where(
        (Invitation.status == PENDING) & (Invitation.expires_at < utcnow()))


async def invitation_row(invitation_id: int) -> dict[str, Any] | None:
    row = await Invitation.select(*_COLUMNS).where(Invitation.id == invitation_id).output(
        load_json=True).first()
    return _current(row) if row else None


def _current(row: dict[str, Any]) -> dict[str, Any]:
    if row["status"] == PENDING and row["expires_at"] < utcnow():
        return {**row, "status": InvitationStatus.EXPIRED}
    return row


async def pending(*, brand_id: int | None = None, workspace_id: int | None = None,
                  email: str | None = None) -> list[dict[str, Any]]:
    """Pending invitations of a brand, to a workspace's administration, or to an e-mail."""
    query = Invitation.select(*_COLUMNS).where(
        (Invitation.status == PENDING) & (Invitation.expires_at >= utcnow()))
    if brand_id is not None:
        query = query.where(Invitation.brand == brand_id)
    if workspace_id is not None:
        query = query.where(Invitation.workspace == workspace_id, Invitation.brand.is_null())
    if email is not None:
        query = query.where(Invitation.email == normalize_email(email))
    return await query.order_by(Invitation.id).output(load_json=True)


async def invite_to_brand(actor_id: int, brand_id: int, email: str,
                          roles: Iterable[str]) -> tuple[dict[str, Any], str]:
    """A pending invitation and its link token (to e-mail, never to show the inviter)."""
    email = normalize_email(email)
    problems = Problems()
    email_problems(problems, "email", email)
    wanted = role_problems(problems, roles, required=True)
    problems.check()
    async with write_transaction():
        await lock_row(Brand, brand_id)  # pending invitations are counted
        brand = await must_exist(Brand, brand_id, "brand")
        return await _create(actor_id, brand["workspace"], brand_id, email,
                             sorted(wanted), "brand", "pending invitations per brand")


async def invite_to_workspace(actor_id: int, workspace_id: int, email: str,
                              role: str) -> tuple[dict[str, Any], str]:
    email = normalize_email(email)
    problems = Problems()
    email_problems(problems, "email", email)
    if role not in {r.value for r in WorkspaceRole}:
        problems.add("role", "INVALID_ROLE", f"unknown workspace role {role!r}")
    problems.check()
    async with write_transaction():
        await lock_row(Workspace, workspace_id)
        await must_exist(Workspace, workspace_id, "workspace")
        return await _create(actor_id, workspace_id, None, email, [role], "workspace",
                             "pending invitations per workspace")


async def _create(actor_id: int, workspace_id: int, brand_id: int | None, email: str,
                  roles: list[str], field: str, what: str) -> tuple[dict[str, Any], str]:
    await expire_due()
    scope = (Invitation.brand == brand_id) if brand_id is not None else (
        (Invitation.workspace == workspace_id) & Invitation.brand.is_null())
    # Re-inviting replaces the link, so without this a loop of invitations would mail
    # one address without end.
    recent = await Invitation.count().where(
        scope & (Invitation.email == email)
        & (Invitation.created_at > utcnow() - timedelta(days=1)))
    if recent >= MAX_PER_ADDRESS_PER_DAY:
        raise ValidationFailed.one("email", "TOO_MANY_INVITATIONS",
                                   f"at most {MAX_PER_ADDRESS_PER_DAY} invitations to one "
                                   f"address a day: try again tomorrow")
    # A new invitation to the same person replaces theirs: one live link at a time.
    replaced = await Invitation.update({Invitation.status: InvitationStatus.REVOKED,
                                        Invitation.responded_at: utcnow()}).where(
        scope & (Invitation.status == PENDING) & (Invitation.email == email)).returning(
        Invitation.id)
    limit = get_settings().max_pending_invitations
    if await Invitation.count().where(scope & (Invitation.status == PENDING)) >= limit:
        problems = Problems()
        problems.limit(field, "max_pending_invitations", limit, what)
        problems.check()
    token = new_link_token(PURPOSE)
    expires = utcnow() + timedelta(days=get_settings().invitation_days)
    inserted = await Invitation.insert(Invitation(
        workspace=workspace_id, brand=brand_id, email=email, roles=roles, inviter=actor_id,
        token_hash=link_hash(token), status=PENDING, expires_at=expires,
    )).returning(Invitation.id)
    row = await invitation_row(inserted[0]["id"])
    assert row is not None
    await record(actor_id=actor_id, action="invitation.create", object_type="Invitation",
                 object_id=row["id"], workspace_id=workspace_id, brand_id=brand_id,
                 after={"email": email, "roles": roles,
                        "replaced": [r["id"] for r in replaced]})
    return row, token


async def revoke(actor_id: int, invitation_id: int) -> dict[str, Any]:
    """Revoke a pending invitation (the caller checked the actor may manage its scope)."""
    async with write_transaction():
        return await _respond(actor_id, invitation_id, InvitationStatus.REVOKED, "id")


async def respond_by_id(user_id: int, invitation_id: int, accept: bool) -> Accepted:
    """The signed-in invitee accepts or declines; another user's invitation reads as missing."""
    async with write_transaction():
        user = await must_exist(User, user_id, "user")
        row = await invitation_row(invitation_id)
        if row is None or row["email"] != normalize_email(user["email"]):
            raise ValidationFailed.one("id", "NOT_FOUND", "no invitation to you with this id")
        return await _answer(row, user, None, accept)


async def respond_by_token(token: str, accept: bool) -> Accepted:
    """Whoever holds the e-mailed link accepts or declines; accepting creates the user
    (with a first API token) when the e-mail has no account yet."""
    token = token.strip()
    async with write_transaction():
        found = None
        if signed(token, PURPOSE):
            found = await Invitation.select(Invitation.id).where(
                Invitation.token_hash == link_hash(token)).first()
        if found is None:
            raise ValidationFailed.one("token", "INVALID_TOKEN",
                                       "this invitation link is not valid")
        row = await invitation_row(found["id"])
        assert row is not None
        check_pending(row, "token")
        user = await User.select().where(User.email == row["email"]).first()
        api_token = None
        if user is None and accept:
            created = await User.insert(User(email=row["email"])).returning(User.id)
            user = await must_exist(User, created[0]["id"], "user")
            api_token = await issue_token(user["id"], "invitation")
            await record(actor_id=user["id"], action="user.create", object_type="User",
                         object_id=user["id"], workspace_id=row["workspace"],
                         after={"email": user["email"], "invitation": row["id"]})
        return await _answer(row, user, api_token, accept)


def check_pending(row: dict[str, Any], field: str) -> None:
    status = InvitationStatus(row["status"])
    if status is InvitationStatus.EXPIRED:
        raise ValidationFailed.one(field, "EXPIRED", "this invitation has expired: ask for "
                                                     "a new one")
    if status is not PENDING:
        raise ValidationFailed.one(field, f"ALREADY_{status}",
                                   f"this invitation is {status.lower()} already")


async def _answer(row: dict[str, Any], user: dict[str, Any] | None, api_token: str | None,
                  accept: bool) -> Accepted:
    check_pending(row, "id")
    status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    actor = user["id"] if user else None
    after = await _respond(actor, row["id"], status, "id")
    if accept:
        assert user is not None
        if row["brand"] is not None:
            await grant_roles(row["inviter"], row["brand"], user, row["roles"])
        else:
            await grant_workspace_role(row["inviter"], row["workspace"], user, row["roles"][0])
    return Accepted(invitation=after, user=user or {}, api_token=api_token)


async def _respond(actor_id: int | None, invitation_id: int, status: InvitationStatus,
                   field: str) -> dict[str, Any]:
    """Compare-and-set PENDING → `status`: of two answers to one link only one wins."""
    before = await invitation_row(invitation_id)
    if before is None:
        raise ValidationFailed.one(field, "NOT_FOUND", "no invitation with this id")
    check_pending(before, field)
    changed = await Invitation.update({Invitation.status: status,
                                       Invitation.responded_at: utcnow()}).where(
        (Invitation.id == invitation_id) & (Invitation.status == PENDING)).returning(
        Invitation.id)
    if not changed:
        raise ValidationFailed.one(field, "ALREADY_ANSWERED", "this invitation was answered "
                                                              "already")
    after = await invitation_row(invitation_id)
    assert after is not None
    await record(actor_id=actor_id, action=f"invitation.{status.lower()}",
                 object_type="Invitation", object_id=invitation_id,
                 workspace_id=before["workspace"], brand_id=before["brand"],
                 before={"status": before["status"]}, after={"status": status})
    return after
