"""Post mutations end to end: who may do what, the workflow and its history, validation, audit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.enums import Platform, PostStatus, Role
from domain.errors import ValidationFailed
from domain.models import AuditLog, Post, PostTransition
from domain.rules.content import MediaItem
from domain.rules.workflow import Transition, WorkflowError
from domain.services import posts as service
from domain.services.usecase import KEEP
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS
from tests.factories import (
    make_brand,
    make_campaign,
    make_channel,
    make_membership,
    make_post,
    make_user,
)

FIELDS = "post { id status text tags scheduledAt rejectionReason } " \
         "userErrors { field code message }"

CREATE = f"mutation($input: CreatePostInput!) {{ createPost(input: $input) {{ {FIELDS} }} }}"
UPDATE = f"mutation($input: UpdatePostInput!) {{ updatePost(input: $input) {{ {FIELDS} }} }}"
SUBMIT = f"mutation($id: ID!) {{ submitPost(id: $id) {{ {FIELDS} }} }}"
APPROVE = f"mutation($id: ID!) {{ approvePost(id: $id) {{ {FIELDS} }} }}"
REJECT = (f"mutation($id: ID!, $reason: String!) {{ rejectPost(id: $id, reason: $reason) "
          f"{{ {FIELDS} }} }}")
SCHEDULE = (f"mutation($id: ID!, $at: DateTime) {{ schedulePost(id: $id, scheduledAt: $at) "
            f"{{ {FIELDS} }} }}")
UNSCHEDULE = f"mutation($id: ID!) {{ unschedulePost(id: $id) {{ {FIELDS} }} }}"
ARCHIVE = f"mutation($id: ID!) {{ archivePost(id: $id) {{ {FIELDS} }} }}"
REOPEN = f"mutation($id: ID!) {{ reopenPost(id: $id) {{ {FIELDS} }} }}"

HISTORY = """
query($id: ID!) { node(id: $id) { ... on Post { status
  history { fromStatus toStatus actor { email } reason at } } } }
"""

FUTURE = datetime.now(UTC) + timedelta(days=5)


@dataclass(frozen=True)
class Case:
    document: str
    field: str
    status: PostStatus | None
    """The status the target post is put in first (None: the mutation creates a post)."""
    allowed: frozenset[str]
    """Brand roles allowed by the BRIEF's table (workspace owner and admin always are)."""
    extra: dict[str, Any]


EVERYONE_REVIEWS = frozenset({"strategist", "manager", "client"})
MANAGER = frozenset({"manager"})

# The BRIEF's matrix for posts, written out by hand.
CASES: dict[str, Case] = {
    "createPost": Case(CREATE, "createPost", None, MANAGER, {}),
    "updatePost": Case(UPDATE, "updatePost", PostStatus.DRAFT, MANAGER, {}),
    "submitPost": Case(SUBMIT, "submitPost", PostStatus.DRAFT, MANAGER, {}),
    "approvePost": Case(APPROVE, "approvePost", PostStatus.IN_REVIEW, EVERYONE_REVIEWS, {}),
    "rejectPost": Case(REJECT, "rejectPost", PostStatus.IN_REVIEW, EVERYONE_REVIEWS,
                       {"reason": "Off brand"}),
    "schedulePost": Case(SCHEDULE, "schedulePost", PostStatus.APPROVED, MANAGER,
                         {"at": FUTURE.isoformat()}),
    "unschedulePost": Case(UNSCHEDULE, "unschedulePost", PostStatus.SCHEDULED, MANAGER, {}),
    "archivePost": Case(ARCHIVE, "archivePost", PostStatus.DRAFT, MANAGER, {}),
    "reopenPost": Case(REOPEN, "reopenPost", PostStatus.REJECTED, MANAGER, {}),
}


