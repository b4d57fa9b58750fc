"""Query cost: what an operation may fetch, estimated from its document before it runs.

Two measures, as GitHub and Shopify publish theirs:
- nodes: the objects lists and connections may return, each connection's `first` (20
  without one) times the sizes of the lists above it; over COSO_MAX_QUERY_NODES the
  operation is refused (QUERY_TOO_COSTLY) before any resolver runs.
- points: one per object the operation may return (so a connection of 50 costs 50 and
  its children 50 times theirs) plus 10 per mutation; taken from a budget per token (or
  per anonymous client address) of COSO_COST_BUDGET_PER_MINUTE points that refills over
  a minute. An operation costing more than the whole budget is refused
  (QUERY_TOO_COSTLY); one the budget cannot pay for yet is refused with THROTTLED and
  `retryAfter`. After it ran, the points it did not use (shorter pages) are given back.

Every response carries `extensions.cost`: requested and actual points, nodes, and the
budget's state (`throttleStatus`). Lists that are not connections count 10 items (a
brand's channels, members), or a day each for daily lists over a `from`/`to` period; a
field over a period (kpis, metrics) also counts a read per day of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
    is_composite_type,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType as StrawberryOperationType

from api import limits
from api.graphql.errors import PublicError
from api.graphql.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from domain.metrics import count_rate_limit_refusal, observe_query_cost
from domain.settings import get_settings

LIST_SIZE = 10  # a list that is not a connection: a brand's channels, members, strategies
# One item per day of the period (at most: a week or month bucket holds several days).
DAILY_TYPES = frozenset({"CalendarDay", "MetricPoint", "SeriesBucket"})
# Lists whose size is fixed by what they are: a weekday × hour heatmap has 7 × 24 slots.
FIXED_LISTS = {("Analytics", "heatmap"): 7 * 24}
# Arguments giving the size of a list that is not a connection (topPosts(n: 5)), or of the
# lists inside an object (attribution(first: 20) { members }).
SIZE_ARGUMENTS = ("first", "n")
DEFAULT_DAYS = 31
MAX_DAYS = 3660
MUTATION_POINTS = 10


@dataclass(frozen=True, slots=True)
class Cost:
    nodes: int
    points: int

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.nodes + other.nodes, self.points + other.points)

    def __mul__(self, factor: int) -> Cost:
        return Cost(self.nodes * factor, self.points * factor)


ZERO = Cost(0, 0)


class _Estimate:
    """The walk over one operation. Cost is linear in how many times a selection is
    reached, so each selection set is costed once per item and multiplied: fragments
    spread many times over cost no more to estimate than to read."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode,
                 variables: Mapping[str, Any] | None) -> None:
        self.schema = schema
        self.variables = dict(variables or {})
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[tuple[str, int, int], Cost] = {}

    def argument(self, field: FieldNode, name: str) -> Any:
        for arg in field.arguments or ():
            if arg.name.value == name:
                value = arg.value
                if isinstance(value, VariableNode):
                    return self.variables.get(value.name.value)
                if isinstance(value, IntValueNode | StringValueNode):
                    return value.value
        return None

    def page_size(self, field: FieldNode, argument: str = "first") -> int:
        first = self.argument(field, argument)
        try:
            size = DEFAULT_PAGE_SIZE if first is None else int(first)
        except (TypeError, ValueError):
            size = MAX_PAGE_SIZE  # refused when it runs; costed as the largest page
        return min(max(size, 0), MAX_PAGE_SIZE)

    def days(self, field: FieldNode, current: int) -> int:
        """The days of the field's `from`/`to` period, else `current`."""
        start, end = self.argument(field, "from"), self.argument(field, "to")
        if start is None or end is None:
            return current
        try:
            span = (date.fromisoformat(str(end)) - date.fromisoformat(str(start))).days + 1
        except ValueError:
            return current  # refused when it runs
        return min(max(span, 1), MAX_DAYS)

    def selection_set(self, selections: SelectionSetNode | None, parent: Any,
                      page: int, days: int) -> Cost:
        """The cost of one item of `parent` with these selections; `page` sizes the lists
        of a connection (its edges, nodes), `days` the daily lists of a period."""
        total = ZERO
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page, days)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, target or parent,
                                            page, days)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page, days)
        return total

    def fragment(self, name: str, page: int, days: int) -> Cost:
        key = (name, page, days)
        if key not in self.memo:
            self.memo[key] = ZERO  # a cycle (refused by validation already) costs nothing more
            definition = self.fragments.get(name)
            if definition is not None:
                target = self.schema.get_type(definition.type_condition.name.value)
                self.memo[key] = self.selection_set(definition.selection_set, target, page,
                                                    days)
        return self.memo[key]

    def field(self, node: FieldNode, parent: Any, page: int, days: int) -> Cost:
        name = node.name.value
        if name.startswith("__"):
            # __typename is free; introspection reads the schema, whose size is fixed.
            return ZERO if name == "__typename" else Cost(0, 1)
        definition = getattr(parent, "fields", {}).get(name)
        if definition is None:
            return ZERO  # a union's member or a field validation refused
        of_type = definition.type
        if isinstance(of_type, GraphQLNonNull):
            of_type = of_type.of_type
        named = get_named_type(of_type)
        if not is_composite_type(named):
            return ZERO
        period = self.days(node, 0)
        days = period or days
        # A field over a period (kpis, metrics) reads a row a day, whatever it returns.
        reads = Cost(period, period) if period and named.name not in DAILY_TYPES else ZERO
        if "first" in definition.args and named.name.endswith("Connection"):
            # The connection itself is one object; its edges and nodes are its page.
            inner = self.selection_set(node.selection_set, named, self.page_size(node), days)
            return Cost(inner.nodes, 1 + inner.points)
        sized = next((self.page_size(node, a) for a in SIZE_ARGUMENTS
                      if a in definition.args), None)
        if not isinstance(of_type, GraphQLList):
            inner = self.selection_set(node.selection_set, named, sized or LIST_SIZE, days)
            return reads + Cost(inner.nodes, 1 + inner.points)
        inner = self.selection_set(node.selection_set, named, LIST_SIZE, days)
        size = FIXED_LISTS.get((getattr(parent, "name", ""), name)) or (
            days if named.name in DAILY_TYPES else sized or page)
        return reads + Cost(size, size) + inner * size


