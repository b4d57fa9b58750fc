"""Campaign mutations end to end: who may do what (budget apart), validation, delete, audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.enums import CampaignObjective
from domain.errors import ValidationFailed
from domain.models import AuditLog, Campaign, CampaignChannel, Post
from domain.services import campaigns as service
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS
from tests.factories import make_brand, make_campaign, make_channel, make_post

FIELDS = """campaign { id name status startsOn endsOn
  plannedBudget { amount currency } productionCost { amount currency }
  utm { source medium campaign term content } kpiTargets { kpi target }
  channels { id } }
userErrors { field code message }"""

CREATE = f"""mutation($input: CreateCampaignInput!) {{
  createCampaign(input: $input) {{ {FIELDS} }} }}"""
UPDATE = f"""mutation($input: UpdateCampaignInput!) {{
  updateCampaign(input: $input) {{ {FIELDS} }} }}"""
SET_CHANNELS = f"""mutation($id: ID!, $channels: [ID!]!) {{
  setCampaignChannels(id: $id, channels: $channels) {{ {FIELDS} }} }}"""
DELETE = """mutation($id: ID!) {
  deleteCampaign(id: $id) { deletedId userErrors { field code message } } }"""


@dataclass(frozen=True)
class Case:
    document: str
    field: str
    allowed: frozenset[str]
    """Brand roles the BRIEF allows (workspace owner and admin always are)."""
    forbidden_field: str = "id"
    """Where a refused role's FORBIDDEN points: the object, or the budget field."""
    budget: bool = False
    """Whether the call touches budget fields (then a MANAGER is refused on the field)."""


CAMPAIGN_EDITORS = frozenset({"strategist", "manager"})
STRATEGIST = frozenset({"strategist"})

# The BRIEF's matrix for campaigns, written out by hand.
CASES: dict[str, Case] = {
    "createCampaign": Case(CREATE, "createCampaign", CAMPAIGN_EDITORS, "brand"),
    "createCampaignWithBudget": Case(CREATE, "createCampaign", STRATEGIST, "brand",
                                     budget=True),
    "updateCampaign": Case(UPDATE, "updateCampaign", CAMPAIGN_EDITORS),
    "updateCampaignBudget": Case(UPDATE, "updateCampaign", STRATEGIST, budget=True),
    "setCampaignChannels": Case(SET_CHANNELS, "setCampaignChannels", CAMPAIGN_EDITORS),
    "deleteCampaign": Case(DELETE, "deleteCampaign", CAMPAIGN_EDITORS),
    "deleteCampaignWithBudget": Case(DELETE, "deleteCampaign", STRATEGIST, budget=True),
}


def _money(amount: str, currency: str = "GBP") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


async def _prepare(world, name: str, rival: bool) -> tuple[dict[str, Any], int | None]:
    brand = world.other_brand if rival else world.brand
    channel = world.other_channel if rival else world.channel
    if name.startswith("create"):
        data: dict[str, Any] = {
            "brand": gid("Brand", brand.id), "name": "Spring", "objective": "ENGAGEMENT",
            "startsOn": "2026-03-01", "endsOn": "2026-03-31",
            "channels": [gid("Channel", channel.id)]}
        if CASES[name].budget:
            data["plannedBudget"] = _money("500.00")
        return {"input": data}, None
    # A campaign no post uses, so that deleting it is possible.
    budget = Decimal("1000.00") if CASES[name].budget else None
    campaign = await make_campaign(brand, planned_budget=budget, production_cost=None)
    cid = gid("Campaign", campaign.id)
    if name == "updateCampaign":
        return {"input": {"id": cid, "name": "Renamed", "status": "ACTIVE"}}, campaign.id
    if name == "updateCampaignBudget":
        return {"input": {"id": cid, "plannedBudget": _money("2000")}}, campaign.id
    if name == "setCampaignChannels":
        return {"id": cid, "channels": [gid("Channel", channel.id)]}, campaign.id
    return {"id": cid}, campaign.id


async def _state(campaign_id: int | None) -> tuple[Any, ...]:
    row = await Campaign.select().where(Campaign.id == campaign_id).first() \
        if campaign_id else None
    return (row, await Campaign.count(), await CampaignChannel.count(), await AuditLog.count())