async def _prepare(world, case: Case, rival: bool) -> tuple[dict[str, Any], int | None]:
    brand = world.other_brand if rival else world.brand
    channel = world.other_channel if rival else world.channel
    post = world.other_post if rival else world.post
    if case.status is None:
        return {"input": {"brand": gid("Brand", brand.id), "channel": gid("Channel", channel.id),
                          "text": "Hello"}}, None
    await Post.update({Post.status: case.status, Post.scheduled_at: FUTURE}).where(
        Post.id == post.id)
    if case.document is UPDATE:
        return {"input": {"id": gid("Post", post.id), "text": "Edited"}}, post.id
    return {"id": gid("Post", post.id), **case.extra}, post.id


async def _state(post_id: int | None) -> tuple[Any, ...]:
    row = await Post.select().where(Post.id == post_id).first() if post_id else None
    return (row, await Post.count(), await PostTransition.count(), await AuditLog.count())


def _expected(viewer: str, case: Case, rival: bool) -> str:
    if viewer == "anonymous":
        return "AUTH"
    if rival:
        return "OK" if viewer == "outsider" else "NOT_FOUND"
    if viewer == "outsider":
        return "NOT_FOUND"
    if viewer in {"owner", "admin"} or viewer in case.allowed:
        return "OK"
    return "FORBIDDEN"


async def _check(world, viewer: str, name: str, rival: bool) -> None:
    case = CASES[name]
    variables, post_id = await _prepare(world, case, rival)
    before = await _state(post_id)
    result = await gql(case.document, as_=world.user(viewer), variables=variables)
    expected = _expected(viewer, case, rival)
    if expected == "AUTH":
        assert result.errors and "authentication required" in result.errors[0]
        assert await _state(post_id) == before
        return
    assert result.errors == []
    payload = result[case.field]
    if expected == "OK":
        assert payload["userErrors"] == [], payload
        assert payload["post"] is not None
        after = await _state(post_id)
        assert after[3] == before[3] + 1  # one audit row
        return
    assert payload["post"] is None
    assert [e["code"] for e in payload["userErrors"]] == [expected]
    assert payload["userErrors"][0]["field"] == ("brand" if case.status is None else "id")
    assert await _state(post_id) == before  # row, post count, history, audit: unchanged


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("viewer", VIEWERS)
async def test_permission_table(world, viewer, name):
    await _check(world, viewer, name, rival=False)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v != "anonymous"])
async def test_rival_ids_are_not_found(world, viewer, name):
    await _check(world, viewer, name, rival=True)


async def test_workflow_happy_path_with_history(world):
    manager, client = world.user("manager"), world.user("client")
    created = await gql(CREATE, as_=manager, variables={"input": {
        "brand": gid("Brand", world.brand.id), "channel": gid("Channel", world.channel.id),
        "campaign": gid("Campaign", world.campaign.id), "text": "Autumn launch",
        "tags": [" launch ", "Launch", "autumn"], "format": "IMAGE",
        "media": [{"url": "https://cdn.example/a.jpg", "kind": "image", "alt": "A leaf"}],
    }})
    assert created["createPost"]["userErrors"] == []
    post = created["createPost"]["post"]
    assert post["status"] == "DRAFT" and post["tags"] == ["launch", "autumn"]
    pid = post["id"]

    submitted = await gql(SUBMIT, as_=manager, variables={"id": pid})
    assert submitted["submitPost"]["post"]["status"] == "IN_REVIEW"
    approved = await gql(APPROVE, as_=client, variables={"id": pid})
    assert approved["approvePost"]["post"]["status"] == "APPROVED"
    scheduled = await gql(SCHEDULE, as_=manager, variables={"id": pid, "at": FUTURE.isoformat()})
    assert scheduled["schedulePost"]["userErrors"] == []
    assert scheduled["schedulePost"]["post"]["status"] == "SCHEDULED"
    assert datetime.fromisoformat(scheduled["schedulePost"]["post"]["scheduledAt"]) == FUTURE

    history = (await gql(HISTORY, as_=client, variables={"id": pid}))["node"]["history"]
    assert [(h["fromStatus"], h["toStatus"], h["actor"]["email"]) for h in history] == [
        ("DRAFT", "IN_REVIEW", "manager@agency.example"),
        ("IN_REVIEW", "APPROVED", "client@agency.example"),
        ("APPROVED", "SCHEDULED", "manager@agency.example"),
    ]
    stamps = [datetime.fromisoformat(h["at"]) for h in history]
    assert stamps == sorted(stamps)


