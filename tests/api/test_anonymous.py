"""Finding 8 (anonymous part) of issue 13: callers without a token get no introspection
and no "Did you mean …" hints, unless COSO_ANONYMOUS_INTROSPECTION turns them on."""

from __future__ import annotations

from tests.api.client import gql

INTROSPECT = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Brand") { name } }'
TYPO = "{ brandz { totalCount } }"


async def test_anonymous_callers_cannot_introspect(world):
    for query in (INTROSPECT, TYPE):
        result = await gql(query)
        assert result.errors and "introspection has been disabled" in result.errors[0]
    assert (await gql("{ __typename }")) == {"__typename": "Query"}  # not introspection


async def test_signed_in_callers_can(world):
    result = await gql(INTROSPECT, as_=world.user("client"))
    assert result == {"__schema": {"queryType": {"name": "Query"}}}


async def test_suggestions_are_hidden_from_anonymous_callers_only(world):
    anonymous = await gql(TYPO)
    assert anonymous.errors == ["Cannot query field 'brandz' on type 'Query'."]
    signed_in = await gql(TYPO, as_=world.user("client"))
    assert "Did you mean 'brand' or 'brands'?" in signed_in.errors[0]


async def test_enum_value_hints_are_hidden_too(world):
    query = 'query($s: PostStatus!) { brand(slug: "acme") { posts(filter: {status: [$s]}) ' \
            '{ totalCount } } }'
    anonymous = await gql(query, variables={"s": "DRAFTS"})
    assert anonymous.errors and "Did you mean" not in anonymous.errors[0]
    assert "DRAFTS" in anonymous.errors[0]
    signed_in = await gql(query, as_=world.user("client"), variables={"s": "DRAFTS"})
    assert "Did you mean" in signed_in.errors[0]


async def test_a_setting_gives_them_back(world, settings_env):
    settings_env(COSO_ANONYMOUS_INTROSPECTION="1")
    assert (await gql(INTROSPECT)) == {"__schema": {"queryType": {"name": "Query"}}}
    assert "Did you mean" in (await gql(TYPO)).errors[0]
