"""Every connector under the faults the emulator injects: retried, paced, or failed clearly."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

import pytest

from domain.connectors.base import SyncError
from tests.integration.connectors.conftest import TODAY, Sleeps, auth

PLATFORMS = ["facebook", "instagram", "linkedin", "x", "youtube", "tiktok"]
START, END = TODAY - timedelta(days=5), TODAY
START_TIME = datetime.combine(START, time(), UTC)


async def sync(connector, platform, token=None, secret=""):
    """One cheap read: channel metrics of a few days, and the posts of those days."""
    who = auth(platform, token=token, secret=secret)
    points = await connector.channel_metrics(who, START, END)
    posts = [p async for p in connector.posts(who, START, END)]
    return points, posts


def served(emulator, kind: str) -> int:
    return sum(f["count"] for f in emulator.stats()["faults_served"] if f["kind"] == kind)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_429_is_retried_after_what_the_platform_asked(platform, connect, emulator,
                                                            sleeps):
    clean = await sync(connect(platform, sleep=Sleeps()), platform)
    emulator.fault("429", platform=platform, count=2, retry_after=2)
    assert await sync(connect(platform), platform) == clean
    assert served(emulator, "429") == 2
    assert len(sleeps.waits) == 2
    if platform == "x":  # x-rate-limit-reset (whole epoch seconds) plus a small margin
        assert all(1 <= w <= 3.2 for w in sleeps.waits), sleeps.waits
    else:  # Retry-After, exactly
        assert sleeps.waits == [2, 2]


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_wait_longer_than_allowed_fails_retryable_for_the_job_to_requeue(
        platform, connect, emulator, sleeps):
    emulator.fault("429", platform=platform, count=1, retry_after=90)
    with pytest.raises(SyncError) as failed:
        await sync(connect(platform, max_wait=30), platform)
    assert failed.value.code == "RATE_LIMITED"
    assert failed.value.retryable and failed.value.retry_after >= 89
    assert sleeps.waits == []


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_500s_are_retried_with_jittered_backoff_then_the_budget_runs_out(
        platform, connect, emulator, sleeps):
    clean = await sync(connect(platform, sleep=Sleeps()), platform)
    emulator.fault("500", platform=platform, count=2)
    assert await sync(connect(platform, backoff_base=0.5), platform) == clean
    assert len(sleeps.waits) == 2 and 0 <= sleeps.waits[0] <= 0.5 and sleeps.waits[1] <= 1
    emulator.fault("500", platform=platform, count=50)
    sleeps.waits.clear()
    with pytest.raises(SyncError) as failed:
        await sync(connect(platform, max_retries=3), platform)
    assert failed.value.code == "RETRY_BUDGET_EXHAUSTED"
    assert failed.value.retryable
    assert "HTTP 500" in failed.value.message and "4 attempts" in failed.value.message
    assert served(emulator, "500") == 2 + 4
    assert len(sleeps.waits) == 3


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_slow_answer_times_out_and_is_retried(platform, connect, emulator, sleeps):
    clean = await sync(connect(platform, sleep=Sleeps()), platform)
    emulator.fault("slow", platform=platform, count=1, delay=2)
    assert await sync(connect(platform, timeout=0.3), platform) == clean
    assert len(sleeps.waits) == 1
    emulator.fault("slow", platform=platform, count=3, delay=2)
    with pytest.raises(SyncError) as failed:
        await sync(connect(platform, timeout=0.3, max_retries=1), platform)
    assert failed.value.code == "RETRY_BUDGET_EXHAUSTED"
    assert "TIMEOUT" in failed.value.message and "0.3s" in failed.value.message


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_malformed_json_is_retried_then_reported(platform, connect, emulator, sleeps):
    clean = await sync(connect(platform, sleep=Sleeps()), platform)
    emulator.fault("malformed", platform=platform, count=1)
    assert await sync(connect(platform), platform) == clean
    emulator.fault("malformed", platform=platform, count=10)
    with pytest.raises(SyncError) as failed:
        await sync(connect(platform, max_retries=2), platform)
    assert failed.value.code == "RETRY_BUDGET_EXHAUSTED"
    assert "MALFORMED_RESPONSE" in failed.value.message


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("step", ["channel_metrics", "posts", "comments", "find_published"])
async def test_json_of_the_wrong_shape_is_a_malformed_response(platform, step, connect,
                                                               emulator):
    connector = connect(platform)
    post = (await emulator_post(connector, platform)) if step == "comments" else None
    emulator.fault("wrong_shape", platform=platform, count=None, probability=1.0)
    with pytest.raises(SyncError) as failed:
        if step == "channel_metrics":
            await connector.channel_metrics(auth(platform), START, END)
        elif step == "posts":
            [p async for p in connector.posts(auth(platform), START, END)]
        elif step == "comments":
            [c async for c in connector.comments(auth(platform), post)]
        else:
            await connector.find_published(auth(platform), "text", START_TIME)
    assert failed.value.code in ("MALFORMED_RESPONSE", "RETRY_BUDGET_EXHAUSTED")
    assert failed.value.retryable and platform in failed.value.message


async def emulator_post(connector, platform) -> str:
    async for post in connector.posts(auth(platform), START, END):
        return post.external_id
    raise AssertionError("no post")


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("how", ["fault", "token"])
async def test_an_expired_token_fails_at_once_without_retrying(platform, how, connect,
                                                                emulator, sleeps):
    token = None
    if how == "fault":
        emulator.fault("expired_token", platform=platform, count=1)
    else:
        token = "expired-token-of-a-revoked-app"
    with pytest.raises(SyncError) as failed:
        await sync(connect(platform), platform, token=token)
    assert failed.value.code == "TOKEN_EXPIRED"
    assert not failed.value.retryable
    assert sleeps.waits == []
    assert emulator.stats()["total_calls"] == 1


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_the_token_never_appears_in_errors_or_logs(platform, connect, emulator, sleeps,
                                                         caplog):
    secret = "s3cr3t-tok3n-0123456789"
    token = auth(platform, secret=secret).access_token
    caplog.set_level(logging.DEBUG)
    emulator.fault("500", platform=platform, count=3)
    emulator.fault("malformed", platform=platform, count=1)
    with pytest.raises(SyncError) as failed:
        await sync(connect(platform, max_retries=2), platform, secret=secret)
    emulator.fault("expired_token", platform=platform, count=1)
    with pytest.raises(SyncError) as expired:
        await sync(connect(platform), platform, secret=secret)
    await sync(connect(platform), platform, secret=secret)  # a clean run logs requests too
    assert caplog.records, "the connectors and httpx logged something"
    for text in (str(failed.value), failed.value.message, str(expired.value),
                 *(r.getMessage() for r in caplog.records)):
        assert token not in text
        assert "tok3n" not in text


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_platform_that_is_down_is_reported_after_the_budget(platform, connect,
                                                                    sleeps):
    connector = connect(platform)
    connector.http.base = "http://127.0.0.1:9/" + platform  # nothing listens on port 9
    with pytest.raises(SyncError) as failed:
        await sync(connector, platform)
    assert failed.value.code == "RETRY_BUDGET_EXHAUSTED"
    assert "connection failed" in failed.value.message
