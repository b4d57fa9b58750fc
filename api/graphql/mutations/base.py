"""The one way a mutation runs: check, write in a transaction, audit, or report userErrors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import strawberry

from api.graphql.access import Refusal
from api.graphql.context import Info
from api.graphql.errors import UserError, forbidden, not_found
from api.graphql.loaders.rows import RowLoader
from domain.db import write_transaction
from domain.errors import Problem, ValidationFailed
from domain.rules.permissions import Action, WorkspaceAction, allowed_workspace_roles

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
    refusal = info.context.access.refusal(brand_id, action)
    if brand_id is None or refusal is Refusal.NOT_FOUND:
        raise not_found(field, type_name)
    if refusal is Refusal.FORBIDDEN:
        # Named as the caller knows it: the mutation they sent, not our Action.
        raise forbidden(field, f"your role on this brand does not allow {info.field_name}")
    return brand_id


def require_in_workspace(info: Info, workspace_id: int, action: WorkspaceAction, *,
                         field: str) -> int:
    """The workspace id if the viewer may do `action` on it; NOT_FOUND if they cannot see it."""
    refusal = info.context.access.workspace_refusal(workspace_id, action)
    if refusal is Refusal.NOT_FOUND:
        raise not_found(field, "Workspace")
    if refusal is Refusal.FORBIDDEN:
        raise forbidden(field, f"only the workspace's {allowed_workspace_roles(action)} "
                               f"may {info.field_name}")
    return workspace_id


async def load_for(
    info: Info, loader: RowLoader, pk: int, action: Action, *, field: str, type_name: str,
    brand: Callable[[dict[str, Any]], int] = lambda row: row["brand"],
) -> dict[str, Any]:
    """Load a row the viewer may act on; the same NOT_FOUND for missing and foreign rows."""
    row = await loader.load(pk)
    if row is None:
        raise not_found(field, type_name)
    require(info, brand(row), action, field=field, type_name=type_name)
    return row
