"""The one way a mutation runs: check, write in a transaction, audit, or report userErrors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from typing import Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from api.graphql.access import Refusal, load_access
from api.graphql.context import Info
from api.graphql.errors import UserError, forbidden, not_found
from api.graphql.ids import decode_id
from api.graphql.loaders.rows import RowLoader
from api.jobs.queues import job_queue
from domain.db import write_transaction
from domain.errors import Problem, ValidationFailed
from domain.jobs import JobQueue
from domain.rules.permissions import Action, WorkspaceAction, allowed_workspace_roles

P = TypeVar("P")
C = TypeVar("C")


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


PP = TypeVar("PP", bound=Payload)


async def checked_then_queued(payload: type[PP], check: Callable[[], Awaitable[C]],
                              queue: Callable[[C, JobQueue], Awaitable[PP]]) -> PP:
    """`check` (and its writes) in one transaction (`run`); only if it passed, `queue` after
    commit, so a worker never picks up a job for rows it cannot see yet. The queue is arq
    with REDIS_URL, else the job runs here before answering."""
    checked: list[C] = []

    async def work() -> PP:
        checked.append(await check())
        return payload()

    result = await run(payload, work)
    if result.user_errors:
        return result
    return await queue(checked[0], job_queue())


def decode(value: strawberry.ID, type_name: str, *, field: str = "id",
           label: str | None = None) -> int:
    """`decode_id`; with `label`, its NOT_FOUND is worded as the use case words a missing row,
    so that an impossible key and a missing one read exactly the same."""
    try:
        return decode_id(value, type_name, field=field)
    except ValidationFailed as error:
        if label is not None and error.problems[0].code == "NOT_FOUND":
            raise not_found(field, label) from None
        raise


def given(**values: Any) -> dict[str, Any]:
    """The fields the client sent: null or absent means "keep the current value"."""
    return {k: v for k, v in values.items() if v is not None and v is not strawberry.UNSET}


def forget(loader: DataLoader, *keys: Any) -> None:
    """Drop rows this request changed from a loader's cache (absent keys are fine)."""
    for key in keys:
        with suppress(KeyError):
            loader.clear(key)


async def refresh_access(info: Info) -> None:
    """The viewer's roles changed in this request: later fields must see the new ones."""
    info.context.access = await load_access(info.context.user_id)


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
