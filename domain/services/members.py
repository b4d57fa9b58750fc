"""Use cases for who may do what: brand roles, workspace owners and admins, API tokens."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from domain.db import write_transaction
from domain.enums import Role, WorkspaceRole
from domain.errors import ValidationFailed
from domain.models import ApiToken, Brand, Membership, User, Workspace, WorkspaceMember
from domain.rules.content import storable
from domain.services.audit import record
from domain.services.tokens import hash_token, issue_token, revoke_token
from domain.services.usecase import Problems, lock_row, must_exist, row_of

# Deliberately loose (RFC 5322 allows far more): one @, a dot in the domain, no spaces.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_LIVE_TOKENS = 100
MAX_EMAIL_LENGTH = 254


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_problems(problems: Problems, field: str, email: str) -> None:
    if not email:
        problems.required(field)
    elif len(email) > MAX_EMAIL_LENGTH:
        problems.too_long(field, MAX_EMAIL_LENGTH)
    elif not (storable(email) and EMAIL.match(email)):
        problems.add(field, "INVALID_EMAIL", f"{email!r} is not an e-mail address")


# -- brand roles ---------------------------------------------------------------------------


async def roles_of(user_id: int, brand_id: int) -> set[Role]:
    rows = await Membership.select(Membership.role).where(
        Membership.user == user_id, Membership.brand == brand_id)
    return {Role(r["role"]) for r in rows}


async def _write_roles(actor_id: int | None, brand: dict[str, Any], user: dict[str, Any],
                       before: set[Role], after: set[Role]) -> None:
    added, removed = after - before, before - after
    if not added and not removed:
        return
    if removed:
        await Membership.delete().where(
            Membership.user == user["id"], Membership.brand == brand["id"],
            Membership.role.is_in([r.value for r in removed]))
    if added:
        await Membership.insert(*[
            Membership(user=user["id"], brand=brand["id"], role=r.value) for r in sorted(added)
        ]).on_conflict(action="DO NOTHING")
    action = "member.add" if not before else "member.remove" if not after else "member.roles"
    await record(actor_id=actor_id, action=action, object_type="User", object_id=user["id"],
                 workspace_id=brand["workspace"], brand_id=brand["id"],
                 before={"email": user["email"], "roles": sorted(before)},
                 after={"email": user["email"], "roles": sorted(after)})


def role_problems(problems: Problems, roles: Iterable[str], *, required: bool) -> set[Role]:
    valid: set[Role] = set()
    invalid = False
    for role in roles:
        try:
            valid.add(Role(role))
        except ValueError:
            invalid = True
            problems.add("roles", "INVALID_ROLE", f"unknown role {role!r}")
    if required and not valid and not invalid:
        problems.add("roles", "REQUIRED", "give at least one role")
    return valid


async def grant_roles(actor_id: int | None, brand_id: int, user: dict[str, Any],
                      roles: Iterable[str]) -> list[Role]:
    """Give `user` these roles on a brand besides theirs (an accepted invitation, the demo)."""
    async with write_transaction():
        brand = await must_exist(Brand, brand_id, "brand")
        before = await roles_of(user["id"], brand_id)
        wanted = {Role(r) for r in roles}
        await _write_roles(actor_id, brand, user, before, before | wanted)
    return sorted(before | wanted)


async def set_member_roles(actor_id: int, brand_id: int, user_id: int,
                           roles: Iterable[str]) -> tuple[dict[str, Any], list[Role]]:
    """Replace a member's roles on a brand; no roles removes them from it."""
    problems = Problems()
    wanted = role_problems(problems, roles, required=False)
    problems.check()
    async with write_transaction():
        brand = await must_exist(Brand, brand_id, "brand")
        user = await row_of(User, user_id)
        before = await roles_of(user_id, brand_id) if user else set()
        if user is None or not before:
            raise ValidationFailed.one("user", "NOT_FOUND", "no member of this brand with this id")
        await _write_roles(actor_id, brand, user, before, wanted)
    return user, sorted(wanted)


async def remove_member(actor_id: int, brand_id: int, user_id: int) -> None:
    await set_member_roles(actor_id, brand_id, user_id, ())


# -- workspace owners and admins -----------------------------------------------------------


async def workspace_role(workspace_id: int, user_id: int) -> WorkspaceRole | None:
    row = await WorkspaceMember.select(WorkspaceMember.role).where(
        WorkspaceMember.workspace == workspace_id, WorkspaceMember.user == user_id).first()
    return WorkspaceRole(row["role"]) if row else None


async def _owners(workspace_id: int) -> int:
    return await WorkspaceMember.count().where(
        WorkspaceMember.workspace == workspace_id, WorkspaceMember.role == WorkspaceRole.OWNER)


def _last_owner(field: str) -> ValidationFailed:
    return ValidationFailed.one(field, "LAST_OWNER",
                                "a workspace keeps at least one owner: add another owner first")


async def grant_workspace_role(actor_id: int | None, workspace_id: int, user: dict[str, Any],
                               role: str) -> WorkspaceRole:
    """Make `user` an ADMIN or OWNER (an accepted invitation); never lowers their role."""
    wanted = WorkspaceRole(role)
    async with write_transaction():
        await lock_row(Workspace, workspace_id)
        await must_exist(Workspace, workspace_id, "workspace")
        before = await workspace_role(workspace_id, user["id"])
        if before is not None and (before is WorkspaceRole.OWNER or before == wanted):
            return before
        await _set_workspace_role(actor_id, workspace_id, user, before, wanted)
    return wanted


