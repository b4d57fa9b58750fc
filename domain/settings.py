"""Coso's configuration, read from environment variables in this one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

DEFAULT_SECRET_KEY = "coso-dev-secret-change-me"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting Coso reads, with its documented default."""

    database_url: str
    """`DATABASE_URL`: `postgresql://user@host:5432/db` or `sqlite:///path/to/file.db`."""
    redis_url: str | None
    """`REDIS_URL`: arq's queue; unset means jobs run in-process."""
    secret_key: str
    """`COSO_SECRET_KEY`: derives the keys that encrypt channel tokens."""
    host: str
    """`COSO_HOST`: address `coso serve` binds."""
    port: int
    """`COSO_PORT`: port `coso serve` binds."""
    db_pool_size: int
    """`COSO_DB_POOL_SIZE`: PostgreSQL connections per process."""
    max_query_depth: int
    """`COSO_MAX_QUERY_DEPTH`: deepest GraphQL selection accepted."""
    max_query_tokens: int
    """`COSO_MAX_QUERY_TOKENS`: longest GraphQL document accepted, in tokens."""
    max_aliases: int
    """`COSO_MAX_ALIASES`: most aliases accepted in one GraphQL document."""
    debug: bool
    """`COSO_DEBUG`: show internal error messages (never in production)."""

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secret_key_is_default(self) -> bool:
        return self.secret_key == DEFAULT_SECRET_KEY


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@cache
def get_settings() -> Settings:
    """Read the environment once per process."""
    env = os.environ
    return Settings(
        database_url=env.get("DATABASE_URL", "sqlite:///coso.db"),
        redis_url=env.get("REDIS_URL") or None,
        secret_key=env.get("COSO_SECRET_KEY", DEFAULT_SECRET_KEY),
        host=env.get("COSO_HOST", "127.0.0.1"),
        port=int(env.get("COSO_PORT", "8000")),
        db_pool_size=int(env.get("COSO_DB_POOL_SIZE", "10")),
        max_query_depth=int(env.get("COSO_MAX_QUERY_DEPTH", "15")),
        max_query_tokens=int(env.get("COSO_MAX_QUERY_TOKENS", "2000")),
        max_aliases=int(env.get("COSO_MAX_ALIASES", "30")),
        debug=_flag(env.get("COSO_DEBUG", "")),
    )
