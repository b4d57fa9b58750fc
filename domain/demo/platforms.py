"""How each platform behaves in the demo: formats, weekly rhythm, reach and paid delivery."""

from __future__ import annotations

from domain.enums import Platform, PostFormat

P = Platform

FORMATS = {
    P.INSTAGRAM: (PostFormat.IMAGE, PostFormat.CAROUSEL, PostFormat.REEL, PostFormat.STORY),
    P.FACEBOOK: (PostFormat.IMAGE, PostFormat.LINK, PostFormat.VIDEO, PostFormat.TEXT),
    P.TIKTOK: (PostFormat.VIDEO,),
    P.YOUTUBE: (PostFormat.VIDEO,),
    P.LINKEDIN: (PostFormat.TEXT, PostFormat.IMAGE, PostFormat.LINK, PostFormat.CAROUSEL),
    P.X: (PostFormat.TEXT, PostFormat.IMAGE, PostFormat.GIF, PostFormat.LINK),
}
VIDEO = frozenset({PostFormat.VIDEO, PostFormat.REEL})
WEEKDAY_FACTOR = {  # Monday first
    P.INSTAGRAM: (0.95, 1.0, 1.0, 1.0, 1.05, 1.2, 1.15),
    P.FACEBOOK: (1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.15),
    P.TIKTOK: (0.9, 0.9, 0.95, 1.0, 1.1, 1.3, 1.25),
    P.LINKEDIN: (1.1, 1.2, 1.2, 1.15, 1.0, 0.45, 0.4),
    P.X: (1.1, 1.1, 1.1, 1.05, 1.0, 0.75, 0.7),
    P.YOUTUBE: (0.9, 0.9, 0.9, 0.95, 1.0, 1.2, 1.3),
}
# Lifetime impressions per follower, days of half-life-ish decay, engagements per impression.
POST_SHAPE = {
    P.INSTAGRAM: (0.45, 1.6, 0.055), P.FACEBOOK: (0.30, 1.2, 0.03),
    P.TIKTOK: (1.2, 2.5, 0.07), P.LINKEDIN: (0.6, 2.2, 0.035),
    P.X: (0.5, 0.6, 0.02), P.YOUTUBE: (0.8, 9.0, 0.045),
}
PAID_PLATFORMS = frozenset({P.FACEBOOK, P.INSTAGRAM, P.LINKEDIN})
PAID_DAILY = {  # spend per day and CPM (low, high, low, high), in the brand's currency
    P.FACEBOOK: (12, 30, 5, 9), P.INSTAGRAM: (12, 30, 5, 9), P.LINKEDIN: (40, 90, 25, 40)}
