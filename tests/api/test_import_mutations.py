"""Bulk import mutations: roles per brand, every bad item at once, 1,000 at most, idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.enums import Role, SourceKind
from domain.models import AuditLog, Campaign, ChannelMetric, Post, PostMetric
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS, World
from tests.api.test_brand_mutations import ADMINS, Case, check_permission, codes, db_state
from tests.factories import make_membership, make_user

pytestmark = pytest.mark.storage

FIRST_SLOT = datetime(2026, 12, 1, 9, tzinfo=UTC)
FIELDS = "items inserted updated unchanged rejected written userErrors { field code message }"
IMPORT_POSTS = f"""
mutation($brand: ID!, $items: [PostImportItem!]!, $skip: Boolean! = false, $source: String) {{
  importPosts(brand: $brand, items: $items, skipInvalid: $skip, source: $source) {{ {FIELDS} }}
}}"""
IMPORT_CAMPAIGNS = f"""
mutation($brand: ID!, $items: [CampaignImportItem!]!, $skip: Boolean! = false) {{
  importCampaigns(brand: $brand, items: $items, skipInvalid: $skip) {{ {FIELDS} }}
}}"""
IMPORT_METRICS = f"""
mutation($brand: ID!, $items: [MetricImportItem!]!, $skip: Boolean! = false, $source: String) {{
  importMetrics(brand: $brand, items: $items, skipInvalid: $skip, source: $source) {{
    {FIELDS}
  }}
}}"""


def posts(world: World, count: int = 2, start: int = 1) -> list[dict[str, str]]:
    return [{"ref": f"P-{n}", "channel": world.channel.handle, "text": f"Post {n}",
             "scheduledAt": (FIRST_SLOT + timedelta(hours=n)).isoformat(),
             "tags": "caffè, autunno"}
            for n in range(start, start + count)]


def campaigns() -> list[dict[str, str]]:
    return [{"ref": "C-1", "name": "Autunno", "objective": "brand awareness",
             "startsOn": "2026-10-01", "endsOn": "2026-10-31"}]


def metrics(world: World) -> list[dict[str, str]]:
    return [
        {"channel": world.channel.handle, "day": "2026-10-01", "metric": "followers",
         "value": "5400"},
        {"channel": world.channel.handle, "post": "P-1", "day": "2026-10-01",
         "metric": "spend", "value": "12,50", "currency": "GBP"},
    ]


def variables(world: World, items: list[dict[str, str]], **extra) -> dict:
    return {"brand": gid("Brand", world.brand.id), "items": items, **extra}


async def _posts(world: World):
    return IMPORT_POSTS, variables(world, posts(world))


async def _campaigns(world: World):
    return IMPORT_CAMPAIGNS, variables(world, campaigns())


async def _metrics(world: World):
    return IMPORT_METRICS, variables(world, metrics(world)[:1])


PERMISSIONS: list[tuple[str, Case, set[str]]] = [
    ("importPosts", _posts, ADMINS | {"manager"}),
    ("importCampaigns", _campaigns, ADMINS | {"strategist", "manager"}),
    ("importMetrics", _metrics, ADMINS | {"manager"}),
]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("field", "case", "allowed"), PERMISSIONS,
                         ids=[p[0] for p in PERMISSIONS])
async def test_permissions(world, viewer, field, case, allowed):
    await check_permission(world, viewer, field, case, allowed)


async def test_another_brands_id_is_not_found_and_a_wrong_id_type_is_named(world):
    manager = world.user("manager")
    foreign = await gql(IMPORT_POSTS, as_=manager, variables={
        "brand": gid("Brand", world.other_brand.id), "items": posts(world)})
    assert codes(foreign, "importPosts") == {("brand", "NOT_FOUND")}
    wrong = await gql(IMPORT_POSTS, as_=manager, variables={
        "brand": gid("Post", world.post.id), "items": posts(world)})
    assert codes(wrong, "importPosts") == {("brand", "WRONG_TYPE")}


async def test_posts_are_written_then_unchanged_then_updated(world):
    manager = world.user("manager")
    first = await gql(IMPORT_POSTS, as_=manager, variables=variables(world, posts(world)))
    assert first["importPosts"] == {"items": 2, "inserted": 2, "updated": 0, "unchanged": 0,
                                    "rejected": 0, "written": True, "userErrors": []}
    stored = await Post.select(Post.ref, Post.text, Post.tags, Post.created_by).where(
        Post.ref.is_not_null()).order_by(Post.ref).output(load_json=True)
    assert stored == [{"ref": "P-1", "text": "Post 1", "tags": ["caffè", "autunno"],
                       "created_by": manager.id},
                      {"ref": "P-2", "text": "Post 2", "tags": ["caffè", "autunno"],
                       "created_by": manager.id}]

    again = await gql(IMPORT_POSTS, as_=manager, variables=variables(world, posts(world)))
    assert again["importPosts"]["unchanged"] == 2 and again["importPosts"]["inserted"] == 0

    changed = posts(world)
    changed[1]["text"] = "=SUM(A1:A2) is text, not a formula"
    third = await gql(IMPORT_POSTS, as_=manager, variables=variables(world, changed))
    assert (third["importPosts"]["updated"], third["importPosts"]["unchanged"]) == (1, 1)
    assert await Post.select(Post.text).where(Post.ref == "P-2").first() == {
        "text": "=SUM(A1:A2) is text, not a formula"}
    audits = await AuditLog.select(AuditLog.actor, AuditLog.after).where(
        AuditLog.action == "import.posts").order_by(AuditLog.id).output(load_json=True)
    assert len(audits) == 3 and audits[0]["actor"] == manager.id
    assert audits[0]["after"]["source"] == "api:manager@agency.example"
    assert audits[0]["after"]["inserted"] == 2


async def test_every_bad_item_is_reported_by_path_and_nothing_is_written(world):
    items = [
        *posts(world, 1),
        {"ref": "P-2", "channel": world.channel.handle, "text": "x",
         "scheduledAt": "31/13/2026"},  # 1
        {"ref": "P-3", "channel": "@nobody", "text": "x"},  # 2
        {"ref": "P-1", "channel": world.channel.handle, "text": "again"},  # 3: duplicate
        {"ref": "P-4", "channel": world.channel.handle, "text": "x", "format": "PODCAST",
         "mediaType": "bought"},  # 4
        {"ref": "P-5", "channel": world.channel.handle, "text": "x" * 5001},  # 5
        {"channel": world.channel.handle, "text": "no ref"},  # 6
    ]
    before = await db_state()
    result = await gql(IMPORT_POSTS, as_=world.user("manager"),
                       variables=variables(world, items))
    payload = result["importPosts"]
    assert codes(result, "importPosts") == {
        ("items.1.scheduledAt", "INVALID"),
        ("items.2.channel", "UNKNOWN_CHANNEL"),
        ("items.3.ref", "DUPLICATE"),
        ("items.4.format", "INVALID"), ("items.4.mediaType", "INVALID"),
        ("items.5.text", "TOO_LONG"),
        ("items.6.ref", "REQUIRED"),
    }
    duplicate = next(e for e in payload["userErrors"] if e["code"] == "DUPLICATE")
    assert "item 0" in duplicate["message"] and "line" not in duplicate["message"]
    assert (payload["written"], payload["rejected"], payload["inserted"]) == (False, 6, 0)
    after = await db_state()
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"}

    skipped = await gql(IMPORT_POSTS, as_=world.user("manager"),
                        variables=variables(world, items, skip=True))
    assert skipped["importPosts"]["written"] is True
    assert (skipped["importPosts"]["inserted"], skipped["importPosts"]["rejected"]) == (1, 6)
    assert await Post.count().where(Post.ref.is_not_null()) == 1


async def test_more_than_a_thousand_items_is_one_error_and_nothing_written(world):
    before = await db_state()
    result = await gql(IMPORT_POSTS, as_=world.user("manager"),
                       variables=variables(world, posts(world, 1001)))
    assert result["importPosts"]["userErrors"] == [{
        "field": "items", "code": "TOO_MANY_ITEMS",
        "message": "at most 1000 items a call, got 1001: send them in batches"}]
    assert result["importPosts"]["written"] is False
    assert await db_state() == before

    thousand = await gql(IMPORT_POSTS, as_=world.user("manager"),
                         variables=variables(world, posts(world, 1000)))
    assert thousand["importPosts"]["inserted"] == 1000, thousand


async def test_a_required_field_no_item_gives_and_an_empty_batch(world):
    manager = world.user("manager")
    result = await gql(IMPORT_POSTS, as_=manager, variables=variables(
        world, [{"channel": world.channel.handle, "text": "x"}]))
    assert codes(result, "importPosts") == {("items.0.ref", "REQUIRED")}
    empty = await gql(IMPORT_POSTS, as_=manager, variables=variables(world, []))
    assert empty["importPosts"] == {"items": 0, "inserted": 0, "updated": 0, "unchanged": 0,
                                    "rejected": 0, "written": False, "userErrors": []}


async def test_too_many_problems_are_counted_not_all_listed(world):
    items = [{"ref": f"P-{n}", "channel": "@nobody", "text": "x", "format": "nope"}
             for n in range(150)]
    result = await gql(IMPORT_POSTS, as_=world.user("manager"),
                       variables=variables(world, items))
    errors = result["importPosts"]["userErrors"]
    assert len(errors) == 201 and errors[-1] == {
        "field": "items", "code": "TOO_MANY_ERRORS",
        "message": "100 more problems are not listed: fix these and send the items again"}
    assert result["importPosts"]["rejected"] == 150


async def test_metrics_with_the_callers_source_and_idempotent(world):
    manager = world.user("manager")
    await gql(IMPORT_POSTS, as_=manager, variables=variables(world, posts(world, 1)))
    first = await gql(IMPORT_METRICS, as_=manager, variables=variables(
        world, metrics(world), source="insights-october.csv"))
    assert first["importMetrics"]["inserted"] == 2, first
    spend = await PostMetric.select().first()
    assert (spend["value"], spend["currency"]) == (Decimal("12.5"), "GBP")
    assert spend["source_kind"] == SourceKind.IMPORT
    assert spend["source_name"] == "insights-october.csv"
    assert (await ChannelMetric.select(ChannelMetric.value).first())["value"] == 5400
    again = await gql(IMPORT_METRICS, as_=manager, variables=variables(world, metrics(world)))
    assert again["importMetrics"]["unchanged"] == 2
    # Equal values keep their provenance: the second call changed nothing.
    assert (await PostMetric.select().first())["source_name"] == "insights-october.csv"

    bad = metrics(world) + [
        {"channel": world.channel.handle, "post": "P-404", "day": "2026-10-01",
         "metric": "reach", "value": "1"},
        {"channel": world.channel.handle, "day": "2026-10-02", "metric": "followers",
         "value": "-1"},
        {"channel": world.channel.handle, "day": "2026-10-02", "metric": "vibes",
         "value": "1"},
    ]
    refused = await gql(IMPORT_METRICS, as_=manager, variables=variables(world, bad))
    assert codes(refused, "importMetrics") == {
        ("items.2.post", "UNKNOWN_POST"), ("items.3.value", "NEGATIVE"),
        ("items.4.metric", "UNKNOWN_METRIC")}


async def test_an_unusable_source_is_refused(world):
    result = await gql(IMPORT_METRICS, as_=world.user("manager"), variables=variables(
        world, metrics(world)[:1], source="x" * 201))
    assert codes(result, "importMetrics") == {("source", "INVALID")}
    assert await ChannelMetric.count() == 0


async def test_campaign_budgets_need_a_strategist(world):
    items = [{**campaigns()[0], "plannedBudget": "1,500.00"}]  # the brand is en_GB
    manager = await gql(IMPORT_CAMPAIGNS, as_=world.user("manager"),
                        variables=variables(world, items))
    assert codes(manager, "importCampaigns") == {("items.0.plannedBudget", "FORBIDDEN")}
    strategist = await make_user("both@agency.example")
    await make_membership(strategist, world.brand, Role.STRATEGIST)
    done = await gql(IMPORT_CAMPAIGNS, as_=strategist, variables=variables(world, items))
    assert done["importCampaigns"]["inserted"] == 1, done
    row = await Campaign.select(Campaign.planned_budget, Campaign.objective).where(
        Campaign.ref == "C-1").first()
    assert row == {"planned_budget": Decimal("1500.00"), "objective": "BRAND_AWARENESS"}
