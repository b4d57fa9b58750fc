"""API tokens: issued once in clear, stored as SHA-256, revocable, last use recorded."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from domain.models import ApiToken, User
from domain.models.columns import now

TOKEN_PREFIX = "coso_"
# Recording every request's use would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(user_id: int, name: str = "") -> str:
    """Create a token for the user and return it in clear: the only time it is seen."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await ApiToken.insert(
        ApiToken(user=user_id, name=name, token_hash=hash_token(token), prefix=token[:12])
    )
    return token


async def authenticate(token: str) -> User | None:
    """The active user owning an unrevoked token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.last_used_at, ApiToken.user)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None:
        return None
    user = await User.objects().where(User.id == row["user"], User.is_active.eq(True)).first()
    if user is None:
        return None
    current = now()
    if row["last_used_at"] is None or current - row["last_used_at"] > LAST_USED_RESOLUTION:
        await ApiToken.update({ApiToken.last_used_at: current}).where(ApiToken.id == row["id"])
    return user


async def users_of_tokens(tokens: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The active user (row) of each unrevoked token among `tokens`, in two queries: the
    same rule as `authenticate`, for many live connections at once (no use recorded)."""
    hashes = {hash_token(t): t for t in tokens if t.startswith(TOKEN_PREFIX) and len(t) <= 200}
    if not hashes:
        return {}
    rows = await ApiToken.select(ApiToken.token_hash, ApiToken.user).where(
        ApiToken.token_hash.is_in(list(hashes)), ApiToken.revoked_at.is_null())
    owners = {row["user"] for row in rows}
    users = {row["id"]: row for row in await User.select().where(
        User.id.is_in(list(owners) or [0]), User.is_active.eq(True))}
    return {hashes[row["token_hash"]]: users[row["user"]] for row in rows
            if row["user"] in users}


async def revoke_token(token_id: int, user_id: int) -> bool:
    """Revoke one of the user's own tokens; False when there is no such live token."""
    rows = (
        await ApiToken.update({ApiToken.revoked_at: now()})
        .where(
            ApiToken.id == token_id, ApiToken.user == user_id, ApiToken.revoked_at.is_null()
        )
        .returning(ApiToken.id)
    )
    return bool(rows)
