"""Columnar CSV reading: record-aligned blocks of the file parsed by pyarrow into Arrow tables.

The file is read a block at a time and cut at a new line with an even number of quotes
before it (a record boundary in any well-formed CSV). pyarrow parses each block into
columns of text; a block is taken only when its parse is provably the one Python's csv
module (`readers.python_csv_rows`, the reference) would give: valid in its encoding,
every row as wide as the header, as many physical lines as its rows span (no blank
line shifting the numbering), no cell beyond csv's field limit, and, if it has quotes or
lone carriage returns, accepted by csv's strict parser too. From the first block that is
not, the rest of the file is read by the reference reader, which reports what is wrong
with the exact line and byte offset. Memory holds one block (BATCH_BYTES) at a time.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from domain.imports import readers
from domain.imports.base import ImportFileError, RawRow
from domain.imports.readers import CsvHeader, RowReader, check_encoding, header_of

BATCH_BYTES = 1024 * 1024
"""Bytes of the file in one Arrow block (about 80,000 metric rows, 40,000 posts)."""
CHUNK_ROWS = 5000
"""Rows a block of the reference reader holds (the row import's chunk size)."""
_PY_SPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
SPACE_CLASS = "".join(f"\\x{{{ord(c):x}}}" for c in _PY_SPACE)
"""What Python's str.strip() and str.isspace() take for white space, as an RE2 class body."""
NOT_BLANK = f"[^{SPACE_CLASS}]"
_LONE_CR = re.compile(rb"\r(?!\n)")


@dataclass(slots=True)
class Block:
    """Rows of a CSV file as Arrow columns of text named as the file's header names them."""

    table: pa.Table
    lines: np.ndarray
    """The file line each row starts on."""
    end_offset: int
    """Bytes of the file read up to the end of this block."""

    def __len__(self) -> int:
        return self.table.num_rows

    def rows(self, indices: Any = None) -> list[RawRow]:
        """The rows (or those at `indices`) as the reference reader gives them."""
        table, lines = self.table, self.lines
        if indices is not None:
            table, lines = table.take(pa.array(indices, pa.int64())), lines[indices]
        names = table.column_names
        columns = [c.to_pylist() for c in table.columns]
        return [RawRow(line, dict(zip(names, cells, strict=True)), None)
                for line, *cells in zip(lines.tolist(), *columns, strict=True)]


Item = Block | list[RawRow]


class ColumnarCsv(RowReader):
    """A CSV file as Blocks (`items()`), or row by row like every reader."""

    def __init__(self, stream: IO[bytes], encoding: str, header: CsvHeader,
                 rest: bytes, line: int, offset: int) -> None:
        super().__init__([name for _, name in header.named], iter(()),
                         delimiter=header.delimiter)
        self.stream = stream
        self.encoding = encoding
        self.utf8 = check_encoding(encoding) == "utf-8"
        self.header = header
        self._rest = rest
        """Bytes read after the header, not yet in a block."""
        self._line = line
        self._offset = offset
        self._fallback: RowReader | None = None
        names = [f"c{i}" for i in range(len(header.cells))]
        self._read_options = dict(column_names=names, use_threads=False)
        self._parse = pcsv.ParseOptions(delimiter=header.delimiter, quote_char='"',
                                        double_quote=True, escape_char=False,
                                        newlines_in_values=True, ignore_empty_lines=True)
        self._convert = pcsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
            quoted_strings_can_be_null=False, null_values=[], check_utf8=False)
        self.blocks_read = 0
        """Blocks pyarrow read (the rest went through the reference reader)."""

    @classmethod
    def open(cls, stream: IO[bytes], *, encoding: str = "utf-8",
             delimiter: str | None = None) -> RowReader:
        check_encoding(encoding)
        first, rest = _first_line(stream)
        if not first.strip() or b'"' in first:
            # No header line to read plainly (blank, quoted): the reference reader only.
            return readers.python_csv_rows(_prefixed(first + rest, stream),
                                           encoding=encoding, delimiter=delimiter)[0]
        try:
            text = first.decode(encoding)
        except UnicodeDecodeError:  # the reference reader says where
            return readers.python_csv_rows(_prefixed(first + rest, stream),
                                           encoding=encoding, delimiter=delimiter)[0]
        text = text.removeprefix("\ufeff")
        delimiter = delimiter or readers._sniff(text)
        cells = next(csv.reader([text], delimiter=delimiter), [])
        header = header_of(cells, delimiter)
        line = first.count(b"\n")
        return cls(stream, encoding, header, rest, line, len(first))

    @property
    def bytes_read(self) -> int:
        return self._fallback.bytes_read if self._fallback is not None else self._offset

    def __iter__(self) -> Iterator[RawRow]:
        for item in self.items():
            yield from (item.rows() if isinstance(item, Block) else item)

    def items(self) -> Iterator[Item]:
        """Blocks while pyarrow reads the file exactly, then lists of rows to its end."""
        for line, offset, data, kind in self._cut():
            block = None if kind == "reference" else self._block(
                data, line, offset + len(data))
            if block is None:
                yield from self._reference(data + self._rest, line, offset)
                return
            self._offset = block.end_offset
            self.blocks_read += 1
            if len(block):
                yield block
            if kind == "last":
                return

    def _reference(self, data: bytes, line: int, offset: int) -> Iterator[list[RawRow]]:
        """The rest of the file, from `data` on, by the reference reader."""
        self._rest = b""
        reader, _ = readers.python_csv_rows(
            _prefixed(data, self.stream), encoding=self.encoding, header=self.header,
            line=line, offset=offset)
        self._fallback = reader
        rows = iter(reader)
        while chunk := [row for _, row in zip(range(CHUNK_ROWS), rows, strict=False)]:
            yield chunk

    def _cut(self) -> Iterator[tuple[int, int, bytes, str]]:
        """(line, offset, bytes, kind) of record-aligned pieces of BATCH_BYTES or more;
        kind "last" at the end of the file, "reference" for a piece that is one record
        longer than a block. What was read beyond a piece waits in `_rest`."""
        line, offset = self._line, self._offset
        rest = self._rest
        lines_before_tail = line + rest.count(b"\n")
        tail = len(rest) - rest.rfind(b"\n") - 1
        """Bytes of the current unfinished line, across reads."""
        read = self.stream.read
        while True:
            parts = [self._rest] if self._rest else []
            size = len(self._rest)
            while size < BATCH_BYTES:
                chunk = read(readers.BLOCK_BYTES)
                if not chunk:
                    break
                first_nl = chunk.find(b"\n")
                if first_nl < 0:
                    tail += len(chunk)
                    if tail > readers.MAX_LINE_BYTES:
                        raise _too_long(lines_before_tail + 1)
                else:
                    if tail + first_nl >= readers.MAX_LINE_BYTES:
                        raise _too_long(lines_before_tail + 1)
                    lines_before_tail += chunk.count(b"\n")
                    tail = len(chunk) - chunk.rfind(b"\n") - 1
                parts.append(chunk)
                size += len(chunk)
            data = b"".join(parts)
            if size < BATCH_BYTES:  # the end of the file
                self._rest = b""
                yield line, offset, data, "last"
                return
            cut = _record_end(data)
            if not cut:
                self._rest = b""
                yield line, offset, data, "reference"
                return
            piece, self._rest = data[:cut], data[cut:]
            yield line, offset, piece, "block"
            line += piece.count(b"\n")
            offset += cut

    def _block(self, data: bytes, line: int, end: int) -> Block | None:
        """The piece as a Block, or None when pyarrow's reading of it may differ from the
        reference reader's."""
        try:
            text = data.decode(self.encoding) if not self.utf8 or b'"' in data else None
            if text is None:
                data.decode("utf-8")  # no str kept: only the check
        except UnicodeDecodeError:
            return None
        if text is not None and not self.utf8:
            data = text.encode("utf-8")
        quoted = b'"' in data
        if quoted:
            if not _strict_csv(text or data.decode(), self.header.delimiter):
                return None
        elif b"\r" in data and _LONE_CR.search(data):
            return None
        if not data:
            return Block(_empty(self.header), np.zeros(0, np.int64), end)
        try:
            table = pcsv.read_csv(io.BytesIO(data), read_options=pcsv.ReadOptions(
                block_size=len(data) + 1, **self._read_options),
                parse_options=self._parse, convert_options=self._convert)
        except pa.ArrowInvalid:
            return None
        physical = int(data.count(b"\n")) + (0 if data.endswith(b"\n") else 1)
        spans = np.ones(table.num_rows, np.int64)
        if quoted:
            for column in table.columns:
                spans += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
        if int(spans.sum()) != physical:
            return None  # blank lines: the reference reader numbers them
        limit = csv.field_size_limit()
        for column in table.columns:
            if len(column) and pc.max(pc.binary_length(column)).as_py() > limit:
                return None
        lines = line + 1 + np.concatenate(([0], np.cumsum(spans[:-1]))) if len(spans) else (
            np.zeros(0, np.int64))
        # Rows with a cell that is not white space; the first column nearly always says.
        filled = None
        for column in table.columns:
            mark = pc.match_substring_regex(column, NOT_BLANK)
            filled = mark if filled is None else pc.or_(filled, mark)
            if pc.all(filled).as_py():
                break
        named = dict(self.header.named)
        unnamed = [i for i in range(table.num_columns) if i not in named]
        for i in unnamed:
            if pc.any(pc.match_substring_regex(table.column(i), NOT_BLANK)).as_py():
                return None  # EXTRA_CELLS: the reference reader words it
        table = table.select(list(named)).rename_columns(list(named.values()))
        if filled is not None and not pc.all(filled).as_py():
            keep = filled.to_numpy(zero_copy_only=False)
            table, lines = table.filter(filled), lines[keep]
        return Block(table, np.asarray(lines, np.int64), end)


