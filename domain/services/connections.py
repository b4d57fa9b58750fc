"""OAuth connections: start (state + PKCE), the platform's answer (code → tokens → accounts),
and the accounts picked becoming connected channels.

`state` is a signed single-use link token (domain.services.links) whose hash is the
connection row's: the row binds it to the user and brand that started it and expires it.
Permission checks are the caller's (api.graphql.access.Access), at every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from domain.connectors import API_VERSIONS
from domain.connectors.base import SyncError
from domain.connectors.oauth import SPECS, client_for
from domain.connectors.oauth_accounts import Account, list_accounts
from domain.connectors.oauth_flow import OAuthError, authorization_url, exchange_code, pkce_pair
from domain.db import write_transaction
from domain.enums import ConnectionStatus, Platform
from domain.errors import ValidationFailed
from domain.models import Brand, ChannelConnection
from domain.services.audit import record
from domain.services.channels import Connected, Connection, connect_channel
from domain.services.links import link_hash, new_link_token, signed
from domain.services.secrets import decrypt_token, encrypt_token
from domain.services.usecase import Problems, locked, must_exist, utcnow
from domain.settings import get_settings

STATE = "oau"  # the purpose of a state token
PICK = "ocp"  # the purpose of a pick page's token
MAX_PICKED = 50
MAX_PENDING = 20  # authorizations one user may have under way at once


class CallbackRefused(Exception):
    """The platform's redirect cannot be used: `status` for the page, `code` for clients."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True, slots=True)
class Started:
    connection: dict[str, Any]
    authorization_url: str


@dataclass(frozen=True, slots=True)
class Authorized:
    """The platform's answer taken: the connection (AUTHORIZED with accounts to pick, or
    COMPLETED when there was one), the channels connected, the pick page's token."""

    connection: dict[str, Any]
    connected: list[Connected]
    pick_token: str = ""


def _supported(platform: str) -> Platform:
    problems = Problems()
    if platform not in {p.value for p in Platform}:
        problems.add("platform", "INVALID_PLATFORM", f"unknown platform {platform!r}")
    elif Platform(platform) not in SPECS:
        problems.add("platform", "UNSUPPORTED_PLATFORM", f"Coso cannot connect {platform} "
                                                         "channels yet")
    elif client_for(Platform(platform)) is None:
        name = platform.upper()
        problems.add("platform", "NOT_CONFIGURED", f"no {platform} app is configured: set "
                     f"COSO_{name}_CLIENT_ID and COSO_{name}_CLIENT_SECRET")
    problems.check()
    return Platform(platform)


