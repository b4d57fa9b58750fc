"""Where the demo's figures say they come from: each platform's API version and raw names.

Versions and the raw names a connector reads come from the connectors themselves, so a
synced week and the generated history agree; the other names are what each platform calls
the metrics Coso's connectors do not fetch. A metric without a name here is one the
platform does not report: the demo stores no row for it (missing, not zero).
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.connectors import API_VERSIONS, facebook, instagram, linkedin, tiktok, x, youtube
from domain.enums import Platform

P = Platform


def _named(read: Mapping[str, str], prefix: str = "") -> dict[str, str]:
    """Canonical → raw name, from a connector's raw → canonical table."""
    return {metric: prefix + raw for raw, metric in read.items()}


API_VERSION: Mapping[Platform, str] = API_VERSIONS
CHANNEL_RAW: dict[Platform, dict[str, str]] = {
    P.FACEBOOK: {
        **_named(facebook.PAGE_METRICS),
        "reactions": "page_actions_post_reactions_total", "comments": "page_post_comments",
        "shares": "page_post_shares", "saves": "page_post_saves",
        "clicks": "page_total_actions", "mentions": "page_mentions"},
    P.INSTAGRAM: {
        "followers": "followers_count", "impressions": "views", **_named(instagram.ACCOUNT_DAILY),
        "reactions": "likes", "comments": "comments", "shares": "shares", "saves": "saves",
        "clicks": "website_clicks", "mentions": "tags"},
    P.TIKTOK: {  # no account-level saves (favorites): TikTok reports them per video only
        "followers": "follower_count", "follows": "daily_new_followers",
        "impressions": "video_views", "reach": "reached_audience", "reactions": "likes",
        "comments": "comments", "shares": "shares",
        "clicks": "website_clicks", "profile_visits": "profile_views", "mentions": "mentions"},
    P.LINKEDIN: {  # organisation pages report no saves
        "followers": "firstDegreeSize", "follows": linkedin.FOLLOW_GAINS,
        **_named(linkedin.STATS),
        "profile_visits": "pageStatistics.views.allPageViews", "mentions": "SHARE_MENTION"},
    P.X: {  # X reports no reach
        "followers": "public_metrics.followers_count", "follows": "followers_count_delta",
        "impressions": "non_public_metrics.impression_count",
        "reactions": "public_metrics.like_count", "comments": "public_metrics.reply_count",
        "shares": "public_metrics.retweet_count", "saves": "public_metrics.bookmark_count",
        "clicks": "non_public_metrics.url_link_clicks",
        "profile_visits": "non_public_metrics.user_profile_clicks", "mentions": "mentions"},
    P.YOUTUBE: {  # YouTube Analytics has no reach
        "followers": "statistics.subscriberCount", **_named(youtube.CHANNEL),
        "impressions": "videoThumbnailImpressions", "saves": "videosAddedToPlaylists",
        "clicks": "cardClicks", "profile_visits": "channelPageViews", "mentions": "mentions"},
}
POST_RAW: dict[Platform, dict[str, str]] = {
    P.FACEBOOK: {
        **_named(facebook.POST_METRICS), "comments": "comments.summary.total_count",
        "shares": "shares.count", "video_views": "post_video_views"},
    P.INSTAGRAM: {**_named(instagram.MEDIA), "video_views": "views"},  # a reel's plays
    P.TIKTOK: _named(tiktok.COUNTS),
    P.LINKEDIN: _named(linkedin.STATS),
    P.X: {
        **_named(x.PUBLIC, "public_metrics."), **_named(x.NON_PUBLIC, "non_public_metrics."),
        "impressions": "non_public_metrics.impression_count",
        "shares": "public_metrics.retweet_count+quote_count",
        "video_views": "media.public_metrics.view_count"},
    P.YOUTUBE: {
        **_named(youtube.VIDEO), "impressions": "videoThumbnailImpressions",
        "saves": "videosAddedToPlaylists"},
}
PAID_RAW = {  # spend, conversions, revenue: from the ads APIs, which Coso does not sync
    P.FACEBOOK: ("spend", "actions:offsite_conversion.fb_pixel_purchase",
                 "action_values:offsite_conversion.fb_pixel_purchase"),
    P.INSTAGRAM: ("spend", "actions:offsite_conversion.fb_pixel_purchase",
                  "action_values:offsite_conversion.fb_pixel_purchase"),
    P.LINKEDIN: ("costInLocalCurrency", "externalWebsiteConversions",
                 "conversionValueInLocalCurrency"),
}
