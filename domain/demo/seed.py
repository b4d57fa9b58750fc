"""`seed_demo()`: the demo agency, its plan and 90 days of metrics, written in one go.

Idempotent: rows are found by natural keys (workspace and brand slug, user e-mail, channel
handle, campaign name, a post's channel and scheduled slot) and updated in place, metrics
are upserted. The same `today` gives the same data, and a later `today` moves the plan
forward (past slots become published posts with metrics). Only the login tokens change on
every run: they are stored hashed, so each run issues a fresh "demo" token per user and
revokes the previous ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from domain.connectors import API_VERSIONS
from domain.db import write_transaction
from domain.demo import access, store
from domain.demo.agency import BRANDS, METRIC_DAYS, SYNCED_DAYS_AGO
from domain.demo.inbox import COMMUNITY_MANAGER, seed_inbox
from domain.demo.plan import PostSpec, plan
from domain.demo.simulation import SimulatedPost, add_up, channel_days, post_days
from domain.demo.sources import CHANNEL_RAW, POST_RAW
from domain.demo.workflow import assign_statuses
from domain.enums import MediaType, PostStatus
from domain.services.metrics import Observation, upsert_channel_metrics, upsert_post_metrics


async def seed_demo(today: date | None = None, *,
                    channel_token: Callable[[str, str], str] | None = None,
                    synced: bool | None = None) -> list[access.DemoLogin]:
    """Create or refresh the demo agency; returns each demo user with a working token.

    With `channel_token(platform, external_id)` the channels are connected with its tokens.
    `synced` (default: with a channel_token) makes the last week of the channels Coso has a
    connector for a platform's to fetch: connected here, or later through OAuth
    (api/demo_connect.py).
    """
    synced = channel_token is not None if synced is None else synced
    today = today or datetime.now(UTC).date()
    now_ref = datetime.combine(today, time.min, UTC)
    yesterday, first = today - timedelta(days=1), today - timedelta(days=METRIC_DAYS)
    async with write_transaction():
        workspace_id = await store.seed_workspace()
        brand_ids, channel_ids = await store.seed_brands(workspace_id, today)
        if channel_token is not None:
            await access.connect_channels(channel_ids, today, channel_token)
        elif synced:
            await access.synced_through(channel_ids, today)
        users = await store.seed_people(brand_ids, workspace_id)
        await seed_inbox(brand_ids, users[COMMUNITY_MANAGER])
        campaigns = await store.seed_campaigns(today, brand_ids, channel_ids)
        specs: list[PostSpec] = []
        for b in BRANDS:
            brand_plan = plan(b, brand_ids[b.slug], channel_ids[b.slug],
                              [c for c in campaigns if c["brand"] == b.slug], today)
            assign_statuses(brand_plan, today)
            specs += brand_plan
        posts = await store.seed_posts(specs, users)

        by_channel: dict[int, dict[date, dict[str, int]]] = {}
        post_rows: list[Observation] = []
        for post_id, spec in sorted(posts.items()):
            if spec.status is not PostStatus.PUBLISHED:
                continue
            platform = spec.channel.platform
            days = post_days(_simulated(spec), yesterday, POST_RAW[platform].keys())
            add_up(days, by_channel.setdefault(spec.channel_id, {}))
            post_rows += store.observations(post_id, platform, days, POST_RAW[platform],
                                            now_ref, spec.brand.currency)
        # A connected channel's last days come from its platform (`coso sync`), not from here.
        synced_to = today - timedelta(days=SYNCED_DAYS_AGO)
        channel_rows: list[Observation] = []
        for b in BRANDS:
            for ch in b.channels:
                channel_id = channel_ids[b.slug][ch.handle]
                last = (synced_to if synced and ch.platform in API_VERSIONS
                        else yesterday)
                days = channel_days(ch.handle, ch.platform, ch.followers, first, last,
                                    by_channel.get(channel_id, {}),
                                    CHANNEL_RAW[ch.platform].keys())
                channel_rows += store.observations(channel_id, ch.platform, days,
                                                   CHANNEL_RAW[ch.platform], now_ref,
                                                   b.currency)
        await upsert_post_metrics(post_rows)
        await upsert_channel_metrics(channel_rows)
        return await access.logins(users)


def _simulated(spec: PostSpec) -> SimulatedPost:
    return SimulatedPost(
        seed=spec.seed, platform=spec.channel.platform, followers=spec.channel.followers,
        published=spec.local_day, format=spec.values["format"], pillar=spec.values["pillar"],
        paid=spec.values["media_type"] is MediaType.PAID, viral=spec.viral,
        order_value=spec.brand.order_value)
