"""Strategy mutations: strategists only, every problem at once, periods that never overlap."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest

from domain.errors import ValidationFailed
from domain.models import AuditLog, Strategy
from domain.services import strategies as service
from domain.settings import get_settings
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS, World
from tests.api.test_brand_mutations import ADMINS, Case, check_permission, codes

FIELDS = """
  id name startsOn endsOn objectives targetAudience
  platforms { platform rationale } competitors { name handles }
  budget { amount currency } kpiTargets { kpi target }
"""

CREATE_STRATEGY = f"""
mutation($input: CreateStrategyInput!) {{
  createStrategy(input: $input) {{ strategy {{ {FIELDS} }} userErrors {{ field code message }} }}
}}"""

UPDATE_STRATEGY = f"""
mutation($input: UpdateStrategyInput!) {{
  updateStrategy(input: $input) {{ strategy {{ {FIELDS} }} userErrors {{ field code message }} }}
}}"""

DELETE_STRATEGY = """
mutation($id: ID!) { deleteStrategy(id: $id) { deletedId userErrors { field code message } } }"""


async def make_strategy(world: World, starts: date = date(2026, 1, 1),
                        ends: date = date(2026, 6, 30), **values) -> Strategy:
    row = Strategy(brand=world.brand.id, name=values.pop("name", "H1"), starts_on=starts,
                   ends_on=ends, currency="GBP", **values)
    await row.save()
    return row


def full_input(world: World, **overrides) -> dict:
    return {
        "brand": gid("Brand", world.brand.id), "name": "Autumn push",
        "startsOn": "2026-09-01", "endsOn": "2026-12-31",
        "objectives": ["Brand awareness in Milan", "Leads for the showroom"],
        "targetAudience": "Architects, 30-50, Northern Italy",
        "platforms": [{"platform": "INSTAGRAM", "rationale": "Where the portfolio lives"},
                      {"platform": "LINKEDIN", "rationale": "B2B leads"}],
        "competitors": [{"name": "Rival Design", "handles": ["@rivaldesign"]}],
        "budget": "12000.50", "currency": "EUR",
        "kpiTargets": [{"kpi": "engagementRate", "target": 0.04},
                       {"kpi": "followers", "target": 5000}],
        **overrides,
    }


async def _create(world: World):
    return CREATE_STRATEGY, {"input": full_input(world)}


async def _update(world: World):
    strategy = await make_strategy(world)
    return UPDATE_STRATEGY, {"input": {"id": gid("Strategy", strategy.id), "name": "H1 2026"}}


async def _delete(world: World):
    strategy = await make_strategy(world)
    return DELETE_STRATEGY, {"id": gid("Strategy", strategy.id)}


PERMISSIONS: list[tuple[str, Case, set[str]]] = [
    ("createStrategy", _create, ADMINS | {"strategist"}),
    ("updateStrategy", _update, ADMINS | {"strategist"}),
    ("deleteStrategy", _delete, ADMINS | {"strategist"}),
]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("field", "case", "allowed"), PERMISSIONS,
                         ids=[p[0] for p in PERMISSIONS])
async def test_permissions(world, viewer, field, case, allowed):
    await check_permission(world, viewer, field, case, allowed)


async def test_create_strategy_round_trip(world):
    result = await gql(CREATE_STRATEGY, as_=world.user("strategist"),
                       variables={"input": full_input(world)})
    data = result["createStrategy"]
    assert data["userErrors"] == []
    strategy = data["strategy"]
    # Compared as numbers: SQLite keeps 12000.5, PostgreSQL's NUMERIC(14, 2) 12000.50.
    assert Decimal(strategy["budget"]["amount"]) == Decimal("12000.50")
    assert strategy["budget"]["currency"] == "EUR"
    assert strategy["kpiTargets"] == [{"kpi": "engagement_rate", "target": 0.04},
                                      {"kpi": "followers", "target": 5000.0}]
    assert strategy["platforms"][1] == {"platform": "LINKEDIN", "rationale": "B2B leads"}
    assert strategy["competitors"] == [{"name": "Rival Design", "handles": ["@rivaldesign"]}]
    row = await Strategy.objects().first()
    assert row.budget == Decimal("12000.50")
    audit = await AuditLog.select().where(AuditLog.action == "strategy.create").first()
    assert audit["brand_id"] == world.brand.id and audit["actor"] == world.user("strategist").id
    # The brand shows it as the strategy in force on a day of its period.
    shown = await gql('query($slug: String!) { brand(slug: $slug) { '
                      'strategy(on: "2026-10-15") { name } } }',
                      as_=world.user("client"), variables={"slug": "acme"})
    assert shown["brand"]["strategy"] == {"name": "Autumn push"}


async def test_currency_defaults_to_the_brand_and_budget_is_optional(world):
    result = await gql(CREATE_STRATEGY, as_=world.user("owner"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "name": "Lean",
        "startsOn": "2027-01-01", "endsOn": "2027-03-31"}})
    assert result["createStrategy"]["strategy"]["budget"] is None
    assert (await Strategy.objects().first()).currency == "GBP"


async def test_validation_reports_every_problem(world):
    result = await gql(CREATE_STRATEGY, as_=world.user("strategist"), variables={"input": {
        **full_input(world), "name": "", "startsOn": "2026-12-31", "endsOn": "2026-09-01",
        "budget": "-5.001", "currency": "EURO",
        "objectives": ["ok", " "],
        "platforms": [{"platform": "INSTAGRAM"}, {"platform": "INSTAGRAM"}],
        "competitors": [{"name": "", "handles": [""]}],
        "kpiTargets": [{"kpi": "vanity", "target": 1}, {"kpi": "ctr", "target": 0.01},
                       {"kpi": "CTR", "target": 0.02}],
    }})
    assert codes(result, "createStrategy") == {
        ("name", "REQUIRED"), ("endsOn", "DATES_REVERSED"), ("budget", "NEGATIVE"),
        ("budget", "INVALID_AMOUNT"), ("currency", "INVALID_CURRENCY"),
        ("objectives.1", "REQUIRED"), ("platforms.1.platform", "DUPLICATE"),
        ("competitors.0.name", "REQUIRED"), ("competitors.0.handles.0", "REQUIRED"),
        ("kpiTargets.0.kpi", "UNKNOWN_KPI"), ("kpiTargets.2.kpi", "DUPLICATE"),
    }
    assert await Strategy.count() == 0
    assert await AuditLog.count() == 0


@pytest.mark.parametrize(("starts", "ends", "overlaps"), [
    ("2025-07-01", "2025-12-31", False),  # ends the day before
    ("2026-07-01", "2026-12-31", False),  # starts the day after
    ("2025-12-01", "2026-01-01", True),  # shares the first day
    ("2026-06-30", "2026-08-01", True),  # shares the last day
    ("2026-02-01", "2026-03-01", True),  # inside
    ("2025-01-01", "2027-01-01", True),  # around
])
async def test_periods_never_overlap(world, starts, ends, overlaps):
    await make_strategy(world)  # 2026-01-01 to 2026-06-30
    result = await gql(CREATE_STRATEGY, as_=world.user("strategist"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "name": "Next", "startsOn": starts,
        "endsOn": ends}})
    found = codes(result, "createStrategy")
    assert found == ({("startsOn", "OVERLAPPING_PERIOD")} if overlaps else set())


async def test_another_brands_periods_do_not_count(world):
    await Strategy(brand=world.other_brand.id, name="Theirs", starts_on=date(2026, 9, 1),
                   ends_on=date(2026, 12, 31)).save()
    result = await gql(CREATE_STRATEGY, as_=world.user("strategist"),
                       variables={"input": full_input(world)})
    assert result["createStrategy"]["userErrors"] == []


async def test_update_keeps_what_is_left_out_and_rechecks_the_period(world):
    first = await make_strategy(world, budget=Decimal("900.00"),
                                kpi_targets=[{"kpi": "ctr", "target": 0.02}])
    second = await make_strategy(world, date(2026, 7, 1), date(2026, 12, 31), name="H2")
    strategist = world.user("strategist")

    moved = await gql(UPDATE_STRATEGY, as_=strategist, variables={"input": {
        "id": gid("Strategy", second.id), "startsOn": "2026-06-01"}})
    assert codes(moved, "updateStrategy") == {("startsOn", "OVERLAPPING_PERIOD")}

    reversed_ = await gql(UPDATE_STRATEGY, as_=strategist, variables={"input": {
        "id": gid("Strategy", first.id), "endsOn": "2025-12-31"}})
    assert codes(reversed_, "updateStrategy") == {("endsOn", "DATES_REVERSED")}

    # Its own period does not overlap itself.
    renamed = await gql(UPDATE_STRATEGY, as_=strategist, variables={"input": {
        "id": gid("Strategy", first.id), "name": "First half", "endsOn": "2026-06-15",
        "objectives": ["Awareness"]}})
    strategy = renamed["updateStrategy"]["strategy"]
    assert renamed["updateStrategy"]["userErrors"] == []
    assert strategy["name"] == "First half" and strategy["endsOn"] == "2026-06-15"
    assert Decimal(strategy["budget"]["amount"]) == 900
    assert strategy["budget"]["currency"] == "GBP"
    assert strategy["kpiTargets"] == [{"kpi": "ctr", "target": 0.02}]

    cleared = await gql(UPDATE_STRATEGY, as_=strategist, variables={"input": {
        "id": gid("Strategy", first.id), "budget": None}})
    assert cleared["updateStrategy"]["strategy"]["budget"] is None
    assert await AuditLog.count().where(AuditLog.action == "strategy.update") == 2


async def test_delete_strategy(world):
    strategy = await make_strategy(world)
    result = await gql(DELETE_STRATEGY, as_=world.user("strategist"),
                       variables={"id": gid("Strategy", strategy.id)})
    assert result["deleteStrategy"]["deletedId"] == gid("Strategy", strategy.id)
    assert await Strategy.count() == 0
    again = await gql(DELETE_STRATEGY, as_=world.user("strategist"),
                      variables={"id": gid("Strategy", strategy.id)})
    assert codes(again, "deleteStrategy") == {("id", "NOT_FOUND")}


async def test_concurrent_overlapping_creates_let_one_through(world):
    """Three transactions check for overlaps at once: the brand row lock lets one through.

    Called on the use case directly, where the three checks do interleave (verified to fail
    without the lock); SQLite admits one writer at a time anyway.
    """
    if get_settings().uses_sqlite:
        pytest.skip("SQLite admits one writer at a time")
    actor = world.user("strategist").id

    async def create(month: int) -> str:
        values = service.StrategyValues(name=f"From {month}", starts_on=date(2026, month, 1),
                                        ends_on=date(2026, month + 2, 28))
        try:
            await service.create_strategy(actor, world.brand.id, values)
        except ValidationFailed as error:
            return error.problems[0].code
        return "OK"

    outcomes = await asyncio.gather(create(1), create(2), create(3))
    assert sorted(outcomes) == ["OK", "OVERLAPPING_PERIOD", "OVERLAPPING_PERIOD"]
    assert await Strategy.count() == 1


async def test_what_postgresql_cannot_store_is_a_user_error(world):
    result = await gql(CREATE_STRATEGY, as_=world.user("strategist"), variables={"input": {
        **full_input(world), "objectives": ["ok\x00"], "targetAudience": "\udfff"}})
    assert codes(result, "createStrategy") == {("objectives.0", "INVALID"),
                                               ("targetAudience", "INVALID")}
    huge = await gql(DELETE_STRATEGY, as_=world.user("strategist"),
                     variables={"id": gid("Strategy", 2**40)})
    assert codes(huge, "deleteStrategy") == {("id", "NOT_FOUND")}
