"""Arrow-compute certification: which rows of a block are plainly valid, and their values.

The per-row checks (each handler's `parse`) stay the one authority: a vectorised pass only
certifies rows it can prove those checks would pass, with the values they would give,
and every other row goes to them (they word the messages). Two tools do it: plain
comparisons in Arrow compute (lengths, patterns), and `distinct`, which runs the per-row
function itself once per distinct value of a column (channels, enums, days repeat down
a file) and spreads its answers over the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from domain.imports.columnar import NOT_BLANK, SPACE_CLASS
from domain.imports.store import Target

NO: Any = object()
"""What a function given to `distinct` returns for a value it cannot certify."""
PLAIN = f"(?s)^[^{SPACE_CLASS}'](.*[^{SPACE_CLASS}])?$"
"""Text `as_text` leaves as it is: no white space around it, no leading quote."""
_ISO_INSTANT = (r"^(19|20|21)[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")


@dataclass(slots=True)
class Certified:
    """A block's certified rows: a mask over the block and, per target, their records."""

    mask: np.ndarray
    tables: dict[str, pa.Table] = field(default_factory=dict)
    """Target table -> the certified rows' staging records (`_line` and the fields)."""
    later: Any = None
    """What a handler still has to look up in the database (`Handler.finish`)."""

    @classmethod
    def none(cls, rows: int) -> Certified:
        return cls(np.zeros(rows, bool))

    def count(self) -> int:
        return int(self.mask.sum())


def column(table: pa.Table, name: str) -> pa.Array | None:
    """One column as a single array, None if the table has none of that name."""
    if name not in table.column_names:
        return None
    return table.column(name).combine_chunks()


def matches(array: pa.Array, pattern: str) -> np.ndarray:
    return _bools(pc.match_substring_regex(array, pattern))


def plain(array: pa.Array) -> np.ndarray:
    return matches(array, PLAIN)


def blank(array: pa.Array) -> np.ndarray:
    """Cells `is_empty` takes as empty: nothing but white space."""
    return ~matches(array, NOT_BLANK)


def without_nul(array: pa.Array) -> np.ndarray:
    return ~_bools(pc.match_substring(array, "\x00"))


def length(array: pa.Array) -> np.ndarray:
    """Characters (code points, as Python's len counts them)."""
    return np.asarray(pc.utf8_length(array).to_numpy(zero_copy_only=False), np.int64)


def _bools(array: Any) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), bool)


def distinct(arrays: Sequence[pa.Array], function: Callable[..., Any],
             kind: pa.DataType) -> tuple[np.ndarray, pa.Array]:
    """`function(*cells)` once per distinct combination of the arrays' values: (which rows it
    certified, its answers as an array of `kind`, null where it did not)."""
    rows = len(arrays[0])
    if not rows:
        return np.zeros(0, bool), pa.array([], kind)
    columns = []
    codes = np.zeros(rows, np.int64)
    for array in arrays:
        encoded = pc.dictionary_encode(array)
        indices = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False),
                             np.int64) + 1
        dictionary = [None, *encoded.dictionary.to_pylist()]
        columns.append((indices, dictionary))
        # Re-numbered densely after each column, so the product never overflows.
        _, codes = np.unique(codes * len(dictionary) + indices, return_inverse=True)
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    answers = [function(*(dictionary[indices[row]] for indices, dictionary in columns))
               for row in first.tolist()]
    ok = np.array([a is not NO for a in answers], bool)
    results = pa.array([None if a is NO else a for a in answers], kind)
    return ok[inverse], results.take(pa.array(inverse, pa.int64()))


def instants(array: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """ISO 8601 instants with an offset (`2026-09-01T08:00:00+02:00`, `...Z`), read by Arrow
    where Python's `datetime.fromisoformat` reads them the same: (which, UTC timestamps)."""
    iso = matches(array, _ISO_INSTANT)
    if not iso.any():
        return iso, pa.nulls(len(array), pa.timestamp("us", "UTC"))
    local = pc.utf8_slice_codeunits(array, 0, 19)
    # Arrow's strptime rolls 2026-02-30 over to March: only a value that prints back as
    # written is a real day and time.
    back = pc.strftime(pc.strptime(local, format="%Y-%m-%dT%H:%M:%S", unit="s",
                                   error_is_null=True), format="%Y-%m-%dT%H:%M:%S")
    iso &= _bools(pc.equal(back, local))
    when = pc.strptime(array, format="%Y-%m-%dT%H:%M:%S%z", unit="us", error_is_null=True)
    iso &= _bools(pc.is_valid(when))
    return iso, pc.if_else(pa.array(iso), when, pa.scalar(None, when.type))


def staged(target: Target, line: np.ndarray, values: dict[str, Any],
           mask: np.ndarray) -> pa.Table:
    """The certified rows' staging records: `_line`, then the target's fields."""
    keep = pa.array(mask)
    columns = {"_line": pa.array(line[mask], pa.int64())}
    for name in target.field_names():
        value = values[name]
        columns[name] = value.filter(keep) if isinstance(value, pa.Array) else value
    return pa.table(columns)
