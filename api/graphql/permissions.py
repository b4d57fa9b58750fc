"""`IsAuthenticated`: the one check that a GraphQL field has a signed-in viewer."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from api.graphql.context import NOT_SIGNED_IN, Info, NotSignedIn


class IsAuthenticated(BasePermission):
    """Refuses anonymous callers before the resolver runs, with a message they can act on.

    Fields behind it read `info.context.viewer` and `info.context.user_id`, which are
    then always set.
    """

    message = NOT_SIGNED_IN

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.user is not None

    def on_unauthorized(self) -> None:
        # A PublicError, so that error masking leaves the message readable.
        raise NotSignedIn()
