"""Webhook signatures: HMAC-SHA256 of `<timestamp>.<body>`, sent as `Coso-Signature:
t=<unix seconds>,v1=<hex digest>` (the scheme Stripe uses, so receivers know it).

A receiver recomputes the digest with its endpoint's secret over the timestamp, a dot and
the raw body, compares in constant time, and refuses a timestamp older than five minutes
(a replay). `verify` is that check, and the README shows it standalone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "Coso-Signature"
TOLERANCE = 300  # seconds: older signatures are replays
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header's value for `body` signed now (or at `timestamp`)."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},v1={digest(secret, at, body)}"


def verify(header: str, secret: str, body: bytes, *, now: float | None = None,
           tolerance: int = TOLERANCE) -> bool:
    """Whether `header` signs `body` with `secret`, no more than `tolerance` seconds ago."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        at = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - at) > tolerance:
        return False
    expected = digest(secret, at, body)
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))
