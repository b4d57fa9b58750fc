"""Cell parsing for imports: text, numbers, dates and enums as spreadsheets write them; pure.

Every parser takes the raw cell (a string from CSV, any JSON value from NDJSON, a typed
cell from XLSX) and returns the value or raises CellError(code, message). Numbers and
dates also accept the brand's locale (Babel's locale data), so an Italian spreadsheet's
`1.234,5` and `31/12/2026` import as they read.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import get_date_format
from babel.numbers import NumberFormatError, parse_decimal

from domain.exports.cells import neutralise, restore
from domain.exports.columns import UNREFERENCED_PREFIX

E = TypeVar("E", bound=StrEnum)

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_NUMERIC_DATE = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*([AaPp]\.?[Mm]\.?)?")
_SPACES = ("\u00a0", "\u202f", " ", "'")  # grouping a reader may type or paste
_ENUM_SEPARATORS = re.compile(r"[\s\-]+")
_LIST_SEPARATORS = re.compile(r"[,\n]")


class CellError(ValueError):
    """One cell cannot be read: `code` is stable for API clients, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def neutralise_formula(text: str) -> str:
    """Prefix a formula-looking cell with `'` so a spreadsheet shows it as text (the export's
    rule, domain.exports.cells.neutralise: a text starting `'=` or `''` is quoted too)."""
    return neutralise(text)


def restore_formula(text: str) -> str:
    """Undo `neutralise_formula` exactly: the `'` an export put before `=`, `+`, `-`, `@`,
    tab, CR or another `'` goes away."""
    return restore(text)


def as_text(cell: Any) -> str:
    """The cell as text, stripped; `''` for an empty cell. Formulas stay literal text."""
    if type(cell) is str:  # nearly every cell: the fast way first
        text = cell.strip()
        return restore(text) if text[:1] == "'" else text
    if cell is None:
        return ""
    if isinstance(cell, str):
        return restore_formula(cell.strip())
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a spreadsheet's 12345 is a float: the ref is "12345"
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    if isinstance(cell, list | dict):
        return json.dumps(cell, ensure_ascii=False)
    return str(cell)