async def start_connection(user_id: int, brand_id: int, platform: str, *,
                           now: datetime | None = None) -> Started:
    """A new connection and the URL to send the user to (valid COSO_OAUTH_STATE_MINUTES)."""
    now = utcnow(now)
    which = _supported(str(platform))
    spec = SPECS[which]
    client = client_for(which)
    assert client is not None  # _supported checked it
    state = new_link_token(STATE)
    verifier = pkce_pair()[0] if spec.pkce or spec.pkce_required else ""
    async with write_transaction():
        brand = await must_exist(Brand, brand_id, "brand")
        pending = await ChannelConnection.count().where(
            ChannelConnection.user == user_id, ChannelConnection.expires_at > now,
            ChannelConnection.status.is_in([ConnectionStatus.STARTED,
                                            ConnectionStatus.AUTHORIZED]))
        if pending >= MAX_PENDING:
            raise ValidationFailed.one("platform", "TOO_MANY_CONNECTIONS", f"at most "
                                       f"{MAX_PENDING} connections under way at once: finish "
                                       "or let some expire first")
        inserted = (await ChannelConnection.insert(ChannelConnection(
            brand=brand_id, user=user_id, platform=which.value, state_hash=link_hash(state),
            code_verifier=encrypt_token(verifier),
            expires_at=now + timedelta(minutes=get_settings().oauth_state_minutes),
        )).returning(ChannelConnection.id))[0]
        row = await _connection(inserted["id"])
        await record(actor_id=user_id, action="channel_connection.start",
                     object_type="ChannelConnection", object_id=row["id"],
                     workspace_id=brand["workspace"], brand_id=brand_id,
                     after=_shown(row))
    return Started(row, authorization_url(spec, client, state, verifier or None))


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A connection for the audit log: no hash, verifier or token."""
    return {k: v for k, v in row.items() if k in (
        "id", "brand", "user", "platform", "status", "error", "expires_at", "connected")}


async def connection_for_state(platform: str, state: str, *,
                               now: datetime | None = None) -> dict[str, Any]:
    """The STARTED connection a callback's `state` names, or CallbackRefused: forged (not
    signed by us, or for another platform), unknown, expired or already used."""
    if not signed(state, STATE):
        raise CallbackRefused(400, "INVALID_STATE", "This authorization was not started by "
                                                    "Coso (its state is not ours).")
    row = await ChannelConnection.select().where(
        ChannelConnection.state_hash == link_hash(state)).output(load_json=True).first()
    if row is None or row["platform"] != platform:
        raise CallbackRefused(400, "INVALID_STATE", "This authorization was not started by "
                                                    "Coso (its state is unknown).")
    if row["finished_at"] is not None or row["status"] != ConnectionStatus.STARTED:
        raise CallbackRefused(409, "STATE_USED", "This authorization was already used: start "
                                                 "the connection again.")
    if row["expires_at"] <= utcnow(now):
        raise CallbackRefused(410, "STATE_EXPIRED", "This authorization took too long and "
                                                    "expired: start the connection again.")
    return row


async def _spend(row: dict[str, Any], status: ConnectionStatus, error: str = "",
                 now: datetime | None = None) -> bool:
    """Mark the state used (compare-and-set): False when another request used it first."""
    done = await ChannelConnection.update({
        ChannelConnection.status: status, ChannelConnection.error: error[:2000],
        ChannelConnection.finished_at: utcnow(now)}).where(
        ChannelConnection.id == row["id"], ChannelConnection.status == ConnectionStatus.STARTED,
        ChannelConnection.finished_at.is_null()).returning(ChannelConnection.id)
    return bool(done)


async def deny(row: dict[str, Any], description: str) -> None:
    """The user said no on the platform's consent page."""
    if not await _spend(row, ConnectionStatus.DENIED, description or "access_denied"):
        raise CallbackRefused(409, "STATE_USED", "This authorization was already used.")


async def fail(row: dict[str, Any], message: str) -> None:
    await ChannelConnection.update({ChannelConnection.status: ConnectionStatus.FAILED,
                                    ChannelConnection.error: message[:2000]}).where(
        ChannelConnection.id == row["id"])


async def authorize(row: dict[str, Any], code: str, http: httpx.AsyncClient, *,
                    now: datetime | None = None) -> Authorized:
    """Exchange the code (with the PKCE verifier), list the accounts, keep them for the
    pick; a single account is connected at once. CallbackRefused when it cannot."""
    now = utcnow(now)
    if not code or len(code) > 2000:
        raise CallbackRefused(400, "INVALID_CODE", "The platform sent no authorization code.")
    # Spent before the exchange: a replay of the same redirect finds it used.
    if not await _spend(row, ConnectionStatus.FAILED, "exchanging the code", now):
        raise CallbackRefused(409, "STATE_USED", "This authorization was already used: start "
                                                 "the connection again.")
    platform = Platform(row["platform"])
    try:
        tokens = await exchange_code(platform, http, code,
                                     decrypt_token(row["code_verifier"]) or None, now=now)
        accounts = await list_accounts(platform, http, tokens.access_token)
    except OAuthError as error:
        await fail(row, error.message)
        raise CallbackRefused(400 if error.refused else 502, error.code,
                              f"The platform refused the authorization: {error.message}") \
            from None
    except SyncError as error:
        await fail(row, error.message)
        raise CallbackRefused(502, error.code, "The accounts could not be listed: "
                                               f"{error.message}") from None
    if not accounts:
        await fail(row, "no account to connect")
        raise CallbackRefused(400, "NO_ACCOUNTS", f"This {platform} login manages no account "
                              "Coso can connect (a Page, a business account, an organization).")
    pick = new_link_token(PICK)
    values = {
        ChannelConnection.status: ConnectionStatus.AUTHORIZED, ChannelConnection.error: "",
        ChannelConnection.access_token: encrypt_token(tokens.access_token),
        ChannelConnection.refresh_token: encrypt_token(tokens.refresh_token),
        ChannelConnection.token_expires_at: tokens.expires_at,
        ChannelConnection.code_verifier: "",
        ChannelConnection.pick_hash: link_hash(pick),
        ChannelConnection.accounts: [_stored(a) for a in accounts],
        ChannelConnection.expires_at: now + timedelta(
            minutes=get_settings().oauth_state_minutes),
    }
    await ChannelConnection.update(values).where(ChannelConnection.id == row["id"])
    if len(accounts) == 1:
        connected = await complete(row["user"], row["id"], [accounts[0].external_id], now=now)
        return Authorized(await _connection(row["id"]), connected)
    return Authorized(await _connection(row["id"]), [], pick)


