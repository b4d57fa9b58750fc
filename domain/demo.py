"""Demo data: an agency, two brands, campaigns, an editorial plan and 90 days of metrics.

`seed_demo()` is idempotent: rows are found by natural keys (workspace and brand slug,
user e-mail, channel handle, campaign name, a post's channel and scheduled slot) and
updated in place, metrics are upserted. Everything is derived from the absolute date of
each slot through seeded `random.Random`s, so the same `today` gives the same data, and a
later `today` moves the plan forward (past slots become published posts with metrics).
Only the login tokens change on every run: they are stored hashed, so each run issues a
fresh "demo" token per user and revokes the previous ones.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns import Column
from piccolo.query.mixins import OnConflictAction
from piccolo.table import Table

from domain.connectors import API_VERSIONS
from domain.db import engine
from domain.enums import (
    CampaignObjective,
    CampaignStatus,
    ChannelStatus,
    ContentPillar,
    MediaType,
    Platform,
    PostFormat,
    PostStatus,
    Role,
    SourceKind,
    WorkspaceRole,
)
from domain.models import (
    ApiToken,
    Brand,
    Campaign,
    CampaignChannel,
    Channel,
    Membership,
    Post,
    PostMetric,
    PostTransition,
    Strategy,
    User,
    Workspace,
    WorkspaceMember,
)
from domain.models.columns import now
from domain.rules.workflow import Transition, next_status
from domain.services.metrics import Observation, upsert_channel_metrics, upsert_post_metrics
from domain.services.secrets import encrypt_token
from domain.services.tokens import issue_token

WORKSPACE_SLUG = "studio-coso"
TOKEN_NAME = "demo"
METRIC_DAYS = 90
SYNCED_DAYS_AGO = 8  # connected channels: the generated history stands for a sync up to here
CHUNK = 500
P = Platform
S = PostStatus


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    name: str
    workspace_role: str | None
    brand_roles: dict[str, list[str]]  # brand slug → roles
    token: str


# --- who -----------------------------------------------------------------------------------

OWNER = "owner@coso.example"
USERS = {  # email → name
    OWNER: "Giulia Ferri",
    "strategist@coso.example": "Marco Bianchi",
    "manager@coso.example": "Sara Conti",
    "community@coso.example": "Luca Moretti",
    "client@coso.example": "Elena Ricci",
    "coso@coso.example": "Sam Taylor",
}
IT, EN = "torrefazione-aurora", "brightside-cycles"
ROLES = {  # (email, brand slug) → roles
    ("strategist@coso.example", IT): [Role.STRATEGIST],
    ("strategist@coso.example", EN): [Role.STRATEGIST],
    ("manager@coso.example", IT): [Role.MANAGER],
    ("manager@coso.example", EN): [Role.MANAGER],
    ("community@coso.example", IT): [Role.COMMUNITY_MANAGER],
    ("community@coso.example", EN): [Role.COMMUNITY_MANAGER],
    ("client@coso.example", IT): [Role.CLIENT],
    ("coso@coso.example", EN): [Role.STRATEGIST, Role.MANAGER, Role.COMMUNITY_MANAGER],
}

# --- brands, channels and their rhythm -----------------------------------------------------


@dataclass(frozen=True)
class ChannelSpec:
    platform: Platform
    handle: str
    name: str
    external_id: str
    followers: int  # audience 90 days ago
    slots: tuple[tuple[int, time], ...]  # (weekday, local time) of its posts
    every_other_week: bool = False


@dataclass(frozen=True)
class BrandSpec:
    slug: str
    name: str
    locale: str
    timezone: str
    currency: str
    colors: tuple[str, str]
    font: str
    channels: tuple[ChannelSpec, ...]
    maker: str  # e-mail of who writes the posts
    approver: str  # e-mail of who approves them
    order_value: Decimal  # revenue per conversion of paid posts
    texts: dict[ContentPillar, tuple[tuple[str, ...], tuple[str, ...]]] = field(repr=False)
    tags: tuple[str, ...] = ()
    rejection: str = ""
    failure: str = ""


IT_TEXTS = {
    ContentPillar.INFORMATIVE: (
        ("Lo sapevi? Dietro {t} c'è un lavoro di mesi: ve lo raccontiamo in torrefazione.",
         "Dalla pianta alla tazzina: oggi parliamo di {t}.",
         "Tre cose che (forse) non sai su {t}. Salva il post per la prossima pausa caffè!",
         "Mani in pasta: ecco come nasce {t}, passo per passo.",
         "Il nostro mastro tostatore spiega {t} in un minuto."),
        ("la miscela Aurora Oro", "il cold brew della casa", "il decaffeinato ad acqua",
         "la tostatura chiara", "l'espresso perfetto", "la moka della nonna",
         "il caffè di Sidamo", "il blend per il cappuccino", "la macinatura fresca",
         "la crema dell'espresso", "il nostro Brasile Cerrado", "l'acqua giusta per il caffè")),
    ContentPillar.OPINION: (
        ("Diciamolo: {t}. Voi che ne pensate? Ditecelo nei commenti.",
         "Opinione impopolare dalla torrefazione: {t}.",
         "Il caffè a 1,20 € al bar è sostenibile? Secondo noi {t}."),
        ("il caffè amaro non è per forza caffè buono",
         "lo zucchero copre i difetti, non il gusto",
         "la capsula non sostituirà mai la moka",
         "il prezzo giusto deve pagare anche chi coltiva",
         "la tostatura scura nasconde chicchi mediocri",
         "il decaffeinato merita più rispetto",
         "il latte d'avena funziona solo con certe miscele",
         "servire l'espresso con l'acqua è cortesia, non snobismo",
         "il caffè filtro sta tornando anche in Italia",
         "un buon barista vale quanto una buona miscela")),
    ContentPillar.PROMOTIONAL: (
        ("Solo per chi ci segue: {t}. Fino a domenica, in bottega e online.",
         "Novità in bottega: {t}! Link in bio.",
         "Regalate un caffè speciale: {t}."),
        ("-15% sulla miscela Aurora Oro", "la degustazione del sabato è gratuita",
         "spedizione gratuita sopra i 29 €", "il kit moka + 250 g a 24,90 €",
         "l'abbonamento mensile con il primo mese in regalo",
         "la nuova latta da collezione", "il corso di latte art in bottega",
         "due pacchi di decaffeinato al prezzo di uno", "la tazzina firmata Aurora",
         "il cold brew in bottiglia per l'estate")),
}

EN_TEXTS = {
    ContentPillar.INFORMATIVE: (
        ("Workshop notes: how we build {t}.",
         "Five minutes with our mechanics on {t}.",
         "Commuter tip of the week: {t}.",
         "Behind the frame: the story of {t}.",
         "Ask the workshop: everything you wanted to know about {t}."),
        ("the Brightside Commuter frame", "puncture-proof city tyres", "hub gears",
         "winter lights that actually work", "our e-bike batteries", "a five-minute chain check",
         "fitting a child seat safely", "reflective kit for dark evenings",
         "the cycle-to-work scheme", "choosing the right frame size",
         "our repair-for-life promise", "London's new cycle superhighways")),
    ContentPillar.OPINION: (
        ("Hot take from the workshop: {t}. Agree?",
         "We think {t}. Tell us why we're wrong.",
         "Unpopular opinion: {t}."),
        ("the best bike is the one you actually ride", "cycle lanes are good for shops",
         "e-bikes are not cheating", "every office needs secure bike parking",
         "helmet debates miss the point: safer streets matter more",
         "a fleet of bikes beats a fleet of pool cars", "mudguards are underrated",
         "cycling to work is the cheapest wellbeing scheme",
         "repairing beats replacing", "cargo bikes will change deliveries")),
    ContentPillar.PROMOTIONAL: (
        ("This week only: {t}.", "New in store: {t}. Link in bio.",
         "For teams: {t}. Book a call with our fleet team."),
        ("free service with every Commuter", "20% off winter light sets",
         "the Brightside Cargo, test rides on Saturday", "fleet bikes from £19 a week",
         "trade-in your old bike for £150", "the new Commuter in sage green",
         "free fitting for cycle-to-work orders", "the repair-for-life membership",
         "a free lock with every e-bike", "team test-ride days at your office")),
}

BRANDS = (
    BrandSpec(
        slug=IT, name="Torrefazione Aurora", locale="it_IT", timezone="Europe/Rome",
        currency="EUR", colors=("#6B3E26", "#D9A441"), font="Playfair Display",
        channels=(
            ChannelSpec(P.INSTAGRAM, "@torrefazione.aurora", "Torrefazione Aurora",
                        "17841403921887562", 8400, ((1, time(12, 30)), (5, time(10, 0)))),
            ChannelSpec(P.FACEBOOK, "torrefazioneaurora", "Torrefazione Aurora Milano",
                        "104857362918274", 5200, ((3, time(18, 30)),)),
            ChannelSpec(P.TIKTOK, "@aurora.caffe", "Aurora Caffè", "6987412035566781446",
                        2100, ((4, time(19, 0)),)),
        ),
        maker="manager@coso.example", approver="client@coso.example",
        order_value=Decimal("27.40"), texts=IT_TEXTS,
        tags=("caffè", "milano", "torrefazione", "espresso", "moka", "degustazione"),
        rejection="Il prezzo nel testo è sbagliato: la miscela costa 14,90 €, non 12,90 €.",
        failure="Token della pagina scaduto: ricollegare il canale.",
    ),
    BrandSpec(
        slug=EN, name="Brightside Cycles", locale="en_GB", timezone="Europe/London",
        currency="GBP", colors=("#0F766E", "#F59E0B"), font="Inter",
        channels=(
            ChannelSpec(P.LINKEDIN, "brightside-cycles", "Brightside Cycles Ltd",
                        "urn:li:organization:80321457", 3300, ((1, time(8, 30)),)),
            ChannelSpec(P.X, "@BrightsideBikes", "Brightside Cycles", "1532987462015201280",
                        4100, ((2, time(12, 0)),)),
            ChannelSpec(P.INSTAGRAM, "@brightsidecycles", "Brightside Cycles",
                        "17841452200918374", 2900, ((4, time(17, 30)),)),
            ChannelSpec(P.YOUTUBE, "@BrightsideCycles", "Brightside Cycles Workshop",
                        "UC7xQ2bS9nTqLw0pY4mZk1eA", 1250, ((6, time(10, 0)),),
                        every_other_week=True),
        ),
        maker="coso@coso.example", approver="strategist@coso.example",
        order_value=Decimal("64.00"), texts=EN_TEXTS,
        tags=("cycling", "london", "commute", "bikeshop", "ebike", "workshop"),
        rejection="Off-brand tone, and the link has no UTM parameters.",
        failure="Access token expired: reconnect the channel.",
    ),
)

# --- how each platform behaves and names its metrics -------------------------------------

FORMATS = {
    P.INSTAGRAM: (PostFormat.IMAGE, PostFormat.CAROUSEL, PostFormat.REEL, PostFormat.STORY),
    P.FACEBOOK: (PostFormat.IMAGE, PostFormat.LINK, PostFormat.VIDEO, PostFormat.TEXT),
    P.TIKTOK: (PostFormat.VIDEO,),
    P.YOUTUBE: (PostFormat.VIDEO,),
    P.LINKEDIN: (PostFormat.TEXT, PostFormat.IMAGE, PostFormat.LINK, PostFormat.CAROUSEL),
    P.X: (PostFormat.TEXT, PostFormat.IMAGE, PostFormat.GIF, PostFormat.LINK),
}
VIDEO = {PostFormat.VIDEO, PostFormat.REEL}
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
API_VERSION = {P.FACEBOOK: "v23.0", P.INSTAGRAM: "v23.0", P.LINKEDIN: "202510", P.X: "2",
               P.TIKTOK: "v2", P.YOUTUBE: "v2"}
PAID_PLATFORMS = {P.FACEBOOK, P.INSTAGRAM, P.LINKEDIN}
# Canonical → raw metric. Absent means the platform does not report it: no row (missing).
CHANNEL_RAW: dict[Platform, dict[str, str]] = {
    P.FACEBOOK: {
        "followers": "page_follows", "follows": "page_daily_follows",
        "impressions": "page_media_view", "reach": "page_total_media_view_unique",
        "reactions": "page_actions_post_reactions_total", "comments": "page_post_comments",
        "shares": "page_post_shares", "saves": "page_post_saves",
        "clicks": "page_total_actions", "profile_visits": "page_views_total",
        "mentions": "page_mentions"},
    P.INSTAGRAM: {
        "followers": "followers_count", "follows": "follower_count", "impressions": "views",
        "reach": "reach", "reactions": "likes", "comments": "comments", "shares": "shares",
        "saves": "saves", "clicks": "website_clicks", "profile_visits": "profile_views",
        "mentions": "tags"},
    P.TIKTOK: {
        "followers": "follower_count", "follows": "daily_new_followers",
        "impressions": "video_views", "reach": "reached_audience", "reactions": "likes",
        "comments": "comments", "shares": "shares", "saves": "favorites",
        "clicks": "website_clicks", "profile_visits": "profile_views", "mentions": "mentions"},
    P.LINKEDIN: {  # organisation pages report no saves
        "followers": "firstDegreeSize", "follows": "followerGains.organicFollowerGain",
        "impressions": "impressionCount", "reach": "uniqueImpressionsCount",
        "reactions": "likeCount", "comments": "commentCount", "shares": "shareCount",
        "clicks": "clickCount", "profile_visits": "pageStatistics.views.allPageViews",
        "mentions": "SHARE_MENTION"},
    P.X: {  # X reports no reach
        "followers": "public_metrics.followers_count", "follows": "followers_count_delta",
        "impressions": "non_public_metrics.impression_count",
        "reactions": "public_metrics.like_count", "comments": "public_metrics.reply_count",
        "shares": "public_metrics.retweet_count", "saves": "public_metrics.bookmark_count",
        "clicks": "non_public_metrics.url_link_clicks",
        "profile_visits": "non_public_metrics.user_profile_clicks", "mentions": "mentions"},
    P.YOUTUBE: {  # YouTube Analytics has no reach
        "followers": "subscriberCount", "follows": "subscribersGained",
        "impressions": "videoThumbnailImpressions", "reactions": "likes",
        "comments": "comments", "shares": "shares", "saves": "videosAddedToPlaylists",
        "clicks": "cardClicks", "profile_visits": "channelPageViews", "mentions": "mentions"},
}
POST_RAW: dict[Platform, dict[str, str]] = {
    P.FACEBOOK: {
        "impressions": "post_media_view", "reach": "post_total_media_view_unique",
        "reactions": "post_reactions_by_type_total", "comments": "comments.summary.total_count",
        "shares": "shares.count", "clicks": "post_clicks", "video_views": "post_video_views"},
    P.INSTAGRAM: {
        "impressions": "views", "reach": "reach", "reactions": "likes", "comments": "comments",
        "shares": "shares", "saves": "saved", "video_views": "views"},
    P.TIKTOK: {
        "video_views": "view_count", "reactions": "like_count", "comments": "comment_count",
        "shares": "share_count"},
    P.LINKEDIN: {
        "impressions": "impressionCount", "reach": "uniqueImpressionsCount",
        "reactions": "likeCount", "comments": "commentCount", "shares": "shareCount",
        "clicks": "clickCount"},
    P.X: {
        "impressions": "non_public_metrics.impression_count",
        "reactions": "public_metrics.like_count", "comments": "public_metrics.reply_count",
        "shares": "public_metrics.retweet_count", "saves": "public_metrics.bookmark_count",
        "clicks": "non_public_metrics.url_link_clicks", "video_views": "public_metrics.view_count"},
    P.YOUTUBE: {
        "impressions": "videoThumbnailImpressions", "video_views": "views",
        "reactions": "likes", "comments": "comments", "shares": "shares",
        "saves": "videosAddedToPlaylists"},
}
PAID_DAILY = {  # spend per day and CPM, in the brand's currency
    P.FACEBOOK: (12, 30, 5, 9), P.INSTAGRAM: (12, 30, 5, 9), P.LINKEDIN: (40, 90, 25, 40)}
PAID_RAW = {
    P.FACEBOOK: ("spend", "actions:offsite_conversion.fb_pixel_purchase",
                 "action_values:offsite_conversion.fb_pixel_purchase"),
    P.INSTAGRAM: ("spend", "actions:offsite_conversion.fb_pixel_purchase",
                  "action_values:offsite_conversion.fb_pixel_purchase"),
    P.LINKEDIN: ("costInLocalCurrency", "externalWebsiteConversions",
                 "conversionValueInLocalCurrency"),
}


# --- the plan: every post slot in the window, derived from absolute dates -------------------


@dataclass
class PostSpec:
    brand: BrandSpec
    brand_id: int
    channel: ChannelSpec
    channel_id: int
    scheduled_at: datetime
    rng: random.Random
    status: PostStatus = S.DRAFT
    values: dict[str, Any] = field(default_factory=dict)
    path: list[tuple[PostStatus, PostStatus, str | None, datetime, str]] = field(
        default_factory=list)  # (from, to, actor e-mail, at, reason)
    viral: bool = False


def _end_of_next_month(day: date) -> date:
    first_after = date(day.year + (day.month + 1) // 12, (day.month + 1) % 12 + 1, 1)
    return first_after - timedelta(days=1)


def _slots(brand: BrandSpec, channel: ChannelSpec, first: date, last: date) -> list[datetime]:
    tz = ZoneInfo(brand.timezone)
    found = []
    day = first
    while day <= last:
        if not (channel.every_other_week and day.isocalendar().week % 2):
            for weekday, at in channel.slots:
                if day.weekday() == weekday:
                    found.append(datetime.combine(day, at, tz).astimezone(UTC))
        day += timedelta(days=1)
    return found


def _deck(brand: BrandSpec) -> list[tuple[ContentPillar, str]]:
    cards = [(pillar, template.format(t=topic))
             for pillar, (templates, topics) in brand.texts.items()
             for template in templates for topic in topics]
    random.Random(brand.slug).shuffle(cards)
    return cards


def _plan(brand: BrandSpec, brand_id: int, channel_ids: dict[str, int],
          campaigns: list[dict[str, Any]], today: date) -> list[PostSpec]:
    first, last = today - timedelta(days=METRIC_DAYS), _end_of_next_month(today)
    specs = [
        PostSpec(brand, brand_id, ch, channel_ids[ch.handle], at,
                 random.Random(f"{ch.handle}|{at.isoformat()}"))
        for ch in brand.channels for at in _slots(brand, ch, first, last)
    ]
    specs.sort(key=lambda s: (s.scheduled_at, s.channel.handle))
    deck = _deck(brand)
    # A card per slot, numbered from a fixed epoch: a slot keeps its text on every run.
    epoch = datetime(2020, 1, 6, tzinfo=UTC)
    for spec in specs:
        week = (spec.scheduled_at - epoch).days // 7
        position = sorted(
            (c.handle, w) for c in brand.channels for w, _ in c.slots
        ).index((spec.channel.handle, spec.scheduled_at.astimezone(ZoneInfo(brand.timezone))
                 .weekday()))
        per_week = sum(len(c.slots) for c in brand.channels)
        pillar, text = deck[(week * per_week + position) % len(deck)]
        _describe(spec, pillar, text, campaigns)
    return specs


def _describe(spec: PostSpec, pillar: ContentPillar, text: str,
              campaigns: list[dict[str, Any]]) -> None:
    rng, ch, brand = spec.rng, spec.channel, spec.brand
    fmt = rng.choice(FORMATS[ch.platform])
    local_day = spec.scheduled_at.astimezone(ZoneInfo(brand.timezone)).date()
    campaign = next((c for c in campaigns if c["starts_on"] <= local_day <= c["ends_on"]
                     and spec.channel_id in c["channel_ids"] and rng.random() < 0.7), None)
    paid = ch.platform in PAID_PLATFORMS and rng.random() < (0.35 if campaign else 0.08)
    media_type = MediaType.PAID if paid else (
        MediaType.EARNED if rng.random() < 0.06 else MediaType.OWNED)
    if campaign and campaign["promotional"] and not paid and rng.random() < 0.5:
        pillar = ContentPillar.PROMOTIONAL
    tags = sorted(set(rng.sample(brand.tags, rng.randint(1, 2)))
                  | ({campaign["utm_campaign"]} if campaign else set()))
    n = f"{ch.handle.strip('@').replace('.', '-')}-{local_day:%Y%m%d}"
    ext, kind = ("mp4", "video") if fmt in VIDEO else ("jpg", "image")
    media = [] if fmt is PostFormat.TEXT else [{
        "url": f"https://demo.coso.example/media/{brand.slug}/{n}.{ext}",
        "kind": kind, "alt": text.split(". ")[0].split(": ")[0]}]
    spec.values = {
        "format": fmt, "pillar": pillar, "media_type": media_type,
        "text": text + "\n\n" + " ".join(f"#{t.replace('-', '')}" for t in tags),
        "tags": tags, "media": media, "campaign": campaign["id"] if campaign else None,
    }


def _assign_statuses(specs: list[PostSpec], today: date) -> None:
    """Past slots were published (a few failed or were dropped); the future is in the works."""
    now_ref = datetime.combine(today, time.min, UTC)
    past = sorted((s for s in specs if s.scheduled_at < now_ref),
                  key=lambda s: s.scheduled_at, reverse=True)
    future = sorted((s for s in specs if s.scheduled_at >= now_ref + timedelta(days=1)),
                    key=lambda s: s.scheduled_at)
    for i, spec in enumerate(past):
        spec.status = {2: S.FAILED, 5: S.ARCHIVED}.get(i, S.PUBLISHED)
    for j, spec in enumerate(future):
        ahead = (spec.scheduled_at - now_ref).days
        spec.status = {1: S.REJECTED, 6: S.REJECTED, 9: S.ARCHIVED}.get(j) or (
            S.SCHEDULED if ahead <= 6 else S.APPROVED if ahead <= 12
            else S.IN_REVIEW if ahead <= 20 else S.DRAFT)
    # Today's slots (after midnight UTC) are left out: nothing should look overdue.
    specs[:] = past + future
    tiktok = [s for s in past if s.status is S.PUBLISHED and s.channel.platform is P.TIKTOK
              and (now_ref - s.scheduled_at).days >= 12]
    if tiktok:
        tiktok[0].viral = True
    for spec in specs:
        _walk(spec, now_ref)


_PATHS = {
    S.DRAFT: (),
    S.IN_REVIEW: (Transition.SUBMIT,),
    S.APPROVED: (Transition.SUBMIT, Transition.APPROVE),
    S.SCHEDULED: (Transition.SUBMIT, Transition.APPROVE, Transition.SCHEDULE),
    S.PUBLISHED: (Transition.SUBMIT, Transition.APPROVE, Transition.SCHEDULE,
                  Transition.PUBLISH),
    S.FAILED: (Transition.SUBMIT, Transition.APPROVE, Transition.SCHEDULE, Transition.FAIL),
    S.REJECTED: (Transition.SUBMIT, Transition.REJECT),
    S.ARCHIVED: (Transition.ARCHIVE,),
}


def _walk(spec: PostSpec, now_ref: datetime) -> None:
    """The transitions that led to the post's status, checked against the workflow rules."""
    brand, at = spec.brand, spec.scheduled_at
    start = min(at - timedelta(days=9), now_ref - timedelta(days=5)) + timedelta(
        minutes=spec.rng.randrange(0, 600))
    spec.values["created_at"] = start
    status, when = S.DRAFT, start
    for step, transition in enumerate(_PATHS[spec.status]):
        actor: str | None = brand.maker
        reason = ""
        when = start + timedelta(days=step + 1, minutes=spec.rng.randrange(0, 240))
        if transition in (Transition.APPROVE, Transition.REJECT):
            actor = brand.approver
        if transition is Transition.REJECT:
            reason = brand.rejection
        if transition is Transition.ARCHIVE:
            reason = "Fuori tema." if brand.locale.startswith("it") else "Off-topic, dropped."
        if transition in (Transition.PUBLISH, Transition.FAIL):
            actor = None  # the scheduler
            when = at + timedelta(seconds=spec.rng.randrange(5, 90))
            reason = brand.failure if transition is Transition.FAIL else ""
        new = next_status(status, transition, reason=reason, scheduled_at=at)
        spec.path.append((status, new, actor, when, reason))
        status = new
    assert status is spec.status
    spec.values["updated_at"] = when
    published = spec.status is S.PUBLISHED
    spec.values.update(
        status=spec.status,
        scheduled_at=at,
        rejection_reason=brand.rejection if spec.status is S.REJECTED else "",
        published_at=when if published else None,
        external_id=_external_id(spec) if published else None,
        permalink=_permalink(spec) if published else "",
    )


