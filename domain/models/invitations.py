"""Invitations to a brand or a workspace, and report recipients confirmed by link."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, OnDelete, Timestamptz, Varchar

from domain.enums import InvitationStatus
from domain.models.accounts import User, Workspace
from domain.models.base import Table
from domain.models.brands import Brand
from domain.models.columns import created_at


class Invitation(Table):
    """An offer of roles that the invitee accepts or declines; until then they hold none.

    Brand scope: `brand` set, `roles` brand roles. Workspace scope: `brand` null, `roles`
    one workspace role. Only the SHA-256 of the link token is stored.
    """

    workspace = ForeignKey(Workspace, null=False, index=True)
    brand = ForeignKey(Brand, null=True, default=None, index=True)
    email = Varchar(length=254, index=True)
    roles = JSON(default=[])
    inviter = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    token_hash = Varchar(length=64, unique=True)
    status = Varchar(length=20, choices=InvitationStatus, default=InvitationStatus.PENDING)
    expires_at = Timestamptz()
    responded_at = Timestamptz(null=True, default=None)
    created_at = created_at()


class RecipientConfirmation(Table):
    """A report recipient who is not a member: mailed only once `confirmed_at` is set."""

    brand = ForeignKey(Brand, null=False, index=True)
    email = Varchar(length=254)  # lower case; (brand, email) unique (index in the migration)
    token_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    created_at = created_at()