def _stored(account: Account) -> dict[str, str]:
    return {"id": account.external_id, "name": account.name[:200],
            "handle": account.handle[:200], "token": encrypt_token(account.access_token)}


async def _connection(pk: int) -> dict[str, Any]:
    row = await ChannelConnection.select().where(ChannelConnection.id == pk).output(
        load_json=True).first()
    assert row is not None
    return row


async def connection_for_pick(token: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The AUTHORIZED connection a pick page's token names, or CallbackRefused."""
    row = None
    if signed(token, PICK):
        row = await ChannelConnection.select().where(
            ChannelConnection.pick_hash == link_hash(token)).output(load_json=True).first()
    if row is None:
        raise CallbackRefused(404, "INVALID_TOKEN", "This page is not valid.")
    if row["status"] != ConnectionStatus.AUTHORIZED:
        raise CallbackRefused(409, "ALREADY_COMPLETED", "These accounts were already picked.")
    if row["expires_at"] <= utcnow(now):
        raise CallbackRefused(410, "EXPIRED", "This page expired: start the connection again.")
    return row


async def complete(user_id: int, connection_id: int, account_ids: list[str], *,
                   now: datetime | None = None) -> list[Connected]:
    """Connect the picked accounts of an AUTHORIZED connection of this user's.

    A channel of the brand with the account's id on this platform is reconnected (it keeps
    its handle); otherwise one is created, named after the account.
    """
    now = utcnow(now)
    problems = Problems()
    wanted = list(dict.fromkeys(a.strip() for a in account_ids if a and a.strip()))
    if not wanted:
        problems.required("accounts")
    elif len(wanted) > MAX_PICKED:
        problems.add("accounts", "TOO_MANY", f"pick at most {MAX_PICKED} accounts at once")
    problems.check()
    async with write_transaction():
        row = await locked(ChannelConnection.select().where(
            ChannelConnection.id == connection_id)).output(load_json=True).first()
        if row is None or row["user"] != user_id:
            raise ValidationFailed.one("connection", "NOT_FOUND",
                                       "no ChannelConnection with this id")
        if row["status"] != ConnectionStatus.AUTHORIZED:
            raise ValidationFailed.one("connection", "NOT_AUTHORIZED", "this connection is "
                                       f"{row['status']}: only an AUTHORIZED one can be "
                                       "completed")
        if row["expires_at"] <= now:
            raise ValidationFailed.one("connection", "EXPIRED", "this connection expired: "
                                       "start it again")
        offered = {a["id"]: a for a in row["accounts"]}
        unknown = [a for a in wanted if a not in offered]
        if unknown:
            raise ValidationFailed.one("accounts", "UNKNOWN_ACCOUNT", "not among the accounts "
                                       f"this authorization gave: {', '.join(unknown)[:200]}")
        user_token = decrypt_token(row["access_token"])
        refresh = decrypt_token(row["refresh_token"])
        connected = []
        for account_id in wanted:
            account = offered[account_id]
            own = decrypt_token(account.get("token") or "")
            connected.append(await connect_channel(user_id, row["brand"], Connection(
                platform=row["platform"], handle=account["handle"], external_id=account_id,
                name=account["name"], access_token=own or user_token,
                # A Page's own token does not expire and has no refresh token.
                refresh_token="" if own else refresh,
                expires_at=None if own else row["token_expires_at"]), now=now,
                by_external_id=True))
        await ChannelConnection.update({
            ChannelConnection.status: ConnectionStatus.COMPLETED,
            ChannelConnection.access_token: "", ChannelConnection.refresh_token: "",
            ChannelConnection.accounts: [{**a, "token": ""} for a in row["accounts"]],
            ChannelConnection.pick_hash: "", ChannelConnection.finished_at: now,
            ChannelConnection.connected: [c.channel["id"] for c in connected],
        }).where(ChannelConnection.id == connection_id)
    return connected


def supported_platforms() -> list[Platform]:
    """Platforms Coso can connect through OAuth (and sync)."""
    return [p for p in SPECS if p in API_VERSIONS]