def _expected(viewer: str, case: Case, rival: bool) -> tuple[str, str | None]:
    if viewer == "anonymous":
        return "AUTH", None
    not_found = case.forbidden_field if case.forbidden_field == "brand" else "id"
    if rival:
        return ("OK", None) if viewer == "outsider" else ("NOT_FOUND", not_found)
    if viewer == "outsider":
        return "NOT_FOUND", not_found
    if viewer in {"owner", "admin"} or viewer in case.allowed:
        return "OK", None
    if viewer == "manager" and case.budget:
        # A manager may edit the campaign, not its budget: refused on the budget field.
        return "FORBIDDEN", "id" if case.field == "deleteCampaign" else "plannedBudget"
    return "FORBIDDEN", case.forbidden_field


async def _check(world, viewer: str, name: str, rival: bool) -> None:
    case = CASES[name]
    variables, campaign_id = await _prepare(world, name, rival)
    before = await _state(campaign_id)
    result = await gql(case.document, as_=world.user(viewer), variables=variables)
    expected, field = _expected(viewer, case, rival)
    if expected == "AUTH":
        assert result.errors and "authentication required" in result.errors[0]
        assert await _state(campaign_id) == before
        return
    assert result.errors == []
    payload = result[case.field]
    if expected == "OK":
        assert payload["userErrors"] == [], payload
        assert (payload.get("campaign") or payload.get("deletedId")) is not None
        assert (await _state(campaign_id))[3] == before[3] + 1  # one audit row
        return
    assert (payload.get("campaign") or payload.get("deletedId")) is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, expected)]
    assert await _state(campaign_id) == before  # row, counts and audit unchanged


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("viewer", VIEWERS)
async def test_permission_table(world, viewer, name):
    await _check(world, viewer, name, rival=False)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v != "anonymous"])
async def test_rival_ids_are_not_found(world, viewer, name):
    await _check(world, viewer, name, rival=True)


async def test_create_with_everything(world):
    second = await make_channel(world.brand)
    result = await gql(CREATE, as_=world.user("strategist"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "name": "  Autumn launch ",
        "objective": "PRODUCT_LAUNCH", "status": "PLANNED",
        "startsOn": "2026-09-01", "endsOn": "2026-09-01",
        "plannedBudget": _money("1500.50"), "productionCost": _money("300", "gbp"),
        "utm": {"source": "instagram", "campaign": "autumn"},
        "kpiTargets": [{"kpi": "engagement_rate", "target": 0.04},
                       {"kpi": "reach", "target": 50000}],
        "channels": [gid("Channel", second.id), gid("Channel", world.channel.id),
                     gid("Channel", second.id)],
    }})
    payload = result["createCampaign"]
    assert payload["userErrors"] == []
    campaign = payload["campaign"]
    assert campaign["name"] == "Autumn launch" and campaign["status"] == "PLANNED"
    assert Decimal(campaign["plannedBudget"]["amount"]) == Decimal("1500.50")
    assert campaign["plannedBudget"]["currency"] == "GBP"
    assert Decimal(campaign["productionCost"]["amount"]) == 300
    assert campaign["utm"] == {"source": "instagram", "medium": "", "campaign": "autumn",
                               "term": "", "content": ""}
    assert campaign["kpiTargets"] == [{"kpi": "engagement_rate", "target": 0.04},
                                      {"kpi": "reach", "target": 50000.0}]
    assert sorted(c["id"] for c in campaign["channels"]) == sorted(
        [gid("Channel", world.channel.id), gid("Channel", second.id)])


async def test_validation_reports_every_problem_at_once(world):
    sister = await make_brand(world.workspace, slug="sister")
    sister_channel = await make_channel(sister)
    before = await _state(None)
    result = await gql(CREATE, as_=world.user("manager"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "name": "   ", "objective": "ENGAGEMENT",
        "startsOn": "2026-03-31", "endsOn": "2026-03-01",
        "plannedBudget": _money("-5", "EUR"), "productionCost": _money("1.001"),
        "utm": {"source": "s" * 101},
        "kpiTargets": [{"kpi": "vibes", "target": 1}, {"kpi": "ctr", "target": -0.1},
                       {"kpi": "ctr", "target": 0.2}],
        "channels": [gid("Channel", world.channel.id), gid("Channel", sister_channel.id)],
    }})
    payload = result["createCampaign"]
    assert payload["campaign"] is None
    assert {(e["field"], e["code"]) for e in payload["userErrors"]} == {
        ("name", "REQUIRED"),
        ("endsOn", "DATES_REVERSED"),
        ("plannedBudget", "FORBIDDEN"),  # a manager, and every other problem still listed
        ("plannedBudget.amount", "NEGATIVE"),
        ("plannedBudget.currency", "CURRENCY_MISMATCH"),
        ("productionCost", "FORBIDDEN"),
        ("productionCost.amount", "INVALID"),
        ("utm.source", "TOO_LONG"),
        ("kpiTargets.0.kpi", "INVALID"),
        ("kpiTargets.1.target", "NEGATIVE"),
        ("kpiTargets.2.kpi", "DUPLICATE"),
        ("channels.1", "NOT_FOUND"),  # the same workspace's other brand still is foreign
    }
    assert await _state(None) == before


