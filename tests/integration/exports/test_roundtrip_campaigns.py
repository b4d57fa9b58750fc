"""Campaigns exported in every format import back: unchanged into the same brand, equal into a
fresh one, formula-looking text restored exactly, campaigns made in Coso named `coso:<id>`."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.enums import CampaignObjective, CampaignStatus
from domain.exports.service import COLUMNS, ExportEntity, export
from domain.exports.writers import ExportFormat
from domain.imports import SCHEMAS, Entity, ImportSummary, import_rows, open_rows
from domain.models import AuditLog, Brand, Campaign
from tests.factories import make_brand, make_campaign, make_user

pytestmark = pytest.mark.storage

NAMES = [
    '=HYPERLINK("http://evil.example","clicca")', "+39 02 1234 5678", "-20% solo oggi",
    "@tutti buongiorno", "'=già tra apici", "''", "caffè ☕ — ü ß 漢字", "1.234,50 € il chilo",
    "0042", "=1+1",
]
DESCRIPTIONS = ["", "=SUM(A1:A3)", "Riga uno\nriga due, \"citata\"", "@menzione"]
BUDGETS = [Decimal("1500.50"), None, Decimal("0.00"), Decimal("1234567.89")]
FORMATS = [
    pytest.param(ExportFormat.CSV, {}, id="csv"),
    pytest.param(ExportFormat.CSV, {"delimiter": ";", "bom": True}, id="csv-excel-semicolon"),
    pytest.param(ExportFormat.NDJSON, {}, id="ndjson"),
    pytest.param(ExportFormat.XLSX, {}, id="xlsx"),
]


async def _seed(brand: Brand, *, refs: bool = True) -> list[Campaign]:
    """One campaign per name, every column of the import set to something different."""
    objectives, statuses = list(CampaignObjective), list(CampaignStatus)
    made = []
    for n, name in enumerate(NAMES):
        starts = date(2026, 9 + n % 4, 1 + n)
        made.append(await make_campaign(
            brand, ref=f"C-{n:02}" if refs else None, name=name,
            description=DESCRIPTIONS[n % len(DESCRIPTIONS)],
            objective=objectives[n % len(objectives)], status=statuses[n % len(statuses)],
            starts_on=starts, ends_on=date(2026, 12, 31) if n % 3 else starts,
            planned_budget=BUDGETS[n % len(BUDGETS)],
            production_cost=BUDGETS[(n + 1) % len(BUDGETS)],
            utm_source="newsletter" if n % 2 else "", utm_medium="-email" if n % 3 else "",
            utm_campaign=f"autunno-{n}", utm_term="=caffè" if n == 1 else "",
            utm_content="banner" if n % 2 else ""))
    return made


@pytest.fixture
async def aurora() -> Brand:
    return await make_brand(slug="aurora", timezone="Europe/Rome", currency="EUR",
                            locale="it_IT")


@pytest.fixture
async def actor() -> int:
    return (await make_user("importer@example.com")).id


async def _export(brand: Brand, path: Path, fmt: ExportFormat, **options: Any) -> int:
    row = {"id": brand.id, "timezone": brand.timezone, "currency": brand.currency}
    with path.open("wb") as out:
        return await export(ExportEntity.CAMPAIGNS, row, None, None, fmt, out, **options)


async def _import(brand: Brand, path: Path, actor: int) -> ImportSummary:
    with open_rows(path) as reader:
        return await import_rows(Entity.CAMPAIGNS, brand.id, reader, actor_id=actor,
                                 source_name=path.name)


def _counts(summary: ImportSummary) -> tuple[int, int, int, int]:
    return summary.inserted, summary.updated, summary.unchanged, summary.rejected


async def _stored(brand: Brand, order: Any = Campaign.id) -> list[dict[str, Any]]:
    return await Campaign.select().where(Campaign.brand == brand.id).order_by(order)


def _own(campaign: dict[str, Any]) -> dict[str, Any]:
    """A campaign's values without what tells two brands' copies apart."""
    return {k: v for k, v in campaign.items() if k not in {"id", "brand", "created_at"}}


async def _records(brand: Brand) -> list[dict[str, Any]]:
    """The brand's export as NDJSON records: text exactly as stored, numbers exact."""
    buffer = io.BytesIO()
    row = {"id": brand.id, "timezone": brand.timezone, "currency": brand.currency}
    await export(ExportEntity.CAMPAIGNS, row, None, None, ExportFormat.NDJSON, buffer)
    return [json.loads(line, parse_float=Decimal) for line in buffer.getvalue().splitlines()]


