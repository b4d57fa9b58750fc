"""Streaming readers: CSV (BOM or not, `,` `;` or tab sniffed), NDJSON and XLSX, row by row.

Each reader yields RawRow(line, {column: cell}) and keeps only the current row in memory.
Bytes that are not valid in the file's encoding do not stop the file: the row holding
them comes with an ENCODING problem naming its line and byte offset. What cannot be read
on (broken quoting, a giant field, a file that is not XLSX) raises ImportFileError.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
import zlib
from collections import deque
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, NamedTuple
from zipfile import BadZipFile

import orjson

from domain.imports.base import ImportFileError, RawRow

MAX_LINE_BYTES = 4 * 1024 * 1024
"""A longer physical line is not a spreadsheet row: the file is refused."""
MAX_NDJSON_KEYS = 1000
"""Distinct keys an NDJSON file's header collects at most."""
BLOCK_BYTES = 1024 * 1024
"""Bytes read and decoded at a time."""
DELIMITERS = (",", ";", "\t")
_row = tuple.__new__
"""RawRow(...) without the Python-level __new__ a NamedTuple has: once per row of a big file."""


class Format(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"
    XLSX = "xlsx"


def detect_format(path: str | Path) -> Format | None:
    suffix = Path(path).suffix.lower().lstrip(".")
    return {"csv": Format.CSV, "txt": Format.CSV, "tsv": Format.CSV, "ndjson": Format.NDJSON,
            "jsonl": Format.NDJSON, "json": Format.NDJSON, "xlsx": Format.XLSX}.get(suffix)


class RowReader:
    """A file's header and rows; iterate once. `bytes_read`/`total_bytes` drive progress bars."""

    def __init__(self, columns: list[str], rows: Iterator[RawRow], *, total_bytes: int = 0,
                 total_rows: int = 0, delimiter: str = ",", closer: Any = None) -> None:
        self.columns = columns
        self._rows = rows
        self.total_bytes = total_bytes
        self.total_rows = total_rows
        self.delimiter = delimiter
        self._closer = closer
        self._lines: _Lines | None = None

    @property
    def bytes_read(self) -> int:
        return self._lines.offset if self._lines else 0

    def __iter__(self) -> Iterator[RawRow]:
        return self._rows

    def close(self) -> None:
        if self._closer is not None:
            self._closer.close()
            self._closer = None

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_rows(path: str | Path, fmt: Format | None = None, *, encoding: str = "utf-8",
              delimiter: str | None = None) -> RowReader:
    """Open a file for import; the format comes from its extension unless given."""
    fmt = fmt or detect_format(path)
    if fmt is None:
        raise ImportFileError(0, "UNKNOWN_FORMAT", f"cannot tell the format of {Path(path).name}: "
                                                   "use a .csv, .ndjson or .xlsx file or say "
                                                   "which format it is")
    if fmt is Format.XLSX:
        return xlsx_rows(path)
    stream = open(path, "rb")  # noqa: SIM115 - the reader closes it
    try:
        size = os.fstat(stream.fileno()).st_size
        reader = (csv_rows(stream, encoding=encoding, delimiter=delimiter)
                  if fmt is Format.CSV else ndjson_rows(stream, encoding=encoding))
    except BaseException:
        stream.close()
        raise
    reader.total_bytes = size
    reader._closer = stream
    return reader


def check_encoding(encoding: str) -> str:
    """The codec's canonical name; ImportFileError UNKNOWN_ENCODING for an unknown one."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ImportFileError(0, "UNKNOWN_ENCODING", f"unknown encoding {encoding!r}") from None


class _Lines:
    """Physical lines of a binary stream, decoded a block at a time; bad bytes are replaced
    and noted.

    Splitting bytes on b"\\n" before decoding is right for every ASCII-compatible encoding
    (UTF-8, Latin-1, Windows-1252). A block decodes in one call (the usual case); only a
    block holding bytes invalid in the encoding is decoded line by line, to tell exactly
    which line and byte went wrong.
    """

    def __init__(self, stream: IO[bytes], encoding: str, *, line: int = 0,
                 offset: int = 0) -> None:
        self.stream = stream
        check_encoding(encoding)
        self.encoding = encoding
        self.offset = offset
        """Bytes decoded so far (whole blocks: progress bars need no more)."""
        self.line = line
        """Lines decoded so far (at block boundaries)."""
        self._at_start = not offset
        """Whether the stream starts at the file's start (where a BOM may be)."""
        self.bad: deque[tuple[int, str]] = deque()
        """(line, message) for lines with undecodable bytes, not yet claimed by a row."""

    def __iter__(self) -> Iterator[str]:
        read = self.stream.read
        pending = b""
        first = self._at_start
        while True:
            block = read(BLOCK_BYTES)
            data = pending + block if pending else block
            if len(data) > MAX_LINE_BYTES and data.find(b"\n", 0, MAX_LINE_BYTES) < 0:
                line = self.line + 1
                raise ImportFileError(line, "LINE_TOO_LONG", (
                    f"line {line} is longer than {MAX_LINE_BYTES // (1024 * 1024)} MB: "
                    "this is not a row of a spreadsheet"))
            cut = len(data) if not block else data.rfind(b"\n") + 1
            if not cut:
                if not data:
                    return
                pending = data
                continue
            whole, pending = data[:cut], data[cut:]
            try:
                text = whole.decode(self.encoding)
            except UnicodeDecodeError:
                text = "".join(self._decode_lines(whole))
            else:
                self.line += whole.count(b"\n") + (not block and not whole.endswith(b"\n"))
            if first and text.startswith("\ufeff"):
                text = text[1:]
            first = False
            self.offset += len(whole)
            # newline="\n": lines end at "\n" only, as the bytes were split (a CR or
            # U+2028 inside a cell stays in it).
            yield from io.StringIO(text, newline="\n")
            if not block:
                return

    def _decode_lines(self, whole: bytes) -> Iterator[str]:
        """A block line by line, replacing the bytes the encoding refuses and noting where."""
        offset = self.offset
        for raw in io.BytesIO(whole):
            self.line += 1
            try:
                yield raw.decode(self.encoding)
            except UnicodeDecodeError as error:
                self.bad.append((self.line, self._bad_bytes(raw, error, offset)))
                yield raw.decode(self.encoding, "replace")
            offset += len(raw)

    def _bad_bytes(self, raw: bytes, error: UnicodeDecodeError, offset: int) -> str:
        byte = raw[error.start]
        return (f"byte 0x{byte:02X} at byte offset {offset + error.start} (line "
                f"{self.line}) is not valid {self.encoding}: the file mixes encodings. Save it "
                f"as UTF-8 (in Excel: CSV UTF-8), or import it with its encoding "
                f"(e.g. cp1252)")

    def claim(self, last_line: int) -> tuple[str, str] | None:
        """The encoding problem of lines up to `last_line`, if any (and forget them)."""
        message = None
        while self.bad and self.bad[0][0] <= last_line:
            _, text = self.bad.popleft()
            message = message or text
        return ("ENCODING", message) if message else None


def _sniff(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_rows(stream: IO[bytes], *, encoding: str = "utf-8",
             delimiter: str | None = None) -> RowReader:
    """CSV with a header row; quoted cells may hold delimiters, quotes and new lines.

    Read in record-aligned blocks by pyarrow (domain.imports.columnar), which the
    columnar import takes as they are; from the first block pyarrow cannot read exactly
    as the rules below do (bad bytes, blank lines, a stray quote...) to the end of the
    file, by Python's csv module (`python_csv_rows`)."""
    from domain.imports.columnar import ColumnarCsv

    return ColumnarCsv.open(stream, encoding=encoding, delimiter=delimiter)


class CsvHeader(NamedTuple):
    """A CSV file's header as read: its delimiter, cells and the named ones."""

    delimiter: str
    cells: list[str]
    named: list[tuple[int, str]]
    """(position, name) of the cells with a name."""


def header_of(cells: list[str], delimiter: str) -> CsvHeader:
    return CsvHeader(delimiter, cells, [(i, name.strip()) for i, name in enumerate(cells)
                                        if name.strip()])


def python_csv_rows(stream: IO[bytes], *, encoding: str = "utf-8",
                    delimiter: str | None = None, header: CsvHeader | None = None,
                    line: int = 0, offset: int = 0) -> tuple[RowReader, CsvHeader]:
    """The rows of a CSV stream by Python's csv module, the reference for every rule:
    from the file's start (reading its header), or from a record boundary `offset` bytes
    into the file, `line` lines in, with the header already read."""
    lines = _Lines(stream, encoding, line=line, offset=offset)
    physical = iter(lines)
    if header is None:
        first = next(physical, None)
        if first is None:
            raise ImportFileError(1, "EMPTY_FILE", "the file is empty: it needs a header row")
        delimiter = delimiter or _sniff(first)
        reader = csv.reader(itertools.chain((first,), physical), delimiter=delimiter,
                            strict=True)
        header_line, cells = _next_record(reader)
        if cells is None:
            raise ImportFileError(1, "EMPTY_FILE", "the file is empty: it needs a header row")
        header = header_of(cells, delimiter)
        if problem := lines.claim(header_line):
            raise ImportFileError(header_line, problem[0], problem[1])
    else:
        reader = csv.reader(physical, delimiter=header.delimiter, strict=True)
    base = line
    cells_of_header, named = header.cells, header.named
    names = [name for _, name in named]
    width = len(cells_of_header)
    plain = len(named) == width

    def rows() -> Iterator[RawRow]:
        bad, usual = lines.bad, width if plain else -1
        before = reader.line_num
        try:
            for cells in reader:
                start, before = base + before + 1, reader.line_num
                problem = lines.claim(base + before) if bad else None
                if len(cells) == usual:  # the usual row: one cell per named column
                    if cells[0].strip() or "".join(cells).strip():
                        # strict=False: the lengths were just compared.
                        values: dict[str, str | None] = dict(zip(names, cells, strict=False))
                        yield _row(RawRow, (start, values, problem))
                    continue
                if not "".join(cells).strip():
                    continue
                values = {name: cells[i] if i < len(cells) else None for i, name in named}
                if problem is None and (len(cells) > width or len(named) < width):
                    extra = [c for i, c in enumerate(cells) if c.strip() and (
                        i >= width or not cells_of_header[i].strip())]
                    if extra:
                        problem = ("EXTRA_CELLS", (
                            f"the row has {len(extra)} cell(s) outside the named columns "
                            f"(first: {extra[0][:40]!r}); is a delimiter or a quote missing?"))
                yield RawRow(start, values, problem)
        except csv.Error as error:
            raise _malformed(error, base + before + 1, base + reader.line_num) from None

    result = RowReader(names, rows(), delimiter=header.delimiter)
    result._lines = lines
    return result, header


def _next_record(reader: Any) -> tuple[int, list[str] | None]:
    start = reader.line_num + 1
    try:
        return start, next(reader)
    except StopIteration:
        return start, None
    except csv.Error as error:
        raise _malformed(error, start, reader.line_num) from None


def _malformed(error: csv.Error, start: int, line: int) -> ImportFileError:
    message = str(error)
    if "field larger than field limit" in message:
        return ImportFileError(start, "FIELD_TOO_LARGE", (
            f"a cell starting on line {start} is larger than {csv.field_size_limit()} "
            "characters: a quote is probably not closed"))
    return ImportFileError(line or start, "MALFORMED_CSV", (
        f"the CSV is malformed near line {line or start} ({message}): check the quotes on "
        "that line"))


def ndjson_rows(stream: IO[bytes], *, encoding: str = "utf-8") -> RowReader:
    """One JSON object per line. The header is every key any object has, in order of first
    appearance (a file read once more for it; a stream that cannot seek back: the first
    object's keys), so a key an object leaves out is an empty cell of that row."""
    columns = _ndjson_keys(stream, encoding) if stream.seekable() else None
    lines = _Lines(stream, encoding)
    physical = iter(lines)

    def parsed() -> Iterator[RawRow]:
        for line, text in enumerate(physical, start=1):
            if not text.strip():
                continue
            problem = lines.claim(line)
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError as error:
                yield RawRow(line, {}, problem or ("INVALID_JSON", f"not valid JSON: {error}"))
                continue
            if not isinstance(value, dict):
                yield RawRow(line, {}, problem or ("INVALID_JSON",
                                                   "each line must be a JSON object {...}"))
                continue
            yield RawRow(line, value, problem)

    rows = parsed()
    if columns is not None:
        result = RowReader(columns, rows)
    else:
        first = next(rows, None)
        result = RowReader(list(first.values) if first is not None else [],
                           itertools.chain((first,) if first is not None else (), rows))
    result._lines = lines
    return result


def _ndjson_keys(stream: IO[bytes], encoding: str) -> list[str]:
    """Every key of the file's objects, in order of first appearance (the stream is left
    where it was). Beyond MAX_NDJSON_KEYS the rest are not columns anyway."""
    start = stream.tell()
    keys: dict[str, None] = {}
    for text in _Lines(stream, encoding):
        if not text.strip():
            continue
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            continue  # the row pass reports it
        if isinstance(value, dict):
            keys.update(dict.fromkeys(value))
            if len(keys) >= MAX_NDJSON_KEYS:
                break
    stream.seek(start)
    return list(keys)


_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<c\b([^>]*)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)\s*(<v\s*/>|<v>\s*</v>)?\s*</c>")
"""A formula cell with no value, or an empty one (which a text formula's "" result is)."""
_TEXT_RESULT = re.compile(rb'\bt="str"')
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]+)"')
_OVERLAP = 64 * 1024
"""Bytes of one block read again with the next: a cell (its formula) cut by the block end."""