def _external_id(spec: PostSpec) -> str:
    r = random.Random(f"id|{spec.channel.handle}|{spec.scheduled_at.isoformat()}")
    digits = "".join(str(r.randrange(10)) for _ in range(16))
    return {
        P.FACEBOOK: f"{spec.channel.external_id}_{digits}",
        P.INSTAGRAM: f"179{digits}",
        P.LINKEDIN: f"urn:li:share:7{digits[:18]}",
        P.X: f"18{digits}0",
        P.TIKTOK: f"73{digits}1",
        P.YOUTUBE: "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789_-")
                           for _ in range(11)),
    }[spec.channel.platform]


def _permalink(spec: PostSpec) -> str:
    ext, handle = _external_id(spec), spec.channel.handle.lstrip("@")
    return {
        P.FACEBOOK: f"https://www.facebook.com/{handle}/posts/{ext.partition('_')[2]}",
        P.INSTAGRAM: f"https://www.instagram.com/p/{ext[-11:]}/",
        P.LINKEDIN: f"https://www.linkedin.com/feed/update/{ext}/",
        P.X: f"https://x.com/{handle}/status/{ext}",
        P.TIKTOK: f"https://www.tiktok.com/@{handle}/video/{ext}",
        P.YOUTUBE: f"https://www.youtube.com/watch?v={ext}",
    }[spec.channel.platform]


