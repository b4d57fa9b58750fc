"""Limits and masking: deep, long or alias-heavy documents and oversized pages are refused."""

from __future__ import annotations

import pytest

from api.graphql.errors import PublicError
from api.graphql.pagination import decode_cursor
from tests.api.client import gql


async def test_page_size_is_capped(world):
    result = await gql("{ brands(first: 101) { totalCount } }", as_=world.user("owner"))
    assert result.errors == ["first must be between 0 and 100, got 101"]


async def test_negative_page_size(world):
    result = await gql("{ brands(first: -1) { totalCount } }", as_=world.user("owner"))
    assert result.errors and "between 0 and 100" in result.errors[0]


async def test_bad_cursor_is_a_clear_error(world):
    result = await gql('{ brands(after: "nonsense") { totalCount } }', as_=world.user("owner"))
    assert result.errors == ["after is not a cursor of this connection"]


async def test_cursor_pages_through_everything(world):
    query = """query($after: String) { brand(slug: "acme") {
        posts(first: 1, after: $after) { edges { node { id } }
          pageInfo { hasNextPage endCursor } } } }"""
    owner = world.user("owner")
    from tests.factories import make_post

    for _ in range(4):
        await make_post(world.brand, world.channel)
    seen, after = [], None
    while True:
        result = await gql(query, as_=owner, variables={"after": after})
        page = result["brand"]["posts"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 5


def test_cursor_decoding_rejects_garbage():
    with pytest.raises(PublicError):
        decode_cursor("!!!")


async def test_depth_limit(world):
    loop = "channel { brand { campaigns { edges { node { posts { edges { node { "
    deep = "{ brands { edges { node { campaigns { edges { node { posts { edges { node { " \
        + loop * 2 + "text" + " }" * (9 + 8 * 2) + " }"
    result = await gql(deep, as_=world.user("owner"))
    assert result.errors and "exceeds maximum operation depth" in result.errors[0]


async def test_alias_limit(world):
    aliases = " ".join(f"a{i}: viewer {{ user {{ email }} }}" for i in range(40))
    result = await gql("{ " + aliases + " }", as_=world.user("owner"))
    assert result.errors and "aliases" in result.errors[0].lower()


async def test_token_limit(world):
    fields = " ".join("__typename" for _ in range(3000))
    result = await gql("{ " + fields + " }", as_=world.user("owner"))
    assert result.errors and "token" in result.errors[0].lower()


async def test_reversed_period_is_refused(world):
    result = await gql('{ brand(slug: "acme") { kpis(from: "2026-10-05", to: "2026-10-01") '
                       '{ engagement } } }', as_=world.user("owner"))
    assert result.errors == ["to must not be before from"]


async def test_unknown_metric_name_is_refused(world):
    result = await gql('{ brand(slug: "acme") { metrics(from: "2026-10-01", to: "2026-10-02", '
                       'names: ["likes"]) { metric } } }', as_=world.user("owner"))
    assert result.errors and result.errors[0].startswith("unknown metric likes")


async def test_internal_errors_are_masked(world, monkeypatch):
    from api.graphql.types import member

    async def boom(*_args, **_kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    # A bug in our own code, simulated: the client must not see its message.
    monkeypatch.setattr(member, "load_members", boom)
    result = await gql('{ brand(slug: "acme") { members { roles } } }', as_=world.user("owner"))
    assert result.errors == ["Internal error."]


@pytest.mark.parametrize(("type_", "value"), [("Date!", "2026-13-01"), ("Date!", "soon")])
async def test_bad_scalar_variables_are_explained(world, type_, value):
    query = f'query($d: {type_}) {{ brand(slug: "acme") {{ kpis(from: $d, to: $d) ' \
            '{ engagement } } }'
    result = await gql(query, as_=world.user("owner"), variables={"d": value})
    assert result.errors and "Internal error." not in result.errors
    assert "$d" in result.errors[0]


async def test_bad_decimal_variable_is_explained(world):
    query = """mutation($v: Decimal!, $p: ID!) { recordMetrics(input: [
        {post: $p, metric: "clicks", day: "2026-10-01", value: $v}]) { userErrors { code } } }"""
    from tests.api.client import gid

    result = await gql(query, as_=world.user("owner"),
                       variables={"v": "abc", "p": gid("Post", world.post.id)})
    assert result.errors and "Internal error." not in result.errors
    assert "$v" in result.errors[0]
