"""DataLoaders bound the SQL per request by the query's depth, not by its row counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from api.app import context_for
from api.graphql.schema import schema
from domain.db import query_count
from domain.enums import SourceKind, WorkspaceRole
from domain.services.metrics import Observation, upsert_post_metrics
from domain.services.tokens import issue_token
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


async def statements_for(query: str, token: str, runs: int = 5) -> tuple[int, dict]:
    """Statements run by execution alone (authentication is a fixed cost before it), the
    fewest of a few runs.

    A DataLoader batches the keys asked for within one event-loop iteration. A real
    database round trip can let one branch of the tree reach a level an iteration after
    the others and split that level's batch in two (seen: 23 statements instead of 15 in
    about one run in five on a busy 2-core machine). An N+1 shows in every run; that
    timing split does not, so the fewest statements of several runs is what depends on
    the query and the rows alone.
    """
    counts = []
    for _ in range(runs):
        context = await context_for(f"Bearer {token}")
        before = query_count()
        result = await schema.execute(query, context_value=context)
        assert result.errors is None, result.errors
        counts.append(query_count() - before)
    return min(counts), result.data


async def test_query_count_does_not_grow_with_rows():
    workspace = await make_workspace()
    owner = await make_user()
    await make_workspace_member(workspace, owner, WorkspaceRole.OWNER)
    token = await issue_token(owner.id)

    await grow(workspace, brands=1, campaigns=1, posts=1)
    small, _ = await statements_for(NESTED, token)
    await grow(workspace, brands=3, campaigns=3, posts=4)
    large, data = await statements_for(NESTED, token)

    assert data["brands"]["totalCount"] == 4
    leaves = sum(len(c["node"]["posts"]["edges"]) for b in data["brands"]["edges"]
                 for c in b["node"]["campaigns"]["edges"])
    assert leaves == 1 + 3 * 3 * 4
    assert large == small, (small, large)
    # One statement per loader per level of the query, whatever the rows.
    assert large <= 16
