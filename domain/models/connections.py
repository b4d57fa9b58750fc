"""OAuth connections in progress: a brand's accounts being authorized on a platform."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Text, Timestamptz, Varchar

from domain.enums import ConnectionStatus, Platform
from domain.models.accounts import User
from domain.models.base import Table
from domain.models.brands import Brand
from domain.models.columns import created_at


class ChannelConnection(Table):
    """One authorization, started by one user for one brand: STARTED until the platform
    sends the user back, then AUTHORIZED with the accounts to pick from, then COMPLETED
    (or DENIED, FAILED). Only the SHA-256 of its `state` and of its pick link are stored;
    the PKCE verifier and the tokens are encrypted (domain.services.secrets)."""

    brand = ForeignKey(Brand, null=False, index=True)
    user = ForeignKey(User, null=False, index=True)
    platform = Varchar(length=20, choices=Platform)
    status = Varchar(length=20, choices=ConnectionStatus, default=ConnectionStatus.STARTED)
    state_hash = Varchar(length=64, unique=True)
    pick_hash = Varchar(length=64, default="")
    code_verifier = Text(default="")
    access_token = Text(default="")
    refresh_token = Text(default="")
    token_expires_at = Timestamptz(null=True, default=None)
    accounts = JSON(default=[])  # [{id, name, handle, token (encrypted, or "")}]
    connected = JSON(default=[])  # channel ids connected from it
    error = Text(default="")
    expires_at = Timestamptz()
    created_at = created_at()
    finished_at = Timestamptz(null=True, default=None)