async def set_workspace_admin_role(actor_id: int, workspace_id: int, user_id: int,
                                   role: str) -> tuple[dict[str, Any], WorkspaceRole]:
    """Change an owner's or admin's role; the last owner stays one (LAST_OWNER)."""
    if role not in {r.value for r in WorkspaceRole}:
        raise ValidationFailed.one("role", "INVALID_ROLE", f"unknown workspace role {role!r}")
    wanted = WorkspaceRole(role)
    async with write_transaction():
        await lock_row(Workspace, workspace_id)  # owners are counted: one writer at a time
        await must_exist(Workspace, workspace_id, "workspace")
        before = await workspace_role(workspace_id, user_id)
        user = await row_of(User, user_id) if before is not None else None
        if before is None or user is None:
            raise ValidationFailed.one("user", "NOT_FOUND",
                                       "no owner or admin of this workspace with this id")
        if before == wanted:
            return user, wanted
        if before is WorkspaceRole.OWNER and await _owners(workspace_id) <= 1:
            raise _last_owner("role")
        await _set_workspace_role(actor_id, workspace_id, user, before, wanted)
    return user, wanted


async def _set_workspace_role(actor_id: int | None, workspace_id: int, user: dict[str, Any],
                              before: WorkspaceRole | None, wanted: WorkspaceRole) -> None:
    if before is None:
        await WorkspaceMember.insert(WorkspaceMember(
            workspace=workspace_id, user=user["id"], role=wanted.value))
    else:
        await WorkspaceMember.update({WorkspaceMember.role: wanted.value}).where(
            WorkspaceMember.workspace == workspace_id, WorkspaceMember.user == user["id"])
    await record(actor_id=actor_id, action="workspace_admin.set", object_type="User",
                 object_id=user["id"], workspace_id=workspace_id,
                 before={"email": user["email"], "role": before},
                 after={"email": user["email"], "role": wanted})


async def remove_workspace_admin(actor_id: int, workspace_id: int, user_id: int) -> None:
    async with write_transaction():
        await lock_row(Workspace, workspace_id)
        await must_exist(Workspace, workspace_id, "workspace")
        before = await workspace_role(workspace_id, user_id)
        if before is None:
            raise ValidationFailed.one("user", "NOT_FOUND",
                                       "no owner or admin of this workspace with this id")
        if before is WorkspaceRole.OWNER and await _owners(workspace_id) <= 1:
            raise _last_owner("user")
        user = await must_exist(User, user_id, "user")
        await WorkspaceMember.delete().where(
            WorkspaceMember.workspace == workspace_id, WorkspaceMember.user == user_id)
        await record(actor_id=actor_id, action="workspace_admin.remove", object_type="User",
                     object_id=user_id, workspace_id=workspace_id,
                     before={"email": user["email"], "role": before}, after=None)


# -- API tokens ----------------------------------------------------------------------------

_TOKEN_COLUMNS = (ApiToken.id, ApiToken.name, ApiToken.prefix, ApiToken.created_at,
                  ApiToken.last_used_at, ApiToken.revoked_at)


async def token_row(token_id: int, user_id: int) -> dict[str, Any] | None:
    """One of the user's tokens, without its hash."""
    return await ApiToken.select(*_TOKEN_COLUMNS).where(
        ApiToken.id == token_id, ApiToken.user == user_id).first()


async def tokens_of(user_id: int) -> list[dict[str, Any]]:
    return await ApiToken.select(*_TOKEN_COLUMNS).where(ApiToken.user == user_id).order_by(
        ApiToken.id)


async def create_api_token(actor_id: int, name: str) -> tuple[str, dict[str, Any]]:
    """A new token for the actor: the clear text (shown once) and its row."""
    name = name.strip()
    problems = Problems()
    problems.text("name", name, max_length=100, required=True)
    problems.check()
    async with write_transaction():
        await lock_row(User, actor_id)
        live = await ApiToken.count().where(ApiToken.user == actor_id,
                                            ApiToken.revoked_at.is_null())
        if live >= MAX_LIVE_TOKENS:
            raise ValidationFailed.one("name", "TOO_MANY_TOKENS",
                                       f"at most {MAX_LIVE_TOKENS} live tokens: revoke one first")
        token = await issue_token(actor_id, name)
        found = await ApiToken.select(ApiToken.id).where(
            ApiToken.token_hash == hash_token(token)).first()
        assert found is not None
        row = await token_row(found["id"], actor_id)
        assert row is not None
        await record(actor_id=actor_id, action="api_token.create", object_type="ApiToken",
                     object_id=row["id"], after=row)
    return token, row


async def revoke_api_token(actor_id: int, token_id: int) -> dict[str, Any]:
    """Revoke one of the actor's tokens; revoking a revoked token changes nothing."""
    async with write_transaction():
        before = await token_row(token_id, actor_id)
        if before is None:
            raise ValidationFailed.one("id", "NOT_FOUND", "no API token with this id")
        if before["revoked_at"] is None:
            await revoke_token(token_id, actor_id)
            after = await token_row(token_id, actor_id)
            await record(actor_id=actor_id, action="api_token.revoke", object_type="ApiToken",
                         object_id=token_id, before=before, after=after)
            return after or before
    return before
