"""Every comment of a post, every page, on every platform (for the community inbox)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.connectors.conftest import ACCOUNTS, TODAY, auth

PLATFORMS = ["facebook", "instagram", "linkedin", "x", "youtube", "tiktok"]
PAGE = {"x": 10}  # X's search pages hold 10 to 100 replies; elsewhere 5 forces many pages


def busy_post(emulator, platform: str) -> str:
    """A recent post with more comments than three pages hold."""
    for post in reversed(emulator.expected_posts(platform, ACCOUNTS[platform],
                                                 TODAY - timedelta(days=4), TODAY)):
        if len(emulator.expected_comments(platform, post.external_id)) > 3 * PAGE.get(
                platform, 5):
            return post.external_id
    raise AssertionError("no busy post in the window")


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_comments_are_paged_to_the_end(platform, connect, emulator):
    post = busy_post(emulator, platform)
    connector = connect(platform)
    connector.page_size = PAGE.get(platform, 5)
    got = [c async for c in connector.comments(auth(platform), post)]
    want = emulator.expected_comments(platform, post)
    assert sorted((c.external_id, c.text, c.created_at) for c in got) == sorted(
        (c.id, c.text, c.created_at) for c in want)
    assert all(c.post_external_id == post for c in got)
    if platform != "tiktok":  # TikTok's research API does not name authors
        assert all(c.author for c in got)
    calls = sum(emulator.stats()["calls"][platform].values())
    assert calls > 3


def quiet_post(emulator, platform: str) -> str:
    """A post without comments: about one generated post in 37 has none, so a year holds
    several on every platform (90 days held none on LinkedIn, which posts less often)."""
    for post in reversed(emulator.expected_posts(platform, ACCOUNTS[platform],
                                                 TODAY - timedelta(days=365), TODAY)):
        if not emulator.expected_comments(platform, post.external_id):
            return post.external_id
    raise AssertionError("no post without comments in the window")


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_post_without_comments_yields_none(platform, connect, emulator):
    connector = connect(platform)
    post = quiet_post(emulator, platform)
    assert [c async for c in connector.comments(auth(platform), post)] == []
