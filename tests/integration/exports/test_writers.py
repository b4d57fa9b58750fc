"""The export writers: formulas neutralised in CSV and XLSX, numbers kept numbers, exact JSON."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from domain.exports.cells import neutralise, plain_decimal, restore
from domain.exports.writers import ExportFormat, ExportTooLarge, XlsxWriter, open_writer

DANGEROUS = ["=1+2", "+33 612 345", "-5% today", "@SUM(A1:A2)", "\t=cmd", "\r=cmd",
             '=HYPERLINK("http://evil.example","click")', "=", "-"]
HARMLESS = ["", "hello", "'quoted", "5 = 5", "a=b", "caffè ☕", "x\ny", "'"]
TRICKY = ["'=already", "''", "'+", "'''", "'-1"]

COLUMNS = ("text", "value", "day", "at", "missing")


def _rows() -> list[tuple]:
    at = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    return [(t, Decimal("-12.50"), date(2026, 10, 1), at, None)
            for t in DANGEROUS + HARMLESS + TRICKY] + [("n", -7, date(2026, 10, 2), at, None)]


def _write(fmt: ExportFormat, rows: list[tuple], **options) -> bytes:
    out = io.BytesIO()
    writer = open_writer(fmt, out, COLUMNS, **options)
    for row in rows:
        writer.write(row)
    writer.close()
    assert writer.rows == len(rows)
    return out.getvalue()


@pytest.mark.parametrize("text", DANGEROUS + HARMLESS + TRICKY)
def test_neutralise_is_safe_and_restore_undoes_it(text):
    safe = neutralise(text)
    assert not safe or safe[0] not in "=+-@\t\r"
    assert restore(safe) == text
    if text in DANGEROUS:
        assert safe == "'" + text
    if text in HARMLESS:
        assert safe == text


def test_plain_decimal_has_no_exponent_or_padding():
    assert plain_decimal(Decimal("1E+3")) == "1000"
    assert plain_decimal(Decimal("1403.0000")) == "1403"
    assert plain_decimal(Decimal("12.5000")) == "12.5"
    assert plain_decimal(Decimal("-0.0001")) == "-0.0001"


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", True)])
def test_csv_neutralises_text_but_not_numbers(delimiter, bom):
    data = _write(ExportFormat.CSV, _rows(), delimiter=delimiter, bom=bom)
    assert data.startswith(b"\xef\xbb\xbf") is bom
    assert not data.removeprefix(b"\xef\xbb\xbf").startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                            delimiter=delimiter))
    assert lines[0] == list(COLUMNS)
    body = lines[1:]
    for raw, original in zip(body, _rows(), strict=True):
        text, value, day, at, missing = raw
        assert text == neutralise(original[0]) and restore(text) == original[0]
        assert value in {"-12.5", "-7"}  # a negative number is a number, never quoted
        assert day.startswith("2026-10-0") and at == "2026-11-01T08:30:00+00:00"
        assert missing == ""
    assert body[0][0] == "'=1+2" and body[DANGEROUS.index("\r=cmd")][0] == "'\r=cmd"
    assert [r[0] for r in body if "\n" in r[0]] == ["x\ny"]


def test_xlsx_has_no_formula_cells_and_keeps_numeric_cells(tmp_path):
    path = tmp_path / "out.xlsx"
    path.write_bytes(_write(ExportFormat.XLSX, _rows(), sheet="posts"))
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    book = openpyxl.load_workbook(path)  # the full reader: it would flag formula cells
    sheet = book["posts"]
    rows = list(sheet.iter_rows(values_only=False))
    assert [c.value for c in rows[0]] == list(COLUMNS)
    for cells, original in zip(rows[1:], _rows(), strict=True):
        text, value, day, at, missing = cells
        assert text.data_type == "s" or text.value is None
        # XML keeps line ends as LF; the LF is what gets neutralised (or not).
        assert (text.value or "") == neutralise(original[0].replace("\r", "\n"))
        assert value.data_type == "n" and value.value in (-12.5, -7)
        assert day.is_date and day.value.date() == original[2]
        assert at.value == "2026-11-01T08:30:00+00:00"
        assert missing.value is None


def test_xlsx_drops_characters_xml_cannot_hold_before_neutralising():
    out = io.BytesIO()
    writer = XlsxWriter(out, ["text"])
    writer.write(["bell\x07 and =formula\r\nnext"])
    writer.write(["\x07=formula"])
    writer.close()
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet["A2"].value == "bell and =formula\nnext"
    assert sheet["A3"].value == "'=formula" and sheet["A3"].data_type == "s"


def test_xlsx_refuses_more_rows_than_excel_holds(monkeypatch):
    monkeypatch.setattr("domain.exports.writers.MAX_XLSX_ROWS", 3)
    writer = XlsxWriter(io.BytesIO(), ["n"])
    writer.write([1])
    writer.write([2])
    with pytest.raises(ExportTooLarge, match="at most 2 rows"):
        writer.write([3])
    temporary = writer._sheet._writer.out
    assert os.path.exists(temporary)
    writer.discard()
    assert not os.path.exists(temporary)


def test_ndjson_keeps_text_as_is_and_numbers_exact():
    data = _write(ExportFormat.NDJSON, [("=1+2", Decimal("0.1000"), date(2026, 10, 1),
                                         datetime(2026, 11, 1, 9, tzinfo=UTC), None),
                                        ("x", Decimal("12345678901234.5678"), None, None, 3),
                                        ("'=quoted", None, None, None, "'plain")])
    first, second, third = (json.loads(line, parse_float=Decimal)
                            for line in data.splitlines())
    # Only what an importer's restore would change gets a quote: it reads back exactly.
    assert (third["text"], third["missing"]) == ("''=quoted", "'plain")
    assert restore(third["text"]) == "'=quoted" and restore(third["missing"]) == "'plain"
    assert list(first) == list(COLUMNS)
    assert first == {"text": "=1+2", "value": Decimal("0.1"), "day": "2026-10-01",
                     "at": "2026-11-01T09:00:00+00:00", "missing": None}
    assert second["value"] == Decimal("12345678901234.5678") and second["missing"] == 3