def estimate(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
             variables: Mapping[str, Any] | None) -> Cost:
    """The cost of the operation the request runs (the document's only one, or the named)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations
              if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1:
        return ZERO  # graphql-core refuses it before running anything
    operation = chosen[0]
    root = schema.get_root_type(operation.operation)
    walk = _Estimate(schema, document, variables)
    cost = walk.selection_set(operation.selection_set, root, LIST_SIZE, DEFAULT_DAYS)
    if operation.operation == OperationType.MUTATION:
        fields = sum(1 for s in operation.selection_set.selections if isinstance(s, FieldNode))
        cost += Cost(0, MUTATION_POINTS * fields)
    return cost


def actual_points(data: Any) -> int:
    """Objects in a result: what the operation did fetch, in the estimate's units."""
    count, stack = 0, [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            count += 1
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return max(count - 1, 0)  # the root `data` object is not fetched


def too_costly(message: str, **extensions: Any) -> GraphQLExecutionResult:
    return GraphQLExecutionResult(data=None, errors=[GraphQLError(message, extensions=extensions)])


async def charge_subscription(info: Any) -> None:
    """A subscription's cost, estimated and taken from the budget once, when it starts (the
    extension's on_execute does not run for subscriptions); refused as an operation is."""
    raw = info._raw_info  # graphql-core's: the operation, its fragments, the GraphQLSchema
    document = DocumentNode(definitions=(raw.operation, *raw.fragments.values()))
    cost = estimate(raw.schema, document, None, raw.variable_values)
    observe_query_cost(cost.points)
    budget = get_settings().cost_budget_per_minute
    bucket = limits.Bucket("graphql:cost", budget) if budget > 0 else None
    refused = QueryCost.refusal(cost, bucket)
    if refused is not None and refused.errors:
        raise PublicError(refused.errors[0].message)
    if bucket is None:
        return
    verdict = await limits.take(bucket, _who(info.context), cost.points)
    if not verdict.allowed:
        count_rate_limit_refusal("cost")
        raise PublicError(f"Throttled: this subscription costs {cost.points} points and "
                          f"{verdict.remaining:.0f} of the {budget} a minute are left; "
                          f"retry in {verdict.retry_after} s")


def _who(context: Any) -> str:
    """Whose budget pays: the signed-in user's (all their tokens share one, so issuing more
    tokens buys no more), else (anonymous) the client address's."""
    user = getattr(context, "user", None)
    if user is not None:
        return f"user:{user['id']}"
    request = getattr(context, "request", None)
    return "address:" + (limits.client_address(request) if request else "local")


class QueryCost(SchemaExtension):
    """Estimates, refuses or charges each operation; reports the cost in `extensions`."""

    report: dict[str, Any] | None = None

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        context = self.execution_context
        document = context.graphql_document
        if document is None or context.operation_type is StrawberryOperationType.SUBSCRIPTION:
            yield  # a subscription is charged as it starts (charge_subscription)
            return
        settings = get_settings()
        cost = estimate(context.schema._schema, document, context.operation_name,
                        context.variables)
        observe_query_cost(cost.points)
        budget = settings.cost_budget_per_minute
        bucket = limits.Bucket("graphql:cost", budget) if budget > 0 else None
        self.report = {"requestedQueryCost": cost.points, "requestedNodes": cost.nodes}
        who = _who(context.context)
        refused = self.refusal(cost, bucket)
        if refused is not None:
            context.result = refused
            yield
            return
        verdict = await limits.take(bucket, who, cost.points) if bucket else None
        if bucket and verdict and not verdict.allowed:
            count_rate_limit_refusal("cost")
            context.result = too_costly(
                f"Throttled: this operation costs {cost.points} points and "
                f"{verdict.remaining:.0f} of the {budget} a minute are left; retry in "
                f"{verdict.retry_after} s", code="THROTTLED", cost=cost.points,
                retryAfter=verdict.retry_after)
            self.report["throttleStatus"] = self.throttle(bucket, verdict.remaining)
            yield
            return
        yield
        result = context.result
        actual = cost.points
        if isinstance(result, GraphQLExecutionResult):
            actual = min(cost.points, actual_points(result.data)
                         + self.mutation_points(document, context.operation_name))
        self.report["actualQueryCost"] = actual
        if bucket and verdict:
            remaining = verdict.remaining
            if actual < cost.points:  # what the operation did not use goes back
                remaining = (await limits.take(bucket, who, actual - cost.points)).remaining
            self.report["throttleStatus"] = self.throttle(bucket, remaining)

    @staticmethod
    def mutation_points(document: DocumentNode, operation_name: str | None) -> int:
        for d in document.definitions:
            if isinstance(d, OperationDefinitionNode) and d.operation == OperationType.MUTATION \
                    and (operation_name is None or (d.name and d.name.value == operation_name)):
                return MUTATION_POINTS * sum(isinstance(s, FieldNode)
                                             for s in d.selection_set.selections)
        return 0

    @staticmethod
    def refusal(cost: Cost, bucket: limits.Bucket | None) -> GraphQLExecutionResult | None:
        nodes = get_settings().max_query_nodes
        if nodes > 0 and cost.nodes > nodes:
            return too_costly(
                f"Query too costly: it may return up to {cost.nodes} objects, more than the "
                f"{nodes} allowed; ask for smaller pages (`first`) or fewer nested "
                "connections", code="QUERY_TOO_COSTLY", nodes=cost.nodes, maxNodes=nodes,
                cost=cost.points)
        if bucket is not None and cost.points > bucket.capacity:
            return too_costly(
                f"Query too costly: it costs {cost.points} points, more than the "
                f"{bucket.capacity:.0f} a minute allows; ask for smaller pages (`first`) or "
                "fewer nested connections", code="QUERY_TOO_COSTLY", cost=cost.points,
                maxCost=int(bucket.capacity))
        return None

    @staticmethod
    def throttle(bucket: limits.Bucket, remaining: float) -> dict[str, Any]:
        return {"maximumAvailable": int(bucket.capacity),
                "currentlyAvailable": int(remaining),
                "restoreRate": round(bucket.rate, 2)}

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.report} if self.report else {}
