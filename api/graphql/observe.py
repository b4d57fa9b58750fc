"""GraphQL's part in observability: the operation a request ran, and one log line per error.

A client error (syntax, validation, a refused permission, a bad id) is logged as one
`graphql error` line at INFO, without a traceback: it is about what the client sent.
A server error (what a resolver raised unexpectedly, masked for the client) is logged at
ERROR with its traceback; the client's masked error carries the request id in its
`extensions` so the two can be matched.
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

from api.graphql.errors import should_mask
from api.observability import current_request, operation_label
from domain.logs import current_request_id

log = structlog.get_logger("coso.graphql")


class ObserveOperation(SchemaExtension):
    """Tells the request observer which operation ran (its latency label and log field)."""

    def on_operation(self) -> Iterator[None]:
        yield
        info = current_request()
        if info is None:  # executed in-process (tests, scripts), not over HTTP
            return
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except Exception:  # noqa: BLE001 - no parsable operation: a syntax error
            kind = "invalid"
        info.operation = operation_label(kind, context.operation_name)


class MaskWithRequestId(MaskErrors):
    """MaskErrors whose masked error names the request id the server logged it under."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        request_id = current_request_id()
        if request_id:
            masked.extensions = {**(masked.extensions or {}), "requestId": request_id}
        return masked


def log_errors(errors: list[GraphQLError]) -> None:
    """Schema.process_errors: strawberry's default logs every error with a traceback."""
    for error in errors:
        path = ".".join(str(p) for p in error.path) if error.path else None
        if should_mask(error):
            original = error.original_error
            log.error("graphql server error", path=path, error=type(original).__name__,
                      exc_info=original)
        else:
            log.info("graphql client error", message=error.message, path=path)
