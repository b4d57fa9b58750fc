"""Each platform's OAuth description (data) and the generic flow's pure parts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from domain.connectors import API_VERSIONS
from domain.connectors.oauth import SPECS, Client
from domain.connectors.oauth_flow import _tokens, authorization_url, challenge_of, pkce_pair
from domain.enums import Platform
from domain.settings import get_settings

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def settings(monkeypatch):
    monkeypatch.delenv("COSO_PLATFORM_BASE_URL", raising=False)
    monkeypatch.setenv("COSO_PUBLIC_URL", "https://coso.agency.example")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_every_platform_coso_syncs_has_an_oauth_description():
    assert set(SPECS) == set(API_VERSIONS)
    for spec in SPECS.values():
        assert spec.authorize_url.startswith("https://") and spec.token_url.startswith("https://")
        assert spec.scopes["connect"] and spec.scopes["sync"] and spec.scopes["publish"]
        assert spec.accounts


def test_pkce_challenge_is_s256():
    """RFC 7636 4.2: BASE64URL(SHA256(ASCII(verifier))), without padding."""
    import base64
    import hashlib

    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128 and set(verifier) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    assert challenge == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert len(challenge) == 43 and "=" not in challenge


@pytest.mark.parametrize("platform", list(SPECS))
def test_the_authorization_url_speaks_each_platforms_dialect(platform):
    spec = SPECS[platform]
    url = authorization_url(spec, Client("app-id", "secret"), "the-state", "v" * 50)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert url.startswith(spec.authorize_url)
    assert query[spec.client_id_param] == "app-id" and "client_secret" not in query
    assert query["redirect_uri"] == f"https://coso.agency.example/oauth/callback/{platform}"
    assert query["state"] == "the-state" and query["response_type"] == "code"
    assert query["scope"].split(spec.scope_separator) == spec.all_scopes()
    assert query["code_challenge"] == challenge_of("v" * 50)
    assert query["code_challenge_method"] == "S256"
    if platform is Platform.YOUTUBE:
        assert query["access_type"] == "offline" and query["prompt"] == "consent"
    if platform is Platform.TIKTOK:
        assert "client_id" not in query  # TikTok names it client_key


def test_the_emulator_serves_every_endpoint_under_the_platform(monkeypatch):
    monkeypatch.setenv("COSO_PLATFORM_BASE_URL", "http://127.0.0.1:8765/")
    get_settings.cache_clear()
    assert SPECS[Platform.X].url("token") == "http://127.0.0.1:8765/x/2/oauth2/token"
    assert SPECS[Platform.INSTAGRAM].url("authorize") == \
        "http://127.0.0.1:8765/instagram/v23.0/dialog/oauth"
    assert SPECS[Platform.YOUTUBE].url("token") == "http://127.0.0.1:8765/youtube/token"


def test_token_answers_keep_what_the_platform_left_out():
    x = SPECS[Platform.X]
    # No expires_in: the documented lifetime; no new refresh token: the one held stays.
    tokens = _tokens(x, {"access_token": "a"}, NOW, previous_refresh="r")
    assert tokens.expires_at == NOW + timedelta(hours=2) and tokens.refresh_token == "r"
    tiktok = _tokens(SPECS[Platform.TIKTOK], {
        "access_token": "a", "refresh_token": "r2", "expires_in": 7200,
        "refresh_expires_in": 86400, "open_id": "open"}, NOW)
    assert tiktok.expires_at == NOW + timedelta(hours=2)
    assert tiktok.refresh_expires_at == NOW + timedelta(days=1)
    assert tiktok.account_id == "open"
    meta = _tokens(SPECS[Platform.FACEBOOK], {"access_token": "a", "expires_in": 5184000}, NOW)
    assert meta.refresh_token == "" and meta.expires_at == NOW + timedelta(days=60)