# --- metrics ------------------------------------------------------------------------------


def _obs(subject: int, metric: str, day: date, value: int | Decimal, platform: Platform,
         raw: str, now_ref: datetime, currency: str | None = None) -> Observation:
    return Observation(
        subject_id=subject, metric=metric, day=day, value=Decimal(value),
        currency=currency, source_kind=SourceKind.PLATFORM_API, source_name=platform.value,
        source_version=API_VERSION[platform], raw_metric=raw,
        fetched_at=min(datetime.combine(day + timedelta(days=1), time(3), UTC), now_ref),
    )


def _post_metrics(spec: PostSpec, post_id: int, yesterday: date, now_ref: datetime,
                  per_channel_day: dict[tuple[int, date], dict[str, float]]) -> list[Observation]:
    """Daily figures from the publish day on: organic reach decays, a promotion runs a week."""
    ch, brand = spec.channel, spec.brand
    r = random.Random(f"metrics|{ch.handle}|{spec.scheduled_at.isoformat()}")
    rate, tau, er = POST_SHAPE[ch.platform]
    fmt, pillar = spec.values["format"], spec.values["pillar"]
    paid = spec.values["media_type"] is MediaType.PAID
    total = ch.followers * rate * r.lognormvariate(0, 0.35)
    total *= 1.4 if fmt in VIDEO or fmt is PostFormat.CAROUSEL else 1.0
    total *= 0.8 if pillar is ContentPillar.PROMOTIONAL else 1.0
    if spec.viral:
        total, tau = total * 25, tau * 2
    q = math.exp(-1 / tau)
    raw, rows = POST_RAW[ch.platform], []
    published = spec.scheduled_at.astimezone(ZoneInfo(brand.timezone)).date()
    day = published
    while day <= yesterday:
        k = (day - published).days
        share = (1 - q) * q ** k + 0.0006  # the long tail: search, profile visits, shares
        imp = total * share * WEEKDAY_FACTOR[ch.platform][day.weekday()] * r.uniform(0.85, 1.15)
        spend = Decimal(0)
        if paid and k < 7:
            low, high, cpm_low, cpm_high = PAID_DAILY[ch.platform]
            spend = Decimal(r.uniform(low, high)).quantize(Decimal("0.01"))
            imp += float(spend) * 1000 / r.uniform(cpm_low, cpm_high)
        eng = imp * er * r.uniform(0.8, 1.2) * (0.6 if paid else 1)
        opinion = 1.6 if pillar is ContentPillar.OPINION else 1
        daily = {
            "impressions": imp, "reach": imp * r.uniform(0.6, 0.8),
            "reactions": eng * 0.72, "comments": eng * 0.08 * opinion,
            "shares": eng * 0.09, "saves": eng * 0.11,
            "clicks": imp * (0.02 if fmt is PostFormat.LINK or paid else 0.006),
            "video_views": imp * 0.55 if fmt in VIDEO else None,
        }
        bucket = per_channel_day[(spec.channel_id, day)]
        for name, value in daily.items():
            if value is None or name not in raw:
                continue
            count = round(value)
            bucket[name] = bucket.get(name, 0) + count
            rows.append(_obs(post_id, name, day, count, ch.platform, raw[name], now_ref))
        if spend:
            spend_raw, conv_raw, revenue_raw = PAID_RAW[ch.platform]
            conversions = round(daily["clicks"] * r.uniform(0.03, 0.07))
            revenue = (brand.order_value * conversions * Decimal(r.uniform(0.8, 1.2))
                       ).quantize(Decimal("0.01"))
            rows += [
                _obs(post_id, "spend", day, spend, ch.platform, spend_raw, now_ref,
                     brand.currency),
                _obs(post_id, "conversions", day, conversions, ch.platform, conv_raw, now_ref),
                _obs(post_id, "revenue", day, revenue, ch.platform, revenue_raw, now_ref,
                     brand.currency),
            ]
        day += timedelta(days=1)
    return rows


