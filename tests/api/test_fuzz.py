"""Issue 13, item 9: GraphQL fuzzing over the committed schema (hypothesis-graphql).

Queries and mutations generated from api/schema.graphql, valid ones and deliberately
invalid ones, go through the real ASGI app as a signed-in owner and as an anonymous
caller, against the test database: no answer may be a 5xx, show a traceback, or be an
"Internal error." (a resolver failing on input it should have refused clearly).

Bounded (FUZZ_EXAMPLES per test, derandomized) so the suite stays quick; hypothesis runs
in a thread and hands each request to the test's event loop, where the database pool is.
"""

from __future__ import annotations

import asyncio
import datetime
from pathlib import Path

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from api.app import app
from domain.services.tokens import issue_token

SCHEMA = (Path(__file__).resolve().parents[2] / "api" / "schema.graphql").read_text()
FUZZ_EXAMPLES = 60


def _string(values: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.StringValueNode]:
    return values.map(lambda v: graphql.StringValueNode(value=v))


# Mostly well-formed values, sometimes junk: both must be answered without a 5xx.
JUNK = st.text(max_size=12)
SCALARS = {
    "Date": _string(st.dates(min_value=datetime.date(1900, 1, 1)).map(str) | JUNK),
    "DateTime": _string(st.datetimes(timezones=st.timezones()).map(
        lambda d: d.isoformat()) | JUNK),
    "Decimal": _string(st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str)
                       | JUNK),
}


def _strategies() -> dict[str, st.SearchStrategy[str]]:
    return {
        "query": queries(SCHEMA, custom_scalars=SCALARS),
        "mutation": mutations(SCHEMA, custom_scalars=SCALARS),
        "invalid": st.one_of(queries(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE),
                             mutations(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE)),
    }


def check(response: httpx.Response, query: str) -> None:
    text = response.text
    assert response.status_code < 500, (response.status_code, query, text[:500])
    assert "Traceback" not in text and 'File "' not in text, (query, text[:500])
    assert "Internal error." not in text, (query, text[:500])


@pytest.mark.parametrize("kind", ["query", "mutation", "invalid"])
@pytest.mark.parametrize("viewer", ["owner", "anonymous"])
async def test_fuzz(world, settings_env, kind, viewer):
    settings_env(COSO_COST_BUDGET_PER_MINUTE="0", COSO_RATE_LIMIT_PER_MINUTE="0",
                 COSO_RATE_LIMIT_PER_ADDRESS_PER_MINUTE="0")
    headers = {}
    if viewer != "anonymous":
        headers["Authorization"] = f"Bearer {await issue_token(world.user(viewer).id)}"
    loop = asyncio.get_running_loop()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://coso.test") as client:

        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(query=_strategies()[kind])
        def run(query: str) -> None:
            request = client.post("/graphql", json={"query": query}, headers=headers)
            check(asyncio.run_coroutine_threadsafe(request, loop).result(timeout=60), query)

        await asyncio.to_thread(run)
