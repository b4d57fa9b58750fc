"""The typed per-request context: the viewer, what they may do, and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry

from api.graphql.access import Access
from api.graphql.errors import PublicError
from api.graphql.loaders.registry import Loaders


@dataclass
class Context:
    user: dict[str, Any] | None
    access: Access
    loaders: Loaders = field(default_factory=Loaders)
    request: Any = None

    def require_user(self) -> dict[str, Any]:
        if self.user is None:
            raise PublicError("authentication required: send Authorization: Bearer <token>")
        return self.user

    @property
    def user_id(self) -> int:
        return self.require_user()["id"]


Info = strawberry.Info[Context, None]