async def test_reject_then_rework_and_resubmit(world):
    manager, strategist = world.user("manager"), world.user("strategist")
    pid = gid("Post", world.post.id)
    await gql(SUBMIT, as_=manager, variables={"id": pid})
    rejected = await gql(REJECT, as_=strategist,
                         variables={"id": pid, "reason": "  Wrong tone  "})
    post = rejected["rejectPost"]["post"]
    assert post["status"] == "REJECTED" and post["rejectionReason"] == "Wrong tone"
    edited = await gql(UPDATE, as_=manager, variables={"input": {"id": pid, "text": "Better"}})
    assert edited["updatePost"]["post"]["text"] == "Better"
    again = await gql(SUBMIT, as_=manager, variables={"id": pid})
    assert again["submitPost"]["post"]["status"] == "IN_REVIEW"
    assert again["submitPost"]["post"]["rejectionReason"] == ""
    history = (await gql(HISTORY, as_=manager, variables={"id": pid}))["node"]["history"]
    assert [(h["toStatus"], h["reason"]) for h in history] == [
        ("IN_REVIEW", ""), ("REJECTED", "Wrong tone"), ("IN_REVIEW", "")]


@pytest.mark.parametrize(("status", "document", "extra"), [
    (PostStatus.DRAFT, APPROVE, {}),
    (PostStatus.DRAFT, SCHEDULE, {}),
    (PostStatus.SCHEDULED, SCHEDULE, {}),
    (PostStatus.SCHEDULED, ARCHIVE, {}),
    (PostStatus.IN_REVIEW, SUBMIT, {}),
    (PostStatus.DRAFT, UNSCHEDULE, {}),
    (PostStatus.DRAFT, REOPEN, {}),
    (PostStatus.ARCHIVED, ARCHIVE, {}),
    (PostStatus.DRAFT, REJECT, {"reason": "no"}),
])
async def test_illegal_transitions(world, status, document, extra):
    await Post.update({Post.status: status}).where(Post.id == world.post.id)
    before = await _state(world.post.id)
    result = await gql(document, as_=world.user("owner"),
                       variables={"id": gid("Post", world.post.id), **extra})
    (payload,) = result.values()
    assert payload["post"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        ("status", "ILLEGAL_TRANSITION")]
    assert await _state(world.post.id) == before


async def test_an_illegal_transition_is_told_in_the_api_s_words(world):
    await Post.update({Post.status: PostStatus.IN_REVIEW}).where(Post.id == world.post.id)
    result = await gql(SUBMIT, as_=world.user("owner"),
                       variables={"id": gid("Post", world.post.id)})
    assert result["submitPost"]["userErrors"] == [{
        "field": "status", "code": "ILLEGAL_TRANSITION",
        "message": "cannot submit an IN_REVIEW post: it is IN_REVIEW already"}]
    await Post.update({Post.status: PostStatus.DRAFT}).where(Post.id == world.post.id)
    result = await gql(APPROVE, as_=world.user("owner"),
                       variables={"id": gid("Post", world.post.id)})
    assert [e["message"] for e in result["approvePost"]["userErrors"]] == [
        "cannot approve a DRAFT post: only an IN_REVIEW post can be approved"]


@pytest.mark.parametrize("reason", ["", "   "])
async def test_reject_needs_a_reason(world, reason):
    await Post.update({Post.status: PostStatus.IN_REVIEW}).where(Post.id == world.post.id)
    result = await gql(REJECT, as_=world.user("client"),
                       variables={"id": gid("Post", world.post.id), "reason": reason})
    assert [(e["field"], e["code"]) for e in result["rejectPost"]["userErrors"]] == [
        ("reason", "REASON_REQUIRED")]


