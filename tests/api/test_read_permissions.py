"""Every root query field for every kind of viewer: members read, nobody else sees a thing."""

from __future__ import annotations

from datetime import date

import pytest

from domain.models import Strategy
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS

MEMBERS = {"owner", "admin", "strategist", "manager", "community_manager", "client"}

NODE = "query($id: ID!) { node(id: $id) { id __typename } }"


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_viewer(world, viewer):
    result = await gql("{ viewer { user { email } memberships { brand { slug } roles "
                       "workspaceAdmin } workspaces { slug } } }", as_=world.user(viewer))
    if viewer == "anonymous":
        assert result.errors == [
            "authentication required: send Authorization: Bearer <token>"]
        return
    me = result["viewer"]
    assert me["user"]["email"] == world.user(viewer).email
    brands = {m["brand"]["slug"] for m in me["memberships"]}
    assert brands == ({"rival-brand"} if viewer == "outsider" else {"acme"})
    spaces = {w["slug"] for w in me["workspaces"]}
    assert spaces == ({"rival"} if viewer == "outsider" else {"agency"})


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("slug", ["acme", "rival-brand", "no-such-brand"])
async def test_brand_by_slug(world, viewer, slug):
    result = await gql('query($s: String!) { brand(slug: $s) { slug } }', as_=world.user(viewer),
                       variables={"s": slug})
    if viewer == "anonymous":
        assert result.errors
        return
    visible = (slug == "acme" and viewer in MEMBERS) or (
        slug == "rival-brand" and viewer == "outsider")
    assert result.errors == []
    assert result["brand"] == ({"slug": slug} if visible else None)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("kind", ["Brand", "Channel", "Campaign", "Post", "Strategy",
                                  "Workspace"])
async def test_node_of_every_type(world, viewer, kind):
    strategy = Strategy(brand=world.brand.id, starts_on=date(2026, 1, 1),
                        ends_on=date(2026, 12, 31))
    await strategy.save()
    own = {"Brand": world.brand.id, "Channel": world.channel.id, "Campaign": world.campaign.id,
           "Post": world.post.id, "Strategy": strategy.id, "Workspace": world.workspace.id}
    rival = {"Brand": world.other_brand.id, "Channel": world.other_channel.id,
             "Post": world.other_post.id, "Workspace": world.other_workspace.id}
    user = world.user(viewer)
    mine = await gql(NODE, as_=user, variables={"id": gid(kind, own[kind])})
    expected = {"id": gid(kind, own[kind]), "__typename": kind} if viewer in MEMBERS else None
    assert mine.get("node") == expected
    if kind in rival:
        theirs = await gql(NODE, as_=user, variables={"id": gid(kind, rival[kind])})
        expected = ({"id": gid(kind, rival[kind]), "__typename": kind}
                    if viewer == "outsider" else None)
        assert theirs.get("node") == expected
    missing = await gql(NODE, as_=user, variables={"id": gid(kind, 999_999)})
    assert missing.get("node") is None


async def test_node_id_of_a_non_node_type_is_refused(world):
    result = await gql(NODE, as_=world.user("owner"), variables={"id": gid("Money", 1)})
    assert result.errors and "Money" in result.errors[0]


async def test_node_id_garbage_is_refused(world):
    result = await gql(NODE, as_=world.user("owner"), variables={"id": "%%%"})
    assert result.errors and result.get("node") is None


@pytest.mark.parametrize("viewer", sorted(MEMBERS))
async def test_every_member_reads_the_whole_brand(world, viewer):
    result = await gql("""{ brand(slug: "acme") {
        channels { handle } strategies { name } members { user { email } roles }
        campaigns { totalCount } posts { totalCount }
        calendar(from: "2026-01-01", to: "2026-03-01") { day }
        kpis(from: "2026-10-01", to: "2026-10-31") { engagement }
        metrics(from: "2026-10-01", to: "2026-10-31") { metric } } }""", as_=world.user(viewer))
    assert result.errors == []
    assert result["brand"]["posts"]["totalCount"] == 1
    emails = {m["user"]["email"] for m in result["brand"]["members"]}
    assert "manager@agency.example" in emails and "boss@rival.example" not in emails


@pytest.mark.parametrize("raw", ["Post:99999999999999", "Post:-1", "Post:abc", "Brand:1.5",
                                 "Workspace:99999999999999"])
async def test_node_ids_no_row_can_have_read_as_missing(world, raw):
    import base64

    encoded = base64.b64encode(raw.encode()).decode()
    result = await gql(NODE, as_=world.user("owner"), variables={"id": encoded})
    assert result.errors == [] and result["node"] is None
