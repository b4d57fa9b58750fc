"""Each platform's own rules: missing vs 0, window limits, versions, quotas, current values."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest

from api.emulator.data import audience
from domain.connectors import linkedin
from domain.connectors.base import OutgoingPost, SyncError
from domain.enums import PostFormat
from tests.integration.connectors.conftest import ACCOUNTS, TODAY, Sleeps, as_tuples, auth


def calls(emulator, platform: str, route: str) -> int:
    return emulator.stats()["calls"].get(platform, {}).get(route, 0)


async def test_instagram_days_without_data_are_absent_not_zero(connect, emulator):
    start, end = TODAY - timedelta(days=60), TODAY
    points = await connect("instagram").channel_metrics(auth("instagram"), start, end)
    daily = {p.day for p in points if p.metric == "reach"}
    gaps = [start + timedelta(days=i) for i in range((end - start).days + 1)
            if start + timedelta(days=i) not in daily]
    assert gaps, "the emulator leaves some days without data"
    assert TODAY - timedelta(days=1) in gaps and TODAY in gaps, "48 h of lag"
    for day in gaps:
        assert not [p for p in points if p.day == day and p.metric != "followers"]
    assert all(p.value > 0 for p in points if p.metric == "reach")


async def test_instagram_media_without_insights_yet_has_no_metrics(connect, emulator):
    connector = connect("instagram")
    text = "Fresh out of the roaster"
    post = OutgoingPost(text=text, format=PostFormat.IMAGE,
                        media=[{"url": f"{emulator.url}/_emulator/media/p.jpg"}])
    published = await connector.publish(auth("instagram"), post)
    today = [p async for p in connector.posts(auth("instagram"), TODAY, TODAY)]
    assert today and all(p.metrics == [] for p in today)  # an empty list, not zeros
    assert published.external_id in {p.external_id for p in today}


async def test_x_counts_of_a_new_post_are_real_zeros(connect, emulator):
    connector = connect("x")
    published = await connector.publish(auth("x"), OutgoingPost("Hello", [], PostFormat.TEXT))
    mine = [p async for p in connector.posts(auth("x"), TODAY, TODAY)
            if p.external_id == published.external_id][0]
    assert {m.metric for m in mine.metrics} >= {"reactions", "comments", "shares"}
    assert all(m.value == 0 for m in mine.metrics)


async def test_facebook_reports_zero_follows_as_zero(connect, emulator):
    page = next(f"page{n}" for n in range(1000)
                if audience(emulator.config, "facebook", f"page{n}") < 2500)
    start, end = TODAY - timedelta(days=60), TODAY
    points = await connect("facebook").channel_metrics(auth("facebook", page), start, end)
    follows = [p for p in points if p.metric == "follows"]
    assert len(follows) == (end - start).days  # every day but today has a value...
    assert any(p.value == 0 for p in follows)  # ...and a quiet day is a 0, kept


@pytest.mark.parametrize(("platform", "route", "days", "expected_calls"), [
    ("facebook", "insights", 181, 3),  # 90-day limit
    ("instagram", "insights", 61, 3 + 61),  # 30-day limit, plus views one day at a time
    ("linkedin", "share_statistics", 181, 3),  # 90 days a call by choice
])
async def test_long_windows_are_split_at_the_platform_limit(platform, route, days,
                                                            expected_calls, connect,
                                                            emulator):
    start = TODAY - timedelta(days=days - 1)
    points = await connect(platform).channel_metrics(auth(platform), start, TODAY)
    assert calls(emulator, platform, route) == expected_calls
    assert min(p.day for p in points) == start + timedelta(
        days=1 if platform == "linkedin" and days > 365 else 0)


async def test_a_window_beyond_linkedins_twelve_months_is_clamped(connect, emulator):
    start = TODAY - timedelta(days=500)
    points = await connect("linkedin").channel_metrics(auth("linkedin"), start, TODAY)
    assert min(p.day for p in points) == TODAY - timedelta(days=364)


async def test_linkedin_refuses_calls_without_a_valid_version_header(emulator, connect,
                                                                     monkeypatch):
    url = f"{emulator.base('linkedin')}/rest/networkSizes/urn%3Ali%3Aorganization%3A1"
    async with httpx.AsyncClient() as http:
        missing = await http.get(url, headers={"Authorization": "Bearer t"})
        old = await http.get(url, headers={"Authorization": "Bearer t",
                                           "LinkedIn-Version": "202001"})
    assert (missing.status_code, missing.json()["code"]) == (400, "VERSION_MISSING")
    assert (old.status_code, old.json()["code"]) == (426, "NONEXISTENT_VERSION")
    monkeypatch.setattr(linkedin, "API_VERSION", "202001")
    with pytest.raises(SyncError) as failed:
        await connect("linkedin").channel_metrics(auth("linkedin"), TODAY, TODAY)
    assert failed.value.code == "PLATFORM_ERROR" and not failed.value.retryable
    assert "NONEXISTENT_VERSION" in failed.value.message


async def test_youtube_report_rows_are_paged(connect, emulator):
    connector = connect("youtube")
    connector.report_rows = 7
    start = TODAY - timedelta(days=40)
    points = await connector.channel_metrics(auth("youtube"), start, TODAY)
    expected = emulator.expected_channel_metrics("youtube", ACCOUNTS["youtube"], start, TODAY)
    assert as_tuples(points) == [(r.metric, r.day, r.value, r.raw_metric) for r in expected]
    assert calls(emulator, "youtube", "reports") == 39 // 7 + 1


async def test_youtube_daily_quota_exhausted_is_left_to_the_job(connect, emulator, sleeps):
    emulator.fault("throttled", platform="youtube", count=1)
    with pytest.raises(SyncError) as failed:
        await connect("youtube").channel_metrics(auth("youtube"), TODAY, TODAY)
    assert failed.value.code == "RATE_LIMITED" and failed.value.retryable
    assert 0 < failed.value.retry_after <= 24 * 3600  # until midnight Pacific
    assert sleeps.waits == []


async def test_meta_throttling_waits_the_time_to_regain_access(connect, emulator, sleeps):
    emulator.fault("throttled", platform="facebook", count=1, retry_after=90)
    with pytest.raises(SyncError) as failed:
        await connect("facebook", max_wait=30).channel_metrics(auth("facebook"), TODAY, TODAY)
    assert failed.value.code == "RATE_LIMITED" and failed.value.retry_after == 120
    emulator.fault("throttled", platform="facebook", count=1, retry_after=90)
    await connect("facebook", max_wait=300).channel_metrics(auth("facebook"), TODAY, TODAY)
    assert sleeps.waits == [120]  # estimated_time_to_regain_access: 2 minutes


async def test_meta_usage_near_the_limit_paces_the_next_call(connect, emulator, sleeps):
    emulator.fault("quota", platform="facebook", count=1, used=0.95)
    connector = connect("facebook", max_wait=4, slowdown_at=0.8)
    await connector.channel_metrics(auth("facebook"), TODAY - timedelta(days=200), TODAY)
    assert sleeps.waits == [pytest.approx(3.0)]  # (95 - 80) / (100 - 80) of max_wait


async def test_x_spreads_its_last_calls_until_the_window_resets(connect, emulator):
    emulator.configure(rate_limits={"x": {"limit": 5, "window": 1}})
    real = Sleeps(real=True)
    connector = connect("x", sleep=real, max_wait=5)
    for _ in range(12):
        await connector.channel_metrics(auth("x"), TODAY, TODAY)
    assert emulator.stats()["throttled"] == {}, "never ran into the limit"
    assert real.waits and all(0 < w <= 1.2 for w in real.waits)


async def test_x_over_its_limit_waits_for_the_reset(connect, emulator):
    """Another worker used the token's window up: the 429 is waited out until the reset."""
    emulator.configure(rate_limits={"x": {"limit": 2, "window": 3}})
    await asyncio.sleep(3 - time.time() % 3)  # start with a fresh window: three calls fit
    other, mine = Sleeps(real=True), Sleeps(real=True)
    first = connect("x", sleep=other, max_wait=5)
    for _ in range(2):
        await first.channel_metrics(auth("x"), TODAY, TODAY)
    await connect("x", sleep=mine, max_wait=5).channel_metrics(auth("x"), TODAY, TODAY)
    assert emulator.stats()["throttled"] == {"x": 1}
    assert len(mine.waits) == 1 and 0 < mine.waits[0] <= 3.2


