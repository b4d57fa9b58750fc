"""Report recipients: a brand's members, or addresses confirmed through an e-mailed link.

A schedule may list any address, but an address that is neither a member of the brand
(or an owner or admin of its workspace) nor confirmed for the brand receives nothing:
Coso must not mail strangers on anyone's say-so. Listing it sends one confirmation
link; the link is sent again only after the previous one expired.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from domain.db import write_transaction
from domain.errors import ValidationFailed
from domain.models import Brand, Membership, RecipientConfirmation, WorkspaceMember
from domain.services.audit import record
from domain.services.links import link_hash, new_link_token, signed
from domain.services.usecase import utcnow
from domain.settings import get_settings

PURPOSE = "rcp"


async def member_emails(brand_id: int) -> set[str]:
    brand = await Brand.select(Brand.workspace).where(Brand.id == brand_id).first()
    if brand is None:
        return set()
    members = await Membership.select(Membership.user.email).where(
        Membership.brand == brand_id)
    admins = await WorkspaceMember.select(WorkspaceMember.user.email).where(
        WorkspaceMember.workspace == brand["workspace"])
    return {r["user.email"].lower() for r in [*members, *admins]}


async def confirmed_emails(brand_id: int) -> set[str]:
    rows = await RecipientConfirmation.select(RecipientConfirmation.email).where(
        (RecipientConfirmation.brand == brand_id)
        & RecipientConfirmation.confirmed_at.is_not_null())
    return {r["email"] for r in rows}


async def deliverable(brand_id: int, recipients: Iterable[str]) -> list[str]:
    """The recipients who may be mailed now, in their order."""
    allowed = await member_emails(brand_id) | await confirmed_emails(brand_id)
    return [r for r in recipients if r.lower() in allowed]


async def unconfirmed(brand_id: int, recipients: Iterable[str]) -> list[str]:
    allowed = await member_emails(brand_id) | await confirmed_emails(brand_id)
    return [r for r in recipients if r.lower() not in allowed]


async def links_to_send(brand_id: int, recipients: Iterable[str]) -> list[tuple[str, str]]:
    """(address, link token) for each listed address that needs a confirmation mail now:
    not a member, not confirmed, and not mailed a link that is still valid."""
    now = utcnow()
    expires = now + timedelta(days=get_settings().invitation_days)
    out: list[tuple[str, str]] = []
    rc = RecipientConfirmation
    for address in await unconfirmed(brand_id, recipients):
        email = address.lower()
        row = await rc.select(rc.id, rc.expires_at).where(
            (rc.brand == brand_id) & (rc.email == email)).first()
        if row is not None and row["expires_at"] >= now:
            continue
        token = new_link_token(PURPOSE)
        if row is None:
            await rc.insert(rc(brand=brand_id, email=email, token_hash=link_hash(token),
                               expires_at=expires)).on_conflict(
                target=(rc.brand, rc.email), action="DO NOTHING")
        else:
            await rc.update({rc.token_hash: link_hash(token), rc.expires_at: expires}).where(
                rc.id == row["id"])
        out.append((address, token))
    return out


async def confirmation(token: str) -> dict[str, Any]:
    """The confirmation a link names, with its brand's name; refused when not pending."""
    rc = RecipientConfirmation
    row = None
    if signed(token, PURPOSE):
        row = await rc.select(rc.id, rc.brand, rc.email, rc.expires_at, rc.confirmed_at,
                              rc.brand.name, rc.brand.workspace).where(
            rc.token_hash == link_hash(token)).first()
    if row is None:
        raise ValidationFailed.one("token", "INVALID_TOKEN", "this link is not valid")
    if row["confirmed_at"] is not None:
        raise ValidationFailed.one("token", "ALREADY_CONFIRMED",
                                   "this address was confirmed already")
    if row["expires_at"] < utcnow():
        raise ValidationFailed.one("token", "EXPIRED", "this link has expired")
    return row


async def confirm(token: str) -> dict[str, Any]:
    """Confirm the address a link was sent to; a link works once."""
    rc = RecipientConfirmation
    async with write_transaction():
        row = await confirmation(token)
        changed = await rc.update({rc.confirmed_at: utcnow()}).where(
            (rc.id == row["id"]) & rc.confirmed_at.is_null()).returning(rc.id)
        if not changed:
            raise ValidationFailed.one("token", "ALREADY_CONFIRMED",
                                       "this address was confirmed already")
        await record(actor_id=None, action="report_recipient.confirm",
                     object_type="RecipientConfirmation", object_id=row["id"],
                     workspace_id=row["brand.workspace"], brand_id=row["brand"],
                     after={"email": row["email"]})
    return row
