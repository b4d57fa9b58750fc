"""The same posts from XLSX, NDJSON and CSV files; broken files refused whole, with a reason."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from domain.enums import Platform
from domain.imports import Entity, ImportFileError, import_rows, open_rows
from domain.models import Post
from domain.rules.content import PLATFORM_TEXT_LIMITS
from tests.factories import make_brand, make_channel

pytestmark = pytest.mark.storage

HEADER = ["ref", "channel", "text", "tags", "scheduled_at", "media"]


@pytest.fixture
async def brand():
    brand = await make_brand(locale="it_IT", timezone="Europe/Rome")
    await make_channel(brand, handle="@acme", platform=Platform.INSTAGRAM)
    await make_channel(brand, handle="@acme_x", platform=Platform.X)
    return brand


async def run(brand, path: Path, **options):
    with open_rows(path, **options) as reader:
        return await import_rows(Entity.POSTS, brand.id, reader, actor_id=None,
                                 source_name=path.name)


async def stored() -> dict[str, dict]:
    return {r["ref"]: r for r in await Post.select().output(load_json=True)}


async def test_xlsx_typed_cells_and_formula_text(brand, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Ref", "Canale", "Testo", "Tag", "Data"])
    sheet.append([1001, "@acme", "=HYPERLINK(\"http://x\")", "a, b",
                  datetime(2026, 11, 2, 9, 30)])
    sheet.append([None, None, None, None, None])  # formatting left an empty row
    sheet["C2"].data_type = "s"  # a text cell that looks like a formula, as Excel keeps '=…
    sheet.append([1002.0, "@acme", "@menzione e +39 numero", None, "02/11/2026 10:00"])
    path = tmp_path / "piano.xlsx"
    book.save(path)
    summary = await run(brand, path)
    assert summary.problems == [] and summary.inserted == 2
    posts = await stored()
    assert posts["1001"]["text"] == '=HYPERLINK("http://x")'  # text, never evaluated
    assert posts["1001"]["scheduled_at"] == datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    assert posts["1002"]["text"] == "@menzione e +39 numero"
    assert posts["1002"]["scheduled_at"] == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    again = await run(brand, path)
    assert again.unchanged == 2


async def test_xlsx_formula_without_a_computed_value_is_refused_not_read_empty(brand, tmp_path):
    book = Workbook()
    book.active.append(["ref", "channel", "text", "tags"])
    book.active.append(["F-1", "@acme", "Ciao", '=LOWER("AUTUNNO")'])
    path = tmp_path / "generato.xlsx"
    book.save(path)  # openpyxl keeps the formula and no value, as scripts' workbooks do
    with pytest.raises(ImportFileError) as error:
        await run(brand, path)
    assert error.value.problem.code == "FORMULA_NOT_COMPUTED"
    assert "cell D2" in error.value.problem.message and await Post.count() == 0
    # The same workbook as a spreadsheet saves it: the formula with its last value.
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert sheet.count(b"<v />") == 1

    async def saved_with(value: bytes):
        parts["xl/worksheets/sheet1.xml"] = sheet.replace(
            b'<c r="D2">', b'<c r="D2" t="str">').replace(b"<v />", value)
        with zipfile.ZipFile(path, "w") as saved:
            for name, data in parts.items():
                saved.writestr(name, data)
        return await run(brand, path)

    summary = await saved_with(b"<v>autunno</v>")
    assert summary.problems == [] and (await stored())["F-1"]["tags"] == ["autunno"]
    summary = await saved_with(b"<v></v>")  # the formula computed "": no tags, no refusal
    assert summary.problems == [] and (await stored())["F-1"]["tags"] == []


async def test_ndjson_with_lists_and_a_bad_line(brand, tmp_path):
    path = tmp_path / "posts.ndjson"
    lines = [
        json.dumps({"ref": "N-1", "channel": "@acme", "text": "Ciao", "tags": ["a", "b"],
                    "media": [{"url": "https://cdn.example/v.mp4", "alt": "video"}]}),
        '{"ref": "N-2", "channel": "@acme", "text": ',
        json.dumps({"ref": "N-3", "channel": "@acme", "text": "Ok", "tags": None}),
    ]
    path.write_text("\n".join(lines) + "\n")
    summary = await run(brand, path)
    assert [(p.line, p.code) for p in summary.problems] == [(2, "INVALID_JSON")]
    assert not summary.written
    path.write_text("\n".join(lines[::2]) + "\n")
    summary = await run(brand, path)
    assert summary.inserted == 2
    post = (await stored())["N-1"]
    assert post["tags"] == ["a", "b"]
    assert post["media"] == [{"url": "https://cdn.example/v.mp4", "kind": "VIDEO",
                              "alt": "video"}]


async def test_ndjson_keys_any_line_gives_are_columns(brand, tmp_path):
    # A script writes a key only where it has a value: `campaign`-less lines first.
    path = tmp_path / "posts.ndjson"
    path.write_text("\n".join(json.dumps(item) for item in (
        {"ref": "K-1", "channel": "@acme", "text": "Primo"},
        {"ref": "K-2", "channel": "@acme", "text": "Secondo", "pillar": "opinion",
         "permalink": "https://example.com/k-2"},
    )) + "\n")
    summary = await run(brand, path)
    assert summary.problems == [] and summary.inserted == 2
    posts = await stored()
    assert posts["K-1"]["pillar"] == "INFORMATIVE" and posts["K-2"]["pillar"] == "OPINION"
    assert posts["K-2"]["permalink"] == "https://example.com/k-2"
    assert (await run(brand, path)).unchanged == 2


async def test_mixed_encodings_are_refused_line_by_line(brand, tmp_path):
    path = tmp_path / "misto.csv"
    path.write_bytes("ref,channel,text\nE-1,@acme,caffè\n".encode()
                     + "E-2,@acme,perché\nE-3,@acme,città\n".encode("latin-1"))
    summary = await run(brand, path)
    assert [(p.line, p.code) for p in summary.problems] == [(3, "ENCODING"), (4, "ENCODING")]
    assert "byte offset" in summary.problems[0].message and await Post.count() == 0
    path.write_bytes("ref,channel,text\nE-2,@acme,perché\n".encode("cp1252"))
    summary = await run(brand, path, encoding="cp1252")
    assert summary.inserted == 1 and (await stored())["E-2"]["text"] == "perché"


async def test_text_over_the_platform_limit_and_coso_limit(brand, tmp_path):
    path = tmp_path / "lunghi.csv"
    x_limit = PLATFORM_TEXT_LIMITS[Platform.X]
    path.write_text("ref,channel,text\n"
                    f"L-1,@acme_x,{'x' * (x_limit + 1)}\n"
                    f"L-2,@acme,{'y' * 5001}\n"
                    f"{'r' * 201},@acme,ok\n"
                    f"L-4,@acme_x,{'x' * x_limit}\n")
    summary = await run(brand, path)
    assert [(p.line, p.field, p.code) for p in summary.problems] == [
        (2, "text", "TOO_LONG"), (3, "text", "TOO_LONG"), (4, "ref", "INVALID")]
    assert "X takes at most 280" in summary.problems[0].message


async def test_malformed_csv_and_files_that_are_not_xlsx(brand, tmp_path):
    path = tmp_path / "rotto.csv"
    path.write_text('ref,channel,text\nM-1,@acme,ok\nM-2,@acme,"aperta"chiusa\nM-3,@acme,ok\n')
    summary = await run(brand, path)
    assert summary.aborted and not summary.written and await Post.count() == 0
    assert [(p.line, p.code) for p in summary.problems] == [(3, "MALFORMED_CSV")]
    fake = tmp_path / "finto.xlsx"
    fake.write_text("ref,channel\n")
    with pytest.raises(Exception) as error:
        await run(brand, fake)
    assert getattr(error.value, "problem", None) is not None
    assert error.value.problem.code == "NOT_XLSX"
