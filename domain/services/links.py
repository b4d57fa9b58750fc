"""Signed single-use link tokens (invitations, recipient confirmations): made, checked, hashed.

A token is `<purpose>.<random>.<signature>`: the HMAC (keyed by COSO_SECRET_KEY) lets a
forged or mistyped token be refused before any lookup, and the row stores only its
SHA-256, so a database leak leaks no usable link. Single use is the row's job: it is
spent by a compare-and-set on its status.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from domain.settings import get_settings

MAX_TOKEN_LENGTH = 200


def _signature(purpose: str, nonce: str) -> str:
    key = hashlib.sha256(b"coso-link:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, f"{purpose}.{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def new_link_token(purpose: str) -> str:
    nonce = secrets.token_urlsafe(24)
    return f"{purpose}.{nonce}.{_signature(purpose, nonce)}"


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signed(token: str, purpose: str) -> bool:
    """Whether `token` is one we signed for `purpose` (not whether it is still valid)."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return False
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != purpose:
        return False
    return hmac.compare_digest(parts[2], _signature(purpose, parts[1]))
