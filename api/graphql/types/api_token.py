"""ApiToken: one of the viewer's bearer tokens, as its owner sees it (never the secret)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api.graphql.ids import global_id
from domain.services.members import tokens_of


@strawberry.type(description="A bearer token of the viewer; only its first characters are "
                             "kept in clear, to tell tokens apart.")
class ApiToken:
    id: relay.GlobalID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApiToken:
        return cls(id=global_id("ApiToken", row["id"]), name=row["name"], prefix=row["prefix"],
                   created_at=row["created_at"], last_used_at=row["last_used_at"],
                   revoked_at=row["revoked_at"])


async def viewer_tokens(user_id: int) -> list[ApiToken]:
    return [ApiToken.from_row(r) for r in await tokens_of(user_id)]
