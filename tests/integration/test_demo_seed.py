"""The demo seed is complete, idempotent, and its printed tokens log in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.demo import seed_demo
from domain.enums import PostStatus
from domain.models import ALL_TABLES, ApiToken, Channel, ChannelMetric, Post, PostMetric
from domain.services import rollups
from domain.services.tokens import authenticate

pytestmark = pytest.mark.storage

TODAY = date(2026, 11, 21)


async def counts() -> dict[str, int]:
    return {t._meta.tablename: await t.count() for t in ALL_TABLES if t is not ApiToken}


async def test_seeding_twice_changes_nothing_but_the_tokens():
    first_logins = await seed_demo(TODAY)
    first = await counts()
    second_logins = await seed_demo(TODAY)
    assert await counts() == first
    # Its metrics are rolled up as they are written, the second time too.
    assert (await rollups.verify(rollups.piccolo_sql(), sample=300))[1] == []
    assert first["post"] >= 100 and first["campaign"] == 3 and first["brand"] == 2
    assert await ApiToken.count().where(ApiToken.revoked_at.is_null()) == len(second_logins)

    for old, new in zip(first_logins, second_logins, strict=True):
        assert await authenticate(old.token) is None  # revoked by the second run
        user = await authenticate(new.token)
        assert user is not None and user.email == new.email


async def test_plan_metrics_and_logins():
    logins = await seed_demo(TODAY)
    by_email = {login.email: login for login in logins}
    assert by_email["owner@coso.example"].workspace_role == "OWNER"
    assert by_email["client@coso.example"].brand_roles == {"torrefazione-aurora": ["CLIENT"]}
    assert sorted(by_email["coso@coso.example"].brand_roles["brightside-cycles"]) == [
        "COMMUNITY_MANAGER", "MANAGER", "STRATEGIST"]

    posts = await Post.select(Post.id, Post.status, Post.external_id, Post.rejection_reason,
                              Post.scheduled_at)
    assert {p["status"] for p in posts} == set(PostStatus)
    for post in posts:
        assert (post["external_id"] is not None) == (post["status"] == PostStatus.PUBLISHED)
        assert bool(post["rejection_reason"]) == (post["status"] == PostStatus.REJECTED)
    in_plan = [p for p in posts if p["scheduled_at"].date() >= TODAY.replace(day=1)]
    assert 50 <= len(in_plan) <= 75

    published = {p["id"] for p in posts if p["status"] == PostStatus.PUBLISHED}
    metric_posts = {r["post"] for r in await PostMetric.select(PostMetric.post).distinct()}
    assert metric_posts == published

    first, last = TODAY - timedelta(days=90), TODAY - timedelta(days=1)
    for channel in await Channel.select(Channel.id):
        days = await ChannelMetric.select(ChannelMetric.day).distinct().where(
            ChannelMetric.channel == channel["id"], ChannelMetric.metric == "followers")
        assert sorted(r["day"] for r in days) == [first + timedelta(days=n) for n in range(90)]
    assert await ChannelMetric.count().where(ChannelMetric.day > last) == 0
    assert await PostMetric.count().where(PostMetric.day > last) == 0
    assert await PostMetric.count().where(
        PostMetric.metric.is_in(["spend", "revenue"]), PostMetric.currency.is_null()) == 0


async def test_the_demo_inbox_has_saved_replies_and_business_hours():
    from domain.demo import IT
    from domain.models import Brand, SavedReply
    from domain.rules.inbox import unknown_placeholders

    await seed_demo(TODAY)
    await seed_demo(TODAY)
    replies = await SavedReply.select(SavedReply.text)
    assert len(replies) == 6 and not any(unknown_placeholders(r["text"]) for r in replies)
    aurora = await Brand.select(Brand.business_hours).where(Brand.slug == IT).output(
        load_json=True).first()
    assert {"weekday": 5, "opens": "09:00", "closes": "13:00"} in aurora["business_hours"]
