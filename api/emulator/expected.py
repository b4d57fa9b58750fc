"""What a correct connector must return for a window, computed from the emulator's own data.

Reconciliation tests compare stored rows to these. The raw -> canonical tables here are
written independently of the connectors' on purpose: they are the test's oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from api.emulator import facebook as fb
from api.emulator import instagram as ig
from api.emulator import linkedin as li
from api.emulator import tiktok as tt
from api.emulator import x
from api.emulator import youtube as yt
from api.emulator.data import (
    Comment,
    Post,
    answer_of,
    available,
    comments_of,
    find_post,
    followers,
    generated_posts,
)
from api.emulator.inbox_data import mentions_of, threads_of
from api.emulator.state import State

LIFETIME = ":lifetime"


@dataclass(frozen=True, order=True, slots=True)
class Row:
    """One canonical metric value for one day, with the raw metric it came from."""

    metric: str
    day: date
    value: Decimal
    raw_metric: str


@dataclass(frozen=True, slots=True)
class ExpectedPost:
    external_id: str
    permalink: str
    published_at: Any
    text: str
    metrics: tuple[Row, ...]


def _total(value: Any) -> Decimal:
    if isinstance(value, dict):
        return sum((Decimal(v) for v in value.values()), Decimal(0))
    return Decimal(value)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _current(state: State, platform: str, account: str, start: date, end: date, raw: str
             ) -> list[Row]:
    today = state.config.day()
    if not start <= today <= end:
        return []
    return [Row("followers", today, Decimal(followers(state.config, platform, account, today)),
                raw)]


# --- facebook --------------------------------------------------------------------------------

FB_PAGE = {"page_media_view": "impressions", "page_total_media_view_unique": "reach",
           "page_daily_follows": "follows", "page_follows": "followers",
           "page_views_total": "profile_visits"}
FB_POST = {"post_media_view": "impressions", "post_total_media_view_unique": "reach",
           "post_reactions_by_type_total": "reactions", "post_clicks": "clicks"}


def _facebook_channel(state: State, account: str, start: date, end: date) -> list[Row]:
    cfg = state.config
    oldest = cfg.day() - timedelta(days=730)
    return [Row(metric, day, _total(fb.page_value(cfg, account, raw, day)), raw)
            for day in _days(max(start, oldest), end) if available(cfg, "facebook", day)
            for raw, metric in FB_PAGE.items()]


def _facebook_post(state: State, post: Post, start: date, end: date) -> list[Row]:
    cfg = state.config
    rows = [Row(metric, day, _total(value), raw)
            for day in _days(max(start, post.day), end) if available(cfg, "facebook", day)
            for raw, metric in FB_POST.items()
            if (value := fb.post_value(cfg, post, raw, day)) is not None]
    rows.append(Row("shares", post.day, Decimal(fb.post_lifetime_field(cfg, post, "shares")),
                    "shares.count" + LIFETIME))
    rows.append(Row("comments", post.day,
                    Decimal(fb.post_lifetime_field(cfg, post, "comments")),
                    "comments.summary.total_count" + LIFETIME))
    return rows


# --- instagram -------------------------------------------------------------------------------

IG_DAILY = {"reach": "reach", "follower_count": "follows", "profile_views": "profile_visits"}
IG_MEDIA = {"views": "impressions", "reach": "reach", "likes": "reactions",
            "comments": "comments", "shares": "shares", "saved": "saves"}


def _instagram_channel(state: State, account: str, start: date, end: date) -> list[Row]:
    cfg = state.config
    rows = _current(state, "instagram", account, start, end, "followers_count")
    first, last = max(start, cfg.day() - timedelta(days=730)), min(end, cfg.day())
    for day in _days(first, last):
        rows += [Row(metric, day, Decimal(value), raw) for raw, metric in IG_DAILY.items()
                 if (value := ig.account_value(cfg, account, raw, day)) is not None]
        views = ig.views_total(cfg, account, [day])
        if views is not None:
            rows.append(Row("impressions", day, Decimal(views), "views"))
    return rows


def _instagram_post(state: State, post: Post, start: date, end: date) -> list[Row]:
    return [Row(metric, post.day, Decimal(value), raw + LIFETIME)
            for raw, metric in IG_MEDIA.items()
            if (value := ig.media_value(state.config, post, raw)) is not None]


# --- linkedin --------------------------------------------------------------------------------

LI_STATS = {"impressionCount": "impressions", "uniqueImpressionsCount": "reach",
            "clickCount": "clicks", "likeCount": "reactions", "commentCount": "comments",
            "shareCount": "shares"}
LI_GAINS = "followerGains.organicFollowerGain+paidFollowerGain"


def _linkedin_channel(state: State, account: str, start: date, end: date) -> list[Row]:
    cfg = state.config
    rows = _current(state, "linkedin", account, start, end, "firstDegreeSize")
    first = max(start, cfg.day() - timedelta(days=li.HISTORY_DAYS - 1))
    for day in _days(first, min(end, cfg.day())):
        if not available(cfg, "linkedin", day):
            continue
        rows += [Row(metric, day, Decimal(li.org_value(cfg, account, raw, day)), raw)
                 for raw, metric in LI_STATS.items()]
        gains = sum(li.gain(cfg, account, n, day) for n in li.GAIN_SCALES)
        rows.append(Row("follows", day, Decimal(gains), LI_GAINS))
    return rows


def _linkedin_post(state: State, post: Post, start: date, end: date) -> list[Row]:
    cfg = state.config
    return [Row(metric, day, Decimal(stats[raw]), raw)
            for day in _days(max(start, post.day), min(end, cfg.day()))
            if available(cfg, "linkedin", day)
            and (stats := li.post_stats(cfg, post, day)) is not None
            for raw, metric in LI_STATS.items()]


# --- x ---------------------------------------------------------------------------------------

X_PUBLIC = {"like_count": "reactions", "reply_count": "comments", "bookmark_count": "saves"}


def _x_channel(state: State, account: str, start: date, end: date) -> list[Row]:
    return _current(state, "x", account, start, end, "public_metrics.followers_count")


def _x_post(state: State, post: Post, start: date, end: date) -> list[Row]:
    cfg, day = state.config, post.day
    public = x.public_metrics(cfg, post)
    private = x.private_metrics(cfg, post)
    rows = [Row(metric, day, Decimal(public[raw]), f"public_metrics.{raw}{LIFETIME}")
            for raw, metric in X_PUBLIC.items()]
    rows.append(Row("shares", day, Decimal(public["retweet_count"] + public["quote_count"]),
                    "public_metrics.retweet_count+quote_count" + LIFETIME))
    if private is not None:
        rows.append(Row("clicks", day, Decimal(private["url_link_clicks"]),
                        "non_public_metrics.url_link_clicks" + LIFETIME))
        rows.append(Row("impressions", day, Decimal(private["impression_count"]),
                        "non_public_metrics.impression_count" + LIFETIME))
    else:
        rows.append(Row("impressions", day, Decimal(public["impression_count"]),
                        "public_metrics.impression_count" + LIFETIME))
    views = x.video_views(cfg, post)
    if views is not None:
        rows.append(Row("video_views", day, Decimal(views),
                        "media.public_metrics.view_count" + LIFETIME))
    return rows


# --- youtube ---------------------------------------------------------------------------------

YT_CHANNEL = {"views": "video_views", "likes": "reactions", "comments": "comments",
              "shares": "shares", "subscribersGained": "follows"}
YT_VIDEO = {"views": "video_views", "likes": "reactions", "comments": "comments",
            "shares": "shares"}


def _youtube_channel(state: State, account: str, start: date, end: date) -> list[Row]:
    cfg = state.config
    rows = _current(state, "youtube", account, start, end, "statistics.subscriberCount")
    return rows + [Row(metric, day, Decimal(yt.channel_value(cfg, account, raw, day)), raw)
                   for day in _days(start, min(end, cfg.day()))
                   if available(cfg, "youtube", day) for raw, metric in YT_CHANNEL.items()]


def _youtube_post(state: State, post: Post, start: date, end: date) -> list[Row]:
    cfg = state.config
    rows = []
    for day in _days(max(start, post.day), min(end, cfg.day())):
        values = {raw: yt.video_value(cfg, post, raw, day) for raw in YT_VIDEO}
        if available(cfg, "youtube", day) and None not in values.values():
            rows += [Row(YT_VIDEO[raw], day, Decimal(v), raw) for raw, v in values.items()
                     if v is not None]  # none is, as just checked
    return rows


# --- tiktok ----------------------------------------------------------------------------------

TT_COUNTS = {"view_count": "video_views", "like_count": "reactions",
             "comment_count": "comments", "share_count": "shares"}


def _tiktok_channel(state: State, account: str, start: date, end: date) -> list[Row]:
    return _current(state, "tiktok", account, start, end, "follower_count")


def _tiktok_post(state: State, post: Post, start: date, end: date) -> list[Row]:
    return [Row(metric, post.day, Decimal(tt.count(state.config, post, raw)), raw + LIFETIME)
            for raw, metric in TT_COUNTS.items()]


# --- the API tests use ----------------------------------------------------------------------

ChannelRule = Callable[[State, str, date, date], list[Row]]
PostRule = Callable[[State, Post, date, date], list[Row]]
CHANNEL: dict[str, ChannelRule] = {"facebook": _facebook_channel,
                                   "instagram": _instagram_channel,
                                   "linkedin": _linkedin_channel, "x": _x_channel,
                                   "youtube": _youtube_channel, "tiktok": _tiktok_channel}
POST: dict[str, tuple[PostRule, Callable[[Post], str]]] = {
    "facebook": (_facebook_post, fb.permalink),
    "instagram": (_instagram_post, ig.permalink),
    "linkedin": (_linkedin_post, li.permalink),
    "x": (_x_post, lambda p: f"https://x.com/i/web/status/{p.id}"),
    "youtube": (_youtube_post, lambda p: f"https://www.youtube.com/watch?v={p.id}"),
    "tiktok": (_tiktok_post, tt.share_url),
}
# Platforms that list only recent posts (newest first, no date filter) in the emulator.
LISTED_DAYS = {"linkedin": li.HISTORY_DAYS, "tiktok": tt.HISTORY_DAYS}


def channel_metrics(state: State, platform: str, account: str, start: date, end: date
                    ) -> list[Row]:
    """Every canonical channel metric a connector must return for start..end, sorted."""
    return sorted(CHANNEL[platform](state, account, start, end))


def posts(state: State, platform: str, account: str, start: date, end: date
          ) -> list[ExpectedPost]:
    """The posts published start..end (UTC days, generated and published through the API)
    with the metric rows a connector must return for them, sorted by id."""
    rule, permalink = POST[platform]
    if platform in LISTED_DAYS:
        start = max(start, state.config.day() - timedelta(days=LISTED_DAYS[platform]))
    found = generated_posts(state.config, platform, account, start, end)
    found += [p for p in state.published_on(platform, account) if start <= p.day <= end]
    return sorted((ExpectedPost(p.id, permalink(p), p.published_at, p.text,
                                tuple(sorted(rule(state, p, start, end)))) for p in found),
                  key=lambda p: p.external_id)


def comments(state: State, platform: str, post_id: str) -> list[Comment]:
    """Every comment the emulator serves for a post, oldest first (X's search sees only the
    last seven days)."""
    post = find_post(platform, post_id)
    found = comments_of(state.config, post) if post else []
    if platform == "x":
        since = state.config.now() - timedelta(days=x.SEARCH_DAYS)
        found = [c for c in found if c.created_at >= since]
    return found


def inbox(state: State, platform: str, account: str, since: datetime, until: datetime
          ) -> set[tuple[str, str, str]]:
    """(kind, thread id, message id) of every comment on the account's posts of the last
    30 days, mention and direct message created in since..until, as a fresh inbox stores
    them: with the account's own replies to those comments, deleted comments left out."""
    cfg = state.config
    found: set[tuple[str, str, str]] = set()
    first = (until - timedelta(days=30)).date()
    posts = generated_posts(cfg, platform, account, first, until.date())
    posts += state.published_on(platform, account)
    for post in posts:
        if not until - timedelta(days=30) <= post.published_at < until:
            continue
        for comment in comments_of(cfg, post):
            if comment.id in state.deleted:
                continue
            if not since <= comment.created_at < until:
                continue  # the account's answers to older comments have no thread to go in
            found.add(("COMMENT", comment.id, comment.id))
            answer = answer_of(cfg, comment)
            if answer is not None and since <= answer.created_at < until:
                found.add(("COMMENT", comment.id, answer.id))
            for reply in state.replies_to(comment.id):
                if since <= reply.created_at < until:
                    found.add(("COMMENT", comment.id, reply.id))
    for mention in mentions_of(cfg, platform, account, since, until):
        found.add(("MENTION", mention.id, mention.id))
    for thread in threads_of(cfg, platform, account, since - timedelta(days=30), until):
        said: list[Any] = [*thread, *state.replies_to(thread[0].thread_id)]
        found |= {("DM", thread[0].thread_id, m.id) for m in said
                  if since <= m.created_at < until}
    return found
