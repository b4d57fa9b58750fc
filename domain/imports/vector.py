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
    if len(arrays) == 1:  # the dictionary's positions are the distinct values already
        encoded = pc.dictionary_encode(arrays[0])
        values = encoded.dictionary.to_pylist()
        answers = [function(v) for v in values]
        if encoded.indices.null_count:
            answers.append(function(None))
        inverse = np.asarray(encoded.indices.fill_null(len(values)).to_numpy(
            zero_copy_only=False), np.int64)
        ok = np.array([a is not NO for a in answers], bool)
        results = pa.array([None if a is NO else a for a in answers], kind)
        return ok[inverse], results.take(pa.array(inverse, pa.int64()))
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
    """ISO 8601 instants with an offset (`2026-09-01T08:00:00+02:00`, `...Z`) where Python's
    `datetime.fromisoformat` reads them: (which, their UTC timestamps). The fields are cut
    out and checked (a real day of the month, hours, minutes, seconds) with numpy."""
    iso = matches(array, _ISO_INSTANT)
    rows = len(array)
    if not iso.any():
        return iso, pa.nulls(rows, pa.timestamp("us", "UTC"))
    text = pc.replace_substring(pc.if_else(pa.array(iso), array, "2000-01-01T00:00:00Z"),
                                "Z", "+00:00")

    def part(start: int, stop: int) -> np.ndarray:
        return np.asarray(pc.cast(pc.utf8_slice_codeunits(text, start, stop), pa.int64())
                          .to_numpy(zero_copy_only=False), np.int64)

    year, month, day = part(0, 4), part(5, 7), part(8, 10)
    hour, minute, second = part(11, 13), part(14, 16), part(17, 19)
    sign = np.where(_bools(pc.equal(pc.utf8_slice_codeunits(text, 19, 20), "-")), -1, 1)
    offset = sign * (part(20, 22) * 60 + part(23, 25))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.where((month == 2) & leap, 29,
                          _MONTH_DAYS[np.clip(month, 1, 12) - 1])
    iso &= ((month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days) & (hour <= 23)
            & (minute <= 59) & (second <= 59))
    # Days since 1970-01-01 of the proleptic Gregorian date (H. Hinnant's days_from_civil).
    y = year - (month <= 2)
    era = y // 400
    of_era = y - era * 400
    of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    days = era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468
    seconds = ((days * 24 + hour) * 60 + minute) * 60 + second - offset * 60
    return iso, pa.array(seconds * 1_000_000, pa.timestamp("us", "UTC"), mask=~iso)


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


def staged(target: Target, line: np.ndarray, values: dict[str, Any],
           mask: np.ndarray) -> pa.Table:
    """The certified rows' staging records: `_line`, then the target's fields."""
    keep = pa.array(mask)
    columns = {"_line": pa.array(line[mask], pa.int64())}
    for name in target.field_names():
        value = values[name]
        columns[name] = value.filter(keep) if isinstance(value, pa.Array) else value
    return pa.table(columns)