def _channel_metrics(ch: ChannelSpec, channel_id: int, first: date, yesterday: date,
                     now_ref: datetime, from_posts: dict[tuple[int, date], dict[str, float]]
                     ) -> list[Observation]:
    raw, rows = CHANNEL_RAW[ch.platform], []
    followers = float(ch.followers)
    day = first
    while day <= yesterday:
        r = random.Random(f"channel|{ch.handle}|{day.isoformat()}")
        posts = from_posts.get((channel_id, day), {})
        wf = WEEKDAY_FACTOR[ch.platform][day.weekday()]
        trend = 1 + 0.004 * (day - first).days
        organic = followers * 0.12 * wf * trend * r.uniform(0.85, 1.15)
        imp = organic + posts.get("impressions", posts.get("video_views", 0))
        engaged = posts.get("reactions", 0) + posts.get("comments", 0) + posts.get("shares", 0)
        follows = followers * 0.0009 * wf * trend * r.uniform(0.7, 1.3) + engaged * 0.02
        followers += follows - followers * 0.0003 * r.uniform(0.5, 1.5)
        daily = {
            "followers": followers, "follows": follows, "impressions": imp,
            "reach": imp * r.uniform(0.55, 0.7),
            "reactions": organic * 0.01 + posts.get("reactions", 0),
            "comments": organic * 0.001 + posts.get("comments", 0),
            "shares": organic * 0.0008 + posts.get("shares", 0),
            "saves": organic * 0.001 + posts.get("saves", 0),
            "clicks": organic * 0.004 + posts.get("clicks", 0),
            "profile_visits": imp * 0.015 * r.uniform(0.8, 1.2),
            "mentions": followers * 0.0006 * r.uniform(0.3, 1.7) + posts.get("shares", 0) * 0.05,
        }
        rows += [_obs(channel_id, name, day, round(value), ch.platform, raw[name], now_ref)
                 for name, value in daily.items() if name in raw]
        day += timedelta(days=1)
    return rows


