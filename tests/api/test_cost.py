"""Finding 3 of issue 13: query cost is estimated before execution and paid from a budget.

`posts(first:100){nodes{channel{posts(first:100)…` four levels deep blocked the server
for 85 s; it is now refused before any resolver runs, with the cost and the limit.
"""

from __future__ import annotations

import httpx
import pytest
from graphql import parse

from api.app import app
from api.graphql.cost import Cost, estimate
from api.graphql.schema import schema
from domain.db import query_count
from domain.services.tokens import issue_token
from tests.api.client import gql

LOOP = "posts(first: 100) { nodes { channel { "
FINDING = '{ brand(slug: "acme") { ' + LOOP * 4 + "handle" + " } } }" * 4 + " } }"


def cost_of(query: str, variables: dict | None = None) -> Cost:
    return estimate(schema._schema, parse(query), None, variables)


def test_estimate_multiplies_pages_along_each_path():
    assert cost_of("{ brands(first: 5) { nodes { name } } }") == Cost(nodes=5, points=6)
    # Without `first`, a connection is costed at the default page of 20.
    assert cost_of("{ brands { edges { node { name } } } }") == Cost(nodes=20, points=41)
    nested = '{ brand(slug: "a") { posts(first: 10) { nodes { channel { posts(first: 3) ' \
             '{ nodes { id } } } } } } }'
    # 10 posts, each with a channel (1) whose connection (1) holds 3 posts.
    assert cost_of(nested) == Cost(nodes=10 + 10 * 3, points=1 + 1 + 10 * (1 + 1 + 1 + 3))
    assert cost_of("query($n: Int) { brands(first: $n) { nodes { id } } }", {"n": 7}).nodes == 7


def test_estimate_of_fragments_spread_many_times_is_linear():
    fragments = ["fragment F0 on Brand { name }"]
    for i in range(1, 60):  # 2**59 paths if walked naively
        fragments.append(f"fragment F{i} on Brand {{ ...F{i - 1} ...F{i - 1} }}")
    query = "{ brands(first: 2) { nodes { ...F59 } } }\n" + "\n".join(fragments)
    assert cost_of(query) == Cost(nodes=2, points=3)


def test_mutations_cost_more():
    query = 'mutation { a: archivePost(id: "x") { userErrors { code } } }'
    assert cost_of(query).points >= 10


async def test_the_finding_is_refused_before_anything_runs(world):
    owner = world.user("owner")
    result = await gql(FINDING, as_=owner)
    assert len(result.errors) == 1 and result.errors[0].startswith("Query too costly")
    assert "10000 allowed" in result.errors[0]
    context = await _context(owner)
    before = query_count()
    raw = await schema.execute(FINDING, context_value=context)
    assert query_count() == before  # not one statement of it ran
    error = raw.errors[0]
    assert error.extensions["code"] == "QUERY_TOO_COSTLY"
    assert error.extensions["nodes"] == 100 + 100**2 + 100**3 + 100**4
    assert error.extensions["maxNodes"] == 10000
    assert raw.data is None


async def _context(user):
    from api.app import context_for

    return await context_for(f"Bearer {await issue_token(user.id)}")


async def test_the_node_limit_is_a_setting(world, settings_env):
    query = '{ brand(slug: "acme") { posts(first: 50) { nodes { id } } } }'
    assert (await gql(query, as_=world.user("owner"))).errors == []
    settings_env(COSO_MAX_QUERY_NODES="49")
    refused = await gql(query, as_=world.user("owner"))
    assert refused.errors and "up to 50 objects, more than the 49 allowed" in refused.errors[0]
    settings_env(COSO_MAX_QUERY_NODES="0")  # off
    assert (await gql(FINDING, as_=world.user("owner"))).errors[0].startswith(
        "Query too costly: it costs")  # the budget still refuses it


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://coso.test") as c:
        yield c


async def test_cost_is_in_the_response_extensions(client, world):
    token = await issue_token(world.user("owner").id)
    response = await client.post(
        "/graphql", headers={"Authorization": f"Bearer {token}"},
        json={"query": '{ brand(slug: "acme") { posts(first: 50) { nodes { id } } } }'})
    cost = response.json()["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1 + 1 + 50 and cost["requestedNodes"] == 50
    assert cost["actualQueryCost"] == 1 + 1 + 1  # one post: the unused 49 are given back
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 50000
    assert 50000 - 3 <= status["currentlyAvailable"] <= 50000  # refilling at 833 a second
    assert status["restoreRate"] == pytest.approx(50000 / 60, abs=0.01)


async def test_the_budget_refills_and_throttles(client, world, settings_env):
    settings_env(COSO_COST_BUDGET_PER_MINUTE="120")
    token = await issue_token(world.user("owner").id)
    headers = {"Authorization": f"Bearer {token}"}
    query = {"query": '{ brand(slug: "acme") { posts(first: 100) { nodes { id } } } }'}
    first = await client.post("/graphql", json=query, headers=headers)
    assert first.json()["data"]["brand"]["posts"]["nodes"]
    # 102 points asked, 3 used: the budget pays for the next ones until it runs dry.
    answers = [(await client.post("/graphql", json=query, headers=headers)).json()
               for _ in range(60)]
    throttled = [a for a in answers if a.get("errors")]
    assert throttled, "a budget of 120 points a minute cannot pay 61 queries of 102"
    error = throttled[0]["errors"][0]
    assert error["extensions"]["code"] == "THROTTLED" and error["extensions"]["retryAfter"] >= 1
    assert throttled[0]["data"] is None
    # A second token of the same user shares the budget: more tokens buy no more points.
    second = await issue_token(world.user("owner").id)
    again = await client.post("/graphql", json=query,
                              headers={"Authorization": f"Bearer {second}"})
    assert again.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    # Another user has a budget of their own.
    other = await issue_token(world.user("manager").id)
    fine = await client.post("/graphql", json=query, headers={"Authorization": f"Bearer {other}"})
    assert "errors" not in fine.json()


async def test_an_operation_costing_more_than_the_budget_is_refused(world, settings_env):
    settings_env(COSO_COST_BUDGET_PER_MINUTE="50")
    result = await gql('{ brand(slug: "acme") { posts(first: 60) { nodes { id } } } }',
                       as_=world.user("owner"))
    assert result.errors == ["Query too costly: it costs 62 points, more than the 50 a minute "
                             "allows; ask for smaller pages (`first`) or fewer nested "
                             "connections"]


async def test_a_request_over_the_time_limit_is_stopped(client, world, settings_env):
    settings_env(COSO_GRAPHQL_TIMEOUT="0.000001")  # any wait for the database outlasts it
    token = await issue_token(world.user("owner").id)
    response = await client.post("/graphql", json={"query": "{ brands { totalCount } }"},
                                 headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert response.status_code == 200 and body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert body["errors"][0]["message"].startswith("The operation ran longer than 1e-06 s")


def test_periods_cost_a_read_a_day():
    kpis = '{ brand(slug: "a") { posts(first: 20) { nodes { kpis(from: "2026-01-01", ' \
           'to: "2026-12-31") { engagement } } } } }'
    assert cost_of(kpis).nodes == 20 + 20 * 365
    calendar = '{ brand(slug: "a") { calendar(from: "2026-01-01", to: "2026-01-31") { day } } }'
    assert cost_of(calendar).nodes == 31
    ten_years = '{ brand(slug: "a") { posts(first: 100) { nodes { metrics(from: "2000-01-01", ' \
                'to: "2026-12-31") { total } } } } }'
    assert cost_of(ten_years).nodes > 10_000  # refused