async def test_x_private_metrics_stop_after_thirty_days(connect):
    connector = connect("x")
    old = [p async for p in connector.posts(auth("x"), TODAY - timedelta(days=40),
                                            TODAY - timedelta(days=35))]
    new = [p async for p in connector.posts(auth("x"), TODAY - timedelta(days=5),
                                            TODAY - timedelta(days=4))]
    assert old and new
    for post in old:
        raws = {m.raw_metric for m in post.metrics}
        assert "public_metrics.impression_count:lifetime" in raws
        assert not any(m.metric == "clicks" for m in post.metrics)  # missing, not 0
    for post in new:
        raws = {m.raw_metric for m in post.metrics}
        assert "non_public_metrics.impression_count:lifetime" in raws
        assert "non_public_metrics.url_link_clicks:lifetime" in raws


@pytest.mark.parametrize("platform", ["x", "tiktok", "instagram", "linkedin", "youtube"])
async def test_current_follower_counts_land_on_the_platforms_today(platform, connect):
    connector = connect(platform)
    today = await connector.channel_metrics(auth(platform), TODAY - timedelta(days=2), TODAY)
    before = await connector.channel_metrics(auth(platform), TODAY - timedelta(days=9),
                                             TODAY - timedelta(days=3))
    assert [p.day for p in today if p.metric == "followers"] == [TODAY]
    assert not [p for p in before if p.metric == "followers"]


async def test_lifetime_totals_are_dated_on_the_publish_day(connect):
    for platform in ("x", "tiktok", "instagram"):
        posts = [p async for p in connect(platform).posts(
            auth(platform), TODAY - timedelta(days=6), TODAY - timedelta(days=3))]
        assert posts
        for post in posts:
            assert post.metrics, post
            assert {m.day for m in post.metrics} == {post.published_at.date()}
            assert all(m.raw_metric.endswith(":lifetime") for m in post.metrics)


async def test_x_media_uploads_are_multipart_and_used_once(emulator):
    headers = {"Authorization": f"Bearer {auth('x').access_token}"}
    async with httpx.AsyncClient(base_url=emulator.base("x"), headers=headers) as http:
        not_multipart = await http.post("/2/media/upload", json={"media": "abc"})
        uploaded = await http.post("/2/media/upload", data={"media_category": "tweet_image"},
                                   files={"media": ("a.jpg", b"\xff\xd8jpeg", "image/jpeg")})
        media = {"media_ids": [uploaded.json()["data"]["id"]]}
        first = await http.post("/2/tweets", json={"text": "one", "media": media})
        again = await http.post("/2/tweets", json={"text": "two", "media": media})
    assert not_multipart.status_code == 400
    assert uploaded.status_code == 200 and first.status_code == 201
    assert again.status_code == 400 and "not an unused upload" in again.text