# --- writing ------------------------------------------------------------------------------


async def _upsert(table: type[Table], row: Table, target: tuple[Column, ...],
                  update: list[Column]) -> int:
    query = table.insert(row)
    if update:
        query = query.on_conflict(target=target, action=OnConflictAction.do_update, values=update)
    else:
        query = query.on_conflict(target=target, action=OnConflictAction.do_nothing)
    rows = await query
    if rows:
        return rows[0]["id"]
    where = [col == getattr(row, col._meta.name) for col in target]
    found = await table.select(table._meta.primary_key.as_alias("id")).where(*where).first()
    assert found is not None
    return found["id"]


async def _insert_many(rows: list[Table]) -> None:
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        await type(chunk[0]).insert(*chunk)


def _quarter(today: date) -> tuple[date, date, int]:
    q = (today.month - 1) // 3
    starts = date(today.year, 3 * q + 1, 1)
    ends = date(today.year + (q == 3), (3 * q + 3) % 12 + 1, 1) - timedelta(days=1)
    return starts, ends, q + 1


def _strategy(brand: BrandSpec, brand_id: int, today: date) -> Strategy:
    starts, ends, q = _quarter(today)
    if brand.slug == IT:
        return Strategy(
            brand=brand_id, name=f"Strategia social T{q} {today.year}", starts_on=starts,
            ends_on=ends, budget=Decimal("9000.00"), currency="EUR",
            objectives=["Far conoscere la torrefazione oltre Milano",
                        "Lanciare la miscela Aurora Oro",
                        "Portare clienti in bottega e sull'e-shop"],
            target_audience="Amanti del caffè 25–45 anni a Milano e Nord Italia, "
                            "attenti alla qualità e alla filiera; baristi e piccoli bar.",
            platforms=[
                {"platform": "instagram", "rationale": "Il caffè si racconta per immagini: "
                 "reel della tostatura e caroselli sulle origini."},
                {"platform": "facebook", "rationale": "Pubblico 40+ e clienti della bottega; "
                 "eventi e promozioni locali."},
                {"platform": "tiktok", "rationale": "Raggiungere i più giovani con video brevi "
                 "e tono ironico."}],
            competitors=[
                {"name": "Caffè Nero Milano", "handles": ["@caffeneromilano"]},
                {"name": "Torrefazione Lombarda", "handles": ["@torrefazionelombarda",
                                                              "torrefazionelombarda"]}],
            kpi_targets=[{"kpi": "engagement_rate", "target": 0.05},
                         {"kpi": "follower_growth_rate", "target": 0.06},
                         {"kpi": "ctr", "target": 0.008}, {"kpi": "roas", "target": 3.0}],
        )
    return Strategy(
        brand=brand_id, name=f"Social strategy Q{q} {today.year}", starts_on=starts,
        ends_on=ends, budget=Decimal("12000.00"), currency="GBP",
        objectives=["Become London's go-to commuter bike workshop",
                    "Generate fleet leads from local businesses",
                    "Grow the YouTube workshop channel"],
        target_audience="London commuters 25–50 and HR/facilities managers of companies "
                        "with 20–500 staff.",
        platforms=[
            {"platform": "linkedin", "rationale": "Where HR and facilities managers decide on "
             "fleet and cycle-to-work schemes."},
            {"platform": "x", "rationale": "Commuter conversation and local cycling news."},
            {"platform": "instagram", "rationale": "Product and lifestyle for riders."},
            {"platform": "youtube", "rationale": "Workshop how-tos build authority and search "
             "traffic."}],
        competitors=[
            {"name": "Pedal Works", "handles": ["@pedalworks", "pedal-works"]},
            {"name": "CityCycle Co", "handles": ["@citycycleco"]}],
        kpi_targets=[{"kpi": "engagement_rate", "target": 0.035},
                     {"kpi": "follower_growth_rate", "target": 0.05},
                     {"kpi": "ctr", "target": 0.01}, {"kpi": "roas", "target": 2.5}],
    )


