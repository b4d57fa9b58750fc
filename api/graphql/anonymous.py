"""What callers without a token do not get: introspection and "Did you mean …" hints.

Both map the schema for someone who has no business there yet; signed-in callers (and
GraphiQL with a token) keep them. COSO_ANONYMOUS_INTROSPECTION=1 gives them back to all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from domain.settings import get_settings

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(errors: Iterable[GraphQLError] | None) -> None:
    for error in errors or ():
        error.message = _SUGGESTION.sub("", error.message)


class AnonymousLimits(SchemaExtension):
    def anonymous(self) -> bool:
        if get_settings().anonymous_introspection:
            return False
        return getattr(self.execution_context.context, "user", None) is None

    def on_operation(self) -> Iterator[None]:
        if self.anonymous():
            context = self.execution_context
            context.validation_rules = (*context.validation_rules,
                                        NoSchemaIntrospectionCustomRule)
        yield

    def on_validate(self) -> Iterator[None]:
        yield
        if self.anonymous():
            without_suggestions(self.execution_context.pre_execution_errors)

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if self.anonymous() and result is not None:
            # A variable's value is checked as the operation starts: an enum's hints too.
            without_suggestions(getattr(result, "errors", None))