def _strict_csv(text: str, delimiter: str) -> bool:
    """Whether csv's strict parser reads the text without error or blank record."""
    try:
        for cells in csv.reader(io.StringIO(text, newline="\n"), delimiter=delimiter,
                                strict=True):
            if not cells:
                return False
    except csv.Error:
        return False
    return True


def _record_end(data: bytes) -> int:
    """The end of the last whole record: after a new line with an even number of quotes
    before it; 0 if none."""
    cut = data.rfind(b"\n") + 1
    quotes = data.count(b'"', 0, cut)
    while cut and quotes % 2:
        before = data.rfind(b"\n", 0, cut - 1) + 1
        quotes -= data.count(b'"', before, cut)
        cut = before
    return cut


def _first_line(stream: IO[bytes]) -> tuple[bytes, bytes]:
    """The first line (with its new line) and whatever else the reads brought."""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(readers.BLOCK_BYTES)
        if not chunk:
            data = b"".join(parts)
            return data, b""
        at = chunk.find(b"\n")
        if at >= 0:
            data = b"".join([*parts, chunk])
            end = size + at + 1
            if end - 1 >= readers.MAX_LINE_BYTES:
                raise _too_long(1)
            return data[:end], data[end:]
        parts.append(chunk)
        size += len(chunk)
        if size > readers.MAX_LINE_BYTES:
            raise _too_long(1)


def _too_long(line: int) -> ImportFileError:
    return ImportFileError(line, "LINE_TOO_LONG", (
        f"line {line} is longer than {readers.MAX_LINE_BYTES // (1024 * 1024)} MB: "
        "this is not a row of a spreadsheet"))


def _empty(header: CsvHeader) -> pa.Table:
    return pa.table({name: pa.array([], pa.string()) for _, name in header.named})


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head = head
        self.stream = stream

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0 or size >= len(self.head):
                head, self.head = self.head, b""
                return head
            head, self.head = self.head[:size], self.head[size:]
            return head
        return self.stream.read(size)


def _prefixed(head: bytes, stream: IO[bytes]) -> IO[bytes]:
    return cast(IO[bytes], _Prefixed(head, stream))
