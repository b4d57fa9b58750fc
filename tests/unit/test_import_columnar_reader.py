"""The columnar CSV reader against the reference (Python csv) reader: same rows, same lines."""

from __future__ import annotations

import csv
import io
from datetime import UTC

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.imports.columnar import Block, ColumnarCsv
from domain.imports.readers import csv_rows, python_csv_rows


def both(data: bytes, **options):
    reader = csv_rows(io.BytesIO(data), **options)
    items = list(reader.items()) if isinstance(reader, ColumnarCsv) else []
    fast = [row for item in items for row in (item.rows() if isinstance(item, Block) else item)]
    reference, _ = python_csv_rows(io.BytesIO(data), **options)
    return reader, items, fast, list(reference)


def test_bom_semicolons_and_quoted_new_lines_go_through_arrow():
    data = ('\ufeffref;testo;valore\r\nP-1;"Riga uno\r\nriga due; con ; punto";"1,5"\r\n'
            'P-2;"Dice ""ciao""";2\r\n').encode()
    reader, items, fast, reference = both(data)
    assert reader.columns == ["ref", "testo", "valore"] and reader.delimiter == ";"
    assert [type(i) for i in items] == [Block]
    assert fast == reference
    assert [(r.line, r.values["testo"]) for r in fast] == [
        (2, "Riga uno\r\nriga due; con ; punto"), (4, 'Dice "ciao"')]
    assert reader.bytes_read == len(data)


def test_latin1_by_encoding_goes_through_arrow():
    data = "ref,testo\nP-1,perché €\n".encode("cp1252")
    reader, items, fast, reference = both(data, encoding="cp1252")
    assert [type(i) for i in items] == [Block]
    assert fast == reference and fast[0].values["testo"] == "perché €"


def test_bad_bytes_hand_over_to_the_reference_reader_with_line_and_offset(monkeypatch):
    monkeypatch.setattr("domain.imports.columnar.BATCH_BYTES", 64)
    monkeypatch.setattr("domain.imports.readers.BLOCK_BYTES", 16)
    good = "".join(f"P-{i},caffè {i}\n" for i in range(1, 20)).encode()
    data = b"ref,testo\n" + good + "P-20,perché\n".encode("latin-1") + b"P-21,ok\n"
    reader, items, fast, reference = both(data)
    assert isinstance(items[0], Block) and isinstance(items[-1], list)
    assert fast == reference
    bad = [r for r in fast if r.problem]
    assert [r.values["ref"] for r in bad] == ["P-20"]
    assert "line 21" in bad[0].problem[1]
    assert f"byte offset {data.index(b'perch') + 5}" in bad[0].problem[1]
    assert reader.bytes_read == len(data)


def test_blank_lines_keep_their_numbers():
    data = b"ref,testo\nP-1,a\n\nP-2,b\n ,\nP-3,c"
    _, _, fast, reference = both(data)
    assert fast == reference and [r.line for r in fast] == [2, 4, 6]


def test_a_stray_quote_is_still_malformed():
    from domain.imports import ImportFileError

    with pytest.raises(ImportFileError) as error:
        list(csv_rows(io.BytesIO(b'ref,text\nP-1,ok\nP-2,"a"b\n')))
    assert (error.value.problem.line, error.value.problem.code) == (3, "MALFORMED_CSV")


def test_unnamed_columns_and_short_rows():
    _, items, fast, reference = both(b"a,b,\n1,2,\n3,4,\n")
    assert [type(i) for i in items] == [Block] and fast == reference
    _, _, fast, reference = both(b"a,b,\n1,2,\n1,2,3\n")
    assert fast == reference and fast[1].problem[0] == "EXTRA_CELLS"
    _, _, fast, reference = both(b"a,b,c\n1,2\n")
    assert fast == reference and fast[0].values == {"a": "1", "b": "2", "c": None}


CELL = st.text(alphabet=st.sampled_from(list('ab é,;"\n\r\t\u2028 ') + ["\u00a0", "x"]),
               max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=30),
       blank=st.booleans(), delimiter=st.sampled_from([",", ";"]),
       batch=st.integers(8, 200), read=st.integers(4, 64))
def test_any_file_reads_as_the_reference_reads_it(rows, blank, delimiter, batch, read):
    import domain.imports.columnar as columnar
    import domain.imports.readers as readers

    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["ref", "text", "note"])
    for i, row in enumerate(rows):
        writer.writerow(row)
        if blank and i % 7 == 3:
            out.write("\n")
    data = out.getvalue().encode()
    before = columnar.BATCH_BYTES, readers.BLOCK_BYTES
    columnar.BATCH_BYTES, readers.BLOCK_BYTES = batch, read
    try:
        fast, reference = outcome(data, fast=True), outcome(data, fast=False)
    finally:
        columnar.BATCH_BYTES, readers.BLOCK_BYTES = before
    assert fast == reference


def outcome(data: bytes, *, fast: bool):
    """The rows and bytes read, or the problem that stopped the file."""
    from domain.imports import ImportFileError

    try:
        reader = csv_rows(io.BytesIO(data)) if fast else python_csv_rows(io.BytesIO(data))[0]
        rows = list(reader)
    except ImportFileError as error:
        return error.problem
    return rows, reader.bytes_read


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(
    st.one_of(st.none(), st.integers(-2**62, 2**62)),
    st.one_of(st.none(), st.text(max_size=6)),
    st.one_of(st.none(), st.dates()),
    st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)))), max_size=8))
def test_arrow_json_rows_are_the_json_sqlite_staging_gets_from_python_values(rows):
    import orjson
    import pyarrow as pa

    from domain.imports.store import _sqlite_value, json_rows

    kinds = [pa.int64(), pa.string(), pa.date32(), pa.timestamp("us", "UTC")]
    table = pa.table({f"c{i}": pa.array([r[i] for r in rows], kind)
                      for i, kind in enumerate(kinds)})
    text = json_rows(table)
    expected = orjson.loads(orjson.dumps(rows, default=_sqlite_value,
                                         option=orjson.OPT_PASSTHROUGH_DATETIME))
    if text is None:  # a control character Arrow does not escape: Python values then
        assert any(r[1] and any(ord(c) < 32 and c not in "\n\r\t" for c in r[1])
                   for r in rows)
    else:
        assert orjson.loads(text) == [list(r) for r in expected]