def is_empty(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


@lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    try:
        return Locale.parse(name)
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en_US")


def parse_number(cell: Any, locale: str, *, whole: bool = False) -> Decimal:
    """A decimal from `12.5`, `12,5` or the locale's own `1.234,5`; never a float's noise.

    A plain `1.234` is one point two three four, unless `whole` (a count) is expected and
    the locale groups thousands with a point: then it is the Italian one thousand two
    hundred thirty-four.
    """
    if type(cell) is str and cell.isascii() and cell.isdigit():  # most counts: 1234
        return Decimal(cell)
    if isinstance(cell, bool):
        raise CellError("INVALID", f"expected a number, got {as_text(cell)}")
    if isinstance(cell, int | Decimal):
        return Decimal(cell)
    if isinstance(cell, float):
        return Decimal(repr(cell))  # the shortest decimal that reads back as this float
    text = as_text(cell)
    loc = _locale(locale)
    if _PLAIN_NUMBER.fullmatch(text):
        value = Decimal(text)
        if whole and value != value.to_integral_value() and _GROUPED.fullmatch(text) \
                and loc.number_symbols["latn"]["group"] == ".":
            return Decimal(text.replace(".", ""))
        return value
    compact = text
    for space in _SPACES:
        compact = compact.replace(space, "")
    try:
        return parse_decimal(compact, locale=loc, strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        pass
    if _DECIMAL_COMMA.fullmatch(compact):
        # A decimal comma whatever the brand's locale: an Italian sheet sent to an English brand.
        return Decimal(compact.replace(",", "."))
    raise CellError("INVALID", f"{text!r} is not a number (write 1234.5, 1234,5 or "
                               f"{_example_number(loc)})")


def _example_number(loc: Locale) -> str:
    group = loc.number_symbols["latn"]["group"]
    decimal = loc.number_symbols["latn"]["decimal"]
    return f"1{group}234{decimal}5"


@lru_cache(maxsize=64)
def _date_order(locale: str) -> tuple[str, ...]:
    """The order of day, month and year in the locale's short date, e.g. ('d', 'M', 'y')."""
    pattern = get_date_format("short", locale=_locale(locale)).pattern
    found = sorted((pattern.find(part), part) for part in "dMy" if part in pattern)
    order = tuple(part for _, part in found)
    return order if len(order) == 3 else ("y", "M", "d")


def parse_date(cell: Any, locale: str) -> date:
    """A date from ISO `2026-12-31` or the locale's numeric short form (`31/12/2026` in it)."""
    if isinstance(cell, datetime):
        if cell.time() != time(0) or cell.tzinfo is not None:
            raise CellError("INVALID", f"expected a date, got the date and time {cell}")
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = as_text(cell)
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    match = _NUMERIC_DATE.fullmatch(text)
    if match:
        parts = match.groups()
        # A 4-digit first part is year-first whatever the locale (2026/12/31, 2026.12.31).
        order = ("y", "M", "d") if len(parts[0]) == 4 else _date_order(locale)
        values = dict(zip(order, (int(p) for p in parts), strict=True))
        year = values["y"]
        if len(parts[order.index("y")]) <= 2:
            year += 2000
        try:
            return date(year, values["M"], values["d"])
        except ValueError as error:
            raise CellError("INVALID", f"{text!r} is not a date: {error}") from None
    example = _example_date(locale)
    raise CellError("INVALID", f"{text!r} is not a date (write 2026-12-31 or {example})")


def _example_date(locale: str) -> str:
    order = _date_order(locale)
    pattern = get_date_format("short", locale=_locale(locale)).pattern
    separator = next((c for c in pattern if c in "./-"), "/")
    parts = {"d": "31", "M": "12", "y": "2026"}
    return separator.join(parts[p] for p in order)


def parse_datetime(cell: Any, locale: str, timezone: str) -> datetime:
    """An aware UTC datetime: ISO 8601 with or without offset, or the locale's date and time.

    A time without an offset is the brand's local time (its `timezone`).
    """
    if isinstance(cell, datetime):
        value = cell
    elif isinstance(cell, date):
        value = datetime.combine(cell, time(0))
    else:
        text = as_text(cell)
        try:
            value = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            value = _locale_datetime(text, locale)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(timezone))
    return value.astimezone(UTC)


def _locale_datetime(text: str, locale: str) -> datetime:
    day_part, _, time_part = text.replace(",", " ").strip().partition(" ")
    day = parse_date(day_part, locale)  # raises with the date example
    time_part = time_part.strip()
    if not time_part:
        return datetime.combine(day, time(0))
    match = _TIME.fullmatch(time_part)
    if not match:
        raise CellError("INVALID", f"{text!r}: {time_part!r} is not a time (write 14:30)")
    hour, minute = int(match[1]), int(match[2])
    second = int(match[3] or 0)
    if match[4]:
        if not 1 <= hour <= 12:
            raise CellError("INVALID", f"{text!r}: {hour} is not an hour of AM/PM time")
        hour = hour % 12 + (12 if match[4][0] in "Pp" else 0)
    try:
        return datetime.combine(day, time(hour, minute, second))
    except ValueError as error:
        raise CellError("INVALID", f"{text!r} is not a time: {error}") from None


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def parse_enum(cell: Any, enum: type[E]) -> E:
    """A member by value or name, case-insensitively; `brand awareness` is BRAND_AWARENESS."""
    text = _ENUM_SEPARATORS.sub("_", as_text(cell)).upper()
    member = _spellings(enum).get(text)
    if member is not None:
        return member
    raise CellError("INVALID", f"{as_text(cell)!r} is not one of "
                               f"{', '.join(m.value for m in enum)}")


@lru_cache(maxsize=64)
def _spellings(enum: type[E]) -> dict[str, E]:
    """Upper-cased value and name -> member; the first member wins, as a scan in order would."""
    found: dict[str, E] = {}
    for member in reversed(list(enum)):
        found[member.value.upper()] = found[member.name] = member
    return found


def parse_list(cell: Any) -> list[Any]:
    """A JSON array, or text split on commas (and new lines): `a, b` is ['a', 'b']."""
    if isinstance(cell, list):
        return cell
    text = as_text(cell)
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise CellError("INVALID", f"not a valid JSON list: {error.msg}") from None
        if not isinstance(value, list):
            raise CellError("INVALID", "expected a JSON list")
        return value
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def coso_id(ref: str) -> int | None:
    """The id a `coso:<id>` ref names (what an export writes for a row made in Coso),
    None for any other ref; CellError INVALID for a `coso:` ref that names no id, since
    the prefix is reserved."""
    if ref[:5].lower() != UNREFERENCED_PREFIX:
        return None
    digits = ref[5:]
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
        raise CellError("INVALID", (
            f"refs starting with {UNREFERENCED_PREFIX} are Coso's own: {UNREFERENCED_PREFIX}<id> "
            "names a post or campaign of the brand by its id"))
    return int(digits)
