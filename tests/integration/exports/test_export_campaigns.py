"""The campaigns export against the database: which campaigns a period keeps, their order,
Coso's own name for a campaign without a ref, formulas neutralised, keyset pages."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from domain.db import query_count
from domain.exports import campaigns as campaign_export
from domain.exports.service import COLUMNS, ExportEntity, export, rows
from domain.exports.writers import ExportFormat
from domain.models import Brand
from tests.factories import make_brand, make_campaign

pytestmark = pytest.mark.storage

START, END = date(2026, 10, 1), date(2026, 10, 31)


def _brand(brand: Brand) -> dict:
    return {"id": brand.id, "timezone": brand.timezone, "currency": brand.currency}


@pytest.fixture
async def aurora() -> Brand:
    brand = await make_brand(slug="aurora", currency="EUR")
    for ref, starts, ends in (
        ("before", date(2026, 9, 1), date(2026, 9, 30)),
        ("to-the-first-day", date(2026, 9, 15), date(2026, 10, 1)),
        ("across", date(2026, 9, 1), date(2026, 12, 31)),
        ("inside", date(2026, 10, 10), date(2026, 10, 20)),
        ("inside-same-day", date(2026, 10, 10), date(2026, 10, 12)),
        ("from-the-last-day", date(2026, 10, 31), date(2026, 11, 30)),
        ("after", date(2026, 11, 1), date(2026, 11, 30)),
    ):
        await make_campaign(brand, ref=ref, name=f"Campagna {ref}", starts_on=starts,
                            ends_on=ends)
    await make_campaign(await make_brand(), ref="foreign", starts_on=date(2026, 10, 10),
                        ends_on=date(2026, 10, 10))
    return brand


async def _refs(brand: Brand, start: date | None, end: date | None) -> list[str]:
    return [row[0] async for row in rows(ExportEntity.CAMPAIGNS, _brand(brand), start, end)]


async def test_a_period_keeps_the_campaigns_overlapping_it_by_first_day(aurora):
    assert await _refs(aurora, START, END) == [
        "across", "to-the-first-day", "inside", "inside-same-day", "from-the-last-day"]
    assert await _refs(aurora, None, None) == [
        "before", "across", "to-the-first-day", "inside", "inside-same-day",
        "from-the-last-day", "after"]
    assert await _refs(aurora, START, None) == [
        "across", "to-the-first-day", "inside", "inside-same-day", "from-the-last-day", "after"]
    assert await _refs(aurora, None, date(2026, 9, 14)) == ["before", "across"]
    with pytest.raises(ValueError, match="ends before it starts"):
        rows(ExportEntity.CAMPAIGNS, _brand(aurora), END, START)
    # Posts and metrics still need both ends of the period.
    with pytest.raises(ValueError, match="needs the period's first and last day"):
        rows(ExportEntity.POSTS, _brand(aurora), START, None)


async def test_keyset_pages_through_ties_one_query_a_page(aurora):
    everything = [r async for r in campaign_export.campaign_rows(aurora.id, None, None)]
    before = query_count()
    paged = [r async for r in campaign_export.campaign_rows(aurora.id, None, None,
                                                            page_size=2)]
    assert paged == everything and len(everything) == 7
    assert query_count() - before == 4  # 2 + 2 + 2 + 1 rows


async def test_every_column_formulas_neutralised_and_coso_id_for_no_ref(tmp_path):
    brand = await make_brand(slug="borea", currency="EUR")
    made = await make_campaign(
        brand, name='=HYPERLINK("http://evil.example","x")', description="@tutti\nriga due",
        objective="PRODUCT_LAUNCH", status="ACTIVE", starts_on=date(2026, 10, 1),
        ends_on=date(2026, 10, 31), planned_budget=Decimal("1500.50"), production_cost=None,
        utm_source="news", utm_medium="-email", utm_campaign="autunno", utm_term="",
        utm_content="+banner")
    out = io.BytesIO()
    assert await export(ExportEntity.CAMPAIGNS, _brand(brand), START, END, ExportFormat.CSV,
                        out) == 1
    exported = list(csv.DictReader(io.StringIO(out.getvalue().decode(), newline="")))
    assert exported == [{
        "ref": f"coso:{made.id}", "name": '\'=HYPERLINK("http://evil.example","x")',
        "description": "'@tutti\nriga due", "objective": "PRODUCT_LAUNCH", "status": "ACTIVE",
        "starts_on": "2026-10-01", "ends_on": "2026-10-31", "planned_budget": "1500.5",
        "production_cost": "", "currency": "EUR", "utm_source": "news",
        "utm_medium": "'-email", "utm_campaign": "autunno", "utm_term": "",
        "utm_content": "'+banner"}]

    out = io.BytesIO()
    await export(ExportEntity.CAMPAIGNS, _brand(brand), None, None, ExportFormat.NDJSON, out)
    record = json.loads(out.getvalue(), parse_float=Decimal)
    # JSON is no spreadsheet: text as it is, amounts as exact numbers.
    assert record["name"] == made.name and record["planned_budget"] == Decimal("1500.5")
    assert list(record) == list(COLUMNS[ExportEntity.CAMPAIGNS])

    path = tmp_path / "campaigns.xlsx"
    with path.open("wb") as stream:
        await export(ExportEntity.CAMPAIGNS, _brand(brand), None, None, ExportFormat.XLSX,
                     stream)
    sheet = openpyxl.load_workbook(path)["campaigns"]
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    cells = dict(zip(header, row, strict=True))
    assert cells["name"] == exported[0]["name"] and cells["planned_budget"] == 1500.5
    assert cells["starts_on"].date() == date(2026, 10, 1)