def _campaigns(today: date) -> list[dict[str, Any]]:
    d = lambda n: today + timedelta(days=n)  # noqa: E731
    return [
        dict(brand=IT, name="Lancio Miscela Aurora Oro", objective=CampaignObjective.PRODUCT_LAUNCH,
             status=CampaignStatus.ACTIVE, starts_on=d(-40), ends_on=d(20),
             planned_budget=Decimal("2500.00"), production_cost=Decimal("1200.00"),
             description="La nuova miscela in bottega e online: reel della tostatura, "
                         "degustazioni, promozione per i follower.",
             utm_medium="paid_social", utm_campaign="aurora-oro", promotional=True,
             platforms=(P.INSTAGRAM, P.FACEBOOK, P.TIKTOK),
             kpi_targets=[{"kpi": "roas", "target": 3.0}, {"kpi": "ctr", "target": 0.01},
                          {"kpi": "engagement_rate", "target": 0.05}]),
        dict(brand=IT, name="Apertura bottega Porta Romana",
             objective=CampaignObjective.STORE_PROMOTION, status=CampaignStatus.COMPLETED,
             starts_on=d(-88), ends_on=d(-45), planned_budget=Decimal("1500.00"),
             production_cost=Decimal("800.00"),
             description="La seconda bottega: inviti all'inaugurazione e degustazioni.",
             utm_medium="social", utm_campaign="porta-romana", promotional=True,
             platforms=(P.INSTAGRAM, P.FACEBOOK),
             kpi_targets=[{"kpi": "follower_growth_rate", "target": 0.04},
                          {"kpi": "engagement_rate", "target": 0.045}]),
        dict(brand=EN, name="Bikes for Business", objective=CampaignObjective.LEAD_GENERATION,
             status=CampaignStatus.ACTIVE, starts_on=d(-30), ends_on=d(30),
             planned_budget=Decimal("4000.00"), production_cost=Decimal("1500.00"),
             description="Fleet bikes and cycle-to-work schemes for London employers.",
             utm_medium="paid_social", utm_campaign="bikes-for-business", promotional=False,
             platforms=(P.LINKEDIN, P.X, P.YOUTUBE),
             kpi_targets=[{"kpi": "cpa", "target": 45.0}, {"kpi": "ctr", "target": 0.012},
                          {"kpi": "roi", "target": 0.5}]),
    ]


