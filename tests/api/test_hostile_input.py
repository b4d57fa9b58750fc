"""Findings 4 and 5 of issue 13: bad input gets a clear 4xx, and an id has one spelling.

A cursor holding a number too big for the key column, a body that is not UTF-8, JSON
`null` or a bare string, 100,000 nested `[` all used to answer 500 or "Internal error.";
`base64("Brand:１")` (a full-width digit) used to read as Brand 1 and deleted it.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from api.app import app
from api.graphql.errors import PublicError
from api.graphql.pagination import decode_cursor, encode_cursor
from domain.models import Brand
from domain.services.tokens import issue_token
from tests.api.client import gid, gql

NODE = "query($id: ID!) { node(id: $id) { id } }"
DELETE_BRAND = "mutation($id: ID!) { deleteBrand(id: $id) { userErrors { field code } } }"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def spellings(type_name: str, pk: int) -> list[str]:
    """Other spellings of `type_name:pk` that lenient decoding reads as the same id."""
    canonical = str(gid(type_name, pk))
    full_width = "".join(chr(0xFF10 + int(d)) for d in str(pk))
    return [
        b64(f"{type_name}:{full_width}"),        # "１": int() reads it, isdigit() says yes
        b64(f"{type_name}:0{pk}"),               # leading zero
        b64(f"{type_name}:+{pk}"),               # sign
        b64(f"{type_name}: {pk}"), b64(f"{type_name}:{pk}\n"),  # whitespace
        canonical.rstrip("=") + "===",           # extra padding
        canonical[:4] + "\n" + canonical[4:],    # a stray character b64decode skips
        canonical.rstrip("=").rstrip("=")[:-1]   # the same bytes, other trailing bits
        + chr(ord(canonical.rstrip("=")[-1]) + 1) + "=" * canonical.count("="),
    ]


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://coso.test") as c:
        yield c


def test_other_spellings_decode_to_the_same_id_leniently():
    # The premise of the test below: Python's own decoding reads these as Brand 1.
    for spelling in spellings("Brand", 1)[5:]:
        assert base64.b64decode(spelling).decode() == "Brand:1", spelling


@pytest.mark.parametrize("index", range(8))
async def test_node_reads_only_the_canonical_spelling(world, index):
    owner = world.user("owner")
    assert (await gql(NODE, as_=owner, variables={"id": gid("Brand", world.brand.id)}))["node"]
    result = await gql(NODE, as_=owner, variables={"id": spellings("Brand", world.brand.id)[index]})
    assert result.get("node") is None
    assert "Internal error." not in result.errors


@pytest.mark.parametrize("index", range(8))
async def test_a_mutation_refuses_other_spellings_and_changes_nothing(world, index):
    result = await gql(DELETE_BRAND, as_=world.user("owner"),
                       variables={"id": spellings("Brand", world.brand.id)[index]})
    assert result["deleteBrand"]["userErrors"] == [{"field": "id", "code": "INVALID_ID"}]
    assert await Brand.exists().where(Brand.id == world.brand.id)


@pytest.mark.parametrize("index", [0, 1, 2, 5, 7])
async def test_the_http_routes_refuse_other_spellings(client, world, index):
    token = await issue_token(world.user("owner").id)
    headers = {"Authorization": f"Bearer {token}"}
    canonical = await client.put(f"/brands/{gid('Brand', world.brand.id)}/logo", content=b"x",
                                 headers=headers)
    assert canonical.status_code == 422  # found, and the body is no image
    spelling = spellings("Brand", world.brand.id)[index]
    response = await client.put(f"/brands/{spelling}/logo", content=b"x", headers=headers)
    assert response.status_code == 404
    for raw in ("１", "01", "+1", " 1"):
        response = await client.get(f"/reports/{raw}", headers=headers)
        assert response.status_code == 404


def test_cursor_round_trip_and_canonical_form():
    assert decode_cursor(encode_cursor(42)) == 42
    for bad in (b64("k1:99999999999999999999"), b64("k1:０"), b64("k1:042"), b64("k1:-1"),
                encode_cursor(42).rstrip("=") + "===", b64("k1:2147483648")):
        with pytest.raises(PublicError):
            decode_cursor(bad)


async def test_a_huge_cursor_number_is_a_clear_error_on_every_connection(world):
    huge = base64.urlsafe_b64encode(b"k1:99999999999999999999").decode()
    for query in ('query($a: String) { brands(after: $a) { totalCount } }',
                  'query($a: String) { brand(slug: "acme") { posts(after: $a) { totalCount } '
                  'campaigns(after: $a) { totalCount } reports(after: $a) { totalCount } } }'):
        result = await gql(query, as_=world.user("owner"), variables={"a": huge})
        assert result.errors and set(result.errors) == {"after is not a cursor of this connection"}


@pytest.mark.parametrize(("body", "message"), [
    (b'{"query": "{ __typename \xff }"}', "not valid UTF-8"),
    (b"null", "got null"),
    (b'"{ __typename }"', "got a string"),
    (b"42", "got a number"),
    (b"[" * 100_000, "nested too deeply"),
    (b"{" * 100_000, "Unable to parse request body as JSON"),
    (b'{"query": "{ __typename }", "variables": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
     "nested too deeply"),
    (b"[null]", "Batching is not enabled"),
])
async def test_malformed_bodies_get_400_with_a_reason(client, body, message):
    response = await client.post("/graphql", content=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert message in response.text
    assert "Traceback" not in response.text


async def test_variables_that_are_not_an_object_get_400(client):
    response = await client.get("/graphql", params={"query": "{ __typename }",
                                                    "variables": "null x"},
                                headers={"Accept": "application/json"})
    assert response.status_code == 400
