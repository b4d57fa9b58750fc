"""Manual metric entry: managers only, every row checked, idempotent, all rows or none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.enums import Role, SourceKind
from domain.models import AuditLog, ChannelMetric, PostMetric
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS, World
from tests.api.test_brand_mutations import ADMINS, Case, check_permission, codes
from tests.factories import make_brand, make_channel, make_membership, make_post, make_user

pytestmark = pytest.mark.storage

RECORD_METRICS = """
mutation($input: [MetricValueInput!]!) {
  recordMetrics(input: $input) {
    written inserted updated unchanged userErrors { field code message }
  }
}"""


async def _record(world: World):
    return RECORD_METRICS, {"input": [
        {"post": gid("Post", world.post.id), "metric": "reach", "day": "2026-10-01",
         "value": "120"},
        {"channel": gid("Channel", world.channel.id), "metric": "followers",
         "day": "2026-10-01", "value": "5400"},
    ]}


PERMISSIONS: list[tuple[str, Case, set[str]]] = [
    ("recordMetrics", _record, ADMINS | {"manager"}),
]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("field", "case", "allowed"), PERMISSIONS,
                         ids=[p[0] for p in PERMISSIONS])
async def test_permissions(world, viewer, field, case, allowed):
    await check_permission(world, viewer, field, case, allowed)


def rows(world: World, day: str = "2026-10-01") -> list[dict]:
    post, channel = gid("Post", world.post.id), gid("Channel", world.channel.id)
    return [
        {"post": post, "metric": "impressions", "day": day, "value": "1000"},
        {"post": post, "metric": "clicks", "day": day, "value": "12"},
        {"post": post, "metric": "spend", "day": day, "value": "25.50", "currency": "GBP"},
        {"channel": channel, "metric": "followers", "day": day, "value": "5400",
         "note": "from the app's insights screen"},
    ]


async def test_manual_entry_is_stored_with_its_provenance_and_is_idempotent(world):
    manager = world.user("manager")
    first = await gql(RECORD_METRICS, as_=manager, variables={"input": rows(world)})
    assert first["recordMetrics"] == {"written": 4, "inserted": 4, "updated": 0,
                                      "unchanged": 0, "userErrors": []}
    stored = await PostMetric.select().where(PostMetric.metric == "spend").first()
    assert stored["value"] == Decimal("25.50") and stored["currency"] == "GBP"
    assert stored["source_kind"] == SourceKind.MANUAL
    assert stored["source_name"] == "manager@agency.example"
    followers = await ChannelMetric.select().first()
    assert followers["note"] == "from the app's insights screen"

    again = await gql(RECORD_METRICS, as_=manager, variables={"input": rows(world)})
    assert again["recordMetrics"] == {"written": 4, "inserted": 0, "updated": 4,
                                      "unchanged": 4, "userErrors": []}
    assert await PostMetric.count() == 3 and await ChannelMetric.count() == 1

    corrected = rows(world)
    corrected[1]["value"] = "15"
    fixed = await gql(RECORD_METRICS, as_=manager, variables={"input": corrected})
    assert fixed["recordMetrics"]["unchanged"] == 3
    clicks = await PostMetric.select(PostMetric.value).where(PostMetric.metric == "clicks")
    assert [r["value"] for r in clicks] == [Decimal(15)]

    audit = await AuditLog.select().where(AuditLog.action == "metrics.record").output(
        load_json=True).order_by(AuditLog.id).first()
    assert audit["brand_id"] == world.brand.id
    assert audit["after"]["rows"] == 4 and audit["after"]["posts"] == [world.post.id]
    assert audit["after"]["metrics"] == ["clicks", "followers", "impressions", "spend"]
    assert await AuditLog.count().where(AuditLog.action == "metrics.record") == 3


async def test_any_bad_row_refuses_the_batch_and_every_problem_is_reported(world):
    good = rows(world)
    post, channel = gid("Post", world.post.id), gid("Channel", world.channel.id)
    batch = [
        *good,
        {"post": post, "metric": "followers", "day": "2026-10-01", "value": "1"},  # 4
        {"post": post, "metric": "reach", "day": "2026-10-01", "value": "-3"},  # 5
        {"post": post, "metric": "spend", "day": "2026-10-04", "value": "1"},  # 6
        {"channel": channel, "metric": "bogus", "day": "2026-10-01", "value": "1.5"},  # 7
        {"post": post, "metric": "clicks", "day": "2026-10-01", "value": "13"},  # 8
        {"metric": "reach", "day": "2026-10-01", "value": "1"},  # 9
        {"post": post, "channel": channel, "metric": "reach", "day": "2026-10-02",
         "value": "1"},  # 10
        {"post": gid("Post", world.other_post.id), "metric": "reach", "day": "2026-10-01",
         "value": "1"},  # 11
        {"channel": gid("Post", world.post.id), "metric": "reach", "day": "2026-10-01",
         "value": "1"},  # 12
        {"post": post, "metric": "reach", "day": "2026-10-03", "value": "NaN"},  # 13
    ]
    result = await gql(RECORD_METRICS, as_=world.user("manager"), variables={"input": batch})
    assert result["recordMetrics"]["written"] is None
    assert codes(result, "recordMetrics") == {
        ("rows.4.metric", "WRONG_LEVEL"),
        ("rows.5.value", "NEGATIVE"),
        ("rows.6.currency", "CURRENCY"),
        ("rows.7.metric", "UNKNOWN_METRIC"), ("rows.7.value", "NOT_WHOLE"),
        ("rows.8.day", "DUPLICATE"),
        ("rows.9.post", "REQUIRED"),
        ("rows.10.post", "AMBIGUOUS"),
        ("rows.11.post", "NOT_FOUND"),
        ("rows.12.channel", "WRONG_TYPE"),
        ("rows.13.value", "NOT_FINITE"),
    }
    fields = [e["field"] for e in result["recordMetrics"]["userErrors"]]
    assert fields == sorted(fields, key=lambda f: int(f.split(".")[1]))  # in row order
    assert await PostMetric.count() == 0 and await ChannelMetric.count() == 0
    assert await AuditLog.count() == 0


async def test_one_forbidden_row_refuses_the_whole_batch(world):
    """A manager of one brand and client of another: the client brand's row sinks the batch."""
    manager = await make_user()
    await make_membership(manager, world.brand, Role.MANAGER)
    elsewhere = await make_brand(world.workspace)
    await make_membership(manager, elsewhere, Role.CLIENT)
    their_post = await make_post(elsewhere, await make_channel(elsewhere))
    batch = [*rows(world), {"post": gid("Post", their_post.id), "metric": "reach",
                            "day": "2026-10-01", "value": "9"}]
    result = await gql(RECORD_METRICS, as_=manager, variables={"input": batch})
    assert codes(result, "recordMetrics") == {("rows.4.post", "FORBIDDEN")}
    assert await PostMetric.count() == 0 and await ChannelMetric.count() == 0

    # Made a manager there too, the same batch goes through, one audit row per brand.
    await make_membership(manager, elsewhere, Role.MANAGER)
    ok = await gql(RECORD_METRICS, as_=manager, variables={"input": batch})
    assert ok["recordMetrics"]["written"] == 5
    audited = await AuditLog.select(AuditLog.brand_id).where(
        AuditLog.action == "metrics.record")
    assert sorted(r["brand_id"] for r in audited) == sorted([world.brand.id, elsewhere.id])


