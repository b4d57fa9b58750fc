"""Every connector returns exactly what the emulator serves: paging, windows, mapping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.connectors import API_VERSIONS
from domain.rules.metric_catalog import CANONICAL_METRICS, Level
from tests.integration.connectors.conftest import (
    ACCOUNTS,
    TODAY,
    as_tuples,
    auth,
    expected_tuples,
)

PLATFORMS = ["facebook", "instagram", "linkedin", "x", "youtube", "tiktok"]
# Longer than Meta's 90-day insights limit, so the connector has to split it.
START, END = TODAY - timedelta(days=120), TODAY
SMALL_PAGES = {"facebook": 10, "instagram": 10, "linkedin": 10, "x": 5, "youtube": 10,
               "tiktok": 10}
LISTING = {"facebook": "published_posts", "instagram": "media", "linkedin": "posts",
           "x": "timeline", "youtube": "search", "tiktok": "video_list"}


def _levels(points, level: Level) -> None:
    for point in points:
        assert CANONICAL_METRICS[point.metric].allowed_on(level), point


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_channel_metrics_are_exactly_the_emulators(platform, connect, emulator):
    points = await connect(platform).channel_metrics(auth(platform), START, END)
    expected = emulator.expected_channel_metrics(platform, ACCOUNTS[platform], START, END)
    assert expected, "the emulator serves data for this window"
    assert as_tuples(points) == expected_tuples(expected)
    _levels(points, Level.CHANNEL)
    assert all(START <= p.day <= END for p in points)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_posts_are_paged_to_the_end_and_exactly_the_emulators(platform, connect,
                                                                    emulator):
    connector = connect(platform)
    connector.page_size = SMALL_PAGES[platform]
    start, end = TODAY - timedelta(days=20), TODAY
    posts = [p async for p in connector.posts(auth(platform), start, end)]
    expected = emulator.expected_posts(platform, ACCOUNTS[platform], start, end)
    assert len(expected) > 3 * SMALL_PAGES[platform], "enough posts for several pages"
    got = sorted(posts, key=lambda p: p.external_id)
    assert [p.external_id for p in got] == [e.external_id for e in expected]
    for post, want in zip(got, expected, strict=True):
        assert (post.text, post.permalink, post.published_at) == (
            want.text, want.permalink, want.published_at)
        assert as_tuples(post.metrics) == expected_tuples(want.metrics), post.external_id
        _levels(post.metrics, Level.POST)
    assert sum(len(p.metrics) for p in posts) > len(posts), "posts carry metrics"
    assert len({p.external_id for p in posts}) == len(posts), "no post twice"
    pages = emulator.stats()["calls"][platform][LISTING[platform]]
    assert pages == -(-len(expected) // SMALL_PAGES[platform])


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_reading_a_window_again_gives_the_same_rows(platform, connect):
    connector = connect(platform)
    start, end = TODAY - timedelta(days=10), TODAY - timedelta(days=3)
    first = [p async for p in connector.posts(auth(platform), start, end)]
    again = [p async for p in connector.posts(auth(platform), start, end)]
    assert first == again
    assert first and all(start <= p.published_at.date() <= end for p in first)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_connector_speaks_its_documented_api_version(platform, connect):
    assert connect(platform).api_version == API_VERSIONS[platform]
    assert API_VERSIONS[platform] == {"facebook": "v23.0", "instagram": "v23.0",
                                      "linkedin": "202610", "x": "2", "youtube": "v2",
                                      "tiktok": "v2"}[platform]


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_window_in_the_future_is_empty(platform, connect):
    later = TODAY + timedelta(days=30)
    connector = connect(platform)
    assert await connector.channel_metrics(auth(platform), later, later + timedelta(7)) == []
    assert [p async for p in connector.posts(auth(platform), later, later)] == []
