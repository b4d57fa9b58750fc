"""Bulk import mutations: up to 1,000 rows a call through the same engine as `coso import`.

An item is one row of an import file: its fields are the entity's import columns
(domain.imports.schema), camel-cased, each a string read exactly as a file's cell is
(ISO or the brand's locale dates, `1.234,5` or `1234.5` numbers, enums in any case). A
field given in any item is a column of the batch, empty in the items that omit it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

import strawberry
from strawberry.utils.str_converters import to_camel_case

from api.graphql.context import Info
from api.graphql.errors import UserError
from api.graphql.ids import decode_id
from api.graphql.mutations.base import Payload, require, run, user_errors
from api.graphql.permissions import IsAuthenticated
from domain.errors import Problem, ValidationFailed
from domain.imports import SCHEMAS, Entity, ImportSummary, RawRow, import_rows
from domain.rules.content import storable
from domain.rules.permissions import Action

MAX_ITEMS = 1000
MAX_ERRORS = 200
"""userErrors listed per call; a last one counts the rest."""
MAX_SOURCE_LENGTH = 200
UNSET: Any = strawberry.UNSET
_LINE = re.compile(r"\bline (\d+)")


def _item_input(entity: Entity, name: str, description: str) -> type:
    """The input type of one row: every import column of `entity` as an optional String."""
    columns = SCHEMAS[entity].columns
    namespace: dict[str, Any] = {
        "__annotations__": {c.name: str | None for c in columns},
        "__module__": __name__,
        **{c.name: strawberry.field(default=UNSET, description=(
            ("Required. " if c.required else "") + c.doc)) for c in columns},
    }
    return strawberry.input(type(name, (), namespace), description=description)


PostImportItem = _item_input(
    Entity.POSTS, "PostImportItem",
    "One post as a row of a posts import file; matched on `ref`, the importer's own id.")
CampaignImportItem = _item_input(
    Entity.CAMPAIGNS, "CampaignImportItem",
    "One campaign as a row of a campaigns import file; matched on `ref`.")
MetricImportItem = _item_input(
    Entity.METRICS, "MetricImportItem",
    "One day's value as a row of a metrics import file; matched on channel, post, metric "
    "and day.")


@strawberry.type(description="How a bulk import went. Without skipInvalid any userError "
                             "means nothing was written; with it the valid items were.")
class ImportPayload(Payload):
    items: int | None = strawberry.field(default=None, description="Items read.")
    inserted: int | None = None
    updated: int | None = None
    unchanged: int | None = strawberry.field(
        default=None, description="Items equal to what is stored: left alone.")
    rejected: int | None = strawberry.field(
        default=None, description="Items refused; their problems are in userErrors.")
    written: bool = strawberry.field(
        default=False, description="Whether anything was stored (all-or-nothing unless "
                                   "skipInvalid).")


@strawberry.type
class ImportPostsPayload(ImportPayload):
    pass


@strawberry.type
class ImportCampaignsPayload(ImportPayload):
    pass


@strawberry.type
class ImportMetricsPayload(ImportPayload):
    pass


def _rows(entity: Entity, items: Sequence[Any]) -> tuple[list[str], list[RawRow]]:
    """The batch as a file: the columns any item gives, then one row per item (line =
    index + 1, as line 0 is the file as a whole)."""
    names = [c.name for c in SCHEMAS[entity].columns]
    header = [n for n in names if any(getattr(item, n) is not UNSET for item in items)]
    rows = [RawRow(index + 1, {n: _cell(getattr(item, n)) for n in header})
            for index, item in enumerate(items)]
    return header, rows


def _cell(value: Any) -> Any:
    return None if value is UNSET else value


def _user_errors(summary: ImportSummary) -> list[UserError]:
    """The summary's problems, line n as item n - 1 (`items.<index>.<field>`), the file as a
    whole as `items`."""
    problems = []
    for field, code, message, line in summary.problems:
        if code == "MISSING_COLUMN":
            # No item gave a required field: the first one lacks it like all the others.
            line, code, message = 1, "REQUIRED", f"{to_camel_case(field or '')} is required"
        # The engine speaks of a file's lines; line n is item n - 1 here.
        message = _LINE.sub(lambda m: f"item {int(m[1]) - 1}", message)
        if not line or line < 1:
            problems.append(Problem("items", code, message))
        else:
            problems.append(Problem(field and to_camel_case(field), code, message, line - 1))
    hidden = summary.problem_count - len(summary.problems)
    if hidden > 0:
        problems.append(Problem("items", "TOO_MANY_ERRORS", f"{hidden} more problems are not "
                                "listed: fix these and send the items again"))
    return user_errors(problems, rows="items")


def _source(source: str | None, viewer: dict[str, Any]) -> str:
    """What the import is recorded as (audit log, metric provenance)."""
    if source is None:
        return f"api:{viewer['email']}"[:MAX_SOURCE_LENGTH]
    cleaned = source.strip()
    if not cleaned or len(cleaned) > MAX_SOURCE_LENGTH or not storable(cleaned):
        raise ValidationFailed.one("source", "INVALID", f"source is 1 to {MAX_SOURCE_LENGTH} "
                                                        "printable characters")
    return cleaned


async def _import(info: Info, payload: type[ImportPayload], entity: Entity,
                  brand: strawberry.ID, items: Sequence[Any], skip_invalid: bool,
                  source: str | None, action: Action) -> ImportPayload:
    viewer = info.context.viewer

    async def work() -> ImportPayload:
        brand_id = require(info, decode_id(brand, "Brand", field="brand"), action,
                           field="brand", type_name="Brand")
        if len(items) > MAX_ITEMS:
            raise ValidationFailed.one("items", "TOO_MANY_ITEMS",
                                       f"at most {MAX_ITEMS} items a call, got {len(items)}: "
                                       "send them in batches")
        source_name = _source(source, viewer)
        if not items:
            return payload(items=0, inserted=0, updated=0, unchanged=0, rejected=0)
        header, rows = _rows(entity, items)
        summary = await import_rows(
            entity, brand_id, rows, actor_id=viewer["id"], source_name=source_name,
            columns=header, skip_invalid=skip_invalid, max_errors=MAX_ERRORS,
            may_edit_budget=info.context.access.can(brand_id, Action.EDIT_CAMPAIGN_BUDGET))
        return payload(user_errors=_user_errors(summary), items=summary.rows,
                       inserted=summary.inserted, updated=summary.updated,
                       unchanged=summary.unchanged, rejected=summary.rejected,
                       written=summary.written)

    return await run(payload, work)


_SKIP = "Write the valid items and refuse the others (default: one bad item, none written)."
_SOURCE = ("What to record the import as (audit log; metric provenance), e.g. the file a "
           "script read; default `api:<your e-mail>`.")
# Named `source_` in Python: a permission's resolver takes `source` (the parent) itself.
_SOURCE_ARGUMENT = strawberry.argument(name="source", description=_SOURCE)


@strawberry.type
class ImportMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description=f"Create or update up to {MAX_ITEMS} posts, matched on "
                                     "ref; the same checks and summary as `coso import posts`. "
                                     "MANAGER.")
    async def import_posts(
        self, info: Info, brand: strawberry.ID, items: list[PostImportItem],  # type: ignore[valid-type]
        skip_invalid: Annotated[bool, strawberry.argument(description=_SKIP)] = False,
        source_: Annotated[str | None, _SOURCE_ARGUMENT] = None,
    ) -> ImportPostsPayload:
        return await _import(info, ImportPostsPayload, Entity.POSTS, brand, items,
                             skip_invalid, source_, Action.EDIT_POST)  # type: ignore[return-value]

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description=f"Create or update up to {MAX_ITEMS} campaigns, matched "
                                     "on ref (budget and cost: strategists). STRATEGIST, "
                                     "MANAGER.")
    async def import_campaigns(
        self, info: Info, brand: strawberry.ID, items: list[CampaignImportItem],  # type: ignore[valid-type]
        skip_invalid: Annotated[bool, strawberry.argument(description=_SKIP)] = False,
        source_: Annotated[str | None, _SOURCE_ARGUMENT] = None,
    ) -> ImportCampaignsPayload:
        return await _import(info, ImportCampaignsPayload, Entity.CAMPAIGNS, brand, items,
                             skip_invalid, source_, Action.EDIT_CAMPAIGN)  # type: ignore[return-value]

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description=f"Record up to {MAX_ITEMS} daily metric values of the "
                                     "brand's channels and posts (source IMPORT); a stored "
                                     "equal value is left alone. MANAGER.")
    async def import_metrics(
        self, info: Info, brand: strawberry.ID, items: list[MetricImportItem],  # type: ignore[valid-type]
        skip_invalid: Annotated[bool, strawberry.argument(description=_SKIP)] = False,
        source_: Annotated[str | None, _SOURCE_ARGUMENT] = None,
    ) -> ImportMetricsPayload:
        return await _import(info, ImportMetricsPayload, Entity.METRICS, brand, items,
                             skip_invalid, source_, Action.RECORD_METRICS)  # type: ignore[return-value]
