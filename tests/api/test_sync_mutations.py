"""Channel connection and sync mutations end to end, against real PostgreSQL and Redis (arq).

Here REDIS_URL is set, so jobs are only queued: these tests read the queue to see them.
Running them (and embedded mode) is tested against the emulator in tests/integration/sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool

from api.jobs.registry import SYNC_QUEUE
from domain.enums import ChannelStatus, Platform, PostStatus, SyncKind, SyncStatus
from domain.models import AuditLog, Channel, Post, SyncRun
from domain.services.secrets import decrypt_token, encrypt_token
from domain.settings import get_settings
from tests.api.client import fewest_statements, gid, gql
from tests.api.conftest import VIEWERS
from tests.factories import make_channel, make_user

TODAY = datetime.now(UTC).date()
YESTERDAY = TODAY - timedelta(days=1)
TOKEN = "EAAB-secret-page-token-42"

RUN = ("id kind status windowFrom windowTo attempt apiVersion itemsIn itemsInserted "
       "itemsUpdated errorCode error")
CHANNEL = ("id platform handle externalId status connectedAt tokenExpiresAt metricsWatermark "
           "backfilledFrom lastError")
ERRORS = "userErrors { field code message }"

CONNECT = f"""mutation($input: ConnectChannelInput!) {{ connectChannel(input: $input) {{
  channel {{ {CHANNEL} }} syncRun {{ {RUN} }} {ERRORS} }} }}"""
UPDATE_TOKEN = f"""mutation($id: ID!, $token: String!, $expiresAt: DateTime) {{
  updateChannelToken(id: $id, accessToken: $token, expiresAt: $expiresAt) {{
    channel {{ {CHANNEL} }} {ERRORS} }} }}"""
DISCONNECT = f"""mutation($id: ID!) {{ disconnectChannel(id: $id) {{
  channel {{ {CHANNEL} }} {ERRORS} }} }}"""
REQUEST = f"""mutation($channel: ID!, $from: Date!, $to: Date!) {{
  requestSync(channel: $channel, from: $from, to: $to) {{ syncRun {{ {RUN} }} {ERRORS} }} }}"""
PUBLISH_NOW = f"""mutation($id: ID!) {{ publishNow(id: $id) {{
  post {{ id status }} syncRun {{ {RUN} post {{ id }} }} {ERRORS} }} }}"""
CHANNEL_QUERY = f"""query($id: ID!) {{ node(id: $id) {{ ... on Channel {{ {CHANNEL}
  lastSync {{ {RUN} }}
  syncRuns(first: 2) {{ totalCount pageInfo {{ hasNextPage endCursor }}
                       nodes {{ {RUN} channel {{ id }} requestedBy {{ email }} }} }} }} }} }}"""


@pytest.fixture
async def queue():
    """The test Redis database, emptied before and after: arq's queue as the API fills it."""
    pool = await create_pool(RedisSettings.from_dsn(get_settings().redis_url))
    await pool.flushdb()
    yield pool
    await pool.flushdb()
    await pool.aclose()


async def queued(pool: ArqRedis) -> list[tuple[str, str, tuple[Any, ...]]]:
    jobs = await pool.queued_jobs(queue_name=SYNC_QUEUE)
    return sorted((j.job_id, j.function, tuple(j.args)) for j in jobs)


async def connected(channel: Channel, **values: Any) -> Channel:
    """The channel connected to Facebook with a working token; keywords override columns."""
    values = {"status": ChannelStatus.CONNECTED, "access_token": encrypt_token(TOKEN),
              "platform": Platform.FACEBOOK, "external_id": "104857362918274",
              "connected_at": datetime.now(UTC), **values}
    await Channel.update({getattr(Channel, k): v for k, v in values.items()}).where(
        Channel.id == channel.id)
    return channel


def connect_input(world, **overrides: Any) -> dict[str, Any]:
    return {"input": {"brand": gid("Brand", world.brand.id), "platform": "FACEBOOK",
                      "handle": "aurora.page", "externalId": "104857362918274",
                      "accessToken": TOKEN, **overrides}}


# -- who may do what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    document: str
    field: str
    target: str  # "brand", "channel" or "post": whose id the mutation takes


CASES = {
    "connectChannel": Case(CONNECT, "connectChannel", "brand"),
    "updateChannelToken": Case(UPDATE_TOKEN, "updateChannelToken", "channel"),
    "disconnectChannel": Case(DISCONNECT, "disconnectChannel", "channel"),
    "requestSync": Case(REQUEST, "requestSync", "channel"),
    "publishNow": Case(PUBLISH_NOW, "publishNow", "post"),
}
ALLOWED = {"owner", "admin", "manager"}  # the BRIEF: connect channels, request syncs, publish


