"""Export cell values: text a spreadsheet never runs as a formula, numbers kept as numbers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
"""First characters that make Excel, LibreOffice or Google Sheets read a cell as a formula
(OWASP's CSV injection list)."""
QUOTE = "'"
_SPECIAL_STARTS = FORMULA_TRIGGERS | {QUOTE}


def neutralise(text: str) -> str:
    """`text` with a leading ' when a spreadsheet would otherwise run it as a formula.

    A text that already starts with ' followed by a trigger (or another ') is quoted too,
    so `restore` is an exact inverse: every text survives export and re-import unchanged.
    """
    if not text or text[0] not in _SPECIAL_STARTS:
        return text
    if text[0] != QUOTE or _quoted_tail(text):
        return QUOTE + text
    return text


def restore(text: str) -> str:
    """The text `neutralise` was given: one leading ' dropped where neutralise added it."""
    return text[1:] if text.startswith(QUOTE) and _quoted_tail(text) else text


def _quoted_tail(text: str) -> bool:
    return len(text) > 1 and (text[1] in FORMULA_TRIGGERS or text[1] == QUOTE)


def plain_decimal(value: Decimal) -> str:
    """A decimal as digits a spreadsheet reads as a number: no exponent, no trailing zeros."""
    if value == value.to_integral_value():
        return format(value.quantize(Decimal(1)), "f")
    return format(value.normalize(), "f")


def iso_instant(value: datetime) -> str:
    """An instant in UTC with its offset, e.g. 2026-11-01T09:00:00+00:00."""
    return value.astimezone(UTC).isoformat()


def list_text(items: list[Any]) -> str:
    """A list in one cell: `a, b` as people type tags, or a JSON list when that would not read
    back the same (an item with a comma or new line, a leading [ or ', or not text)."""
    if not items:
        return ""
    if all(isinstance(i, str) and i == i.strip() and "," not in i and "\n" not in i
           and not i.startswith(("[", QUOTE)) and i for i in items):
        return ", ".join(items)
    return json.dumps(items, ensure_ascii=False)


def as_text(value: Any) -> str:
    """A value as one CSV field (before neutralising); None is an empty field."""
    if value is None:
        return ""
    if isinstance(value, list):
        return list_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, datetime):
        return iso_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_field(value: Any) -> str:
    """One CSV field: text neutralised, numbers as plain digits, None empty.

    Exact type checks first: this runs for every cell of an export.
    """
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if kind is Decimal:
        return plain_decimal(value)
    return neutralise(as_text(value))


def is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)
