"""DataLoaders bound the SQL per request by the query's depth, not by its row counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain.enums import SourceKind, WorkspaceRole
from domain.services.metrics import Observation, upsert_post_metrics
from tests.api.client import fewest_statements
from tests.factories import (
    make_brand,
    make_campaign,
    make_channel,
    make_post,
    make_user,
    make_workspace,
    make_workspace_member,
)

# Pages sized to the test's rows, and within the query cost limit (api/graphql/cost.py).
NESTED = """
{ brands(first: 5) { totalCount edges { node { name
    channels { handle }
    campaigns(first: 5) { totalCount edges { node { name
      channels { handle }
      posts(first: 4) { totalCount edges { node { text channel { handle } history { toStatus }
        metrics(from: "2026-10-01", to: "2026-10-05") { metric points { day value } }
        kpis(from: "2026-10-01", to: "2026-10-05") { engagement ctr }
      } } }
    } } }
} } } }
"""


async def grow(workspace, brands: int, campaigns: int, posts: int) -> None:
    for _ in range(brands):
        brand = await make_brand(workspace)
        channel = await make_channel(brand)
        for _ in range(campaigns):
            campaign = await make_campaign(brand)
            for _ in range(posts):
                post = await make_post(brand, channel, campaign=campaign.id)
                await upsert_post_metrics([
                    Observation(subject_id=post.id, metric="impressions",
                                day=date(2026, 10, 1) + timedelta(days=d),
                                value=Decimal(100 + d), source_kind=SourceKind.MANUAL)
                    for d in range(5)
                ])


async def test_query_count_does_not_grow_with_rows():
    workspace = await make_workspace()
    owner = await make_user()
    await make_workspace_member(workspace, owner, WorkspaceRole.OWNER)

    await grow(workspace, brands=1, campaigns=1, posts=1)
    small, _ = await fewest_statements(NESTED, owner)
    await grow(workspace, brands=3, campaigns=3, posts=4)
    large, data = await fewest_statements(NESTED, owner)

    assert data["brands"]["totalCount"] == 4
    leaves = sum(len(c["node"]["posts"]["edges"]) for b in data["brands"]["edges"]
                 for c in b["node"]["campaigns"]["edges"])
    assert leaves == 1 + 3 * 3 * 4
    assert large == small, (small, large)
    # One statement per loader per level of the query, whatever the rows.
    assert large <= 16
