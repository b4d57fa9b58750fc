"""Streaming CSV, NDJSON and XLSX writers: one row in, bytes out, memory flat whatever the size."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, BinaryIO, Protocol

import orjson
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from domain.exports.cells import (
    QUOTE,
    as_text,
    csv_field,
    is_number,
    iso_instant,
    neutralise,
    plain_decimal,
)

MAX_XLSX_ROWS = 1_048_576
"""Excel's row limit, header included: a bigger export must be CSV or NDJSON."""


class ExportFormat(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"
    XLSX = "xlsx"


class ExportTooLarge(ValueError):
    """The rows do not fit the format (XLSX past Excel's row limit)."""


class RowWriter(Protocol):
    rows: int

    def write(self, row: Sequence[Any]) -> None: ...

    def close(self) -> None:
        """Finish the output after the last row."""

    def discard(self) -> None:
        """Give up after an error: release what the writer holds, write nothing more."""


class CsvWriter:
    """RFC 4180 CSV in UTF-8; `bom` for Excel on Windows, `delimiter=";"` for comma-decimal
    locales (Italian Excel). Text is neutralised; numbers are written as plain digits."""

    def __init__(self, out: BinaryIO, columns: Sequence[str], *, delimiter: str = ",",
                 bom: bool = False) -> None:
        if delimiter not in {",", ";", "\t"}:
            raise ValueError(f"delimiter must be ',', ';' or a tab, got {delimiter!r}")
        # newline="" lets the csv module write its own \r\n and keep newlines inside fields.
        self._text = io.TextIOWrapper(out, encoding="utf-8-sig" if bom else "utf-8",
                                      newline="", write_through=True)
        self._csv = csv.writer(self._text, delimiter=delimiter)
        self._csv.writerow(columns)
        self.rows = 0

    def write(self, row: Sequence[Any]) -> None:
        self._csv.writerow([csv_field(v) for v in row])
        self.rows += 1

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the caller owns `out` (it may be stdout)

    discard = close


def _json_value(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(QUOTE):
        # Importers undo spreadsheet quoting in every format: a text that itself starts with
        # ' and a formula character keeps it only if quoted once more.
        return neutralise(value)
    if isinstance(value, Decimal):
        # A JSON number with every digit: a float would round 0.1 + money amounts.
        return orjson.Fragment(plain_decimal(value).encode())
    if isinstance(value, datetime):
        return iso_instant(value)
    return value


class NdjsonWriter:
    """One JSON object per line, keys in column order; numbers are JSON numbers, exact.

    JSON is not a spreadsheet, so text is written as it is: `=SUM(…)` stays `=SUM(…)`. Only
    a text already starting with ' and a formula character (or ') gets one more ', so that
    importers, which drop the quote a spreadsheet export adds, read it back exactly."""

    def __init__(self, out: BinaryIO, columns: Sequence[str]) -> None:
        self._out = out
        self._columns = tuple(columns)
        self.rows = 0

    def write(self, row: Sequence[Any]) -> None:
        record = {c: _json_value(v) for c, v in zip(self._columns, row, strict=True)}
        self._out.write(orjson.dumps(record) + b"\n")
        self.rows += 1

    def close(self) -> None:
        self._out.flush()

    discard = close


class XlsxWriter:
    """One worksheet written with openpyxl's write-only mode (rows go to a temporary file,
    not memory). Text cells are always strings, neutralised; numbers are numeric cells;
    days are date cells; instants are ISO text (Excel has no time zones). Line ends are
    stored as LF, and control characters XML cannot hold (other than tab) are dropped."""

    def __init__(self, out: BinaryIO, columns: Sequence[str], *, sheet: str = "export") -> None:
        self._out = out
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(title=sheet[:31])
        self._sheet.append(list(columns))
        self.rows = 0

    def write(self, row: Sequence[Any]) -> None:
        if self.rows + 2 > MAX_XLSX_ROWS:
            raise ExportTooLarge(f"XLSX holds at most {MAX_XLSX_ROWS - 1} rows: export a "
                                 "shorter period or use csv or ndjson")
        self._sheet.append([self._cell(v) for v in row])
        self.rows += 1

    def _cell(self, value: Any) -> Any:
        if value is None or is_number(value):
            return value
        if isinstance(value, datetime):
            return self._text(iso_instant(value))
        if isinstance(value, date):
            cell = WriteOnlyCell(self._sheet, value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        return self._text(as_text(value))

    def _text(self, text: str) -> WriteOnlyCell:
        # XML reads every line end back as LF and cannot carry the other C0 controls; doing
        # both first means what is neutralised is what a reader will see.
        text = ILLEGAL_CHARACTERS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
        cell = WriteOnlyCell(self._sheet, neutralise(text))
        cell.data_type = "s"  # never "f", whatever the text looks like
        return cell

    def close(self) -> None:
        self._book.save(self._out)

    def discard(self) -> None:
        self._sheet.close()  # ends openpyxl's row generator
        # openpyxl removes its temporary file on save or at exit; this export has no save.
        writer = getattr(self._sheet, "_writer", None)
        if writer is not None:
            writer.cleanup()


def open_writer(fmt: ExportFormat, out: BinaryIO, columns: Sequence[str], *,
                delimiter: str = ",", bom: bool = False, sheet: str = "export") -> RowWriter:
    """A writer of `fmt` on the binary stream `out`; call `close()` after the last row."""
    if fmt is ExportFormat.CSV:
        return CsvWriter(out, columns, delimiter=delimiter, bom=bom)
    if fmt is ExportFormat.NDJSON:
        return NdjsonWriter(out, columns)
    return XlsxWriter(out, columns, sheet=sheet)