def test_the_columns_are_exactly_the_campaign_import_schemas():
    assert COLUMNS[ExportEntity.CAMPAIGNS] == (
        "ref", "name", "description", "objective", "status", "starts_on", "ends_on",
        "planned_budget", "production_cost", "currency", "utm_source", "utm_medium",
        "utm_campaign", "utm_term", "utm_content")
    assert COLUMNS[ExportEntity.CAMPAIGNS] == tuple(
        c.name for c in SCHEMAS[Entity.CAMPAIGNS].columns)


@pytest.mark.parametrize(("fmt", "options"), FORMATS)
async def test_same_brand_every_row_comes_back_unchanged(aurora, actor, tmp_path, fmt, options):
    await _seed(aurora)
    made_in_coso = await make_campaign(aurora, name="=Fatta in Coso", description="")
    before = await _stored(aurora)
    path = tmp_path / f"campaigns.{fmt.value}"
    count = await _export(aurora, path, fmt, **options)
    assert count == len(NAMES) + 1
    assert f"coso:{made_in_coso.id}" in {r["ref"] for r in await _records(aurora)}

    summary = await _import(aurora, path, actor)
    assert summary.problems == [] and _counts(summary) == (0, 0, count, 0)
    assert await _stored(aurora) == before  # the ref-less one did not get a ref either
    audits = await AuditLog.select(AuditLog.action).where(AuditLog.brand_id == aurora.id)
    assert [a["action"] for a in audits] == ["import.campaigns"]


@pytest.mark.parametrize(("fmt", "options"), FORMATS)
async def test_fresh_brand_gets_equal_campaigns(aurora, actor, tmp_path, fmt, options):
    await _seed(aurora)
    path = tmp_path / f"campaigns.{fmt.value}"
    await _export(aurora, path, fmt, **options)
    # Another locale: the file carries ISO dates and plain numbers, read the same anywhere.
    fresh = await make_brand(slug="aurora-bis", timezone="Europe/Rome", currency="EUR",
                             locale="en_US")

    summary = await _import(fresh, path, actor)
    assert summary.problems == [] and _counts(summary) == (len(NAMES), 0, 0, 0)
    assert await _records(fresh) == await _records(aurora)
    # Stored alike, column by column: formula-looking text is text again, exactly as typed.
    original, copy = await _stored(aurora, Campaign.ref), await _stored(fresh, Campaign.ref)
    assert [_own(c) for c in copy] == [_own(c) for c in original]
    assert [c["name"] for c in copy] == NAMES
    assert copy[0]["planned_budget"] == Decimal("1500.50") and copy[1]["utm_term"] == "=caffè"

    again = await _import(fresh, path, actor)
    assert _counts(again) == (0, 0, len(NAMES), 0)


@pytest.mark.parametrize(("fmt", "options"), FORMATS)
async def test_campaigns_made_in_coso_name_nothing_in_another_brand(aurora, actor, tmp_path,
                                                                      fmt, options):
    made = await _seed(aurora, refs=False)
    before = await _stored(aurora)
    path = tmp_path / f"campaigns.{fmt.value}"
    await _export(aurora, path, fmt, **options)
    assert [r["ref"] for r in await _records(aurora)] == [
        f"coso:{c.id}" for c in sorted(made, key=lambda c: (c.starts_on, c.id))]

    summary = await _import(aurora, path, actor)
    assert summary.problems == [] and _counts(summary) == (0, 0, len(NAMES), 0)
    assert await _stored(aurora) == before

    fresh = await make_brand(slug="aurora-ter", currency="EUR")
    refused = await _import(fresh, path, actor)
    assert {(p.field, p.code) for p in refused.problems} == {("ref", "UNKNOWN_CAMPAIGN")}
    assert refused.rejected == len(NAMES) and not refused.written
    assert await Campaign.count().where(Campaign.brand == fresh.id) == 0
    assert await _stored(aurora) == before