@pytest.mark.parametrize(("stored", "given", "code"), [
    (None, None, "SCHEDULE_REQUIRED"),
    (None, "2020-01-01T09:00:00Z", "SCHEDULE_IN_PAST"),
    (datetime(2020, 1, 1, tzinfo=UTC), None, "SCHEDULE_IN_PAST"),
    (None, "2030-01-01T09:00:00", "INVALID"),  # no timezone offset
])
async def test_schedule_time_problems(world, stored, given, code):
    await Post.update({Post.status: PostStatus.APPROVED, Post.scheduled_at: stored}).where(
        Post.id == world.post.id)
    result = await gql(SCHEDULE, as_=world.user("manager"),
                       variables={"id": gid("Post", world.post.id), "at": given})
    assert [(e["field"], e["code"]) for e in result["schedulePost"]["userErrors"]] == [
        ("scheduledAt", code)]


async def test_schedule_uses_the_time_the_post_has(world):
    await Post.update({Post.status: PostStatus.APPROVED}).where(Post.id == world.post.id)
    result = await gql(SCHEDULE, as_=world.user("manager"),
                       variables={"id": gid("Post", world.post.id)})
    post = result["schedulePost"]["post"]
    assert post["status"] == "SCHEDULED"
    assert datetime.fromisoformat(post["scheduledAt"]) == world.post.scheduled_at


async def test_only_drafts_and_rejected_posts_are_editable(world):
    await Post.update({Post.status: PostStatus.APPROVED}).where(Post.id == world.post.id)
    result = await gql(UPDATE, as_=world.user("manager"), variables={"input": {
        "id": gid("Post", world.post.id), "text": "Sneaky edit", "tags": [""]}})
    codes = {(e["field"], e["code"]) for e in result["updatePost"]["userErrors"]}
    assert codes == {("id", "NOT_EDITABLE"), ("tags.0", "REQUIRED")}
    row = await Post.select(Post.text).where(Post.id == world.post.id).first()
    assert row["text"] == world.post.text


async def test_create_reports_every_problem_at_once(world):
    x = await make_channel(world.brand, platform=Platform.X)
    sister = await make_brand(world.workspace, slug="sister")
    sister_campaign = await make_campaign(sister)
    before = await _state(None)
    result = await gql(CREATE, as_=world.user("owner"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "channel": gid("Channel", x.id),
        "campaign": gid("Campaign", sister_campaign.id),
        "text": "x" * 281,
        "tags": [f"t{i}" for i in range(30)] + ["y" * 51, "extra"],
        "media": [{"url": "ftp://files.example/a.png", "kind": "AUDIO", "alt": "a" * 1001}],
        "scheduledAt": "2030-01-01T09:00:00",
    }})
    payload = result["createPost"]
    assert payload["post"] is None
    assert {(e["field"], e["code"]) for e in payload["userErrors"]} == {
        ("campaign", "NOT_FOUND"),  # another brand's campaign reads as a missing one
        ("text", "TOO_LONG"),
        ("tags.30", "TOO_LONG"),
        ("tags", "TOO_MANY"),
        ("media.0.url", "INVALID"),
        ("media.0.kind", "INVALID"),
        ("media.0.alt", "TOO_LONG"),
        ("scheduledAt", "INVALID"),
    }
    assert "280" in next(e["message"] for e in payload["userErrors"] if e["field"] == "text")
    assert await _state(None) == before


async def test_text_the_database_cannot_store_is_a_user_error(world):
    result = await gql(UPDATE, as_=world.user("manager"), variables={"input": {
        "id": gid("Post", world.post.id), "text": "nul\x00here", "tags": ["lone\ud800"],
        "media": [{"url": "https://cdn.example/\x00", "alt": "\udfff"}]}})
    assert result.errors == []
    assert {(e["field"], e["code"]) for e in result["updatePost"]["userErrors"]} == {
        ("text", "INVALID"), ("tags.0", "INVALID"), ("media.0.url", "INVALID"),
        ("media.0.alt", "INVALID")}
    await Post.update({Post.status: PostStatus.IN_REVIEW}).where(Post.id == world.post.id)
    rejected = await gql(REJECT, as_=world.user("client"),
                         variables={"id": gid("Post", world.post.id), "reason": "\x00"})
    assert [(e["field"], e["code"]) for e in rejected["rejectPost"]["userErrors"]] == [
        ("reason", "INVALID")]


