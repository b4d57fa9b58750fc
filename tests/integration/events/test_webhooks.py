"""Webhooks end to end: registered through GraphQL, delivered through the job queue to a
local receiver over real HTTP, signed (checked here with hmac, independently of Coso's
code), retried with backoff, disabled after repeated failure, refused for private
addresses, never sent for a rolled-back change."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.jobs.queues import inline_queue, job_queue
from domain.db import write_transaction
from domain.enums import WorkspaceRole
from domain.events import Event, EventKind, publish
from domain.jobs import drain
from domain.models import Webhook, WebhookAttempt, WebhookDelivery
from domain.settings import get_settings
from domain.webhooks import dispatch
from tests.api.client import gid, gql
from tests.factories import make_brand, make_user, make_workspace, make_workspace_member
from tests.integration.events.receiver import Receiver

CREATE = """mutation($ws: ID!, $url: String!, $events: [EventKind!]!) {
  createWebhook(workspace: $ws, url: $url, events: $events, description: "CRM") {
    secret webhook { id url events enabled } userErrors { field code message } } }"""


@pytest.fixture
def env(monkeypatch):
    """Settings from these variables for the test (loopback receivers allowed by default)."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    apply(COSO_WEBHOOK_ALLOW_PRIVATE="1", COSO_WEBHOOK_RETRY_BASE="30",
          COSO_WEBHOOK_RETRY_FACTOR="4", COSO_WEBHOOK_MAX_ATTEMPTS="6",
          COSO_WEBHOOK_DISABLE_AFTER="5")
    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
async def waits() -> AsyncIterator[list[float]]:
    """The delivery jobs go to an in-process queue whose pauses are recorded, not slept."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    dispatch.use_queue(lambda: inline_queue(sleep=sleep))
    yield slept
    await drain()
    dispatch.use_queue(job_queue)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    served = await Receiver().start()
    yield served
    await served.stop()


@pytest.fixture
async def agency() -> dict[str, Any]:
    workspace = await make_workspace()
    brand = await make_brand(workspace)
    owner = await make_user()
    await make_workspace_member(workspace, owner, WorkspaceRole.OWNER)
    return {"workspace": workspace, "brand": brand, "owner": owner}


async def register(agency: dict[str, Any], url: str,
                   events: tuple[str, ...] = ("POST_PUBLISHED",)) -> dict[str, Any]:
    answer = await gql(CREATE, as_=agency["owner"], variables={
        "ws": gid("Workspace", agency["workspace"].id), "url": url, "events": list(events)})
    return answer["createWebhook"]


async def raise_event(agency: dict[str, Any], kind: EventKind = EventKind.POST_PUBLISHED,
                      **payload: Any) -> Event:
    event = Event(kind, agency["workspace"].id, agency["brand"].id, "Post", 7,
                  {"externalId": "ig_1", **payload})
    async with write_transaction():
        await publish(event)
    await drain()
    return event


def signed_by(secret: str, header: str, body: bytes) -> bool:
    """The receiver's check, as the README shows it: HMAC-SHA256 of `t.body`, 5 minutes."""
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and \
        abs(time.time() - int(parts["t"])) <= 300


async def test_a_delivery_is_signed_and_recorded(env, waits, receiver, agency):
    created = await register(agency, receiver.url)
    assert created["userErrors"] == []
    secret = created["secret"]
    assert secret.startswith("whsec_")
    event = await raise_event(agency)
    [request] = receiver.requests
    assert request.method == "POST" and request.path == "/hooks/coso"
    assert signed_by(secret, request.headers["coso-signature"], request.body)
    assert not signed_by(secret + "x", request.headers["coso-signature"], request.body)
    assert request.headers["coso-event"] == "POST_PUBLISHED"
    assert request.headers["coso-event-id"] == event.id
    body = json.loads(request.body)
    assert body["type"] == "POST_PUBLISHED" and body["id"] == event.id
    assert body["subject"] == {"type": "Post", "id": gid("Post", 7)}
    assert body["brand"] == gid("Brand", agency["brand"].id)
    assert body["workspace"] == gid("Workspace", agency["workspace"].id)
    assert body["data"] == {"externalId": "ig_1"}
    delivery = await WebhookDelivery.select().first()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "DELIVERED", 1, 200)
    attempt = await WebhookAttempt.select().first()
    assert (attempt["status_code"], attempt["response_excerpt"]) == (200, "ok")
    assert waits == []
    # Readable through the API, with the attempt.
    answer = await gql("""query($id: ID!) { node(id: $id) { ... on Workspace { webhooks {
        url enabled recentDeliveries { eventId status attempts
          attemptLog { number statusCode responseExcerpt } } } } } }""",
                       as_=agency["owner"], variables={"id": gid("Workspace",
                                                                 agency["workspace"].id)})
    [hook] = answer["node"]["webhooks"]
    assert hook["recentDeliveries"] == [{
        "eventId": event.id, "status": "DELIVERED", "attempts": 1,
        "attemptLog": [{"number": 1, "statusCode": 200, "responseExcerpt": "ok"}]}]


