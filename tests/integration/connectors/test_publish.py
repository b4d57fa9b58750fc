"""Publishing on every platform, and finding a post again so a retry never posts twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.connectors.base import OutgoingPost, SyncError
from domain.enums import PostFormat
from tests.integration.connectors.conftest import ACCOUNTS, TODAY, auth

PLATFORMS = ["facebook", "instagram", "linkedin", "x", "youtube", "tiktok"]
# How each platform publishes: the format Coso sends and the call that creates the post.
FORMATS = {"facebook": PostFormat.TEXT, "instagram": PostFormat.IMAGE,
           "linkedin": PostFormat.TEXT, "x": PostFormat.TEXT, "youtube": PostFormat.VIDEO,
           "tiktok": PostFormat.VIDEO}
CREATING_CALL = {"facebook": ("/feed", "POST"), "instagram": ("/media_publish", "POST"),
                 "linkedin": ("/rest/posts", "POST"), "x": ("/2/tweets", "POST"),
                 "youtube": ("/upload/youtube/v3/videos", "PUT"),
                 "tiktok": ("/publish/video/init/", "POST")}


def outgoing(platform: str, emulator, text: str) -> OutgoingPost:
    media = []
    if FORMATS[platform] is not PostFormat.TEXT:
        name = "clip.mp4" if FORMATS[platform] is PostFormat.VIDEO else "photo.jpg"
        media = [{"url": f"{emulator.url}/_emulator/media/{name}", "kind": "file", "alt": ""}]
    return OutgoingPost(text=text, media=media, format=FORMATS[platform])


def copies(emulator, platform: str, text: str) -> int:
    return sum(1 for p in emulator.stats()["published"]
               if p["platform"] == platform and p["text"] == text)


def fault_on_publish(emulator, platform: str, kind: str, **fields) -> None:
    path, method = CREATING_CALL[platform]
    emulator.fault(kind, platform=platform, path=path, method=method, **fields)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_publish_then_find_and_list_the_post(platform, connect, emulator):
    connector = connect(platform)
    text = f"Autumn blend is back at {platform} — caffè tasting Saturday"
    published = await connector.publish(auth(platform), outgoing(platform, emulator, text))
    assert published.external_id and published.permalink.startswith("https://")
    assert published.published_at.date() == TODAY
    assert copies(emulator, platform, text) == 1
    since = published.published_at - timedelta(minutes=5)
    found = await connector.find_published(auth(platform), text, since)
    assert found == published
    assert await connector.find_published(auth(platform), text + " (other)", since) is None
    listed = [p async for p in connector.posts(auth(platform), TODAY, TODAY)]
    assert published.external_id in {p.external_id for p in listed}
    mine = next(p for p in listed if p.external_id == published.external_id)
    assert mine.text == text


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_publish_that_timed_out_is_found_instead_of_posted_again(platform, connect,
                                                                         emulator, sleeps):
    """The worker's view of a crash: the call failed, but the platform did post."""
    text = f"Limited roast, {platform} edition"
    fault_on_publish(emulator, platform, "slow", delay=1.0)
    with pytest.raises(SyncError) as failed:
        await connect(platform, timeout=0.3).publish(auth(platform),
                                                     outgoing(platform, emulator, text))
    assert failed.value.code == "TIMEOUT" and failed.value.retryable
    creating = [n for route, n in emulator.stats()["calls"][platform].items()
                if route in ("publish_feed", "media_publish", "create_post", "create",
                             "upload", "publish_video")]
    assert creating == [1], "a publishing call is never retried in-process"
    connector = connect(platform)
    since = emulator.config.now() - timedelta(minutes=5)
    found = None
    for _ in range(50):  # the slow answer lands after its delay
        found = await connector.find_published(auth(platform), text, since)
        if found:
            break
        await asyncio.sleep(0.1)
    assert found is not None
    assert copies(emulator, platform, text) == 1
    assert emulator.stats()["duplicates"] == []


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_500_on_publish_posts_nothing_and_is_retryable(platform, connect, emulator):
    text = f"Workshop dates for {platform}"
    fault_on_publish(emulator, platform, "500")
    connector = connect(platform)
    with pytest.raises(SyncError) as failed:
        await connector.publish(auth(platform), outgoing(platform, emulator, text))
    assert failed.value.code == "PLATFORM_ERROR" and failed.value.retryable
    since = emulator.config.now() - timedelta(minutes=5)
    assert await connector.find_published(auth(platform), text, since) is None
    await connector.publish(auth(platform), outgoing(platform, emulator, text))
    assert copies(emulator, platform, text) == 1


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_rate_limited_publish_is_retried_and_posts_once(platform, connect, emulator,
                                                                sleeps):
    text = f"Pre-orders open on {platform}"
    fault_on_publish(emulator, platform, "429", retry_after=1)
    await connect(platform).publish(auth(platform), outgoing(platform, emulator, text))
    assert len(sleeps.waits) == 1
    assert copies(emulator, platform, text) == 1


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_refused_post_fails_with_the_platforms_reason(platform, connect, emulator):
    fault_on_publish(emulator, platform, "reject")
    with pytest.raises(SyncError) as failed:
        await connect(platform).publish(auth(platform), outgoing(platform, emulator, "Spam?"))
    assert failed.value.code == "REJECTED" and not failed.value.retryable
    assert platform in failed.value.message and "HTTP 4" in failed.value.message
    assert copies(emulator, platform, "Spam?") == 0


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_the_emulator_shows_a_post_published_twice(platform, connect, emulator):
    """What the exactly-once tests rely on: a double post would not go unnoticed."""
    connector, text = connect(platform), "Twice, by mistake"
    for _ in range(2):
        await connector.publish(auth(platform), outgoing(platform, emulator, text))
    assert emulator.stats()["duplicates"] == [
        {"platform": platform, "account": ACCOUNTS[platform], "text": text, "copies": 2}]


