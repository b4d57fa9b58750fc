"""The community inbox over GraphQL: reads and filters, every mutation, roles, bad input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.enums import ConversationKind, ConversationStatus, Platform, ReplyStatus, Sentiment
from domain.models import AuditLog, Conversation, InternalNote, Message, SavedReply
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS, World
from tests.factories import make_channel, make_conversation, make_message, make_post

ERRORS = "userErrors { field code message }"
CONVERSATION = ("id kind status authorHandle escalated sentiment sentimentSource "
                "lastMessageAt firstResponseAt assignee { email } channel { id } post { id }")
LIST = f"""query($slug: String!, $filter: ConversationFilter, $first: Int, $after: String) {{
  brand(slug: $slug) {{ conversations(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {CONVERSATION} }} }} }} }}"""
NODE = """query($id: ID!) { node(id: $id) { __typename ... on Conversation { id authorHandle
  notes { text author { email } } messages(first: 10) { totalCount nodes { id text direction
  replyStatus } } } } }"""
WRITERS = {"owner", "admin", "community_manager"}
READERS = {"owner", "admin", "strategist", "manager", "community_manager"}
NOW = datetime.now(UTC)


@dataclass
class Inbox:
    world: World
    facebook: Any
    threads: dict[str, Any]

    def gid(self, name: str) -> str:
        return gid("Conversation", self.threads[name].id)


@pytest.fixture
async def inbox(world: World) -> Inbox:
    facebook = await make_channel(world.brand, platform=Platform.FACEBOOK, handle="@acme.fb",
                                  external_id="104857362918274")
    post = await make_post(world.brand, facebook, external_id="104857362918274_1")
    cm = world.user("community_manager")
    threads = {
        "old": await make_conversation(world.channel, "Prezzo?", at=NOW - timedelta(days=3),
                                       author_handle="marta"),
        "angry": await make_conversation(
            facebook, "The bag arrived torn, I want a refund", at=NOW - timedelta(hours=5),
            sentiment=Sentiment.NEGATIVE, sentiment_source="MODEL", post=post.id,
            post_external_id="104857362918274_1", author_handle="luca.r"),
        "mine": await make_conversation(facebook, "Do you ship to Bern?",
                                        at=NOW - timedelta(hours=2), assignee=cm.id,
                                        kind=ConversationKind.DM, author_handle="anna"),
        "done": await make_conversation(facebook, "Grazie mille!", at=NOW - timedelta(hours=1),
                                        status=ConversationStatus.RESOLVED, escalated=True,
                                        kind=ConversationKind.MENTION, author_handle="gio"),
    }
    await InternalNote.insert(InternalNote(conversation=threads["angry"].id, author=cm.id,
                                           text="Known courier issue, offer a refund"))
    return Inbox(world, facebook, threads)


async def handles(viewer: Any, variables: dict[str, Any] | None = None) -> list[str]:
    result = await gql(LIST, as_=viewer, variables={"slug": "acme", **(variables or {})})
    assert not result.errors, result.errors
    return [n["authorHandle"] for n in result["brand"]["conversations"]["nodes"]]


# -- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_who_reads_the_inbox_and_its_notes(inbox, viewer):
    user = inbox.world.user(viewer)
    node = await gql(NODE, as_=user, variables={"id": inbox.gid("angry")})
    if viewer in READERS:
        assert await handles(user) == ["gio", "anna", "luca.r", "marta"]  # newest first
        thread = node["node"]
        assert thread["notes"] == [{"text": "Known courier issue, offer a refund",
                                    "author": {"email": "community_manager@agency.example"}}]
        assert [m["text"] for m in thread["messages"]["nodes"]] == [
            "The bag arrived torn, I want a refund"]
    else:
        assert node.get("node") is None  # a client never sees a conversation, nor its notes
        if viewer == "client":
            assert await handles(user) == []
    note = await InternalNote.select(InternalNote.id).first()
    note_node = await gql("query($id: ID!) { node(id: $id) { id } }", as_=user,
                          variables={"id": gid("InternalNote", note["id"])})
    assert (note_node.get("node") is not None) == (viewer in READERS)


@pytest.mark.storage  # raw keyset SQL with the search's subquery, on both engines
@pytest.mark.parametrize(("filter_", "expected"), [
    ({"unassigned": True}, ["gio", "luca.r", "marta"]),
    ({"mine": True}, ["anna"]),
    ({"status": ["OPEN"]}, ["anna", "luca.r", "marta"]),
    ({"escalated": True}, ["gio"]),
    ({"sentiment": ["NEGATIVE"]}, ["luca.r"]),
    ({"kind": ["DM", "MENTION"]}, ["gio", "anna"]),
    ({"search": "REFUND"}, ["luca.r"]),
    ({"search": "ann"}, ["anna"]),
    ({"search": "100%_"}, []),
    ({"status": ["OPEN"], "unassigned": True}, ["luca.r", "marta"]),
])
async def test_filters(inbox, filter_, expected):
    cm = inbox.world.user("community_manager")
    assert await handles(cm, {"filter": filter_}) == expected


@pytest.mark.storage
async def test_filters_by_channel_post_and_time(inbox):
    cm = inbox.world.user("community_manager")
    assert await handles(cm, {"filter": {"channels": [gid("Channel", inbox.world.channel.id)]}}
                         ) == ["marta"]
    post = inbox.threads["angry"].post
    assert await handles(cm, {"filter": {"post": gid("Post", post)}}) == ["luca.r"]
    since = (NOW - timedelta(hours=3)).isoformat()
    until = (NOW - timedelta(minutes=90)).isoformat()
    assert await handles(cm, {"filter": {"from": since, "to": until}}) == ["anna"]
    bad = await gql(LIST, as_=cm, variables={"slug": "acme",
                                             "filter": {"from": "2026-01-01T00:00:00"}})
    assert bad.errors and "timezone" in bad.errors[0]


async def test_pages_follow_the_cursor(inbox):
    cm = inbox.world.user("community_manager")
    first = await gql(LIST, as_=cm, variables={"slug": "acme", "first": 3})
    page = first["brand"]["conversations"]
    assert page["totalCount"] == 4 and page["pageInfo"]["hasNextPage"]
    rest = await gql(LIST, as_=cm, variables={"slug": "acme", "first": 3,
                                              "after": page["pageInfo"]["endCursor"]})
    assert [n["authorHandle"] for n in rest["brand"]["conversations"]["nodes"]] == ["marta"]


# -- mutations by role -----------------------------------------------------------------------

MUTATIONS = {
    "assign": (f"""mutation($id: ID!, $to: ID) {{ assignConversation(id: $id, assignee: $to)
               {{ conversation {{ assignee {{ email }} }} {ERRORS} }} }}""", "angry"),
    "escalate": (f"""mutation($id: ID!) {{ escalateConversation(id: $id)
                 {{ conversation {{ escalated }} {ERRORS} }} }}""", "angry"),
    "resolve": (f"""mutation($id: ID!) {{ resolveConversation(id: $id)
                {{ conversation {{ status resolvedAt }} {ERRORS} }} }}""", "angry"),
    "reopen": (f"""mutation($id: ID!) {{ reopenConversation(id: $id)
               {{ conversation {{ status resolvedAt }} {ERRORS} }} }}""", "done"),
    "sentiment": (f"""mutation($id: ID!) {{ setConversationSentiment(id: $id, sentiment: POSITIVE)
                  {{ conversation {{ sentiment sentimentSource }} {ERRORS} }} }}""", "angry"),
    "note": (f"""mutation($id: ID!) {{ addInternalNote(conversation: $id, text: "Call her")
             {{ note {{ text }} conversation {{ notes {{ text }} }} {ERRORS} }} }}""", "angry"),
}


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_only_community_managers_and_admins_work_the_inbox(inbox, viewer, name):
    document, thread = MUTATIONS[name]
    variables = {"id": inbox.gid(thread)}
    if name == "assign":
        variables["to"] = gid("User", inbox.world.user("community_manager").id)
    result = await gql(document, as_=inbox.world.user(viewer), variables=variables)
    if viewer == "anonymous":
        assert result.errors
        return
    payload = next(iter(result.values()))
    if viewer in WRITERS:
        assert payload[next(k for k in payload if k != "userErrors")] is not None
        assert payload["userErrors"] == []
        assert await AuditLog.count().where(AuditLog.object_type.is_in(
            ["conversation", "internal_note"])) == 1
    else:
        code = "FORBIDDEN" if viewer in READERS | {"client"} else "NOT_FOUND"
        assert [e["code"] for e in payload["userErrors"]] == [code]
        assert await AuditLog.count() == 0


async def test_the_workflow_and_its_illegal_moves(inbox):
    cm = inbox.world.user("community_manager")
    angry = inbox.gid("angry")
    resolve, reopen = MUTATIONS["resolve"][0], MUTATIONS["reopen"][0]
    done = await gql(resolve, as_=cm, variables={"id": angry})
    assert done["resolveConversation"]["conversation"]["status"] == "RESOLVED"
    again = await gql(resolve, as_=cm, variables={"id": angry})
    assert again["resolveConversation"]["userErrors"] == [{
        "field": "status", "code": "ILLEGAL_TRANSITION",
        "message": "the conversation is already resolved"}]
    opened = await gql(reopen, as_=cm, variables={"id": angry})
    assert opened["reopenConversation"]["conversation"] == {"status": "OPEN", "resolvedAt": None}
    off = await gql(f"""mutation($id: ID!) {{ escalateConversation(id: $id, escalated: false)
                    {{ conversation {{ escalated }} {ERRORS} }} }}""", as_=cm,
                    variables={"id": angry})
    assert off["escalateConversation"]["userErrors"][0]["code"] == "ILLEGAL_TRANSITION"


async def test_assignment_goes_to_community_managers_only(inbox):
    cm = inbox.world.user("community_manager")
    document = MUTATIONS["assign"][0]
    for who in ("client", "outsider"):
        result = await gql(document, as_=cm, variables={
            "id": inbox.gid("angry"), "to": gid("User", inbox.world.user(who).id)})
        assert [(e["field"], e["code"]) for e in result["assignConversation"]["userErrors"]
                ] == [("assignee", "NOT_FOUND")]
    bad = await gql(document, as_=cm, variables={"id": "nonsense", "to": None})
    assert [(e["field"], e["code"]) for e in bad["assignConversation"]["userErrors"]] == [
        ("id", "INVALID_ID")]
    owner = await gql(document, as_=cm, variables={
        "id": inbox.gid("angry"), "to": gid("User", inbox.world.user("owner").id)})
    assert owner["assignConversation"]["conversation"]["assignee"] == {
        "email": "owner@agency.example"}
    off = await gql(document, as_=cm, variables={"id": inbox.gid("angry"), "to": None})
    assert off["assignConversation"]["conversation"]["assignee"] is None


async def test_sentiment_by_hand_stays_until_cleared(inbox):
    cm = inbox.world.user("community_manager")
    set_ = await gql(MUTATIONS["sentiment"][0], as_=cm, variables={"id": inbox.gid("angry")})
    assert set_["setConversationSentiment"]["conversation"] == {
        "sentiment": "POSITIVE", "sentimentSource": "MANUAL"}
    cleared = await gql(f"""mutation($id: ID!) {{ setConversationSentiment(id: $id, sentiment: null)
                        {{ conversation {{ sentiment sentimentSource }} {ERRORS} }} }}""",
                        as_=cm, variables={"id": inbox.gid("angry")})
    # Back to the model: the fixture's messages carry no sentiment of their own.
    assert cleared["setConversationSentiment"]["conversation"] == {
        "sentiment": None, "sentimentSource": None}


async def test_notes_need_text(inbox):
    cm = inbox.world.user("community_manager")
    result = await gql(f"""mutation($id: ID!, $text: String!) {{ addInternalNote(
        conversation: $id, text: $text) {{ note {{ id }} {ERRORS} }} }}""", as_=cm,
        variables={"id": inbox.gid("angry"), "text": "  "})
    assert [(e["field"], e["code"]) for e in result["addInternalNote"]["userErrors"]] == [
        ("text", "REQUIRED")]
    long = await gql(f"""mutation($id: ID!, $text: String!) {{ addInternalNote(
        conversation: $id, text: $text) {{ note {{ id }} {ERRORS} }} }}""", as_=cm,
        variables={"id": inbox.gid("angry"), "text": "x" * 5001})
    assert long["addInternalNote"]["userErrors"][0]["code"] == "TOO_LONG"


# -- replies, saved replies, moderation ------------------------------------------------------

REPLY = f"""mutation($id: ID!, $text: String, $saved: ID) {{ replyToConversation(
  id: $id, text: $text, savedReply: $saved) {{
  message {{ text direction replyStatus author {{ email }} }}
  conversation {{ id }} {ERRORS} }} }}"""
SAVE = f"""mutation($brand: ID!, $title: String!, $text: String!) {{ createSavedReply(
  brand: $brand, title: $title, text: $text) {{ savedReply {{ id title text }} {ERRORS} }} }}"""


async def test_a_reply_is_queued_for_the_worker(inbox):
    cm = inbox.world.user("community_manager")
    result = await gql(REPLY, as_=cm, variables={"id": inbox.gid("angry"),
                                                 "text": "So sorry, refund on its way"})
    payload = result["replyToConversation"]
    assert payload["userErrors"] == []
    # REDIS_URL is set here: the job waits in the queue (sending is tested with the emulator).
    assert payload["message"] == {"text": "So sorry, refund on its way", "direction": "OUT",
                                  "replyStatus": "QUEUED",
                                  "author": {"email": "community_manager@agency.example"}}
    stored = await Message.select().where(Message.reply_status == ReplyStatus.QUEUED).first()
    assert stored["parent_external_id"] == inbox.threads["angry"].external_id


@pytest.mark.parametrize(("variables", "problem"), [
    ({"text": " "}, ("text", "REQUIRED")),
    ({"text": "x" * 2201}, ("text", "TOO_LONG")),
    ({"text": "Hi", "saved": "U2F2ZWRSZXBseToy"}, ("text", "INVALID")),
    ({"saved": "U2F2ZWRSZXBseTo5OTk="}, ("savedReply", "NOT_FOUND")),
    ({"saved": "bad"}, ("savedReply", "INVALID_ID")),
])
async def test_bad_replies(inbox, variables, problem):
    cm = inbox.world.user("community_manager")
    result = await gql(REPLY, as_=cm, variables={"id": inbox.gid("angry"), **variables})
    assert [(e["field"], e["code"]) for e in result["replyToConversation"]["userErrors"]] == [
        problem]
    assert await Message.count().where(Message.reply_status.is_not_null()) == 0


async def test_where_the_platform_allows_no_reply(inbox):
    cm = inbox.world.user("community_manager")
    x = await make_channel(inbox.world.brand, platform=Platform.TIKTOK)
    thread = await make_conversation(x, "nice")
    result = await gql(REPLY, as_=cm, variables={"id": gid("Conversation", thread.id),
                                                 "text": "thanks"})
    assert result["replyToConversation"]["userErrors"][0]["code"] == "NOT_SUPPORTED"
    old_dm = await make_conversation(inbox.facebook, "hello?", kind=ConversationKind.DM,
                                     at=NOW - timedelta(days=2))
    late = await gql(REPLY, as_=cm, variables={"id": gid("Conversation", old_dm.id),
                                               "text": "sorry for the wait"})
    assert late["replyToConversation"]["userErrors"][0]["code"] == "OUTSIDE_REPLY_WINDOW"


async def test_saved_replies_fill_their_placeholders(inbox):
    cm = inbox.world.user("community_manager")
    brand = gid("Brand", inbox.world.brand.id)
    made = await gql(SAVE, as_=cm, variables={
        "brand": brand, "title": "Refund", "text": "Hi {author}, {brand} will refund you."})
    saved = made["createSavedReply"]["savedReply"]
    sent = await gql(REPLY, as_=cm, variables={"id": inbox.gid("angry"), "saved": saved["id"]})
    assert sent["replyToConversation"]["message"]["text"] == "Hi @luca.r, Acme will refund you."
    listed = await gql("""query { brand(slug: "acme") { savedReplies { totalCount
        nodes { title createdBy { email } } } } }""", as_=inbox.world.user("strategist"))
    assert listed["brand"]["savedReplies"]["nodes"] == [
        {"title": "Refund", "createdBy": {"email": "community_manager@agency.example"}}]
    client = await gql("""query { brand(slug: "acme") { savedReplies { totalCount } } }""",
                       as_=inbox.world.user("client"))
    assert client["brand"]["savedReplies"]["totalCount"] == 0


async def test_saved_reply_validation_update_and_delete(inbox):
    cm = inbox.world.user("community_manager")
    brand = gid("Brand", inbox.world.brand.id)
    bad = await gql(SAVE, as_=cm, variables={"brand": brand, "title": "", "text": "Hi {nmae}"})
    assert sorted((e["field"], e["code"]) for e in bad["createSavedReply"]["userErrors"]) == [
        ("text", "UNKNOWN_PLACEHOLDER"), ("title", "REQUIRED")]
    first = await gql(SAVE, as_=cm, variables={"brand": brand, "title": "Hi", "text": "Hi!"})
    twin = await gql(SAVE, as_=cm, variables={"brand": brand, "title": "Hi", "text": "Hey"})
    assert twin["createSavedReply"]["userErrors"][0]["code"] == "TITLE_TAKEN"
    pk = first["createSavedReply"]["savedReply"]["id"]
    changed = await gql(f"""mutation($id: ID!) {{ updateSavedReply(id: $id, text: "Hello {{agent}}")
        {{ savedReply {{ title text }} {ERRORS} }} }}""", as_=cm, variables={"id": pk})
    assert changed["updateSavedReply"]["savedReply"] == {"title": "Hi", "text": "Hello {agent}"}
    delete = f"""mutation($id: ID!) {{ deleteSavedReply(id: $id) {{ deletedId {ERRORS} }} }}"""
    manager = await gql(delete, as_=inbox.world.user("manager"), variables={"id": pk})
    assert manager["deleteSavedReply"]["userErrors"][0]["code"] == "FORBIDDEN"
    gone = await gql(delete, as_=cm, variables={"id": pk})
    assert gone["deleteSavedReply"]["deletedId"] == pk
    assert await SavedReply.count() == 0


async def test_moderation_is_refused_where_the_platform_does_not_allow_it(inbox):
    cm = inbox.world.user("community_manager")
    dm = await Message.select(Message.id).where(
        Message.conversation == inbox.threads["mine"].id).first()
    result = await gql(f"""mutation($id: ID!) {{ hideMessage(id: $id) {{ message {{ hidden }}
        {ERRORS} }} }}""", as_=cm, variables={"id": gid("Message", dm["id"])})
    assert [(e["field"], e["code"]) for e in result["hideMessage"]["userErrors"]] == [
        ("id", "NOT_SUPPORTED")]
    reply = await make_message(inbox.threads["angry"], "Our answer", direction="OUT")
    own = await gql(f"""mutation($id: ID!) {{ deleteMessage(id: $id) {{ message {{ deleted }}
        {ERRORS} }} }}""", as_=cm, variables={"id": gid("Message", reply.id)})
    assert own["deleteMessage"]["userErrors"][0]["code"] == "NOT_SUPPORTED"
    client = await gql(f"""mutation($id: ID!) {{ deleteMessage(id: $id) {{ message {{ deleted }}
        {ERRORS} }} }}""", as_=inbox.world.user("client"),
        variables={"id": gid("Message", reply.id)})
    assert client["deleteMessage"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await Conversation.select(Conversation.id).where(
        Conversation.id == inbox.threads["angry"].id).first()) is not None


async def test_hiding_waits_for_the_worker_and_is_asked_once(inbox):
    cm = inbox.world.user("community_manager")
    comment = await Message.select(Message.id).where(
        Message.conversation == inbox.threads["angry"].id).first()
    hide = f"""mutation($id: ID!) {{ hideMessage(id: $id) {{ message {{ hidden moderation }}
        {ERRORS} }} }}"""
    first = await gql(hide, as_=cm, variables={"id": gid("Message", comment["id"])})
    assert first["hideMessage"] == {"message": {"hidden": False, "moderation": "HIDE"},
                                    "userErrors": []}
    again = await gql(hide, as_=cm, variables={"id": gid("Message", comment["id"])})
    assert [e["code"] for e in again["hideMessage"]["userErrors"]] == ["MODERATION_PENDING"]