async def _variables(world, case: Case, rival: bool) -> dict[str, Any]:
    brand = world.other_brand if rival else world.brand
    channel = await connected(world.other_channel if rival else world.channel)
    post = world.other_post if rival else world.post
    await Post.update({Post.status: PostStatus.APPROVED}).where(Post.id == post.id)
    if case.target == "brand":
        variables = connect_input(world)
        variables["input"]["brand"] = gid("Brand", brand.id)
        return variables
    if case.target == "post":
        return {"id": gid("Post", post.id)}
    if case.document is REQUEST:
        return {"channel": gid("Channel", channel.id), "from": str(YESTERDAY - timedelta(6)),
                "to": str(YESTERDAY)}
    return {"id": gid("Channel", channel.id), "token": "fresh-token"}


async def _state() -> tuple[Any, ...]:
    return (await Channel.select().order_by(Channel.id), await SyncRun.count(),
            await AuditLog.count(), await Post.select(Post.id, Post.status).order_by(Post.id))


def _expected(viewer: str, rival: bool) -> str:
    if viewer == "anonymous":
        return "AUTH"
    if viewer == "outsider":
        return "OK" if rival else "NOT_FOUND"
    if rival:
        return "NOT_FOUND"
    return "OK" if viewer in ALLOWED else "FORBIDDEN"


async def _check(world, queue, viewer: str, name: str, rival: bool) -> None:
    case = CASES[name]
    variables = await _variables(world, case, rival)
    before = await _state()
    result = await gql(case.document, as_=world.user(viewer), variables=variables)
    expected = _expected(viewer, rival)
    if expected == "AUTH":
        assert result.errors and "authentication required" in result.errors[0]
        assert await _state() == before
        return
    assert result.errors == []
    payload = result[case.field]
    if expected == "OK":
        assert payload["userErrors"] == [], payload
        assert await _state() != before
        return
    assert [e["code"] for e in payload["userErrors"]] == [expected]
    assert await _state() == before
    assert await queued(queue) == []


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("viewer", VIEWERS)
async def test_permission_table(world, queue, viewer, name):
    await _check(world, queue, viewer, name, rival=False)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v != "anonymous"])
async def test_rival_ids_are_not_found(world, queue, viewer, name):
    await _check(world, queue, viewer, name, rival=True)


# -- connectChannel -------------------------------------------------------------------------


async def test_connect_creates_the_channel_encrypts_the_token_and_queues_a_backfill(world, queue):
    expires = datetime.now(UTC) + timedelta(days=60)
    result = await gql(CONNECT, as_=world.user("manager"),
                       variables=connect_input(world, expiresAt=expires.isoformat(),
                                               name="Aurora"))
    payload = result["connectChannel"]
    assert payload["userErrors"] == []
    channel, run = payload["channel"], payload["syncRun"]
    assert channel["status"] == "CONNECTED" and channel["externalId"] == "104857362918274"
    assert datetime.fromisoformat(channel["tokenExpiresAt"]) == expires
    assert channel["metricsWatermark"] is None
    backfill = get_settings().backfill_days
    assert run["kind"] == "BACKFILL" and run["status"] == "QUEUED"
    assert run["windowTo"] == str(YESTERDAY)
    assert run["windowFrom"] == str(YESTERDAY - timedelta(days=backfill - 1))

    row = await Channel.select().where(Channel.handle == "aurora.page").first()
    assert TOKEN not in row["access_token"] and decrypt_token(row["access_token"]) == TOKEN
    run_row = await SyncRun.select().first()
    assert run_row["requested_by"] == world.user("manager").id
    job_id = f"sync:{row['id']}:{run['windowFrom']}:{run['windowTo']}"
    assert run_row["job_id"] == job_id
    assert await queued(queue) == [(job_id, "sync_channel", (run_row["id"],))]
    # The audit row says a token was set, and never holds it (not even encrypted).
    audit = await AuditLog.select().where(AuditLog.action == "channel.connect").output(
        load_json=True).first()
    assert audit["after"]["access_token"] is True
    every_audit = str(await AuditLog.select())
    assert TOKEN not in every_audit and row["access_token"] not in every_audit


async def test_no_token_field_exists_in_the_api():
    # Introspection needs a viewer (api/graphql/anonymous.py).
    result = await gql('{ __type(name: "Channel") { fields { name } } }', as_=await make_user())
    names = {f["name"] for f in result["__type"]["fields"]}
    assert not {n for n in names if "token" in n.lower() and n != "tokenExpiresAt"}