@pytest.mark.parametrize(("platform", "kind"), [
    ("x", PostFormat.VIDEO), ("instagram", PostFormat.TEXT), ("youtube", PostFormat.IMAGE),
    ("tiktok", PostFormat.TEXT), ("linkedin", PostFormat.VIDEO),
    ("facebook", PostFormat.CAROUSEL)])
async def test_a_format_the_connector_cannot_publish_is_refused_before_any_call(
        platform, kind, connect, emulator):
    post = OutgoingPost(text="Hello", media=[{"url": f"{emulator.url}/_emulator/media/a.jpg"}],
                        format=kind)
    with pytest.raises(SyncError) as failed:
        await connect(platform).publish(auth(platform), post)
    assert failed.value.code == "REJECTED"
    assert emulator.stats()["total_calls"] == 0


async def test_media_that_cannot_be_fetched_is_refused(connect, emulator):
    post = OutgoingPost(text="Clip", format=PostFormat.VIDEO,
                        media=[{"url": f"{emulator.url}/_emulator/missing/clip.mp4"}])
    with pytest.raises(SyncError) as failed:
        await connect("youtube").publish(auth("youtube"), post)
    assert failed.value.code == "REJECTED" and "HTTP 404" in failed.value.message
    assert copies(emulator, "youtube", "Clip") == 0


@pytest.mark.parametrize(("platform", "kind", "files"), [
    ("facebook", PostFormat.IMAGE, ["a.jpg"]),
    ("facebook", PostFormat.VIDEO, ["a.mp4"]),
    ("facebook", PostFormat.CAROUSEL, ["a.jpg", "b.jpg", "c.jpg"]),
    ("instagram", PostFormat.REEL, ["a.mp4"]),
    ("instagram", PostFormat.CAROUSEL, ["a.jpg", "b.mp4"]),
    ("linkedin", PostFormat.LINK, ["https://shop.example/autumn"]),
    ("linkedin", PostFormat.IMAGE, ["a.jpg"]),
    ("linkedin", PostFormat.CAROUSEL, ["a.jpg", "b.jpg"]),
    ("tiktok", PostFormat.IMAGE, ["a.jpg"]),
    ("youtube", PostFormat.REEL, ["a.mp4"]),
    ("x", PostFormat.IMAGE, ["a.jpg"]),
    ("x", PostFormat.GIF, ["a.gif"]),
    ("x", PostFormat.CAROUSEL, ["a.jpg", "b.jpg", "c.jpg"]),
])
async def test_each_format_a_platform_takes_is_published_once_and_found(
        platform, kind, files, connect, emulator):
    media = [{"url": f if f.startswith("https://") else f"{emulator.url}/_emulator/media/{f}",
              "kind": "VIDEO" if f.endswith(".mp4") else "IMAGE", "alt": f"file {f}"}
             for f in files]
    text = f"{kind} on {platform}: the new espresso cups"
    connector = connect(platform)
    published = await connector.publish(auth(platform), OutgoingPost(text, media, kind))
    assert copies(emulator, platform, text) == 1
    since = published.published_at - timedelta(minutes=1)
    assert await connector.find_published(auth(platform), text, since) == published


@pytest.mark.parametrize(("platform", "kind", "files", "reason"), [
    ("instagram", PostFormat.STORY, ["a.jpg"], "does not publish stories"),
    ("instagram", PostFormat.CAROUSEL, ["a.jpg"], "needs 2 media URLs"),
    ("linkedin", PostFormat.CAROUSEL, ["a.jpg"], "needs 2 media URLs"),
    ("x", PostFormat.VIDEO, ["a.mp4"], "not VIDEO"),
])
async def test_posts_a_platform_cannot_take_are_refused_with_a_reason(
        platform, kind, files, reason, connect, emulator):
    media = [{"url": f"{emulator.url}/_emulator/media/{f}"} for f in files]
    with pytest.raises(SyncError) as failed:
        await connect(platform).publish(auth(platform), OutgoingPost("No", media, kind))
    assert failed.value.code == "REJECTED" and reason in failed.value.message
    assert emulator.stats()["published"] == []
