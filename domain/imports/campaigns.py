"""Importing campaigns: matched on `ref`, checked with the campaign use cases' own rules.

Budget and cost need the strategist's right, as in the API: without it a row may repeat
the stored amounts but not change them. A `coso:<id>` ref (how an export names a campaign
made in Coso, which has none) names that campaign of the brand, as for posts.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from domain.enums import CampaignObjective, CampaignStatus
from domain.imports.by_id import resolve_by_id
from domain.imports.context import Handler, Parsed
from domain.imports.schema import Entity
from domain.imports.store import Field, Fixed, Store, Target, q
from domain.imports.values import (
    CellError,
    as_text,
    coso_id,
    is_empty,
    parse_date,
    parse_enum,
    parse_number,
)
from domain.rules.content import storable
from domain.services.campaigns import (
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    UTM_PARTS,
    Money,
    check_amount,
    check_dates,
    check_utm,
)
from domain.services.usecase import Problems

MAX_REF_LENGTH = 200
BUDGETS = ("planned_budget", "production_cost")
_UTM = tuple(f"utm_{part}" for part in UTM_PARTS)

CAMPAIGNS = Target(
    table="campaign",
    fields=(
        Field("ref", "text", update="never"),
        Field("name", "text"),
        Field("description", "text"),
        Field("objective", "text"),
        Field("status", "text"),
        Field("starts_on", "date"),
        Field("ends_on", "date"),
        Field("planned_budget", "numeric"),
        Field("production_cost", "numeric"),
        *(Field(name, "text") for name in _UTM),
        Field("id", "int", update="never"),
    ),
    conflict=("brand", "ref"),
    keys=(("ref",), ("id",)),
    fixed=(Fixed("brand", "int"), Fixed("currency", "text"), Fixed("created_at", "timestamptz")),
    # A `coso:<id>` row stages no ref and the campaign's id: it updates that campaign and
    # never gives it a ref.
    ident="id",
)
# Where the campaign use case's field names land in the file.
_COLUMN_OF = {"plannedBudget": "planned_budget", "productionCost": "production_cost",
              "startsOn": "starts_on", "endsOn": "ends_on"}


class CampaignsHandler(Handler):
    entity: ClassVar[Entity] = Entity.CAMPAIGNS
    targets: ClassVar[tuple[Target, ...]] = (CAMPAIGNS,)

    def parse(self, parsed: Parsed, cells: Mapping[str, Any]) -> None:
        fail, ctx = parsed.fail, self.ctx
        ref = as_text(cells.get("ref"))
        if not ref:
            fail("ref", "REQUIRED", "ref is required: it is how the next import finds the "
                                    "campaign")
        elif len(ref) > MAX_REF_LENGTH or not storable(ref):
            fail("ref", "INVALID", f"a ref is 1 to {MAX_REF_LENGTH} printable characters")
        campaign_id = None
        try:
            campaign_id = coso_id(ref)
        except CellError as error:
            fail("ref", error.code, error.message)
        problems = Problems()
        name = problems.text("name", as_text(cells.get("name")), max_length=MAX_NAME_LENGTH,
                             required=True)
        description = problems.text("description", as_text(cells.get("description")),
                                    max_length=MAX_DESCRIPTION_LENGTH)
        objective = status = None
        try:
            objective = parse_enum(cells.get("objective"), CampaignObjective).value
        except CellError as error:
            fail("objective", "REQUIRED" if is_empty(cells.get("objective")) else error.code,
                 error.message)
        try:
            status = (parse_enum(cells["status"], CampaignStatus).value
                      if not is_empty(cells.get("status")) else CampaignStatus.DRAFT.value)
        except CellError as error:
            fail("status", error.code, error.message)
        days = {}
        for column in ("starts_on", "ends_on"):
            try:
                days[column] = parse_date(cells.get(column), ctx.locale)
            except CellError as error:
                fail(column, "REQUIRED" if is_empty(cells.get(column)) else error.code,
                     error.message)
        if len(days) == 2:
            check_dates(problems, days["starts_on"], days["ends_on"])
        currency = as_text(cells.get("currency")) or ctx.currency
        amounts: dict[str, Decimal | None] = {}
        for column in BUDGETS:
            amounts[column] = None
            if not is_empty(cells.get(column)):
                try:
                    money = Money(parse_number(cells[column], ctx.locale), currency)
                except CellError as error:
                    fail(column, error.code, error.message)
                    continue
                api_name = next(k for k, v in _COLUMN_OF.items() if v == column)
                amounts[column] = check_amount(problems, api_name, money, ctx.currency)
        utm = check_utm(problems, {part: as_text(cells.get(f"utm_{part}"))
                                   for part in UTM_PARTS}, {})
        for problem in problems.items:
            head, _, tail = (problem.field or "").partition(".")
            column = "currency" if tail == "currency" else (
                f"utm_{tail}" if head == "utm" else _COLUMN_OF.get(head, head))
            fail(column, problem.code, problem.message)
        if parsed.problems:
            return
        parsed.target = CAMPAIGNS
        parsed.record = [
            parsed.row.line, ref, name, description, objective, status, days["starts_on"],
            days["ends_on"], amounts["planned_budget"], amounts["production_cost"],
            *(utm[column] for column in _UTM), campaign_id,
        ]

    async def resolve(self, store: Store, chunk: list[Parsed]) -> None:
        await resolve_by_id(store, chunk, CAMPAIGNS, self.ctx.id)

    async def verify(self, store: Store, staging: dict[str, str],
                     lines: tuple[int, int]) -> list[tuple[int, str, str, str]]:
        budgets = [c for c in BUDGETS if c in self.present]
        if self.ctx.may_edit_budget or not budgets:
            return []
        stage = q(staging["campaign"])
        flags = ", ".join(f"CASE WHEN {store.differs(f'c.{c}', f's.{c}', 'numeric')} "
                          f"THEN 1 ELSE 0 END" for c in budgets)
        rows = await store.fetch(
            # A staged row has a ref or (named by `coso:<id>`) an id, never both.
            f"SELECT s._line, {flags} FROM {stage} s LEFT JOIN campaign c ON c.brand = ? "
            f"AND (c.ref = s.ref OR c.id = s.id) WHERE s._line BETWEEN ? AND ? AND ("
            f"{' OR '.join(store.differs(f'c.{c}', f's.{c}', 'numeric') for c in budgets)})",
            self.ctx.id, *lines)
        return [(row[0], column, "FORBIDDEN",
                 "only a strategist (or a workspace admin) may set budget and cost")
                for row in rows for column, flag in zip(budgets, row[1:], strict=True) if flag]

    def fixed(self, target: Target) -> dict[str, Any]:
        return {"brand": self.ctx.id, "currency": self.ctx.currency, "created_at": self.ctx.now}
