"""The schema: root types merged from per-area classes, with limits and error masking."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.tools import merge_types

from api.graphql.errors import should_mask
from api.graphql.mutations import MUTATION_CLASSES
from api.graphql.queries import Query
from domain.settings import get_settings


def build_schema() -> strawberry.Schema:
    settings = get_settings()
    # Factories, so each request gets fresh extension instances.
    extensions: list = [
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
    ]
    if not settings.debug:
        extensions.append(lambda: MaskErrors(should_mask_error=should_mask,
                                             error_message="Internal error."))
    mutation = merge_types("Mutation", MUTATION_CLASSES) if MUTATION_CLASSES else None
    return strawberry.Schema(query=Query, mutation=mutation, extensions=extensions)


schema = build_schema()


if __name__ == "__main__":  # python -m api.graphql.schema > api/schema.graphql
    print(schema.as_str())
