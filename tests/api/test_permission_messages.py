"""Who is refused, told in the API's words: signed-in fields, FORBIDDEN naming the mutation."""

from __future__ import annotations

import typing

import pytest
from strawberry.dataloader import DataLoader

from api.graphql.loaders.inbox import InboxLoaders
from api.graphql.loaders.registry import Loaders
from api.graphql.loaders.reports import ReportLoaders
from api.graphql.loaders.sync_runs import SyncLoaders
from api.graphql.permissions import IsAuthenticated
from api.graphql.schema import schema
from domain.enums import PostStatus
from domain.models import Post
from tests.api.client import gid, gql

ERRORS = "userErrors { field code message }"
# Root fields anyone may call: `node` answers null for what the viewer cannot see; an
# invitation is answered by whoever holds its e-mailed link (someone without an account).
OPEN_FIELDS = {("Query", "node"), ("Mutation", "accept_invitation"),
               ("Mutation", "decline_invitation")}


@pytest.mark.parametrize("root", ["Query", "Mutation"])
def test_every_root_field_but_node_needs_a_signed_in_viewer(root):
    definition = schema.get_type_by_name(root)
    unguarded = {(root, f.name) for f in definition.fields
                 if IsAuthenticated not in f.permission_classes}
    assert unguarded == OPEN_FIELDS & {(root, f.name) for f in definition.fields}


@pytest.mark.parametrize("root", ["Query", "Mutation"])
def test_no_guarded_field_takes_an_argument_the_permission_takes_itself(root):
    """PermissionExtension.resolve_async(next_, source, info, **kwargs): an argument named
    `source` fails every call (an import's `source` is `source_` in Python)."""
    clashes = {(f.name, a.python_name) for f in schema.get_type_by_name(root).fields
               for a in f.arguments if a.python_name in {"next_", "source", "info"}}
    assert clashes == set()


async def test_anonymous_is_told_to_sign_in_and_nothing_runs(world):
    result = await gql(f'mutation {{ createWorkspace(name: "X", slug: "x") {{ {ERRORS} }} }}')
    assert result.errors == ["authentication required: send Authorization: Bearer <token>"]
    assert result == {}


UPDATE_BRAND = f"""
mutation($input: UpdateBrandInput!) {{ updateBrand(input: $input) {{ {ERRORS} }} }}"""
APPROVE_POST = f"""mutation($id: ID!) {{ approvePost(id: $id) {{ {ERRORS} }} }}"""
RECORD_METRICS = f"""
mutation($input: [MetricValueInput!]!) {{ recordMetrics(input: $input) {{ {ERRORS} }} }}"""
CREATE_BRAND = f"""
mutation($input: CreateBrandInput!) {{ createBrand(input: $input) {{ {ERRORS} }} }}"""
INVITE_WORKSPACE_ADMIN = f"""
mutation($workspace: ID!) {{
  inviteWorkspaceAdmin(workspace: $workspace, email: "new@agency.example") {{ {ERRORS} }}
}}"""


async def _errors(world, viewer: str, document: str, variables: dict) -> list[dict]:
    """The one payload's userErrors."""
    result = await gql(document, as_=world.user(viewer), variables=variables)
    assert result.errors == [], result.errors
    (payload,) = result.values()
    return payload["userErrors"]


async def test_brand_scope_names_the_mutation_sent(world):
    errors = await _errors(world, "manager", UPDATE_BRAND,
                           {"input": {"id": gid("Brand", world.brand.id)}})
    assert errors == [{"field": "id", "code": "FORBIDDEN",
                       "message": "your role on this brand does not allow updateBrand"}]


async def test_workflow_refusal_names_the_transition_mutation(world):
    await Post.update({Post.status: PostStatus.IN_REVIEW}).where(Post.id == world.post.id)
    errors = await _errors(world, "community_manager", APPROVE_POST,
                           {"id": gid("Post", world.post.id)})
    assert [e["message"] for e in errors] == [
        "your role on this brand does not allow approvePost"]


async def test_a_refused_metric_row_names_record_metrics(world):
    errors = await _errors(world, "client", RECORD_METRICS, {"input": [
        {"post": gid("Post", world.post.id), "metric": "reach", "day": "2026-10-01",
         "value": "10"}]})
    assert [(e["code"], e["message"]) for e in errors] == [
        ("FORBIDDEN", "your role on this brand does not allow recordMetrics")]


@pytest.mark.parametrize(("viewer", "message"), [
    ("strategist", "only the workspace's owners and admins may createBrand"),
    ("owner", None),
])
async def test_workspace_scope_says_who_may(world, viewer, message):
    errors = await _errors(world, viewer, CREATE_BRAND, {"input": {
        "workspace": gid("Workspace", world.workspace.id), "name": "New", "slug": "new"}})
    assert errors == ([] if message is None else
                      [{"field": "workspace", "code": "FORBIDDEN", "message": message}])


async def test_only_owners_manage_the_workspace_admins(world):
    errors = await _errors(world, "admin", INVITE_WORKSPACE_ADMIN,
                           {"workspace": gid("Workspace", world.workspace.id)})
    assert errors == [{"field": "workspace", "code": "FORBIDDEN",
                       "message": "only the workspace's owners may inviteWorkspaceAdmin"}]


@pytest.mark.parametrize("loaders", [Loaders, SyncLoaders, ReportLoaders, InboxLoaders])
def test_every_loader_says_what_it_loads(loaders):
    """No bare DataLoader in the context: each names its key and value types."""
    for name, hint in typing.get_type_hints(loaders).items():
        if typing.get_origin(hint) is dict:
            hint = typing.get_args(hint)[1]
        if hint in (SyncLoaders, ReportLoaders, InboxLoaders):
            continue
        assert typing.get_origin(hint) is DataLoader and len(typing.get_args(hint)) == 2, name
