"""The typed per-request context: the viewer, what they may do, and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry

from api.graphql.access import Access
from api.graphql.errors import PublicError
from api.graphql.loaders.registry import Loaders

NOT_SIGNED_IN = "authentication required: send Authorization: Bearer <token>"


class NotSignedIn(PublicError):
    """An anonymous caller reached a field that needs a viewer (GraphQL or HTTP alike)."""

    def __init__(self) -> None:
        super().__init__(NOT_SIGNED_IN)


@dataclass
class Context:
    user: dict[str, Any] | None
    access: Access
    loaders: Loaders = field(default_factory=Loaders)
    request: Any = None
    token: str | None = None
    """A WebSocket's bearer token, read again at each live event (api/live.py)."""
    connection_params: dict[str, Any] | None = None
    """A WebSocket's connection_init payload (strawberry sets it)."""

    @property
    def viewer(self) -> dict[str, Any]:
        """The signed-in user's row, for fields behind `IsAuthenticated`.

        The permission has refused anonymous callers already; this only tells the type
        checker so (and keeps the same answer should a field lack the permission).
        """
        if self.user is None:
            raise NotSignedIn()
        return self.user

    @property
    def user_id(self) -> int:
        return self.viewer["id"]


Info = strawberry.Info[Context, None]
