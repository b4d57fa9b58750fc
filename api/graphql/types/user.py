"""Users as others see them (name and e-mail), and the viewer's own view."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from api.graphql.ids import global_id


@strawberry.type
class User:
    id: relay.GlobalID
    email: str
    name: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(id=global_id("User", row["id"]), email=row["email"], name=row["name"])