async def test_at_most_a_thousand_rows(world):
    post = gid("Post", world.post.id)
    day = date(2024, 1, 1).toordinal()
    batch = [{"post": post, "metric": "reach", "day": date.fromordinal(day + i).isoformat(),
              "value": str(i)} for i in range(1001)]
    too_many = await gql(RECORD_METRICS, as_=world.user("manager"), variables={"input": batch})
    assert codes(too_many, "recordMetrics") == {("input", "TOO_MANY_ROWS")}
    assert await PostMetric.count() == 0
    fits = await gql(RECORD_METRICS, as_=world.user("manager"), variables={"input": batch[:1000]})
    assert fits["recordMetrics"]["inserted"] == 1000


async def test_an_empty_batch_writes_nothing(world):
    result = await gql(RECORD_METRICS, as_=world.user("manager"), variables={"input": []})
    assert result["recordMetrics"] == {"written": 0, "inserted": 0, "updated": 0,
                                       "unchanged": 0, "userErrors": []}
    assert await AuditLog.count() == 0


async def test_what_postgresql_cannot_store_is_a_user_error(world):
    batch = rows(world)
    batch[0]["note"] = "typed\x00in"
    batch[1]["post"] = gid("Post", 2**40)
    result = await gql(RECORD_METRICS, as_=world.user("manager"), variables={"input": batch})
    assert codes(result, "recordMetrics") == {("rows.0.note", "INVALID"),
                                              ("rows.1.post", "NOT_FOUND")}
    assert await PostMetric.count() == 0