async def test_connecting_an_existing_channel_keeps_it_and_catches_up(world, queue):
    await Channel.update({Channel.platform: Platform.FACEBOOK, Channel.handle: "aurora.page",
                          Channel.metrics_watermark: YESTERDAY - timedelta(days=3),
                          Channel.status: ChannelStatus.TOKEN_EXPIRED}).where(
        Channel.id == world.channel.id)
    result = await gql(CONNECT, as_=world.user("manager"), variables=connect_input(world))
    payload = result["connectChannel"]
    assert payload["userErrors"] == []
    assert payload["channel"]["id"] == gid("Channel", world.channel.id)
    assert payload["channel"]["status"] == "CONNECTED"
    assert payload["syncRun"]["kind"] == "METRICS"  # a catch-up, not a second backfill
    assert payload["syncRun"]["windowTo"] == str(YESTERDAY)
    assert await Channel.count() == 2  # the world's two channels, no new one


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"accessToken": "  "}, "accessToken", "REQUIRED"),
    ({"accessToken": "two words"}, "accessToken", "INVALID"),
    ({"accessToken": "x" * 5000}, "accessToken", "TOO_LONG"),
    ({"refreshToken": "bad\ttoken"}, "refreshToken", "INVALID"),
    ({"externalId": ""}, "externalId", "REQUIRED"),
    ({"handle": ""}, "handle", "REQUIRED"),
    ({"handle": "a\x00b"}, "handle", "INVALID"),
    ({"platform": "PINTEREST"}, "platform", "UNSUPPORTED_PLATFORM"),
    ({"expiresAt": "2020-01-01T00:00:00Z"}, "expiresAt", "EXPIRED"),
    ({"expiresAt": "2099-01-01T00:00:00"}, "expiresAt", "INVALID"),
])
async def test_connect_refuses_bad_input_and_changes_nothing(world, queue, overrides, field,
                                                             code):
    before = await _state()
    result = await gql(CONNECT, as_=world.user("manager"),
                       variables=connect_input(world, **overrides))
    assert result.errors == []
    payload = result["connectChannel"]
    assert payload["channel"] is None and payload["syncRun"] is None
    assert (field, code) in {(e["field"], e["code"]) for e in payload["userErrors"]}
    assert await _state() == before
    assert await queued(queue) == []


async def test_connect_reports_every_problem_at_once(world, queue):
    result = await gql(CONNECT, as_=world.user("manager"), variables=connect_input(
        world, accessToken="", externalId="", handle=""))
    fields = {e["field"] for e in result["connectChannel"]["userErrors"]}
    assert fields == {"accessToken", "externalId", "handle"}


# -- updateChannelToken / disconnectChannel -------------------------------------------------


async def test_a_new_token_reconnects_an_expired_channel(world, queue):
    await connected(world.channel, status=ChannelStatus.TOKEN_EXPIRED,
                    last_error="HTTP 401: token expired")
    result = await gql(UPDATE_TOKEN, as_=world.user("admin"), variables={
        "id": gid("Channel", world.channel.id), "token": "renewed-token"})
    channel = result["updateChannelToken"]["channel"]
    assert result["updateChannelToken"]["userErrors"] == []
    assert channel["status"] == "CONNECTED" and channel["lastError"] is None
    row = await Channel.select(Channel.access_token).where(Channel.id == world.channel.id).first()
    assert decrypt_token(row["access_token"]) == "renewed-token"


async def test_a_token_needs_the_channels_external_id(world, queue):
    await connected(world.channel, external_id="")
    result = await gql(UPDATE_TOKEN, as_=world.user("manager"), variables={
        "id": gid("Channel", world.channel.id), "token": "renewed-token"})
    assert [e["code"] for e in result["updateChannelToken"]["userErrors"]] == [
        "EXTERNAL_ID_REQUIRED"]


async def test_disconnect_forgets_tokens_and_keeps_history(world, queue):
    await connected(world.channel, metrics_watermark=YESTERDAY)
    result = await gql(DISCONNECT, as_=world.user("manager"),
                       variables={"id": gid("Channel", world.channel.id)})
    channel = result["disconnectChannel"]["channel"]
    assert channel["status"] == "DISCONNECTED" and channel["metricsWatermark"] == str(YESTERDAY)
    row = await Channel.select().where(Channel.id == world.channel.id).first()
    assert row["access_token"] == "" and row["refresh_token"] == ""


# -- requestSync ----------------------------------------------------------------------------


