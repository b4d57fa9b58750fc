"""Importing campaigns: the use case's rules, the budget right, rows as GraphQL sends them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import ValidationFailed
from domain.imports import Entity, RawRow, import_rows
from domain.models import AuditLog, Campaign
from tests.factories import make_brand, make_campaign

pytestmark = pytest.mark.storage

AUTUMN = {"ref": "C-1", "name": "Autunno", "objective": "product launch",
          "starts_on": "01/10/2026", "ends_on": "31/10/2026", "planned_budget": "1.500,00",
          "utm_campaign": "autunno"}


async def as_graphql(items):
    """Rows as a bulk mutation passes them: numbered items keyed by Coso's column names."""
    for index, item in enumerate(items):
        yield RawRow(index + 1, item)


async def run(brand, items, **options):
    return await import_rows(Entity.CAMPAIGNS, brand.id, as_graphql(items), actor_id=None,
                             source_name="graphql", **options)


@pytest.fixture
async def brand():
    return await make_brand(locale="it_IT", currency="EUR")


async def test_create_then_update_then_unchanged(brand):
    summary = await run(brand, [AUTUMN, {**AUTUMN, "ref": "C-2", "name": "Natale",
                                         "planned_budget": ""}])
    assert summary.problems == [] and summary.inserted == 2
    stored = await Campaign.select().where(Campaign.ref == "C-1").first()
    assert stored["planned_budget"] == Decimal("1500.00") and stored["currency"] == "EUR"
    assert (stored["starts_on"], stored["ends_on"]) == (date(2026, 10, 1), date(2026, 10, 31))
    assert stored["objective"] == "PRODUCT_LAUNCH" and stored["status"] == "DRAFT"
    assert stored["utm_campaign"] == "autunno"

    summary = await run(brand, [{**AUTUMN, "status": "active"}])
    assert (summary.updated, summary.unchanged) == (1, 0)
    summary = await run(brand, [{**AUTUMN, "status": "ACTIVE"}])
    assert (summary.updated, summary.unchanged) == (0, 1)
    assert await Campaign.count() == 2


async def test_every_problem_of_every_row(brand):
    summary = await run(brand, [
        {**AUTUMN, "ends_on": "30/09/2026", "planned_budget": "-5"},
        {"ref": "", "name": "x" * 201, "objective": "fame", "starts_on": "ieri",
         "ends_on": "31/10/2026"},
        {**AUTUMN, "ref": "C-3", "planned_budget": "10", "currency": "USD",
         "utm_source": "s" * 101},
    ], columns=[*AUTUMN, "currency", "utm_source"])
    assert sorted((p.line, p.field, p.code) for p in summary.problems) == [
        (1, "ends_on", "DATES_REVERSED"), (1, "planned_budget", "NEGATIVE"),
        (2, "name", "TOO_LONG"), (2, "objective", "INVALID"), (2, "ref", "REQUIRED"),
        (2, "starts_on", "INVALID"),
        (3, "currency", "CURRENCY_MISMATCH"), (3, "utm_source", "TOO_LONG"),
    ]
    assert summary.rejected == 3 and await Campaign.count() == 0


async def test_budget_needs_the_strategists_right(brand):
    await make_campaign(brand, ref="C-1", planned_budget=Decimal("1500.00"),
                        production_cost=None)
    summary = await run(brand, [AUTUMN, {**AUTUMN, "ref": "C-2", "planned_budget": "",
                                         "production_cost": "100"},
                                {**AUTUMN, "ref": "C-3", "planned_budget": "1"}],
                        may_edit_budget=False, columns=[*AUTUMN, "production_cost"])
    # Repeating the stored amount is not an edit; setting one on a new campaign is.
    assert [(p.line, p.field, p.code) for p in summary.problems] == [
        (2, "production_cost", "FORBIDDEN"), (3, "planned_budget", "FORBIDDEN")]
    ok = await run(brand, [{**AUTUMN, "name": "Autunno 2026"}], may_edit_budget=False)
    assert ok.problems == [] and ok.updated == 1