async def _seed_campaigns(today: date, brand_ids: dict[str, int],
                          channel_ids: dict[str, dict[str, int]],
                          specs: dict[str, BrandSpec]) -> list[dict[str, Any]]:
    planned = _campaigns(today)
    for c in planned:
        brand = specs[c["brand"]]
        values = {
            "description": c["description"], "objective": c["objective"],
            "status": c["status"], "starts_on": c["starts_on"], "ends_on": c["ends_on"],
            "planned_budget": c["planned_budget"], "production_cost": c["production_cost"],
            "currency": brand.currency, "utm_source": "social", "utm_medium": c["utm_medium"],
            "utm_campaign": c["utm_campaign"], "utm_content": "", "utm_term": "",
            "kpi_targets": c["kpi_targets"],
        }
        brand_id = brand_ids[c["brand"]]
        row = await Campaign.objects().where(
            Campaign.brand == brand_id, Campaign.name == c["name"]).first()
        if row is None:
            row = Campaign(brand=brand_id, name=c["name"], **values)
            await row.save()
        else:
            await Campaign.update(values).where(Campaign.id == row.id)
        c["id"] = row.id
        c["channel_ids"] = {channel_ids[c["brand"]][ch.handle] for ch in brand.channels
                            if ch.platform in c["platforms"]}
        if c["channel_ids"]:
            await CampaignChannel.insert(*[
                CampaignChannel(campaign=row.id, channel=ch) for ch in sorted(c["channel_ids"])
            ]).on_conflict(target=(CampaignChannel.campaign, CampaignChannel.channel),
                           action=OnConflictAction.do_nothing)
    return planned


_POST_FIELDS = ("format", "pillar", "media_type", "text", "tags", "media", "campaign", "status",
                "rejection_reason", "external_id", "permalink", "published_at", "created_by",
                "created_at", "updated_at")


async def _seed_posts(specs: list[PostSpec], users: dict[str, int]) -> dict[int, PostSpec]:
    """Insert new slots and refresh changed ones; returns post id → spec.

    A changed post (a later `today` moved it along the workflow, or into or out of a
    campaign) gets its transitions rewritten and its metrics dropped, to be upserted anew.
    """
    channel_ids = sorted({s.channel_id for s in specs})
    existing = await Post.select(Post.id, Post.channel, Post.scheduled_at,
                                 *[getattr(Post, f) for f in _POST_FIELDS]
                                 ).where(Post.channel.is_in(channel_ids),
                                         # posts a sync brought in are not slots of the plan
                                         Post.scheduled_at.is_not_null()
                                         ).output(load_json=True)
    by_slot = {(r["channel"], r["scheduled_at"].astimezone(UTC)): r for r in existing}
    new: list[tuple[Post, PostSpec]] = []
    changed_ids: list[int] = []
    result: dict[int, PostSpec] = {}
    for spec in specs:
        values = {**spec.values, "created_by": users[spec.brand.maker]}
        row = by_slot.get((spec.channel_id, spec.scheduled_at))
        if row is None:
            new.append((Post(brand=spec.brand_id, channel=spec.channel_id, **values), spec))
            continue
        result[row["id"]] = spec
        changed = {f: values[f] for f in _POST_FIELDS if row[f] != values[f]}
        if changed:
            await Post.update({getattr(Post, f): v for f, v in changed.items()}
                              ).where(Post.id == row["id"])
            changed_ids.append(row["id"])
    await _insert_many([p for p, _ in new])
    result.update({post.id: spec for post, spec in new})
    for start in range(0, len(changed_ids), CHUNK):
        chunk = changed_ids[start:start + CHUNK]
        await PostTransition.delete().where(PostTransition.post.is_in(chunk))
        await PostMetric.delete().where(PostMetric.post.is_in(chunk))
    await _insert_many([
        PostTransition(post=post_id, from_status=a, to_status=b,
                       actor=users[actor] if actor else None, reason=reason, at=at)
        for post_id in [p.id for p, _ in new] + changed_ids
        for a, b, actor, at, reason in result[post_id].path
    ])
    return result


async def _seed_people(brand_ids: dict[str, int], workspace_id: int) -> dict[str, int]:
    users = {}
    for email, name in USERS.items():
        users[email] = await _upsert(User, User(email=email, name=name, is_active=True),
                                     (User.email,), [User.name, User.is_active])
    await _upsert(WorkspaceMember, WorkspaceMember(workspace=workspace_id, user=users[OWNER],
                                                   role=WorkspaceRole.OWNER),
                  (WorkspaceMember.workspace, WorkspaceMember.user), [WorkspaceMember.role])
    await Membership.insert(*[
        Membership(user=users[email], brand=brand_ids[slug], role=role)
        for (email, slug), roles in ROLES.items() for role in roles
    ]).on_conflict(target=(Membership.user, Membership.brand, Membership.role),
                   action=OnConflictAction.do_nothing)
    return users


