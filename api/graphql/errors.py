"""Errors: `UserError`s in mutation payloads, `PublicError`s a client may read, the rest masked."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry.relay.types import GlobalIDValueError


@strawberry.type(description="A problem with the input: which field, a stable code, a message.")
class UserError:
    field: str | None
    code: str
    message: str


class InputError(Exception):
    """Raised by mutation code; becomes the payload's `userErrors`, nothing is written."""

    def __init__(self, errors: Iterable[UserError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(e.message for e in self.errors))

    @classmethod
    def one(cls, field: str | None, code: str, message: str) -> InputError:
        return cls([UserError(field=field, code=code, message=message)])


def not_found(field: str, type_name: str) -> InputError:
    # Same answer for a missing and a foreign id: tenants never learn what others have.
    return InputError.one(field, "NOT_FOUND", f"no {type_name} with this id")


def forbidden(field: str | None, message: str) -> InputError:
    return InputError.one(field, "FORBIDDEN", message)


class PublicError(Exception):
    """A query-level error whose message is safe to show (bad arguments, limits)."""


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
