"""The demo's pure parts: metric simulation, plan and copy, with no database."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.connectors import API_VERSIONS
from domain.demo.agency import BRANDS, METRIC_DAYS
from domain.demo.briefs import campaigns
from domain.demo.plan import plan
from domain.demo.platforms import FORMATS, PAID_PLATFORMS
from domain.demo.simulation import Day, SimulatedPost, add_up, channel_days, post_days
from domain.demo.sources import API_VERSION, CHANNEL_RAW, POST_RAW
from domain.demo.texts import IT_POSTS
from domain.demo.workflow import assign_statuses
from domain.enums import ContentPillar, Platform, PostFormat, PostStatus

PUBLISHED = date(2026, 10, 1)
LAST = date(2026, 11, 20)


def post(platform: Platform = Platform.INSTAGRAM, fmt: PostFormat = PostFormat.IMAGE, *,
         seed: str = "@aurora|2026-10-01T10:00:00+00:00", paid: bool = False,
         viral: bool = False, pillar: ContentPillar = ContentPillar.INFORMATIVE
         ) -> SimulatedPost:
    return SimulatedPost(seed=seed, platform=platform, followers=5000, published=PUBLISHED,
                         format=fmt, pillar=pillar, paid=paid, viral=viral,
                         order_value=Decimal("27.40"))


def days_of(p: SimulatedPost) -> list[Day]:
    return post_days(p, LAST, POST_RAW[p.platform].keys())


def test_the_same_post_gets_the_same_figures_and_another_post_others():
    assert days_of(post()) == days_of(post())
    assert days_of(post()) != days_of(post(seed="@aurora|2026-10-08T10:00:00+00:00"))
    channel = channel_days("@aurora", Platform.INSTAGRAM, 5000, PUBLISHED, LAST, {},
                           CHANNEL_RAW[Platform.INSTAGRAM].keys())
    assert channel == channel_days("@aurora", Platform.INSTAGRAM, 5000, PUBLISHED, LAST, {},
                                   CHANNEL_RAW[Platform.INSTAGRAM].keys())


def test_a_post_has_a_day_from_publication_to_the_last_day():
    days = days_of(post())
    assert [d.day for d in days] == [PUBLISHED + timedelta(n)
                                     for n in range((LAST - PUBLISHED).days + 1)]
    assert post_days(post(), PUBLISHED - timedelta(1), POST_RAW[Platform.INSTAGRAM]) == []


@pytest.mark.parametrize("platform", sorted(FORMATS))
def test_no_count_is_negative(platform: Platform):
    for fmt, paid, viral, pillar in itertools.product(
            FORMATS[platform], (False, platform in PAID_PLATFORMS), (False, True),
            ContentPillar):
        p = post(platform, fmt, paid=paid, viral=viral, pillar=pillar)
        days = days_of(p)
        assert all(v >= 0 for d in days for v in d.counts.values())
        assert all(d.paid.spend > 0 and d.paid.conversions >= 0 and d.paid.revenue >= 0
                   for d in days if d.paid)
    totals: dict[date, dict[str, int]] = {}
    add_up(days, totals)
    channel = channel_days("h", platform, 100, PUBLISHED, LAST, totals,
                           CHANNEL_RAW[platform].keys())
    assert all(isinstance(v, int) and v >= 0 for d in channel for v in d.counts.values())


def test_a_metric_the_platform_does_not_report_is_missing_not_zero():
    x_days = days_of(post(Platform.X, PostFormat.TEXT))
    assert x_days and all("reach" not in d.counts for d in x_days)
    assert all("impressions" in d.counts for d in x_days)
    tiktok = days_of(post(Platform.TIKTOK, PostFormat.VIDEO))
    assert all("impressions" not in d.counts and "video_views" in d.counts for d in tiktok)
    linkedin = channel_days("h", Platform.LINKEDIN, 3300, PUBLISHED, LAST, {},
                            CHANNEL_RAW[Platform.LINKEDIN].keys())
    assert all("saves" not in d.counts and "followers" in d.counts for d in linkedin)


def test_an_image_has_no_video_views_and_a_reel_has_them():
    assert all("video_views" not in d.counts for d in days_of(post(fmt=PostFormat.IMAGE)))
    assert all(d.counts["video_views"] >= 0 for d in days_of(post(fmt=PostFormat.REEL)))


def test_a_promotion_is_paid_for_its_first_week_only():
    paid = days_of(post(Platform.FACEBOOK, PostFormat.LINK, paid=True))
    assert [d.paid is not None for d in paid[:8]] == [True] * 7 + [False]
    assert all(d.paid is None for d in paid[7:])
    assert all(d.paid is None for d in days_of(post(Platform.FACEBOOK, PostFormat.LINK)))


def test_a_channel_adds_up_what_its_posts_did():
    first, second = days_of(post()), days_of(post(seed="other"))
    totals: dict[date, dict[str, int]] = {}
    add_up(first, totals)
    add_up(second, totals)
    assert totals[PUBLISHED]["reactions"] == (first[0].counts["reactions"]
                                              + second[0].counts["reactions"])
    quiet = channel_days("h", Platform.INSTAGRAM, 5000, PUBLISHED, PUBLISHED, {},
                         CHANNEL_RAW[Platform.INSTAGRAM].keys())[0]
    busy = channel_days("h", Platform.INSTAGRAM, 5000, PUBLISHED, PUBLISHED, totals,
                        CHANNEL_RAW[Platform.INSTAGRAM].keys())[0]
    assert busy.counts["reactions"] - quiet.counts["reactions"] == totals[PUBLISHED][
        "reactions"]


def test_every_demo_platform_speaks_its_connectors_version():
    for platform in {ch.platform for b in BRANDS for ch in b.channels}:
        assert API_VERSION[platform] == API_VERSIONS[platform]
        assert POST_RAW[platform] and CHANNEL_RAW[platform]["followers"]
    assert API_VERSION[Platform.LINKEDIN] == "202610"


def test_the_plan_is_the_same_for_the_same_day_and_walks_the_workflow():
    today = date(2026, 11, 21)

    def planned() -> list[tuple]:
        found = []
        briefs = campaigns(today)
        for n, c in enumerate(briefs):
            c["id"], c["channel_ids"] = n + 1, set()
        for i, brand in enumerate(BRANDS):
            ids = {ch.handle: 10 * i + j for j, ch in enumerate(brand.channels)}
            specs = plan(brand, i, ids, [c for c in briefs if c["brand"] == brand.slug], today)
            assign_statuses(specs, today)
            found += [(s.scheduled_at, s.status, s.values["text"], s.values["format"],
                       [step[:2] for step in s.path]) for s in specs]
        return found

    first = planned()
    assert first == planned()
    assert {status for _, status, *_ in first} == set(PostStatus)
    assert min(at for at, *_ in first).date() >= today - timedelta(days=METRIC_DAYS)


ITALIAN_GLUE = re.compile(r"\b(di|a|da|in|su) (il|lo|la|i|gli|le|l')(?=\s|$)|\b(di|a|da|in|su) l'")


def test_the_italian_copy_uses_articulated_prepositions():
    sentences = [s for texts in IT_POSTS.values() for s in texts]
    assert [s for s in sentences if ITALIAN_GLUE.search(s)] == []
    assert "Dalla pianta alla tazzina: oggi parliamo della crema dell'espresso." in sentences


@pytest.mark.parametrize("platform", list(Platform))
def test_no_channel_metric_is_a_constant_zero_the_platform_does_not_report(platform):
    """A metric the platform does not report is missing (no row), not 0 every day: TikTok
    has no account-level saves, so the demo stores none (issue 14)."""
    if platform not in CHANNEL_RAW:
        pytest.skip("not simulated")
    days = channel_days("@x", platform, 200_000, PUBLISHED, LAST, {},
                        CHANNEL_RAW[platform].keys())
    for name in CHANNEL_RAW[platform]:
        values = [d.counts[name] for d in days if name in d.counts]
        assert not values or any(values), f"{platform} {name} is 0 every day"
    assert "saves" not in CHANNEL_RAW[Platform.TIKTOK]
