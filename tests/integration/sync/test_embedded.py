"""Embedded mode (no REDIS_URL): the API's mutations and `coso sync` run the jobs in-process."""

from __future__ import annotations

import pytest

from api.emulator import token_for
from domain.enums import ChannelStatus, PostStatus, Role, SyncStatus
from domain.models import Channel, SyncRun
from domain.services.secrets import decrypt_token
from domain.settings import get_settings
from tests.api.client import gid, gql
from tests.factories import make_brand, make_membership, make_user
from tests.integration.sync.conftest import ACCOUNTS, connected_channel, last_days, reconcile
from tests.integration.sync.test_publish_jobs import post_row, scheduled_post

REQUEST = """mutation($channel: ID!, $from: Date!, $to: Date!) {
  requestSync(channel: $channel, from: $from, to: $to) {
    syncRun { status kind itemsIn itemsInserted channel { metricsWatermark lastSync { status } } }
    userErrors { field code message } } }"""
CONNECT = """mutation($input: ConnectChannelInput!) { connectChannel(input: $input) {
  channel { status metricsWatermark backfilledFrom } syncRun { kind status itemsIn }
  userErrors { code } } }"""
PUBLISH_NOW = """mutation($id: ID!) { publishNow(id: $id) {
  post { status externalId permalink } syncRun { status } userErrors { code } } }"""


@pytest.fixture(autouse=True)
def embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()


@pytest.fixture
async def manager():
    brand = await make_brand()
    user = await make_user()
    await make_membership(user, brand, Role.MANAGER)
    return brand, user


async def test_request_sync_returns_the_finished_run(emulator, manager):
    brand, user = manager
    channel = await connected_channel(brand=brand)
    start, end = last_days(21)
    result = await gql(REQUEST, as_=user, variables={
        "channel": gid("Channel", channel["id"]), "from": str(start), "to": str(end)})
    payload = result["requestSync"]
    assert payload["userErrors"] == []
    run = payload["syncRun"]
    assert run["status"] == "SUCCEEDED" and run["itemsIn"] == run["itemsInserted"] > 0
    assert run["channel"]["metricsWatermark"] == str(end)
    assert run["channel"]["lastSync"]["status"] == "SUCCEEDED"
    await reconcile(emulator, channel["id"], start, end)


async def test_connecting_a_channel_backfills_it_before_answering(emulator, manager):
    brand, user = manager
    account = ACCOUNTS["facebook"]
    result = await gql(CONNECT, as_=user, variables={"input": {
        "brand": gid("Brand", brand.id), "platform": "FACEBOOK", "handle": "aurora",
        "externalId": account, "accessToken": token_for("facebook", account)}})
    payload = result["connectChannel"]
    assert payload["userErrors"] == []
    assert payload["syncRun"]["kind"] == "BACKFILL" and payload["syncRun"]["status"] == "SUCCEEDED"
    start, end = last_days(get_settings().backfill_days)
    assert payload["channel"]["metricsWatermark"] == str(end)
    assert payload["channel"]["backfilledFrom"] == str(start)
    channel = await Channel.select(Channel.id).where(Channel.handle == "aurora").first()
    await reconcile(emulator, channel["id"], start, end)


async def test_publish_now_publishes_before_answering(emulator, manager):
    brand, user = manager
    channel = await connected_channel(brand=brand)
    post = await scheduled_post(channel, status=PostStatus.APPROVED, scheduled_at=None)
    result = await gql(PUBLISH_NOW, as_=user, variables={"id": gid("Post", post["id"])})
    payload = result["publishNow"]
    assert payload["userErrors"] == [] and payload["syncRun"]["status"] == "SUCCEEDED"
    (remote,) = emulator.stats()["published"]
    assert payload["post"]["status"] == "PUBLISHED"
    assert payload["post"]["externalId"] == remote["id"]


# -- the command line -----------------------------------------------------------------------


async def test_coso_sync_plans_syncs_and_publishes_due_posts_in_process(emulator, coso):
    channel = await connected_channel()
    post = await scheduled_post(channel)
    result = await coso("sync")
    assert result.exit_code == 0, result.output
    assert "in-process" in result.output and "BACKFILL" in result.output
    assert "SUCCEEDED" in result.output and "PUBLISH" in result.output
    assert {(r["kind"], r["status"]) for r in await SyncRun.select()} == {
        ("BACKFILL", SyncStatus.SUCCEEDED), ("PUBLISH", SyncStatus.SUCCEEDED)}
    assert (await post_row(post["id"]))["status"] == PostStatus.PUBLISHED
    start, end = last_days(get_settings().backfill_days)
    await reconcile(emulator, channel["id"], start, end)
    again = await coso("sync")
    assert again.exit_code == 0 and "up to date" in again.output


async def test_coso_sync_a_window_of_one_channel(emulator, coso):
    channel = await connected_channel(handle="@aurora")
    await connected_channel(handle="@other")
    start, end = last_days(5)
    result = await coso("sync", "--channel", "@aurora", "--from", str(start), "--to", str(end))
    assert result.exit_code == 0, result.output
    runs = await SyncRun.select()
    assert [(r["channel"], r["window_from"], r["window_to"], r["status"]) for r in runs] == [
        (channel["id"], start, end, SyncStatus.SUCCEEDED)]
    await reconcile(emulator, channel["id"], start, end)


async def test_coso_sync_exits_1_when_a_run_failed(emulator, coso):
    await connected_channel()
    emulator.fault("expired_token", platform="facebook", count=None, probability=1.0)
    result = await coso("sync")
    assert result.exit_code == 1
    assert "TOKEN_EXPIRED" in result.output or "expired" in result.output.lower()
    assert (await Channel.select(Channel.status).first())["status"] == ChannelStatus.TOKEN_EXPIRED


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "yesterday"), "--from must be a date"),
    (("--to", "2026-01-01"), "--to needs --from"),
    (("--channel", "@nobody"), "no channel '@nobody'"),
    (("--brand", "nope"), "no brand with slug 'nope'"),
])
async def test_coso_sync_refuses_bad_options(emulator, coso, args, message):
    result = await coso("sync", *args)
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


async def test_coso_sync_refuses_a_window_the_platform_does_not_serve(emulator, coso):
    await connected_channel(handle="@aurora")
    start, _ = last_days(3000)
    result = await coso("sync", "--from", str(start))
    assert result.exit_code == 2 and "keeps 730 days" in result.output
    assert await SyncRun.count() == 0


async def test_coso_worker_needs_redis(coso):
    result = await coso("worker")
    assert result.exit_code == 2 and "REDIS_URL" in result.output


async def test_rekey_tokens_rotates_to_the_first_secret(coso, monkeypatch):
    monkeypatch.setenv("COSO_SECRET_KEY", "old-secret")
    get_settings.cache_clear()
    channel = await connected_channel()
    broken = await connected_channel(handle="@broken")
    await Channel.update({Channel.access_token: "gAAAAAB-garbage"}).where(
        Channel.id == broken["id"])
    monkeypatch.setenv("COSO_SECRET_KEY", "new-secret old-secret")
    get_settings.cache_clear()
    result = await coso("rekey-tokens")
    assert result.exit_code == 1, result.output
    assert "re-encrypted the tokens of 1 channels" in result.output
    assert str(broken["id"]) in result.output
    monkeypatch.setenv("COSO_SECRET_KEY", "new-secret")
    get_settings.cache_clear()
    row = await Channel.select(Channel.access_token).where(Channel.id == channel["id"]).first()
    assert decrypt_token(row["access_token"]) == token_for("facebook", ACCOUNTS["facebook"])
    assert row["access_token"] != channel["access_token"]