async def test_update_checks_text_against_the_new_channel(world):
    await Post.update({Post.text: "y" * 300}).where(Post.id == world.post.id)
    x = await make_channel(world.brand, platform=Platform.X)
    result = await gql(UPDATE, as_=world.user("manager"), variables={"input": {
        "id": gid("Post", world.post.id), "channel": gid("Channel", x.id)}})
    assert [(e["field"], e["code"]) for e in result["updatePost"]["userErrors"]] == [
        ("text", "TOO_LONG")]


async def test_foreign_channel_is_not_found_and_empty_post_is_refused(world):
    result = await gql(CREATE, as_=world.user("manager"), variables={"input": {
        "brand": gid("Brand", world.brand.id),
        "channel": gid("Channel", world.other_channel.id)}})
    assert {(e["field"], e["code"]) for e in result["createPost"]["userErrors"]} == {
        ("channel", "NOT_FOUND"), ("text", "REQUIRED")}


async def test_update_clears_campaign_and_keeps_omitted_fields(world):
    result = await gql(UPDATE, as_=world.user("manager"), variables={"input": {
        "id": gid("Post", world.post.id), "campaign": None, "tags": ["a"]}})
    assert result["updatePost"]["userErrors"] == []
    row = await Post.select().where(Post.id == world.post.id).output(load_json=True).first()
    assert row["campaign"] is None and row["tags"] == ["a"] and row["text"] == world.post.text


@pytest.mark.parametrize(("value", "code"), [
    ("not-a-global-id", "INVALID_ID"), ("Q2FtcGFpZ246MQ==", "WRONG_TYPE"),  # Campaign:1
    (gid("Post", 2**70), "NOT_FOUND"), (gid("Post", -3), "INVALID_ID")])
async def test_bad_ids_are_user_errors(world, value, code):
    result = await gql(SUBMIT, as_=world.user("manager"), variables={"id": value})
    assert result.errors == []
    assert [e["code"] for e in result["submitPost"]["userErrors"]] == [code]


async def test_audit_rows_have_before_and_after(world):
    manager = world.user("manager")
    await gql(UPDATE, as_=manager, variables={"input": {"id": gid("Post", world.post.id),
                                                         "text": "New copy"}})
    await gql(SUBMIT, as_=manager, variables={"id": gid("Post", world.post.id)})
    rows = await AuditLog.select().where(AuditLog.object_id == world.post.id).order_by(
        AuditLog.id).output(load_json=True)
    assert [r["action"] for r in rows] == ["post.update", "post.submit"]
    update, submit = rows
    assert update["before"]["text"] == world.post.text and update["after"]["text"] == "New copy"
    assert submit["before"]["status"] == "DRAFT" and submit["after"]["status"] == "IN_REVIEW"
    for row in rows:
        assert row["actor"] == manager.id and row["object_type"] == "post"
        assert row["brand_id"] == world.brand.id and row["workspace"] == world.workspace.id


async def test_concurrent_approvals_one_wins(world, database):
    if database.engine_type != "postgres":
        pytest.skip("row locks are PostgreSQL's")
    await Post.update({Post.status: PostStatus.IN_REVIEW}).where(Post.id == world.post.id)
    pid = gid("Post", world.post.id)
    results = await asyncio.gather(
        gql(APPROVE, as_=world.user("client"), variables={"id": pid}),
        gql(APPROVE, as_=world.user("strategist"), variables={"id": pid}),
    )
    errors = [e["code"] for r in results for p in r.values() for e in p["userErrors"]]
    assert errors == ["ILLEGAL_TRANSITION"]
    assert await PostTransition.count().where(PostTransition.post == world.post.id) == 1