async def _seed_brands(workspace_id: int, today: date
                       ) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    brand_ids: dict[str, int] = {}
    channel_ids: dict[str, dict[str, int]] = {}
    for b in BRANDS:
        brand_ids[b.slug] = await _upsert(
            Brand,
            Brand(workspace=workspace_id, slug=b.slug, name=b.name, locale=b.locale,
                  timezone=b.timezone, currency=b.currency, primary_color=b.colors[0],
                  secondary_color=b.colors[1], font=b.font, logo=""),
            (Brand.workspace, Brand.slug),
            [Brand.name, Brand.locale, Brand.timezone, Brand.currency, Brand.primary_color,
             Brand.secondary_color, Brand.font, Brand.logo])
        channel_ids[b.slug] = {
            ch.handle: await _upsert(
                Channel,
                Channel(brand=brand_ids[b.slug], platform=ch.platform, handle=ch.handle,
                        name=ch.name, external_id=ch.external_id),
                (Channel.brand, Channel.platform, Channel.handle),
                [Channel.name, Channel.external_id])
            for ch in b.channels
        }
        strategy = _strategy(b, brand_ids[b.slug], today)
        await _upsert(Strategy, strategy, (Strategy.brand, Strategy.starts_on), [
            Strategy.name, Strategy.ends_on, Strategy.objectives, Strategy.target_audience,
            Strategy.platforms, Strategy.competitors, Strategy.budget, Strategy.currency,
            Strategy.kpi_targets])
    return brand_ids, channel_ids


async def _logins(users: dict[str, int]) -> list[DemoLogin]:
    """A fresh "demo" token per user; the previous ones stop working."""
    await ApiToken.update({ApiToken.revoked_at: now()}).where(
        ApiToken.user.is_in(list(users.values())), ApiToken.name == TOKEN_NAME,
        ApiToken.revoked_at.is_null())
    logins = []
    for email, name in USERS.items():
        roles: dict[str, list[str]] = {}
        for (who, slug), held in ROLES.items():
            if who == email:
                roles[slug] = [r.value for r in held]
        logins.append(DemoLogin(
            email=email, name=name,
            workspace_role=WorkspaceRole.OWNER.value if email == OWNER else None,
            brand_roles=roles, token=await issue_token(users[email], TOKEN_NAME)))
    return logins


async def _connect_channels(channel_ids: dict[str, dict[str, int]], today: date,
                            channel_token: Callable[[str, str], str]) -> None:
    """Connect the channels Coso has a connector for (to the platform emulator, when
    `coso demo` runs with COSO_PLATFORM_BASE_URL). The generated history counts as synced
    up to a week ago: the first `coso sync` fetches the last week from the platform."""
    for b in BRANDS:
        for ch in b.channels:
            if ch.platform not in API_VERSIONS:
                continue
            channel_id = channel_ids[b.slug][ch.handle]
            token = encrypt_token(channel_token(ch.platform.value, ch.external_id))
            await Channel.update({
                Channel.status: ChannelStatus.CONNECTED, Channel.access_token: token,
                Channel.connected_at: now(), Channel.last_error: "",
            }).where(Channel.id == channel_id)
            await Channel.update({
                Channel.metrics_watermark: today - timedelta(days=SYNCED_DAYS_AGO),
                Channel.backfilled_from: today - timedelta(days=METRIC_DAYS),
            }).where(Channel.id == channel_id, Channel.metrics_watermark.is_null())


async def seed_demo(today: date | None = None, *,
                    channel_token: Callable[[str, str], str] | None = None
                    ) -> list[DemoLogin]:
    """Create or refresh the demo agency; returns each demo user with a working token.

    With `channel_token(platform, external_id)` the channels are connected with its tokens.
    """
    today = today or datetime.now(UTC).date()
    now_ref = datetime.combine(today, time.min, UTC)
    yesterday, first = today - timedelta(days=1), today - timedelta(days=METRIC_DAYS)
    async with engine().transaction():
        workspace_id = await _upsert(
            Workspace,
            Workspace(name="Studio Coso", slug=WORKSPACE_SLUG,
                      agency_name="Studio Coso — social media agency",
                      agency_logo="",
                      report_footer="Studio Coso · Via dei Mille 12, 40121 Bologna · "
                                    "hello@coso.example"),
            (Workspace.slug,),
            [Workspace.name, Workspace.agency_name, Workspace.agency_logo,
             Workspace.report_footer])
        brand_ids, channel_ids = await _seed_brands(workspace_id, today)
        if channel_token is not None:
            await _connect_channels(channel_ids, today, channel_token)
        users = await _seed_people(brand_ids, workspace_id)
        by_slug = {b.slug: b for b in BRANDS}
        campaigns = await _seed_campaigns(today, brand_ids, channel_ids, by_slug)
        specs: list[PostSpec] = []
        for b in BRANDS:
            plan = _plan(b, brand_ids[b.slug], channel_ids[b.slug],
                         [c for c in campaigns if c["brand"] == b.slug], today)
            _assign_statuses(plan, today)
            specs += plan
        posts = await _seed_posts(specs, users)

        per_channel_day: dict[tuple[int, date], dict[str, float]] = defaultdict(dict)
        post_rows: list[Observation] = []
        for post_id, spec in sorted(posts.items()):
            if spec.status is S.PUBLISHED:
                post_rows += _post_metrics(spec, post_id, yesterday, now_ref, per_channel_day)
        # A connected channel's last days come from its platform (`coso sync`), not from here.
        synced_to = today - timedelta(days=SYNCED_DAYS_AGO)
        channel_rows = [
            row for b in BRANDS for ch in b.channels
            for row in _channel_metrics(
                ch, channel_ids[b.slug][ch.handle], first,
                synced_to if channel_token and ch.platform in API_VERSIONS else yesterday,
                now_ref, per_channel_day)
        ]
        await upsert_post_metrics(post_rows)
        await upsert_channel_metrics(channel_rows)
        return await _logins(users)