async def test_request_sync_queues_one_job_however_often_it_is_asked(world, queue):
    await connected(world.channel)
    variables = {"channel": gid("Channel", world.channel.id),
                 "from": str(YESTERDAY - timedelta(days=13)), "to": str(YESTERDAY)}
    first = await gql(REQUEST, as_=world.user("manager"), variables=variables)
    again = await gql(REQUEST, as_=world.user("owner"), variables=variables)
    run = first["requestSync"]["syncRun"]
    assert run["status"] == "QUEUED" and run["kind"] == "METRICS"
    assert again["requestSync"]["syncRun"]["id"] == run["id"]
    assert await SyncRun.count() == 1
    job_id = f"sync:{world.channel.id}:{variables['from']}:{variables['to']}"
    assert [j[0] for j in await queued(queue)] == [job_id]


@pytest.mark.parametrize(("start", "end", "field", "code"), [
    (YESTERDAY, YESTERDAY - timedelta(days=1), "to", "INVALID_WINDOW"),
    (YESTERDAY, TODAY, "to", "FUTURE_WINDOW"),
    (YESTERDAY - timedelta(days=400), YESTERDAY, "from", "WINDOW_TOO_LONG"),
    (TODAY - timedelta(days=2000), TODAY - timedelta(days=1990), "from", "OUT_OF_RANGE"),
])
async def test_request_sync_checks_the_window(world, queue, start, end, field, code):
    await connected(world.channel)
    result = await gql(REQUEST, as_=world.user("manager"), variables={
        "channel": gid("Channel", world.channel.id), "from": str(start), "to": str(end)})
    payload = result["requestSync"]
    assert payload["syncRun"] is None
    assert (field, code) in {(e["field"], e["code"]) for e in payload["userErrors"]}
    assert await SyncRun.count() == 0 and await queued(queue) == []


async def test_request_sync_needs_a_connected_channel(world, queue):
    result = await gql(REQUEST, as_=world.user("manager"), variables={
        "channel": gid("Channel", world.channel.id), "from": str(YESTERDAY),
        "to": str(YESTERDAY)})
    assert [(e["field"], e["code"]) for e in result["requestSync"]["userErrors"]] == [
        ("channel", "CHANNEL_NOT_CONNECTED")]
    assert await SyncRun.count() == 0


@pytest.mark.parametrize("value", ["nonsense", gid("Post", 1), gid("Channel", 2**40)])
async def test_request_sync_refuses_bad_ids(world, queue, value):
    result = await gql(REQUEST, as_=world.user("manager"), variables={
        "channel": value, "from": str(YESTERDAY), "to": str(YESTERDAY)})
    assert result.errors == []
    assert result["requestSync"]["userErrors"][0]["code"] in {"INVALID_ID", "WRONG_TYPE",
                                                              "NOT_FOUND"}


async def test_an_unreachable_queue_leaves_the_run_queued_for_the_planner(world, queue,
                                                                          monkeypatch):
    await connected(world.channel)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    get_settings.cache_clear()
    try:
        result = await gql(REQUEST, as_=world.user("manager"), variables={
            "channel": gid("Channel", world.channel.id), "from": str(YESTERDAY),
            "to": str(YESTERDAY)})
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    run = result["requestSync"]["syncRun"]
    assert result["requestSync"]["userErrors"] == []
    assert run["status"] == "QUEUED" and run["errorCode"] == "QUEUE_UNAVAILABLE"


# -- publishNow -----------------------------------------------------------------------------


async def test_publish_now_queues_one_publish_job(world, queue):
    await connected(world.channel)
    await Post.update({Post.status: PostStatus.APPROVED}).where(Post.id == world.post.id)
    first = await gql(PUBLISH_NOW, as_=world.user("manager"),
                      variables={"id": gid("Post", world.post.id)})
    again = await gql(PUBLISH_NOW, as_=world.user("manager"),
                      variables={"id": gid("Post", world.post.id)})
    payload = first["publishNow"]
    assert payload["userErrors"] == []
    run = payload["syncRun"]
    assert run["kind"] == "PUBLISH" and run["status"] == "QUEUED"
    assert run["post"]["id"] == gid("Post", world.post.id)
    assert again["publishNow"]["syncRun"]["id"] == run["id"]
    run_id = int((await SyncRun.select(SyncRun.id).first())["id"])
    assert await queued(queue) == [(f"publish:{world.post.id}", "publish_post",
                                    (run_id, world.post.id))]


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.IN_REVIEW,
                                    PostStatus.PUBLISHED, PostStatus.ARCHIVED])
