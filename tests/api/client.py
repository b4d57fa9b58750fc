"""`gql(query, as_=user)`: run a GraphQL document in-process as a user, like a real request."""

from __future__ import annotations

from typing import Any

from api.app import context_for
from api.graphql.schema import schema
from domain.services.tokens import issue_token


class GqlResult(dict):
    """The response's `data` (as a dict) with `.errors` (messages) beside it."""

    errors: list[str]


async def token_for(user: Any) -> str:
    return await issue_token(user.id if hasattr(user, "id") else user, "test")


async def gql(query: str, as_: Any = None, variables: dict[str, Any] | None = None,
              token: str | None = None) -> GqlResult:
    if as_ is not None and token is None:
        token = await token_for(as_)
    context = await context_for(f"Bearer {token}" if token else None)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    out = GqlResult(result.data or {})
    out.errors = [e.message for e in result.errors or []]
    return out


def gid(type_name: str, pk: int) -> str:
    """The global id the API shows for a row."""
    from api.graphql.ids import global_id

    return str(global_id(type_name, pk))
