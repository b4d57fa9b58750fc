"""A community manager works the inbox end to end over GraphQL, in embedded mode (no Redis):
the emulator's traffic arrives, replies and moderation reach the platform before answering."""

from __future__ import annotations

import pytest

from domain.enums import Role
from domain.models import Brand
from domain.settings import get_settings
from domain.sync.inbox import request_inbox_sync
from tests.api.client import gid, gql
from tests.factories import make_membership, make_user
from tests.integration.sync.test_inbox_sync import inbox_channel

ERRORS = "userErrors { field code message }"
INBOX = """query($slug: String!, $filter: ConversationFilter) { brand(slug: $slug) {
  conversations(filter: $filter, first: 100) { totalCount nodes { id kind authorHandle
    firstResponseAt
    messages(first: 5) { nodes { id text direction hidden } } } } } }"""


@pytest.fixture(autouse=True)
def embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()


async def test_a_community_manager_works_the_synced_inbox(emulator, inline):
    channel = await inbox_channel("instagram")
    brand = await Brand.objects().get(Brand.id == channel["brand"])
    cm = await make_user()
    await make_membership(cm, brand, Role.COMMUNITY_MANAGER)
    await request_inbox_sync(inline, channel["id"])

    listed = await gql(INBOX, as_=cm, variables={"slug": brand.slug,
                                                 "filter": {"kind": ["COMMENT"]}})
    assert not listed.errors, listed.errors
    threads = listed["brand"]["conversations"]["nodes"]
    assert threads and {t["kind"] for t in threads} == {"COMMENT"}
    # One the account has not answered in the platform's own app (the emulator does, some).
    thread = next(t for t in threads if t["firstResponseAt"] is None)
    sent = await gql(f"""mutation($id: ID!) {{ replyToConversation(id: $id, text: "Grazie!") {{
        message {{ replyStatus externalId }} conversation {{ firstResponseAt
        firstResponder {{ id }} }} {ERRORS} }} }}""", as_=cm, variables={"id": thread["id"]})
    payload = sent["replyToConversation"]
    assert payload["userErrors"] == []
    assert payload["message"]["replyStatus"] == "PUBLISHED" and payload["message"]["externalId"]
    assert payload["conversation"]["firstResponseAt"] is not None
    assert payload["conversation"]["firstResponder"] == {"id": gid("User", cm.id)}
    assert [r["text"] for r in emulator.stats()["replies"]] == ["Grazie!"]

    comment = thread["messages"]["nodes"][0]
    hidden = await gql(f"""mutation($id: ID!) {{ hideMessage(id: $id) {{
        message {{ hidden moderation moderationError }} {ERRORS} }} }}""", as_=cm,
        variables={"id": comment["id"]})
    assert hidden["hideMessage"] == {"message": {"hidden": True, "moderation": None,
                                                 "moderationError": None}, "userErrors": []}
    assert emulator.stats()["hidden"] != []
    mark = await gql("""query($id: ID!) { node(id: $id) { ... on Channel { inboxWatermark } } }""",
                     as_=cm, variables={"id": gid("Channel", channel["id"])})
    assert mark["node"]["inboxWatermark"] is not None
