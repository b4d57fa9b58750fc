"""Who the demo agency is: its people and their roles, its two brands and their channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

from domain.demo.texts import EN_POSTS, IT_POSTS
from domain.enums import ContentPillar, Platform, Role

P = Platform

WORKSPACE_SLUG = "studio-coso"
WORKSPACE: dict[str, Any] = {  # Workspace column values
    "name": "Studio Coso",
    "agency_name": "Studio Coso — social media agency",
    "agency_logo": "",
    "report_footer": "Studio Coso · Via dei Mille 12, 40121 Bologna · hello@coso.example",
}
METRIC_DAYS = 90
SYNCED_DAYS_AGO = 8  # connected channels: the generated history stands for a sync up to here

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
    texts: dict[ContentPillar, tuple[str, ...]] = field(repr=False)
    tags: tuple[str, ...] = ()
    rejection: str = ""  # why the approver sends a post back
    failure: str = ""  # why publishing failed
    archived: str = ""  # why a post was dropped


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
        order_value=Decimal("27.40"), texts=IT_POSTS,
        tags=("caffè", "milano", "torrefazione", "espresso", "moka", "degustazione"),
        rejection="Il prezzo nel testo è sbagliato: la miscela costa 14,90 €, non 12,90 €.",
        failure="Token della pagina scaduto: ricollegare il canale.",
        archived="Fuori tema.",
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
        order_value=Decimal("64.00"), texts=EN_POSTS,
        tags=("cycling", "london", "commute", "bikeshop", "ebike", "workshop"),
        rejection="Off-brand tone, and the link has no UTM parameters.",
        failure="Access token expired: reconnect the channel.",
        archived="Off-topic, dropped.",
    ),
)
BY_SLUG = {b.slug: b for b in BRANDS}