async def test_only_the_chosen_kinds_are_sent(env, waits, receiver, agency):
    await register(agency, receiver.url, ("POST_FAILED",))
    await raise_event(agency, EventKind.POST_PUBLISHED)
    await raise_event(agency, EventKind.POST_FAILED)
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["POST_FAILED"]


async def test_a_rolled_back_change_sends_nothing(env, waits, receiver, agency):
    await register(agency, receiver.url)
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await publish(Event(EventKind.POST_PUBLISHED, agency["workspace"].id,
                                agency["brand"].id, "Post", 7, {}))
            raise RuntimeError("rolled back")
    await drain()
    assert receiver.requests == []
    assert await WebhookDelivery.count() == 0


async def test_failures_are_retried_with_backoff(env, waits, receiver, agency):
    receiver.statuses = [500, 503, 200]
    await register(agency, receiver.url)
    await raise_event(agency)
    assert len(receiver.requests) == 3
    assert waits == [30.0, 120.0]  # COSO_WEBHOOK_RETRY_BASE × FACTOR^(n-1)
    assert len({r.headers["coso-event-id"] for r in receiver.requests}) == 1
    delivery = await WebhookDelivery.select().first()
    assert (delivery["status"], delivery["attempts"]) == ("DELIVERED", 3)
    attempts = await WebhookAttempt.select().order_by(WebhookAttempt.number)
    assert [(a["number"], a["status_code"], a["error"]) for a in attempts] == [
        (1, 500, "HTTP 500"), (2, 503, "HTTP 503"), (3, 200, "")]


async def test_an_endpoint_failing_again_and_again_is_disabled(env, waits, receiver, agency):
    env(COSO_WEBHOOK_MAX_ATTEMPTS="2", COSO_WEBHOOK_DISABLE_AFTER="2")
    receiver.statuses = [500] * 4
    created = await register(agency, receiver.url)
    await raise_event(agency)
    await raise_event(agency)
    assert len(receiver.requests) == 4
    assert [d["status"] for d in await WebhookDelivery.select()] == ["FAILED", "FAILED"]
    hook = await Webhook.select().first()
    assert hook["enabled"] is False and hook["consecutive_failures"] == 2
    assert "2 failed deliveries in a row" in hook["disabled_reason"]
    assert "HTTP 500" in hook["disabled_reason"]
    await raise_event(agency)  # disabled: nothing more is sent
    assert len(receiver.requests) == 4
    answer = await gql("""mutation($id: ID!) { updateWebhook(id: $id, enabled: true) {
        webhook { enabled disabledReason consecutiveFailures } userErrors { code } } }""",
                       as_=agency["owner"], variables={"id": created["webhook"]["id"]})
    assert answer["updateWebhook"]["webhook"] == {
        "enabled": True, "disabledReason": "", "consecutiveFailures": 0}
    await raise_event(agency)
    assert len(receiver.requests) == 5


async def test_a_redirect_is_not_followed(env, waits, receiver, agency):
    env(COSO_WEBHOOK_MAX_ATTEMPTS="1")
    receiver.statuses = [302]
    await register(agency, receiver.url)
    await raise_event(agency)
    assert len(receiver.requests) == 1
    delivery = await WebhookDelivery.select().first()
    assert delivery["status"] == "FAILED" and "redirects are not followed" in delivery[
        "last_error"]


async def test_a_long_answer_is_cut_to_a_kibibyte(env, waits, receiver, agency):
    receiver.answer_body = b"x" * 50_000
    await register(agency, receiver.url)
    await raise_event(agency)
    attempt = await WebhookAttempt.select().first()
    assert attempt["response_excerpt"] == "x" * 1024


async def test_rotating_the_secret_signs_with_the_new_one(env, waits, receiver, agency):
    created = await register(agency, receiver.url)
    answer = await gql("mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
                       as_=agency["owner"], variables={"id": created["webhook"]["id"]})
    secret = answer["rotateWebhookSecret"]["secret"]
    assert secret != created["secret"]
    await raise_event(agency)
    [request] = receiver.requests
    assert signed_by(secret, request.headers["coso-signature"], request.body)
    assert not signed_by(created["secret"], request.headers["coso-signature"], request.body)