def _uncomputed_formula(book: Any, sheet: Any) -> str | None:
    """The first cell whose formula has no cached value (openpyxl reads such a cell as
    empty), "?" if it has no reference; None when every formula has its value. A file a
    spreadsheet saved always has them; one a program wrote may not."""
    path = getattr(sheet, "_worksheet_path", None)  # openpyxl's read-only sheet
    archive = getattr(book, "_archive", None)
    if path is None or archive is None:
        return None
    try:
        with archive.open(path) as xml:
            tail = b""
            while block := xml.read(BLOCK_BYTES):
                for found in _FORMULA_WITHOUT_VALUE.finditer(tail + block):
                    if found[2] is not None and _TEXT_RESULT.search(found[1]):
                        continue  # a text formula that computed "": a value all the same
                    ref = _CELL_REF.search(found[1])
                    return ref[1].decode() if ref else "?"
                tail = block[-_OVERLAP:]
    except (BadZipFile, KeyError, OSError, zlib.error) as error:
        raise ImportFileError(0, "NOT_XLSX", f"the workbook is damaged: {error}") from None
    return None


def xlsx_rows(path: str | Path) -> RowReader:
    """The first worksheet, streamed (openpyxl read-only); cells keep their types.

    Formula cells give the value the spreadsheet last computed (a workbook with a formula
    but no such value is refused: it would read as empty); text that merely looks like a
    formula (`=SUM(...)`) is imported as text.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise ImportFileError(0, "NOT_XLSX", f"{Path(path).name} is not a readable XLSX "
                                             f"workbook ({error})") from None
    try:
        sheet = book.worksheets[0]
        uncomputed = _uncomputed_formula(book, sheet)
        if uncomputed is not None:
            raise ImportFileError(0, "FORMULA_NOT_COMPUTED", (
                f"cell {uncomputed} holds a formula the workbook has no computed value for "
                "(a program wrote it; a spreadsheet never saved it): open and save it in "
                "Excel or LibreOffice, or paste the values, then import it again"))
        cells = enumerate(sheet.iter_rows(values_only=True), start=1)
        header: tuple[Any, ...] = ()
        for _, first in cells:
            if any(c is not None and str(c).strip() for c in first):
                header = first
                break
    except Exception:
        book.close()
        raise
    named = [(i, str(name).strip()) for i, name in enumerate(header)
             if name is not None and str(name).strip()]
    width = len(header)

    def rows() -> Iterator[RawRow]:
        try:
            for line, row in cells:
                if not any(c is not None and (not isinstance(c, str) or c.strip())
                           for c in row):
                    continue
                values = {name: row[i] if i < len(row) else None for i, name in named}
                problem = None
                extra = [c for i, c in enumerate(row) if c is not None and str(c).strip()
                         and (i >= width or header[i] is None or not str(header[i]).strip())]
                if extra:
                    problem = ("EXTRA_CELLS", f"the row has {len(extra)} cell(s) outside the "
                                              "named columns")
                yield RawRow(line, values, problem)
        except (BadZipFile, KeyError, ValueError) as error:
            raise ImportFileError(0, "NOT_XLSX", f"the workbook is damaged: {error}") from None

    return RowReader([name for _, name in named], rows(),
                     total_rows=max((sheet.max_row or 0) - 1, 0), closer=book)
