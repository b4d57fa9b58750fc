"""Import readers on in-memory bytes: BOM, sniffed separators, quoted new lines, bad bytes."""

from __future__ import annotations

import io

import pytest

from domain.imports import ImportFileError
from domain.imports.readers import csv_rows, ndjson_rows


def read_csv(data: bytes, **options):
    reader = csv_rows(io.BytesIO(data), **options)
    return reader, list(reader)


def test_bom_and_semicolons_and_quoted_new_lines():
    data = ('\ufeffref;testo;valore\r\nP-1;"Riga uno\r\nriga due; con ; punto e virgola";"1,5"\r\n'
            '\r\nP-2;"Dice ""ciao""";2\r\n').encode()
    reader, rows = read_csv(data)
    assert reader.columns == ["ref", "testo", "valore"] and reader.delimiter == ";"
    assert [(r.line, r.values["ref"]) for r in rows] == [(2, "P-1"), (5, "P-2")]
    assert rows[0].values["testo"] == "Riga uno\r\nriga due; con ; punto e virgola"
    assert rows[1].values["testo"] == 'Dice "ciao"'
    assert all(r.problem is None for r in rows)
    assert reader.bytes_read == len(data)


def test_commas_without_bom_short_rows_and_tabs():
    _, rows = read_csv(b"a,b,c\n1,2\n")
    assert rows[0].values == {"a": "1", "b": "2", "c": None}
    reader, _ = read_csv(b"a\tb\n1\t2\n")
    assert reader.delimiter == "\t"


def test_cells_beyond_the_header_are_a_row_problem():
    _, rows = read_csv(b"a,b,\n1,2,\n1,2,3\n")
    assert rows[0].problem is None
    assert rows[1].problem is not None and rows[1].problem[0] == "EXTRA_CELLS"


def test_latin1_line_in_a_utf8_file_names_line_and_byte():
    data = "ref,testo\nP-1,caffè\n".encode() + "P-2,perché\n".encode("latin-1") + b"P-3,ok\n"
    _, rows = read_csv(data)
    assert [r.problem for r in rows[::2]] == [None, None]
    code, message = rows[1].problem
    offset = data.index(b"\xe9")
    assert code == "ENCODING" and "line 3" in message and f"byte offset {offset}" in message
    assert "0xE9" in message


def test_declared_encoding_reads_a_windows_file():
    _, rows = read_csv("ref,testo\nP-1,perché €\n".encode("cp1252"), encoding="cp1252")
    assert rows[0].values["testo"] == "perché €" and rows[0].problem is None


def test_an_unclosed_quote_stops_the_file():
    with pytest.raises(ImportFileError) as error:
        read_csv(b'ref,text\nP-1,"never closed\nP-2,x\n')
    assert error.value.problem.code == "MALFORMED_CSV"


def test_a_stray_quote_stops_the_file_at_its_line():
    with pytest.raises(ImportFileError) as error:
        read_csv(b'ref,text\nP-1,ok\nP-2,"a"b\n')
    problem = error.value.problem
    assert (problem.line, problem.field, problem.code) == (3, None, "MALFORMED_CSV")


def test_a_giant_cell_stops_the_file():
    with pytest.raises(ImportFileError) as error:
        read_csv(b'ref,text\nP-1,"' + b"x" * 200_000 + b'"\n')
    assert error.value.problem.code == "FIELD_TOO_LARGE"


def test_empty_file():
    with pytest.raises(ImportFileError) as error:
        read_csv(b"")
    assert error.value.problem.code == "EMPTY_FILE"


def test_ndjson_lines_objects_and_bad_json():
    data = (b'{"ref": "P-1", "tags": ["a", "b"], "value": 1.5}\n\n'
            b'{"ref": "P-2"\n[1, 2]\n{"ref": "P-3", "extra": null}\n')
    reader = ndjson_rows(io.BytesIO(data))
    rows = list(reader)
    assert reader.columns == ["ref", "tags", "value", "extra"]  # every key, in order
    assert rows[0].values == {"ref": "P-1", "tags": ["a", "b"], "value": 1.5}
    assert [(r.line, r.problem and r.problem[0]) for r in rows] == [
        (1, None), (3, "INVALID_JSON"), (4, "INVALID_JSON"), (5, None)]


def test_rows_lines_and_bad_bytes_across_read_blocks(monkeypatch):
    # Blocks of 64 bytes cut rows, quoted new lines and multi-byte characters anywhere.
    monkeypatch.setattr("domain.imports.readers.BLOCK_BYTES", 64)
    lines = [f'P-{i},"caffè n. {i}\nseconda riga"' for i in range(1, 40)]
    lines[20] = "P-21,perché".encode("latin-1").decode("latin-1")
    data = b"ref,testo\n" + b"".join(
        (line.encode("latin-1") if i == 20 else line.encode()) + b"\n"
        for i, line in enumerate(lines))
    reader, rows = read_csv(data)
    assert [r.values["ref"] for r in rows] == [f"P-{i}" for i in range(1, 40)]
    assert rows[0].values["testo"] == "caffè n. 1\nseconda riga" and rows[0].line == 2
    assert rows[21].line == 2 + 20 * 2 + 1  # row 21 is one line, the others two
    assert [i for i, r in enumerate(rows) if r.problem] == [20]
    assert f"byte offset {data.index(b'perch') + 5}" in rows[20].problem[1]
    assert "line 42" in rows[20].problem[1]
    assert reader.bytes_read == len(data)


def test_carriage_returns_and_unicode_separators_stay_in_their_cell():
    _, rows = read_csv("ref,testo\nP-1,a\u2028b\u0085c\nP-2,\"x\ry\"\n".encode())
    assert [r.values["testo"] for r in rows] == ["a\u2028b\u0085c", "x\ry"]
    assert [r.line for r in rows] == [2, 3]


def test_a_line_over_the_limit_stops_the_file_wherever_blocks_end(monkeypatch):
    monkeypatch.setattr("domain.imports.readers.BLOCK_BYTES", 1000)
    monkeypatch.setattr("domain.imports.readers.MAX_LINE_BYTES", 4096)
    ok = b"ref,testo\nP-1,ok\n" + b"P-2," + b"x" * 4091 + b"\n"  # 4096 bytes: allowed
    assert len(read_csv(ok)[1]) == 2
    with pytest.raises(ImportFileError) as error:
        read_csv(b"ref,testo\nP-1,ok\n" + b"P-2," + b"x" * 4092 + b"\nP-3,ok\n")
    problem = error.value.problem
    assert (problem.line, problem.field, problem.code) == (3, None, "LINE_TOO_LONG")


def test_ndjson_line_numbers_across_blocks(monkeypatch):
    monkeypatch.setattr("domain.imports.readers.BLOCK_BYTES", 16)
    data = b"".join(b'{"ref": "P-%d"}\n' % i + (b"\n" if i % 3 == 0 else b"")
                    for i in range(1, 10))
    rows = list(ndjson_rows(io.BytesIO(data)))
    lines = data.decode().split("\n")
    assert [(r.line, r.values["ref"]) for r in rows] == [
        (n, f"P-{i}") for i, n in zip(range(1, 10), [k + 1 for k, t in enumerate(lines) if t],
                                      strict=True)]


def test_ndjson_header_from_a_stream_that_cannot_seek_is_the_first_object():
    class OneWay(io.BytesIO):
        def seekable(self):
            return False

    reader = ndjson_rows(OneWay(b'{"a": 1}\n{"a": 2, "b": 3}\n'))
    assert reader.columns == ["a"] and [r.values for r in reader] == [{"a": 1}, {"a": 2, "b": 3}]