async def test_a_later_item_with_a_key_the_columns_lack_and_unknown_brand(brand):
    summary = await run(brand, [AUTUMN, {**AUTUMN, "ref": "C-2", "budjet": "5"}])
    assert [(p.line, p.field, p.code) for p in summary.problems] == [
        (2, "budjet", "UNKNOWN_COLUMN")]
    with pytest.raises(ValidationFailed):
        await import_rows(Entity.CAMPAIGNS, 999_999, [RawRow(1, AUTUMN)], actor_id=None,
                          source_name="x")
    audit = await AuditLog.select(AuditLog.after).where(
        AuditLog.action == "import.campaigns").output(load_json=True)
    assert [a["after"]["rejected"] for a in audit] == [1]


async def test_coso_ref_updates_the_brands_campaign_in_place_without_giving_it_a_ref(brand):
    made = await make_campaign(brand, name="Fatta in Coso")
    foreign = await make_campaign(await make_brand(), name="Di un altro brand")
    summary = await run(brand, [{**AUTUMN, "ref": f"coso:{made.id}", "name": "Rinominata"},
                                {**AUTUMN, "ref": "C-new"}])
    assert summary.problems == []
    assert (summary.inserted, summary.updated, summary.unchanged) == (1, 1, 0)
    stored = await Campaign.select(Campaign.ref, Campaign.name, Campaign.brand).where(
        Campaign.id == made.id).first()
    assert stored == {"ref": None, "name": "Rinominata", "brand": brand.id}
    again = await run(brand, [{**AUTUMN, "ref": f"COSO:{made.id}", "name": "Rinominata"}])
    assert (again.updated, again.unchanged) == (0, 1)

    # Another brand's campaign, a missing id, a malformed `coso:` ref, a campaign that has a
    # ref, the same campaign twice: each a row problem, the rest written.
    refd = await make_campaign(brand, ref="C-9", name="Con ref")
    summary = await run(brand, [
        {**AUTUMN, "ref": f"coso:{foreign.id}"}, {**AUTUMN, "ref": "coso:999999"},
        {**AUTUMN, "ref": "coso:abc"}, {**AUTUMN, "ref": f"coso:{refd.id}"},
        {**AUTUMN, "ref": f"coso:{made.id}", "name": "Una"},
        {**AUTUMN, "ref": f"coso:{made.id}", "name": "Due"},
    ], skip_invalid=True)
    assert {(p.line, p.field, p.code) for p in summary.problems} == {
        (1, "ref", "UNKNOWN_CAMPAIGN"), (2, "ref", "UNKNOWN_CAMPAIGN"), (3, "ref", "INVALID"),
        (4, "ref", "UNKNOWN_CAMPAIGN"), (6, "ref", "DUPLICATE")}
    assert (summary.updated, summary.inserted, summary.rejected) == (1, 0, 5)
    assert (await Campaign.select(Campaign.name).where(Campaign.id == made.id).first()
            ) == {"name": "Una"}
    assert (await Campaign.select(Campaign.name, Campaign.ref).where(
        Campaign.id == foreign.id).first()) == {"name": "Di un altro brand", "ref": None}
    assert await Campaign.count().where(Campaign.ref.like("coso:%")) == 0


async def test_budget_right_applies_to_a_campaign_named_by_coso_id(brand):
    made = await make_campaign(brand, planned_budget=Decimal("1500.00"), production_cost=None)
    same = {**AUTUMN, "ref": f"coso:{made.id}", "name": made.name}
    summary = await run(brand, [same], may_edit_budget=False)
    assert summary.problems == [] and summary.updated == 1  # dates, objective: not budget
    summary = await run(brand, [{**same, "planned_budget": "2000"}], may_edit_budget=False)
    assert [(p.field, p.code) for p in summary.problems] == [("planned_budget", "FORBIDDEN")]