# Use cases called directly: the storage layer, on PostgreSQL and SQLite alike.


@pytest.mark.storage
async def test_service_transition_writes_status_history_and_audit():
    brand = await make_brand()
    post = await make_post(brand, status=PostStatus.IN_REVIEW)
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    row = await service.transition_post(post.id, Transition.REJECT, None, reason="Too long",
                                        now=now)
    assert row["status"] == PostStatus.REJECTED and row["rejection_reason"] == "Too long"
    assert row["updated_at"] == now
    (step,) = await PostTransition.select().where(PostTransition.post == post.id)
    assert (step["from_status"], step["to_status"], step["reason"], step["at"]) == (
        "IN_REVIEW", "REJECTED", "Too long", now)
    (audit,) = await AuditLog.select().output(load_json=True)
    assert audit["action"] == "post.reject" and audit["brand_id"] == brand.id
    assert audit["before"]["status"] == "IN_REVIEW" and audit["after"]["status"] == "REJECTED"
    with pytest.raises(WorkflowError) as error:
        await service.transition_post(post.id, Transition.APPROVE, None)
    assert error.value.code == "ILLEGAL_TRANSITION"
    assert await AuditLog.count() == 1


@pytest.mark.storage
async def test_service_create_and_update_validate_everything():
    brand = await make_brand()
    channel = await make_channel(brand, platform=Platform.PINTEREST)
    other = await make_channel()
    with pytest.raises(ValidationFailed) as error:
        await service.create_post(service.NewPost(
            brand_id=brand.id, channel_id=channel.id, text="z" * 501,
            media=[MediaItem(url="javascript:alert(1)")], tags=["ok", " "]), None)
    assert {(p.field, p.code) for p in error.value.problems} == {
        ("text", "TOO_LONG"), ("media.0.url", "INVALID"), ("tags.1", "REQUIRED")}
    row = await service.create_post(service.NewPost(
        brand_id=brand.id, channel_id=channel.id, text="Pin it",
        media=[MediaItem(url="https://cdn.example/p.png", kind="gif")]), None)
    assert row["media"] == [{"url": "https://cdn.example/p.png", "kind": "GIF", "alt": ""}]
    with pytest.raises(ValidationFailed) as error:
        await service.update_post(row["id"], service.PostChanges(
            channel_id=other.id, text=None, media=None, format=None), None)
    assert {(p.field, p.code) for p in error.value.problems} == {
        ("channel", "NOT_FOUND"), ("format", "REQUIRED"), ("text", "REQUIRED")}
    same = await service.update_post(row["id"], service.PostChanges(tags=KEEP), None)
    assert same == row
    assert await AuditLog.count() == 2  # create, and the no-op update is still recorded


@pytest.mark.storage
async def test_service_missing_post_is_not_found():
    with pytest.raises(ValidationFailed) as error:
        await service.transition_post(10**9, Transition.SUBMIT, None)
    assert [(p.field, p.code) for p in error.value.problems] == [("id", "NOT_FOUND")]


async def test_member_of_two_brands_cannot_cross_them():
    user_brand = await make_brand(slug="one")
    second = await make_brand(slug="two")
    channel = await make_channel(user_brand)
    second_channel = await make_channel(second)
    user = await make_user()
    await make_membership(user, user_brand, Role.MANAGER)
    await make_membership(user, second, Role.MANAGER)
    result = await gql(CREATE, as_=user, variables={"input": {
        "brand": gid("Brand", user_brand.id), "channel": gid("Channel", second_channel.id),
        "text": "Hi"}})
    assert [(e["field"], e["code"]) for e in result["createPost"]["userErrors"]] == [
        ("channel", "NOT_FOUND")]
    ok = await gql(CREATE, as_=user, variables={"input": {
        "brand": gid("Brand", user_brand.id), "channel": gid("Channel", channel.id),
        "text": "Hi"}})
    assert ok["createPost"]["userErrors"] == []
