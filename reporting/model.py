"""What a report holds: plain, picklable values read once, rendered anywhere (a process pool)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from domain.enums import ReportKind
from domain.rules.health_check import Finding
from domain.rules.targets import LOWER_IS_BETTER
from domain.services.analytics import PeriodKpis, kpi_value


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class BrandInfo:
    id: int
    name: str
    slug: str
    locale: str
    timezone: str
    currency: str
    logo: str  # a storage key under settings.storage_dir, or anything else (then unused)
    primary_color: str
    secondary_color: str
    font: str


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    workspace_slug: str
    workspace_name: str
    name: str
    logo: str
    footer: str


@dataclass(frozen=True, slots=True)
class Compared:
    """One subject's KPIs this period and the period before."""

    current: PeriodKpis
    previous: PeriodKpis

    def value(self, name: str) -> Decimal | None:
        return kpi_value(self.current, name)

    def before(self, name: str) -> Decimal | None:
        return kpi_value(self.previous, name)

    def change(self, name: str) -> Decimal | None:
        """Relative change (0.12 = +12%); None when either side is unknown or the base is 0."""
        now, then = self.value(name), self.before(name)
        if now is None or then is None or then == 0:
            return None
        return (now - then) / abs(then)


@dataclass(frozen=True, slots=True)
class ChannelRow:
    id: int
    platform: str
    handle: str
    name: str
    kpis: Compared


@dataclass(frozen=True, slots=True)
class TargetRow:
    scope: str  # "" for the brand's strategy, else the campaign's name
    kpi: str
    target: Decimal
    actual: Decimal | None

    @property
    def met(self) -> bool | None:
        if self.actual is None:
            return None
        if self.kpi in LOWER_IS_BETTER:
            return self.actual <= self.target
        return self.actual >= self.target


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: int
    name: str
    objective: str
    status: str
    starts_on: date
    ends_on: date
    planned_budget: Decimal | None
    kpis: Compared
    targets: tuple[TargetRow, ...]


@dataclass(frozen=True, slots=True)
class PostRow:
    id: int
    text: str
    platform: str
    channel: str
    published_at: datetime | None
    format: str
    pillar: str
    media_type: str
    impressions: Decimal | None
    reach: Decimal | None
    engagement: Decimal | None
    engagement_rate: Decimal | None
    clicks: Decimal | None


@dataclass(frozen=True, slots=True)
class MixRow:
    """One slice of a breakdown: posts and what they achieved (None when nothing measured)."""

    key: str
    posts: int
    impressions: Decimal | None = None
    engagement: Decimal | None = None
    spend: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of the executive summary: a message id and typed parameters.

    Parameters are (kind, value) pairs, kind one of count, percent, points, money, ratio,
    text, so the renderer formats them for the report's locale before translating.
    `plural` is the msgid_plural and the count parameter that picks the form (ngettext).
    """

    key: str
    params: tuple[tuple[str, tuple[str, object]], ...] = ()
    tone: str = "neutral"  # good, bad or neutral: the bullet's colour
    plural: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class StrategyInfo:
    name: str
    starts_on: date
    ends_on: date
    objectives: tuple[str, ...]
    target_audience: str
    platforms: tuple[tuple[str, str], ...]  # (platform, rationale)
    competitors: tuple[tuple[str, tuple[str, ...]], ...]  # (name, handles)
    budget: Decimal | None
    currency: str


@dataclass(frozen=True, slots=True)
class TeamMember:
    name: str
    email: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlannedPost:
    local_time: datetime  # in the brand's timezone
    platform: str
    channel: str
    status: str
    pillar: str
    format: str
    media_type: str
    text: str


@dataclass(frozen=True, slots=True)
class RoiSection:
    kpis: Compared
    daily: dict[str, tuple[tuple[date, Decimal], ...]]  # metric → current period's days
    daily_previous: dict[str, tuple[tuple[date, Decimal], ...]]
    channels: tuple[ChannelRow, ...]
    campaigns: tuple[CampaignRow, ...]
    targets: tuple[TargetRow, ...]
    top_posts: tuple[PostRow, ...]
    bottom_posts: tuple[PostRow, ...]
    media_split: tuple[MixRow, ...]
    posts_published: int


@dataclass(frozen=True, slots=True)
class StrategySection:
    strategy: StrategyInfo | None
    kpi_targets: tuple[TargetRow, ...]  # actuals over the last full period
    team: tuple[TeamMember, ...]
    plan: tuple[PlannedPost, ...]
    mix: dict[str, tuple[MixRow, ...]]  # pillar, format, channel, media_type → slices
    health: tuple[Finding, ...]
    recent: Period  # the period the actuals and health check looked back on
    campaigns: tuple[CampaignRow, ...]
    overview: Compared  # the brand over the planned period and the recent one


@dataclass(frozen=True, slots=True)
class ReportData:
    kind: ReportKind
    locale: str
    brand: BrandInfo
    agency: AgencyInfo
    period: Period
    previous: Period
    generated_at: datetime
    channels: tuple[ChannelRow, ...]
    summary: tuple[Sentence, ...] = ()
    roi: RoiSection | None = None
    strategy: StrategySection | None = None
    notes: tuple[str, ...] = field(default=())  # message ids of caveats (e.g. missing data)
    # The days the figures were read over: `period`, or its complete days when partial.
    measured: Period | None = None
    # Set when the period whose figures are shown (ROI: the period; strategy: the one
    # looked back on) is partial: the last day its data is complete through.
    partial_through: date | None = None