async def test_update_keeps_omitted_fields_and_checks_merged_dates(world):
    cid = gid("Campaign", world.campaign.id)
    bad = await gql(UPDATE, as_=world.user("manager"), variables={"input": {
        "id": cid, "endsOn": (world.campaign.starts_on.replace(year=2000)).isoformat()}})
    assert [(e["field"], e["code"]) for e in bad["updateCampaign"]["userErrors"]] == [
        ("endsOn", "DATES_REVERSED")]
    ok = await gql(UPDATE, as_=world.user("manager"), variables={"input": {
        "id": cid, "utm": {"medium": "social"}, "kpiTargets": [{"kpi": "ctr", "target": 0.01}],
        # Echoing the stored budget back is not editing it.
        "plannedBudget": _money("1000"),
    }})
    payload = ok["updateCampaign"]
    assert payload["userErrors"] == []
    assert payload["campaign"]["utm"]["medium"] == "social"
    assert payload["campaign"]["name"] == world.campaign.name
    assert Decimal(payload["campaign"]["plannedBudget"]["amount"]) == Decimal("1000")


async def test_manager_cannot_clear_the_budget_but_strategist_can(world):
    cid = gid("Campaign", world.campaign.id)
    refused = await gql(UPDATE, as_=world.user("manager"),
                        variables={"input": {"id": cid, "plannedBudget": None}})
    assert [(e["field"], e["code"]) for e in refused["updateCampaign"]["userErrors"]] == [
        ("plannedBudget", "FORBIDDEN")]
    cleared = await gql(UPDATE, as_=world.user("strategist"),
                        variables={"input": {"id": cid, "plannedBudget": None}})
    assert cleared["updateCampaign"]["campaign"]["plannedBudget"] is None


async def test_null_for_a_required_field_is_refused(world):
    result = await gql(UPDATE, as_=world.user("strategist"), variables={"input": {
        "id": gid("Campaign", world.campaign.id), "name": None, "startsOn": None}})
    assert {(e["field"], e["code"]) for e in result["updateCampaign"]["userErrors"]} == {
        ("name", "REQUIRED"), ("startsOn", "REQUIRED")}


async def test_text_the_database_cannot_store_is_a_user_error(world):
    result = await gql(UPDATE, as_=world.user("strategist"), variables={"input": {
        "id": gid("Campaign", world.campaign.id), "name": "a\x00b",
        "description": "\ud800", "utm": {"term": "\x00"},
        "plannedBudget": {"amount": "1E+400", "currency": "GBP"}}})
    assert result.errors == []
    assert {(e["field"], e["code"]) for e in result["updateCampaign"]["userErrors"]} == {
        ("name", "INVALID"), ("description", "INVALID"), ("utm.term", "INVALID"),
        ("plannedBudget.amount", "INVALID")}


async def test_delete_refused_while_a_post_uses_it(world):
    before = await _state(world.campaign.id)
    result = await gql(DELETE, as_=world.user("owner"),
                       variables={"id": gid("Campaign", world.campaign.id)})
    assert [(e["field"], e["code"]) for e in result["deleteCampaign"]["userErrors"]] == [
        ("id", "CAMPAIGN_IN_USE")]
    assert await _state(world.campaign.id) == before


async def test_set_channels_replaces_them(world):
    second = await make_channel(world.brand)
    await CampaignChannel.insert(CampaignChannel(campaign=world.campaign.id,
                                                 channel=world.channel.id))
    cid = gid("Campaign", world.campaign.id)
    result = await gql(SET_CHANNELS, as_=world.user("manager"),
                       variables={"id": cid, "channels": [gid("Channel", second.id)]})
    assert result["setCampaignChannels"]["campaign"]["channels"] == [
        {"id": gid("Channel", second.id)}]
    foreign = await gql(SET_CHANNELS, as_=world.user("manager"), variables={
        "id": cid, "channels": [gid("Channel", world.other_channel.id), "junk"]})
    assert [(e["field"], e["code"]) for e in foreign["setCampaignChannels"]["userErrors"]] == [
        ("channels.1", "INVALID_ID")]
    foreign = await gql(SET_CHANNELS, as_=world.user("manager"), variables={
        "id": cid, "channels": [gid("Channel", world.other_channel.id)]})
    assert [(e["field"], e["code"]) for e in foreign["setCampaignChannels"]["userErrors"]] == [
        ("channels.0", "NOT_FOUND")]
    emptied = await gql(SET_CHANNELS, as_=world.user("manager"),
                        variables={"id": cid, "channels": []})
    assert emptied["setCampaignChannels"]["campaign"]["channels"] == []


