"""Channel tokens encrypted at rest with Fernet keys derived from `COSO_SECRET_KEY` (HKDF).

`COSO_SECRET_KEY` may hold several secrets separated by spaces or commas: the first one
encrypts, every one decrypts (MultiFernet). To rotate, put a new secret first, keep the old
one after it, run `coso rekey-tokens`, then drop the old one.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.settings import get_settings

# The secret is the key material; the salt and info only keep these keys apart from any
# other key someone might derive from the same secret.
_SALT = b"coso"
_INFO = b"coso/channel-tokens/v1"
_SEPARATORS = re.compile(r"[\s,]+")


class TokenUnreadable(Exception):
    """A stored token no configured secret decrypts (the key changed, or the data is bad)."""


def derive_key(secret: str) -> bytes:
    """The Fernet key (urlsafe base64 of 32 bytes) derived from one secret."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


def secrets_of(secret_key: str) -> list[str]:
    """The secrets in a `COSO_SECRET_KEY` value, newest first."""
    found = [s for s in _SEPARATORS.split(secret_key.strip()) if s]
    if not found:
        raise ValueError("COSO_SECRET_KEY is empty")
    return found


@cache
def _cipher(secret_key: str) -> MultiFernet:
    return MultiFernet([Fernet(derive_key(s)) for s in secrets_of(secret_key)])


def cipher() -> MultiFernet:
    return _cipher(get_settings().secret_key)


def encrypt_token(token: str) -> str:
    """The token encrypted with the current key; an empty token stays empty (no token)."""
    if not token:
        return ""
    return cipher().encrypt(token.encode("utf-8")).decode("ascii")


@contextmanager
def _readable() -> Iterator[None]:
    try:
        yield
    except (InvalidToken, UnicodeError, ValueError):
        raise TokenUnreadable("the stored token cannot be decrypted with COSO_SECRET_KEY: "
                              "was the key changed? reconnect the channel") from None


def decrypt_token(stored: str) -> str:
    """The token in clear; TokenUnreadable when no configured secret opens it."""
    if not stored:
        return ""
    with _readable():
        return cipher().decrypt(stored.encode("ascii")).decode("utf-8")


def reencrypt_token(stored: str) -> str:
    """The token encrypted again with the current key (for key rotation)."""
    if not stored:
        return ""
    with _readable():
        return cipher().rotate(stored.encode("ascii")).decode("ascii")
