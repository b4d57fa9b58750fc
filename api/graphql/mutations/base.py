"""The one way a mutation runs: check, write in a transaction, audit, or report userErrors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import strawberry

from api.graphql.context import Info
from api.graphql.errors import UserError, forbidden, not_found
from domain.db import write_transaction
from domain.errors import Problem, ValidationFailed
from domain.rules.permissions import Action

P = TypeVar("P")


@strawberry.interface(description="Every mutation payload: empty userErrors means it worked.")
class Payload:
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def user_errors(problems: Iterable[Problem], *, rows: str = "rows") -> list[UserError]:
    """The payload's userErrors; a problem of one row of a list argument (its `line` the
    row's index) reads `<rows>.<index>.<field>`."""
    return [UserError(field=_field(p, rows), code=p.code, message=p.message) for p in problems]


def _field(problem: Problem, rows: str) -> str | None:
    if problem.line is None:
        return problem.field
    return f"{rows}.{problem.line}" + (f".{problem.field}" if problem.field else "")


async def run(payload: type[P], work: Callable[[], Awaitable[P]]) -> P:
    """Run `work` in one transaction; a ValidationFailed rolls it back and becomes userErrors."""
    try:
        async with write_transaction():
            return await work()
    except ValidationFailed as error:
        return payload(user_errors=user_errors(error.problems))  # type: ignore[call-arg]


def require(info: Info, brand_id: int | None, action: Action, *, field: str = "id",
            type_name: str = "object") -> int:
    """The brand id if the viewer may do `action` there; a hidden brand reads as not found."""
    access = info.context.access
    if brand_id is None or not access.can_read(brand_id):
        raise not_found(field, type_name)
    if not access.can(brand_id, action):
        raise forbidden(field, f"your role on this brand does not allow {action.lower()}")
    return brand_id


async def load_for(
    info: Info, loader_name: str, pk: int, action: Action, *, field: str, type_name: str,
    brand: Callable[[dict[str, Any]], int] = lambda row: row["brand"],
) -> dict[str, Any]:
    """Load a row the viewer may act on; the same NOT_FOUND for missing and foreign rows."""
    row = await getattr(info.context.loaders, loader_name).load(pk)
    if row is None:
        raise not_found(field, type_name)
    require(info, brand(row), action, field=field, type_name=type_name)
    return row
