"""The schema: root types merged from per-area classes, with limits (depth, tokens, aliases,
anonymous introspection, cost) and error masking."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.graphql.anonymous import AnonymousLimits
from api.graphql.cost import QueryCost
from api.graphql.errors import should_mask
from api.graphql.mutations import MUTATION_CLASSES
from api.graphql.observe import MaskWithRequestId, ObserveOperation, log_errors
from api.graphql.queries import Query
from api.graphql.subscriptions import Subscription
from api.graphql.timeslice import TimeSlice
from domain.settings import get_settings


def _masked(error: GraphQLError) -> bool:
    """Hide what a resolver raised unexpectedly, unless COSO_DEBUG asks to see it."""
    return not get_settings().debug and should_mask(error)


def build_schema() -> strawberry.Schema:
    """The schema; its limits and masking read the settings per request, not at import."""
    # Factories, so each request gets fresh extension instances.
    extensions: list = [
        lambda: QueryDepthLimiter(max_depth=get_settings().max_query_depth),
        lambda: MaxTokensLimiter(max_token_count=get_settings().max_query_tokens),
        lambda: MaxAliasesLimiter(max_alias_count=get_settings().max_aliases),
        AnonymousLimits,
        QueryCost,
        TimeSlice,
        lambda: MaskWithRequestId(should_mask_error=_masked, error_message="Internal error."),
        ObserveOperation,
    ]
    mutation = merge_types("Mutation", MUTATION_CLASSES) if MUTATION_CLASSES else None
    return CosoSchema(query=Query, mutation=mutation, subscription=Subscription,
                      extensions=extensions)


class CosoSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        """One line per client error; a traceback only for a server error (see observe)."""
        log_errors(errors)


schema = build_schema()


if __name__ == "__main__":  # python -m api.graphql.schema > api/schema.graphql
    print(schema.as_str())
