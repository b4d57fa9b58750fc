"""The one OAuth 2.0 authorization-code flow (+ PKCE) every platform's OAuthSpec drives.

Authorization URL, code exchange, refresh (rotation honoured), Meta's long-lived exchange
and revocation, over real HTTP. It never touches the database: domain.services.connections
stores what it returns, encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from domain.connectors.http import mask
from domain.connectors.oauth import SPECS, Client, OAuthSpec, client_for, redirect_uri
from domain.enums import Platform
from domain.settings import get_settings

# OAuth error codes that mean "this grant is over: only a new consent helps".
REFUSED = frozenset({"invalid_grant", "invalid_token", "unauthorized_client",
                     "access_denied", "invalid_client"})
META_TOKEN_CODES = frozenset({190, 102, 463, 467})


class OAuthError(Exception):
    """A token endpoint call that failed. `refused`: the platform said no for good (a
    revoked app, an expired or used refresh token); else it may work later."""

    def __init__(self, code: str, message: str, *, refused: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.refused = refused


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    scope: str = ""
    account_id: str = ""
    """The account the token belongs to, where the answer names it (TikTok's open_id)."""


def spec_for(platform: Platform | str) -> OAuthSpec:
    spec = SPECS.get(Platform(platform))
    if spec is None:
        raise OAuthError("UNSUPPORTED_PLATFORM", f"Coso cannot connect {platform} channels",
                         refused=True)
    return spec


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) as RFC 7636 defines them."""
    verifier = secrets.token_urlsafe(48)
    return verifier, challenge_of(verifier)


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def client_or_error(spec: OAuthSpec) -> Client:
    client = client_for(spec.platform)
    if client is None:
        name = spec.platform.value.upper()
        raise OAuthError("NOT_CONFIGURED", f"no app is configured for {spec.platform}: set "
                         f"COSO_{name}_CLIENT_ID and COSO_{name}_CLIENT_SECRET", refused=True)
    return client


def authorization_url(spec: OAuthSpec, client: Client, state: str,
                      verifier: str | None) -> str:
    params = {spec.client_id_param: client.client_id, "redirect_uri": redirect_uri(spec.platform),
              "response_type": "code", "scope": spec.scope_separator.join(spec.all_scopes()),
              "state": state, **spec.authorize_params}
    if verifier:
        params |= {"code_challenge": challenge_of(verifier), "code_challenge_method": "S256"}
    return f"{spec.url('authorize')}?{urlencode(params)}"


def _when(now: datetime, seconds: Any, default: timedelta | None) -> datetime | None:
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
        return now + timedelta(seconds=float(seconds))
    if isinstance(seconds, str) and seconds.isdigit() and int(seconds) > 0:
        return now + timedelta(seconds=int(seconds))
    return now + default if default else None


def _tokens(spec: OAuthSpec, body: Any, now: datetime, *, previous_refresh: str = "") -> Tokens:
    data = body.get("data", body) if spec.platform is Platform.TIKTOK and isinstance(
        body.get("data"), dict) else body
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthError("MALFORMED_RESPONSE", f"{spec.platform}: a token answer without "
                         "access_token", refused=False)
    refresh = data.get("refresh_token")
    # Platforms that do not rotate (Google, LinkedIn) answer no new refresh token, or the
    # same one: the one we hold stays valid.
    refresh = refresh if isinstance(refresh, str) and refresh else previous_refresh
    return Tokens(
        access_token=access, refresh_token=refresh,
        expires_at=_when(now, data.get("expires_in"), spec.access_lifetime),
        refresh_expires_at=_when(now, data.get("refresh_token_expires_in")
                                 or data.get("refresh_expires_in"),
                                 spec.refresh_lifetime) if refresh else None,
        scope=str(data.get("scope") or ""), account_id=str(data.get("open_id") or ""))


def _error_of(spec: OAuthSpec, response: httpx.Response, body: Any) -> OAuthError:
    status = response.status_code
    code, text = f"HTTP_{status}", response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # Meta: {"error": {"message", "type", "code"}}
            text = str(error.get("message") or text)
            number = error.get("code")
            code = "invalid_grant" if number in META_TOKEN_CODES else str(
                error.get("type") or code)
        elif isinstance(error, str) and error:
            code = error
            text = str(body.get("error_description") or text)
    refused = code in REFUSED or (status in (400, 401) and code.startswith("HTTP_"))
    return OAuthError(code, f"{spec.platform}: {mask(text)} (HTTP {status})",
                      refused=refused and status < 500)


async def _token_call(spec: OAuthSpec, client: Client, http: httpx.AsyncClient,
                      params: dict[str, str]) -> Any:
    headers = {"Accept": "application/json"}
    values = dict(params)
    if spec.client_auth == "basic":
        raw = f"{client.client_id}:{client.client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        values[spec.client_id_param] = client.client_id
    else:
        values |= {spec.client_id_param: client.client_id,
                   "client_secret": client.client_secret}
    url = spec.url("token")
    timeout = get_settings().http_timeout
    try:
        if spec.token_method == "GET":
            response = await http.get(url, params=values, headers=headers, timeout=timeout)
        else:
            response = await http.post(url, data=values, headers=headers, timeout=timeout)
    except httpx.HTTPError as error:
        raise OAuthError("PLATFORM_ERROR", f"{spec.platform}: the token endpoint did not "
                         f"answer ({type(error).__name__})", refused=False) from None
    try:
        body = orjson.loads(response.content) if response.content else {}
    except orjson.JSONDecodeError:
        body = None
    if response.status_code >= 400 or not isinstance(body, dict) or (
            isinstance(body.get("error"), dict | str) and body.get("error")
            and not body.get("access_token") and not (body.get("data") or {}).get(
                "access_token")):
        if response.status_code < 400 and not isinstance(body, dict):
            raise OAuthError("MALFORMED_RESPONSE", f"{spec.platform}: the token endpoint "
                             "answered something that is not JSON", refused=False)
        raise _error_of(spec, response, body)
    return body


async def exchange_code(platform: Platform | str, http: httpx.AsyncClient, code: str,
                        verifier: str | None, *, now: datetime | None = None) -> Tokens:
    """The tokens for an authorization code (Meta's: already exchanged for long-lived)."""
    spec = spec_for(platform)
    client = client_or_error(spec)
    now = now or datetime.now(UTC)
    params = {"grant_type": "authorization_code", "code": code,
              "redirect_uri": redirect_uri(spec.platform)}
    if verifier:
        params["code_verifier"] = verifier
    tokens = _tokens(spec, await _token_call(spec, client, http, params), now)
    if spec.long_lived_exchange:
        tokens = await exchange_long_lived(spec, client, http, tokens.access_token, now=now)
    return tokens


async def exchange_long_lived(spec: OAuthSpec, client: Client, http: httpx.AsyncClient,
                              short_lived: str, *, now: datetime) -> Tokens:
    """Meta: a short-lived user token (about an hour) for a long-lived one (about 60 days)."""
    body = await _token_call(spec, client, http, {"grant_type": "fb_exchange_token",
                                                  "fb_exchange_token": short_lived})
    return _tokens(spec, body, now)


async def refresh(platform: Platform | str, http: httpx.AsyncClient, refresh_token: str, *,
                  now: datetime | None = None) -> Tokens:
    """New tokens from a refresh token; the answer's refresh token replaces ours when the
    platform rotates them. OAuthError(refused=True) when the platform refuses."""
    spec = spec_for(platform)
    client = client_or_error(spec)
    if not refresh_token:
        raise OAuthError("NO_REFRESH_TOKEN", f"{spec.platform}: no refresh token is stored; "
                         "reconnect the channel", refused=True)
    body = await _token_call(spec, client, http, {"grant_type": "refresh_token",
                                                  "refresh_token": refresh_token})
    return _tokens(spec, body, now or datetime.now(UTC), previous_refresh=refresh_token)


async def revoke(platform: Platform | str, http: httpx.AsyncClient, token: str) -> bool:
    """Tell the platform to forget a token (best effort): whether it said yes."""
    spec = spec_for(platform)
    client = client_for(spec.platform)
    if client is None or not token:
        return False
    timeout = get_settings().http_timeout
    try:
        if spec.long_lived_exchange:
            response = await http.delete(spec.url("revoke"), timeout=timeout,
                                         headers={"Authorization": f"Bearer {token}"})
        else:
            response = await http.post(spec.url("revoke"), timeout=timeout, data={
                "token": token, spec.client_id_param: client.client_id,
                "client_secret": client.client_secret})
    except httpx.HTTPError:
        return False
    return response.status_code < 400


def describe(body: Any) -> str:
    return orjson.dumps(body).decode()[:200]