async def test_wrong_id_type_is_a_user_error(world):
    result = await gql(DELETE, as_=world.user("owner"),
                       variables={"id": gid("Post", world.post.id)})
    assert [(e["field"], e["code"]) for e in result["deleteCampaign"]["userErrors"]] == [
        ("id", "WRONG_TYPE")]


async def test_audit_rows_have_before_and_after(world):
    strategist = world.user("strategist")
    cid = gid("Campaign", world.campaign.id)
    await gql(UPDATE, as_=strategist, variables={"input": {"id": cid,
                                                            "plannedBudget": _money("1200")}})
    await Post.update({Post.campaign: None}).where(Post.campaign == world.campaign.id)
    await gql(DELETE, as_=strategist, variables={"id": cid})
    rows = await AuditLog.select().where(AuditLog.object_type == "campaign").order_by(
        AuditLog.id).output(load_json=True)
    assert [r["action"] for r in rows] == ["campaign.update", "campaign.delete"]
    update, delete = rows
    assert Decimal(update["before"]["planned_budget"]) == 1000
    assert Decimal(update["after"]["planned_budget"]) == 1200
    assert delete["before"]["name"] == world.campaign.name and delete["after"] is None
    for row in rows:
        assert row["actor"] == strategist.id and row["object_id"] == world.campaign.id
        assert row["brand_id"] == world.brand.id and row["workspace"] == world.workspace.id


# Use cases called directly: the storage layer, on PostgreSQL and SQLite alike.


@pytest.mark.storage
async def test_service_create_update_delete():
    brand = await make_brand(currency="EUR")
    channel = await make_channel(brand)
    new = service.NewCampaign(
        brand_id=brand.id, name="Launch", objective=CampaignObjective.PRODUCT_LAUNCH,
        starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 31),
        planned_budget=service.Money(Decimal("99.90"), "EUR"), channel_ids=[channel.id])
    with pytest.raises(ValidationFailed) as error:
        await service.create_campaign(new, None, may_edit_budget=False)
    assert [(p.field, p.code) for p in error.value.problems] == [("plannedBudget", "FORBIDDEN")]
    row = await service.create_campaign(new, None, may_edit_budget=True)
    assert row["currency"] == "EUR" and row["channels"] == [channel.id]
    assert Decimal(row["planned_budget"]) == Decimal("99.90")
    updated = await service.update_campaign(
        row["id"], service.CampaignChanges(utm={"source": "newsletter"},
                                           kpi_targets=[service.KpiTarget("roas", 3)]),
        None, may_edit_budget=False)
    assert updated["utm_source"] == "newsletter" and updated["kpi_targets"] == [
        {"kpi": "roas", "target": 3.0}]
    post = await make_post(brand, channel, campaign=row["id"])
    with pytest.raises(ValidationFailed) as error:
        await service.delete_campaign(row["id"], None, may_edit_budget=False)
    assert {(p.field, p.code) for p in error.value.problems} == {
        ("id", "CAMPAIGN_IN_USE"), ("id", "FORBIDDEN")}
    await Post.delete().where(Post.id == post.id)
    await service.delete_campaign(row["id"], None, may_edit_budget=True)
    assert await Campaign.count() == 0 and await CampaignChannel.count() == 0
    actions = [r["action"] for r in await AuditLog.select(AuditLog.action).order_by(AuditLog.id)]
    assert actions == ["campaign.create", "campaign.update", "campaign.delete"]


@pytest.mark.storage
async def test_service_channels_of_another_brand_are_not_found():
    campaign = await make_campaign()
    foreign = await make_channel()
    with pytest.raises(ValidationFailed) as error:
        await service.set_campaign_channels(campaign.id, [foreign.id, 10**9], None)
    assert [(p.field, p.code) for p in error.value.problems] == [
        ("channels.0", "NOT_FOUND"), ("channels.1", "NOT_FOUND")]
    assert await AuditLog.count() == 0