async def test_publish_now_follows_the_workflow(world, queue, status):
    await connected(world.channel)
    await Post.update({Post.status: status}).where(Post.id == world.post.id)
    result = await gql(PUBLISH_NOW, as_=world.user("manager"),
                       variables={"id": gid("Post", world.post.id)})
    assert [(e["field"], e["code"]) for e in result["publishNow"]["userErrors"]] == [
        ("status", "ILLEGAL_TRANSITION")]
    assert await SyncRun.count() == 0


async def test_publish_now_needs_a_connected_channel(world, queue):
    await Post.update({Post.status: PostStatus.SCHEDULED}).where(Post.id == world.post.id)
    result = await gql(PUBLISH_NOW, as_=world.user("manager"),
                       variables={"id": gid("Post", world.post.id)})
    assert [(e["field"], e["code"]) for e in result["publishNow"]["userErrors"]] == [
        ("channel", "CHANNEL_NOT_CONNECTED")]


# -- reading runs ---------------------------------------------------------------------------


async def _runs(channel_id: int, count: int) -> list[int]:
    ids = []
    for n in range(count):
        day = date(2026, 1, 1) + timedelta(days=n)
        kind = SyncKind.PUBLISH if n == count - 1 else SyncKind.METRICS
        row = await SyncRun.insert(SyncRun(
            channel=channel_id, kind=kind, status=SyncStatus.SUCCEEDED, window_from=day,
            window_to=day, job_id=f"sync:{channel_id}:{day}:{day}", items_in=n,
            api_version="v23.0")).returning(SyncRun.id)
        ids.append(row[0]["id"])
    return ids


async def test_channel_shows_its_runs_newest_first_and_its_last_sync(world):
    ids = await _runs(world.channel.id, 3)
    result = await gql(CHANNEL_QUERY, as_=world.user("client"),
                       variables={"id": gid("Channel", world.channel.id)})
    node = result["node"]
    runs = node["syncRuns"]
    assert runs["totalCount"] == 3 and runs["pageInfo"]["hasNextPage"] is True
    assert [r["id"] for r in runs["nodes"]] == [gid("SyncRun", i) for i in ids[::-1][:2]]
    assert runs["nodes"][0]["channel"]["id"] == gid("Channel", world.channel.id)
    # lastSync skips publishing runs: it says how the metrics are doing.
    assert node["lastSync"]["id"] == gid("SyncRun", ids[1])
    more = await gql(CHANNEL_QUERY.replace("syncRuns(first: 2)",
                                           "syncRuns(first: 2, after: $after)")
                     .replace("query($id: ID!)", "query($id: ID!, $after: String)"),
                     as_=world.user("client"),
                     variables={"id": gid("Channel", world.channel.id),
                                "after": runs["pageInfo"]["endCursor"]})
    assert [r["id"] for r in more["node"]["syncRuns"]["nodes"]] == [gid("SyncRun", ids[0])]


async def test_sync_runs_filter_by_kind_and_status(world):
    await _runs(world.channel.id, 3)
    query = """query($id: ID!) { node(id: $id) { ... on Channel {
      syncRuns(kind: [PUBLISH]) { totalCount nodes { kind } }
      failed: syncRuns(status: [FAILED]) { totalCount } } } }"""
    node = (await gql(query, as_=world.user("manager"),
                      variables={"id": gid("Channel", world.channel.id)}))["node"]
    assert node["syncRuns"] == {"totalCount": 1, "nodes": [{"kind": "PUBLISH"}]}
    assert node["failed"]["totalCount"] == 0


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_a_run_is_a_node_only_for_its_brand(world, viewer):
    (run_id,) = await _runs(world.channel.id, 1)
    result = await gql(f'query($id: ID!) {{ node(id: $id) {{ ... on SyncRun {{ {RUN} }} }} }}',
                       as_=world.user(viewer), variables={"id": gid("SyncRun", run_id)})
    visible = viewer not in {"outsider", "anonymous"}
    assert (result["node"] is not None) is visible
    if visible:
        assert result["node"]["apiVersion"] == "v23.0"


async def test_runs_of_many_channels_load_in_a_fixed_number_of_queries(world):
    query = """query($slug: String!) { brand(slug: $slug) { channels {
      lastSync { id } syncRuns(first: 1) { totalCount nodes { id channel { handle } } } } } }"""

    async def queries() -> int:
        count, data = await fewest_statements(query, world.user("owner"), {"slug": "acme"})
        assert all(c["syncRuns"]["totalCount"] == 2 for c in data["brand"]["channels"])
        return count

    await _runs(world.channel.id, 2)
    one = await queries()
    for _ in range(4):
        await _runs((await make_channel(world.brand)).id, 2)
    assert await queries() == one