@pytest.mark.parametrize(("url", "code"), [
    ("https://127.0.0.1/hook", "ADDRESS_NOT_ALLOWED"),
    ("https://10.1.2.3/hook", "ADDRESS_NOT_ALLOWED"),
    ("https://169.254.169.254/latest/meta-data", "ADDRESS_NOT_ALLOWED"),
    ("https://[::1]/hook", "ADDRESS_NOT_ALLOWED"),
    ("https://[::ffff:127.0.0.1]/hook", "ADDRESS_NOT_ALLOWED"),
    ("https://224.0.0.1/hook", "ADDRESS_NOT_ALLOWED"),
    ("https://0.0.0.0/hook", "ADDRESS_NOT_ALLOWED"),
    ("https://localhost/hook", "ADDRESS_NOT_ALLOWED"),
    ("http://1.1.1.1/hook", "INSECURE_URL"),
    ("ftp://1.1.1.1/hook", "INVALID_URL"),
    ("https://user:pw@1.1.1.1/hook", "INVALID_URL"),
    ("https:///nohost", "INVALID_URL"),
    ("https://1.1.1.1:99999/", "INVALID_URL"),
])
async def test_private_and_malformed_urls_are_refused(env, agency, url, code):
    env(COSO_WEBHOOK_ALLOW_PRIVATE="")
    created = await register(agency, url)
    assert created["webhook"] is None
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [("url", code)]
    assert await Webhook.count() == 0


async def test_the_address_is_checked_again_at_delivery(env, waits, receiver, agency):
    """A host that resolved to a public address when registered and to loopback now (DNS
    rebinding; here the row is pointed at `localhost` by hand): refused, nothing sent."""
    await register(agency, receiver.url)
    port = receiver.url.split(":")[2].split("/")[0]
    await Webhook.update({Webhook.url: f"https://localhost:{port}/hooks/coso"}).where(
        Webhook.id > 0)
    env(COSO_WEBHOOK_ALLOW_PRIVATE="")
    await raise_event(agency)
    assert receiver.requests == []
    delivery = await WebhookDelivery.select().first()
    assert delivery["status"] == "FAILED" and delivery["attempts"] == 1
    assert delivery["last_error"].startswith("ADDRESS_NOT_ALLOWED")
    assert "loopback" in delivery["last_error"]
    assert waits == []  # a refused address is not retried
    hook = await Webhook.select(Webhook.consecutive_failures).first()
    assert hook["consecutive_failures"] == 1


async def test_a_manager_may_not_register_webhooks(env, agency):
    from domain.enums import Role
    from tests.factories import make_membership

    manager = await make_user()
    await make_membership(manager, agency["brand"], Role.MANAGER)
    answer = await gql(CREATE, as_=manager, variables={
        "ws": gid("Workspace", agency["workspace"].id), "url": "https://1.1.1.1/x",
        "events": ["POST_PUBLISHED"]})
    assert [e["code"] for e in answer["createWebhook"]["userErrors"]] == ["FORBIDDEN"]


async def test_a_delivery_whose_job_was_lost_is_queued_again(env, waits, receiver, agency):
    """The cron finds a PENDING delivery past its time with no job, and sends it; one whose
    retry is not due yet is left waiting (the job itself waits for its time)."""
    from datetime import UTC, datetime, timedelta

    from domain.webhooks.dispatch import requeue_stalled

    await register(agency, receiver.url)
    pk = (await Webhook.select(Webhook.id).first())["id"]
    now = datetime.now(UTC)
    lost = await WebhookDelivery.insert(WebhookDelivery(
        webhook=pk, event_id="lost", event_kind="POST_PUBLISHED", body="{}",
        created_at=now - timedelta(minutes=30))).returning(WebhookDelivery.id)
    waiting = await WebhookDelivery.insert(WebhookDelivery(
        webhook=pk, event_id="later", event_kind="POST_PUBLISHED", body="{}", attempts=1,
        next_attempt_at=now + timedelta(minutes=5))).returning(WebhookDelivery.id)
    assert await requeue_stalled(dispatch._queue(), due_before=now - timedelta(minutes=10)) == 1
    await drain()
    assert [r.headers["coso-event-id"] for r in receiver.requests] == ["lost"]
    assert (await WebhookDelivery.select(WebhookDelivery.status).where(
        WebhookDelivery.id == lost[0]["id"]).first())["status"] == "DELIVERED"
    # At a restart (embedded mode) every PENDING one is queued: this one waits its turn.
    assert await requeue_stalled(dispatch._queue()) == 1
    await drain()
    assert len(waits) == 1 and 240 < waits[0] <= 300  # slept until its retry's time
    delivered = await WebhookDelivery.select(WebhookDelivery.status).where(
        WebhookDelivery.id == waiting[0]["id"]).first()
    assert delivered["status"] == "DELIVERED"
