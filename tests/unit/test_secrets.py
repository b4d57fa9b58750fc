"""Channel tokens at rest: derived keys, opaque ciphertext, rotation with several secrets."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from domain.services import secrets
from domain.settings import get_settings


@pytest.fixture
def secret_key(monkeypatch):
    """Set COSO_SECRET_KEY for one test (settings are read once per process)."""

    def use(value: str) -> None:
        monkeypatch.setenv("COSO_SECRET_KEY", value)
        get_settings.cache_clear()

    yield use
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_token_round_trips_and_never_shows_in_clear(secret_key):
    secret_key("first-secret")
    stored = secrets.encrypt_token("EAAB-page-token-123")
    assert "EAAB" not in stored and "page-token" not in stored
    assert secrets.decrypt_token(stored) == "EAAB-page-token-123"
    # Fernet: a fresh IV each time, so equal tokens do not look equal at rest.
    assert secrets.encrypt_token("EAAB-page-token-123") != stored


def test_the_key_is_derived_not_the_secret_itself():
    key = secrets.derive_key("first-secret")
    Fernet(key)  # a valid Fernet key
    assert key == secrets.derive_key("first-secret")
    assert key != secrets.derive_key("second-secret")
    assert b"first-secret" not in key


def test_empty_means_no_token():
    assert secrets.encrypt_token("") == ""
    assert secrets.decrypt_token("") == ""


def test_another_key_cannot_read_a_token(secret_key):
    secret_key("first-secret")
    stored = secrets.encrypt_token("token")
    secret_key("someone-else")
    with pytest.raises(secrets.TokenUnreadable) as caught:
        secrets.decrypt_token(stored)
    assert "token" not in str(caught.value).replace("stored token", "")


def test_garbage_is_unreadable_not_a_crash(secret_key):
    secret_key("first-secret")
    for junk in ("not-fernet", "é", "gAAAAA" + "x" * 40):
        with pytest.raises(secrets.TokenUnreadable):
            secrets.decrypt_token(junk)


def test_rotation_new_secret_first_old_still_reads(secret_key):
    secret_key("old-secret")
    stored = secrets.encrypt_token("token")
    secret_key("new-secret, old-secret")
    assert secrets.decrypt_token(stored) == "token"
    rotated = secrets.reencrypt_token(stored)
    secret_key("new-secret")
    assert secrets.decrypt_token(rotated) == "token"
    with pytest.raises(secrets.TokenUnreadable):
        secrets.decrypt_token(stored)


def test_secrets_are_split_on_spaces_and_commas():
    assert secrets.secrets_of(" a  b,c ") == ["a", "b", "c"]
    with pytest.raises(ValueError):
        secrets.secrets_of("  ")
