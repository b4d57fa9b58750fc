"""End-to-end reads through the schema: brand, posts, calendar, metrics, kpis, node."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain.enums import PostStatus, Role, SourceKind
from domain.services.metrics import Observation, upsert_post_metrics
from tests.api.client import gql
from tests.factories import make_brand, make_channel, make_membership, make_post, make_user

BRAND_QUERY = """
query($slug: String!) {
  brand(slug: $slug) {
    id name viewerRoles viewerCan
    channels { id platform handle }
    posts(first: 2) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id text status scheduledAt
        metrics(from: "2026-10-01", to: "2026-10-03") { metric total points { day value } }
        kpis(from: "2026-10-01", to: "2026-10-03") { engagement ctr cpm { amount currency } }
      } } }
    calendar(from: "2026-11-01", to: "2026-11-30") { day slots { channel { handle } posts { id } } }
  }
}
"""


async def test_brand_tree_for_a_member():
    user = await make_user()
    brand = await make_brand(slug="acme")
    channel = await make_channel(brand)
    await make_membership(user, brand, Role.MANAGER)
    posts = [
        await make_post(brand, channel, status=PostStatus.SCHEDULED,
                        scheduled_at=datetime(2026, 11, 3, 9, tzinfo=UTC))
        for _ in range(3)
    ]
    await upsert_post_metrics([
        Observation(subject_id=posts[0].id, metric=m, day=date(2026, 10, d), value=Decimal(v),
                    source_kind=SourceKind.MANUAL)
        for m, v in (("impressions", 1000), ("clicks", 10), ("reactions", 5))
        for d in (1, 2)
    ])
    result = await gql(BRAND_QUERY, as_=user, variables={"slug": "acme"})
    assert result.errors == []
    data = result["brand"]
    assert data["viewerRoles"] == ["MANAGER"]
    assert "EDIT_POST" in data["viewerCan"] and "EDIT_STRATEGY" not in data["viewerCan"]
    assert data["posts"]["totalCount"] == 3
    assert data["posts"]["pageInfo"]["hasNextPage"] is True
    first = data["posts"]["edges"][0]["node"]
    series = {s["metric"]: s for s in first["metrics"]}
    assert series["impressions"]["total"] == "2000.0000" or Decimal(
        series["impressions"]["total"]) == 2000
    assert first["kpis"]["ctr"] == 0.01
    assert first["kpis"]["cpm"] is None  # no spend recorded: unknown, not 0
    assert len(data["calendar"]) == 1 and len(data["calendar"][0]["slots"][0]["posts"]) == 3


async def test_foreign_brand_is_invisible():
    outsider = await make_user()
    await make_brand(slug="secret")
    result = await gql(BRAND_QUERY, as_=outsider, variables={"slug": "secret"})
    assert result.errors == [] and result["brand"] is None
