"""Events go out after the commit (never on a rollback), through Redis or in-process."""

from __future__ import annotations

import asyncio

import pytest

from domain.db import write_transaction
from domain.enums import PostStatus
from domain.events import Event, EventKind, publish
from domain.events.broker import LocalBroker, RedisBroker, broker, close_broker
from domain.rules.workflow import Transition
from domain.services.posts import transition_post
from domain.settings import get_settings
from tests.factories import make_brand, make_channel, make_post


@pytest.fixture(params=["redis", "in-process"])
async def mode(request, monkeypatch) -> str:
    """Each test runs over Redis pub/sub and over the in-process broker."""
    await close_broker()
    if request.param == "in-process":
        monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield request.param
    await close_broker()
    monkeypatch.undo()
    get_settings.cache_clear()


async def next_event(queue: asyncio.Queue[Event]) -> Event:
    return await asyncio.wait_for(queue.get(), 10)


async def test_the_broker_matches_the_settings(mode: str) -> None:
    found = broker()
    assert isinstance(found, RedisBroker if mode == "redis" else LocalBroker)


async def test_a_transition_is_published_after_its_commit(mode: str) -> None:
    brand = await make_brand()
    post = await make_post(brand, await make_channel(brand), status=PostStatus.DRAFT)
    async with broker().subscribe() as queue:
        async with write_transaction():
            await transition_post(post.id, Transition.SUBMIT, None)
            await asyncio.sleep(0)
            assert queue.empty()  # not before the commit
        event = await next_event(queue)
    assert event.kind is EventKind.POST_STATUS_CHANGED
    assert (event.workspace_id, event.brand_id) == (brand.workspace, brand.id)
    assert (event.subject_type, event.subject_id) == ("Post", post.id)
    assert event.payload["fromStatus"] == "DRAFT"
    assert event.payload["toStatus"] == "IN_REVIEW"


async def test_nothing_is_published_when_the_transaction_rolls_back(mode: str) -> None:
    brand = await make_brand()
    post = await make_post(brand, await make_channel(brand), status=PostStatus.DRAFT)
    async with broker().subscribe() as queue:
        with pytest.raises(RuntimeError):
            async with write_transaction():
                await transition_post(post.id, Transition.SUBMIT, None)
                raise RuntimeError("rolled back")
        # A marker published afterwards arrives first: the rolled-back one never went out.
        await publish(Event(EventKind.REPORT_READY, brand.workspace, brand.id, "Report", 1))
        event = await next_event(queue)
    assert event.kind is EventKind.REPORT_READY


async def test_an_event_survives_the_round_trip_through_json() -> None:
    event = Event(EventKind.POST_FAILED, 3, 4, "Post", 5, {"code": "X", "n": 1},
                  request_id="req-1")
    assert Event.from_json(event.to_json()) == event


async def test_sync_runs_raise_finished_and_failed(mode: str) -> None:
    from domain.enums import SyncKind
    from domain.sync import runs

    brand = await make_brand()
    channel = await make_channel(brand)
    ok = (await runs.open_run(channel.id, SyncKind.METRICS, "job-ok")).run
    bad = (await runs.open_run(channel.id, SyncKind.METRICS, "job-bad")).run
    async with broker().subscribe() as queue:
        await runs.succeed_run(ok["id"], items_in=3, inserted=2)
        await runs.fail_run(bad["id"], "TOKEN_EXPIRED", "reconnect the channel")
        got = [await next_event(queue) for _ in range(3)]
    assert [(e.kind, e.subject_id) for e in got] == [
        (EventKind.SYNC_RUN_FINISHED, ok["id"]), (EventKind.SYNC_RUN_FINISHED, bad["id"]),
        (EventKind.SYNC_FAILED, bad["id"])]
    assert got[0].payload["status"] == "SUCCEEDED" and got[0].payload["itemsInserted"] == 2
    assert got[2].payload["code"] == "TOKEN_EXPIRED"
    assert all(e.brand_id == brand.id and e.subject_type == "SyncRun" for e in got)
