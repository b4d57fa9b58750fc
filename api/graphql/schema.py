"""The schema: root types merged from per-area classes, with limits (depth, tokens, aliases,
anonymous introspection, cost) and error masking."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.tools import merge_types

from api.graphql.anonymous import AnonymousLimits
from api.graphql.cost import QueryCost
from api.graphql.errors import should_mask
from api.graphql.mutations import MUTATION_CLASSES
from api.graphql.queries import Query
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
        lambda: MaskErrors(should_mask_error=_masked, error_message="Internal error."),
    ]
    mutation = merge_types("Mutation", MUTATION_CLASSES) if MUTATION_CLASSES else None
    return strawberry.Schema(query=Query, mutation=mutation, extensions=extensions)


schema = build_schema()


if __name__ == "__main__":  # python -m api.graphql.schema > api/schema.graphql
    print(schema.as_str())
