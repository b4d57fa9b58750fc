"""Errors: `UserError`s in mutation payloads (from ValidationFailed), `PublicError`s a client
may read, the rest masked."""

from __future__ import annotations

import strawberry
from strawberry.relay.types import GlobalIDValueError

from domain.errors import ValidationFailed


# A domain Problem as a mutation payload shows it: built only by mutations.base.user_errors.
@strawberry.type(description="A problem with the input: which field, a stable code, a message.")
class UserError:
    field: str | None
    code: str
    message: str


def not_found(field: str, type_name: str) -> ValidationFailed:
    # Same answer for a missing and a foreign id: tenants never learn what others have.
    return ValidationFailed.one(field, "NOT_FOUND", f"no {type_name} with this id")


def forbidden(field: str | None, message: str) -> ValidationFailed:
    return ValidationFailed.one(field, "FORBIDDEN", message)


class PublicError(Exception):
    """A query-level error whose message is safe to show (bad arguments, limits); `code` and
    `field`, when given, go to the error's `extensions` (graphql-core copies them)."""

    def __init__(self, message: str, *, code: str | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.extensions = {"code": code, **({"field": field} if field else {})}

    @classmethod
    def of(cls, error: ValidationFailed) -> PublicError:
        """A refused argument as a query error: the first problem's message, field, code."""
        problem = error.problems[0]
        return cls(problem.message, code=problem.code, field=problem.field)


def should_mask(error: Exception) -> bool:
    """Mask what a resolver raised unexpectedly; keep errors about the request itself.

    Errors without a path (syntax, validation, a variable that is not a Date or a
    Decimal) describe only what the client sent, so they stay readable.
    """
    original = getattr(error, "original_error", None)
    if original is None or getattr(error, "path", None) is None:
        return False
    # A malformed or mistyped global id says only what the client sent.
    return not isinstance(original, PublicError | GlobalIDValueError)
