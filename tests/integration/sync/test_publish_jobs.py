"""Publishing in-process: due posts go out exactly once, refusals fail them, claims reconcile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.jobs.queues import inline_queue
from domain.enums import PostFormat, PostStatus, SyncKind, SyncStatus
from domain.models import Brand, Channel, Post, PostTransition, SyncRun
from domain.settings import get_settings
from domain.sync import runs
from domain.sync.base import MAX_TRIES
from domain.sync.jobs import enqueue_run
from domain.sync.publish import claim_grace, publish_due_posts, request_publish
from tests.factories import make_post, make_user
from tests.integration.sync.conftest import ACCOUNTS, connected_channel, ctx_of, no_wait

PAST = datetime.now(UTC) - timedelta(minutes=5)


async def scheduled_post(channel: dict[str, Any], text: str = "Autumn blend is here",
                         **values: Any) -> dict[str, Any]:
    brand = await Brand.objects().get(Brand.id == channel["brand"])
    row = await Channel.objects().get(Channel.id == channel["id"])
    post = await make_post(brand, row, text=text, **{
        "status": PostStatus.SCHEDULED, "scheduled_at": PAST, "format": PostFormat.TEXT,
        **values})
    return await post_row(post.id)


async def post_row(post_id: int) -> dict[str, Any]:
    row = await Post.select().where(Post.id == post_id).output(load_json=True).first()
    assert row is not None
    return row


def published_texts(emulator) -> list[str]:
    return [p["text"] for p in emulator.stats()["published"]]


async def test_a_due_post_is_published_once_with_the_platforms_ids(emulator, inline):
    channel = await connected_channel()
    post = await scheduled_post(channel)
    assert await publish_due_posts(ctx_of(inline)) == 1
    after = await post_row(post["id"])
    (remote,) = emulator.stats()["published"]
    assert after["status"] == PostStatus.PUBLISHED and after["external_id"] == remote["id"]
    assert after["permalink"].startswith("https://") and after["published_at"] is not None
    assert after["failure_reason"] == "" and after["publish_claim"] is not None
    history = await PostTransition.select().where(PostTransition.post == post["id"])
    assert [(h["from_status"], h["to_status"]) for h in history] == [("SCHEDULED", "PUBLISHED")]
    run = (await SyncRun.select())[0]
    assert run["kind"] == SyncKind.PUBLISH and run["status"] == SyncStatus.SUCCEEDED
    assert run["job_id"] == f"publish:{post['id']}" and run["items_inserted"] == 1
    # Nothing is due any more, and asking again for this post publishes nothing.
    assert await publish_due_posts(ctx_of(inline)) == 0
    again = await request_publish(inline, after)
    assert again["status"] == SyncStatus.SUCCEEDED and again["items_inserted"] == 0
    assert published_texts(emulator) == ["Autumn blend is here"]


async def test_posts_not_due_or_not_scheduled_stay(emulator, inline):
    channel = await connected_channel()
    await scheduled_post(channel, scheduled_at=datetime.now(UTC) + timedelta(hours=1))
    await scheduled_post(channel, "An approved one", status=PostStatus.APPROVED)
    assert await publish_due_posts(ctx_of(inline)) == 0
    assert emulator.stats()["published"] == []


async def test_a_refused_post_fails_with_the_platforms_reason(emulator, inline):
    channel = await connected_channel()
    post = await scheduled_post(channel)
    emulator.fault("reject", platform="facebook", method="POST")
    await publish_due_posts(ctx_of(inline))
    after = await post_row(post["id"])
    assert after["status"] == PostStatus.FAILED
    assert "deemed abusive" in after["failure_reason"]  # the platform's own words
    assert after["publish_claim"] is None  # it may be fixed and scheduled again
    run = (await SyncRun.select())[0]
    assert run["status"] == SyncStatus.FAILED and run["error_code"] == "REJECTED"
    assert run["attempt"] == 1
    history = await PostTransition.select().where(PostTransition.post == post["id"])
    assert [(h["to_status"], h["reason"]) for h in history] == [
        ("FAILED", after["failure_reason"])]
    assert emulator.stats()["published"] == []


async def test_an_unanswered_publish_is_found_on_the_platform_not_posted_again(emulator, inline):
    """The platform took the post but its answer was lost: the retry reconciles."""
    channel = await connected_channel()
    post = await scheduled_post(channel)
    # Reading the new post back fails past the connector's retries: the job gives up.
    emulator.fault("500", platform="facebook", method="GET", path=ACCOUNTS["facebook"] + "_",
                   count=get_settings().sync_max_retries + 1)
    await publish_due_posts(ctx_of(inline))
    after = await post_row(post["id"])
    (remote,) = emulator.stats()["published"]
    assert after["status"] == PostStatus.PUBLISHED and after["external_id"] == remote["id"]
    assert (await SyncRun.select())[0]["attempt"] == 2


async def test_an_old_claim_whose_post_made_it_is_reconciled(emulator, inline):
    channel = await connected_channel()
    post = await scheduled_post(channel)
    # A worker claimed the post, the platform published it, and the worker died.
    remote = emulator.state.publish("facebook", ACCOUNTS["facebook"], post["text"])
    await Post.update({Post.publish_claim: "dead-worker",
                       Post.publish_claimed_at: datetime.now(UTC) - timedelta(seconds=1)}
                      ).where(Post.id == post["id"])
    await publish_due_posts(ctx_of(inline))
    after = await post_row(post["id"])
    assert after["status"] == PostStatus.PUBLISHED and after["external_id"] == remote.id
    assert len(emulator.stats()["published"]) == 1 and emulator.stats()["duplicates"] == []


async def test_an_old_claim_whose_post_never_made_it_is_published_once(emulator, inline):
    channel = await connected_channel()
    post = await scheduled_post(channel)
    stale = datetime.now(UTC) - claim_grace() - timedelta(seconds=1)
    await Post.update({Post.publish_claim: "dead-worker", Post.publish_claimed_at: stale}
                      ).where(Post.id == post["id"])
    await publish_due_posts(ctx_of(inline))
    after = await post_row(post["id"])
    assert after["status"] == PostStatus.PUBLISHED
    assert after["publish_claim"] != "dead-worker"
    assert published_texts(emulator) == [post["text"]]


async def test_a_fresh_claim_is_waited_for_not_doubled(emulator, inline):
    """Another worker may be publishing right now: wait, look again, then decide."""
    channel = await connected_channel()
    post = await scheduled_post(channel)
    await Post.update({Post.publish_claim: "busy-worker",
                       Post.publish_claimed_at: datetime.now(UTC)}).where(Post.id == post["id"])
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:  # meanwhile the other worker's post lands on the platform
            emulator.state.publish("facebook", ACCOUNTS["facebook"], post["text"])
        await no_wait(seconds)

    await publish_due_posts(ctx_of(inline_queue(sleep=sleep)))
    assert waits == [claim_grace().total_seconds()]
    after = await post_row(post["id"])
    assert after["status"] == PostStatus.PUBLISHED
    assert len(emulator.stats()["published"]) == 1


async def test_a_post_unscheduled_after_it_was_queued_is_not_published(emulator, inline):
    channel = await connected_channel()
    post = await scheduled_post(channel)
    opened = await runs.open_run(channel["id"], SyncKind.PUBLISH, runs.publish_job_id(post["id"]))
    await Post.update({Post.status: PostStatus.APPROVED}).where(Post.id == post["id"])
    await enqueue_run(inline, opened.run)
    run = await runs.get_run(opened.run["id"])
    assert run["status"] == SyncStatus.FAILED and run["error_code"] == "NOT_PUBLISHABLE"
    assert (await post_row(post["id"]))["status"] == PostStatus.APPROVED
    assert emulator.stats()["published"] == []


async def test_only_a_person_asking_publishes_an_approved_post(emulator, inline):
    channel = await connected_channel()
    post = await scheduled_post(channel, status=PostStatus.APPROVED, scheduled_at=None)
    run = await request_publish(inline, post, requested_by=None)
    assert run["error_code"] == "NOT_PUBLISHABLE"  # the scheduler never publishes it
    manager = await make_user()
    run = await request_publish(inline, post, requested_by=manager.id)
    assert run["status"] == SyncStatus.SUCCEEDED
    assert (await post_row(post["id"]))["status"] == PostStatus.PUBLISHED


async def test_a_platform_down_while_publishing_fails_the_post_in_the_end(emulator, inline):
    channel = await connected_channel()
    post = await scheduled_post(channel)
    emulator.fault("500", platform="facebook", count=None, probability=1.0)
    await publish_due_posts(ctx_of(inline))
    after = await post_row(post["id"])
    assert after["status"] == PostStatus.FAILED and "500" in after["failure_reason"]
    run = (await SyncRun.select())[0]
    assert run["status"] == SyncStatus.FAILED and run["attempt"] == MAX_TRIES
    assert emulator.stats()["published"] == []


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.PUBLISHED])
async def test_posts_that_are_not_publishable_are_left_alone(emulator, inline, status):
    channel = await connected_channel()
    post = await scheduled_post(channel, status=status)
    run = await request_publish(inline, post)
    assert run["status"] in {SyncStatus.FAILED, SyncStatus.SUCCEEDED}
    assert (await post_row(post["id"]))["status"] == status
    assert emulator.stats()["published"] == []
