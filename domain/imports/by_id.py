"""Rows naming a stored row by Coso's id (`coso:<id>`, how exports name rows without a ref)."""

from __future__ import annotations

from domain.imports.context import Parsed
from domain.imports.store import Store, Target


async def resolve_by_id(store: Store, chunk: list[Parsed], target: Target,
                        brand_id: int) -> bool:
    """Check the chunk's rows of `target` that name a row by id (its `ident` field): that
    row must be the brand's and have no ref (one with a ref is named by it, so a file cannot
    name it twice). A good row stages no ref; a bad one is refused with UNKNOWN_<TABLE>.
    Whether any row of the chunk names one by id."""
    fields = target.field_names()
    ident, ref = fields.index(target.ident or "") + 1, fields.index("ref") + 1
    named = [p for p in chunk if p.target is target and p.record[ident] is not None]
    if not named:
        return False
    noun, code = target.table, f"UNKNOWN_{target.table.upper()}"
    condition, args = store.is_in("id", sorted({p.record[ident] for p in named}), "int")
    stored = dict(await store.fetch(
        f"SELECT id, ref FROM {target.table} WHERE brand = ? AND {condition}", brand_id, *args))
    for parsed in named:
        row_id = parsed.record[ident]
        if row_id not in stored:
            parsed.fail("ref", code, (
                f"the brand has no {noun} {row_id} ({parsed.record[ref]!r} names a {noun} made "
                f"in Coso by its id; a new {noun} needs a ref of its own)"))
        elif stored[row_id] is not None:
            parsed.fail("ref", code, (
                f"{noun} {row_id} has the ref {stored[row_id]!r}: name it by that ref"))
        else:
            parsed.record[ref] = None
            continue
        parsed.target = None
    return True
