"""Everything a report shows, read from the database once (async) into plain ReportData."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError

from domain.db import raw_rows
from domain.enums import PostStatus, ReportKind
from domain.models import (
    Brand,
    Campaign,
    Channel,
    Membership,
    Post,
    Strategy,
    User,
    Workspace,
)
from domain.rules import health_check as hc
from domain.services.analytics import (
    PeriodKpis,
    Subject,
    complete_through,
    kpi_value,
    load_series,
    measured_end,
    period_kpis,
    prorated_production_cost,
    series_window,
)
from domain.services.response_times import response_times
from reporting import narrative
from reporting.labels import PLATFORM
from reporting.model import (
    AgencyInfo,
    BrandInfo,
    CampaignRow,
    ChannelRow,
    Compared,
    MixRow,
    Period,
    PlannedPost,
    PostRow,
    ReportData,
    RoiSection,
    StrategyInfo,
    StrategySection,
    TargetRow,
    TeamMember,
)
from reporting.periods import compared_previous, previous_period

TOP_POSTS = 5
_GONE = (PostStatus.REJECTED, PostStatus.ARCHIVED, PostStatus.FAILED)
_CHART_METRICS = ("impressions", "reach", "reactions", "comments", "shares", "saves",
                  "followers", "clicks")


def report_locale(requested: str | None, brand_locale: str) -> str:
    """The locale to write in: the requested one when Babel knows it, else the brand's."""
    for candidate in (requested, brand_locale, "en"):
        if not candidate:
            continue
        try:
            return str(Locale.parse(candidate.replace("-", "_")))
        except (ValueError, UnknownLocaleError):
            continue
    return "en"


def _utc_bounds(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    lower = datetime.combine(period.start, time(), zone).astimezone(UTC)
    upper = datetime.combine(period.end + timedelta(days=1), time(), zone).astimezone(UTC)
    return lower, upper


async def _compare(subject: Subject, ids: Sequence[int], cur: Period, prev: Period,
                   costs: Mapping[int, tuple[Decimal | None, Decimal | None]] | None = None
                   ) -> tuple[dict[int, Compared], dict[int, Any]]:
    """Both periods' KPIs of each subject from one read of the series spanning them."""
    series = await load_series(subject, ids, series_window(prev.start), cur.end, paid=True)
    costs = costs or {}
    out = {}
    for pk, by_metric in series.items():
        cur_cost, prev_cost = costs.get(pk, (None, None))
        out[pk] = Compared(period_kpis(by_metric, cur.start, cur.end, cur_cost),
                           period_kpis(by_metric, prev.start, prev.end, prev_cost))
    return out, series


def _campaign_cost(row: Mapping[str, Any], p: Period) -> Decimal | None:
    return prorated_production_cost([row], p.start, p.end)


def _targets(scope: str, raw: Any, kpis: PeriodKpis) -> tuple[TargetRow, ...]:
    rows = []
    for item in raw or ():
        try:
            target = Decimal(str(item["target"]))
        except (KeyError, TypeError, ArithmeticError):
            continue
        name = str(item.get("kpi", ""))
        rows.append(TargetRow(scope, name, target, kpi_value(kpis, name)))
    return tuple(rows)


def _post_row(row: Mapping[str, Any], channel: Mapping[str, Any], kpis: PeriodKpis) -> PostRow:
    return PostRow(
        id=row["id"], text=row["text"], platform=channel["platform"],
        channel=channel["name"] or channel["handle"], published_at=row["published_at"],
        format=row["format"], pillar=row["pillar"], media_type=row["media_type"],
        impressions=kpis.total("impressions"), reach=kpis.total("reach"),
        engagement=kpis.kpis.engagement, engagement_rate=kpis.kpis.engagement_rate,
        clicks=kpis.total("clicks"),
    )


def _rank(rows: list[PostRow]) -> tuple[tuple[PostRow, ...], tuple[PostRow, ...]]:
    """Best and worst by engagement (ties by impressions); a post is on one list only."""
    measured = [r for r in rows if r.engagement is not None]
    ordered = sorted(measured, key=lambda r: (r.engagement or 0, r.impressions or 0, -r.id),
                     reverse=True)
    top = ordered[:TOP_POSTS]
    rest = ordered[len(top):]
    return tuple(top), tuple(reversed(rest[-TOP_POSTS:]))


def _mix(posts: Iterable[Mapping[str, Any]], key: str,
         measured: Mapping[int, PeriodKpis] | None = None,
         label: Mapping[Any, str] | None = None) -> tuple[MixRow, ...]:
    counts: Counter[str] = Counter()
    impressions: dict[str, Decimal] = defaultdict(Decimal)
    engagement: dict[str, Decimal] = defaultdict(Decimal)
    spend: dict[str, Decimal] = defaultdict(Decimal)
    seen: dict[str, set[str]] = defaultdict(set)
    for post in posts:
        slice_ = label[post[key]] if label else str(post[key])
        counts[slice_] += 1
        k = (measured or {}).get(post["id"])
        if k is None:
            continue
        for name, bucket in (("impressions", impressions), ("spend", spend)):
            if k.total(name) is not None:
                bucket[slice_] += k.total(name) or 0
                seen[slice_].add(name)
        if k.kpis.engagement is not None:
            engagement[slice_] += k.kpis.engagement
            seen[slice_].add("engagement")
    return tuple(
        MixRow(s, n,
               impressions[s] if "impressions" in seen[s] else None,
               engagement[s] if "engagement" in seen[s] else None,
               spend[s] if "spend" in seen[s] else None)
        for s, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _facts(rows: Iterable[Mapping[str, Any]], channels: Mapping[int, Mapping[str, Any]],
           zone: ZoneInfo, when: str) -> list[hc.PostFacts]:
    return [hc.PostFacts(channels[r["channel"]]["platform"], r["pillar"], r["media_type"],
                         r["text"], r[when].astimezone(zone).date())
            for r in rows if r[when] is not None]


async def _brand_and_agency(brand_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    brand = await Brand.select().where(Brand.id == brand_id).first()
    if brand is None:
        raise LookupError(f"no brand {brand_id}")
    workspace = await Workspace.select().where(Workspace.id == brand["workspace"]).first()
    assert workspace is not None  # a brand's workspace is a non-null foreign key
    return brand, workspace


async def _posts(brand_id: int, column: Any, lower: datetime, upper: datetime,
                 statuses: Sequence[str] | None = None, exclude: Sequence[str] = ()
                 ) -> list[dict[str, Any]]:
    query = Post.select(Post.id, Post.channel, Post.campaign, Post.text, Post.format,
                        Post.pillar, Post.media_type, Post.status, Post.scheduled_at,
                        Post.published_at).where(Post.brand == brand_id, column >= lower,
                                                 column < upper)
    if statuses:
        query = query.where(Post.status.is_in(list(statuses)))
    if exclude:
        query = query.where(Post.status.not_in(list(exclude)))
    return await query.order_by(column).order_by(Post.id)


async def build_report(brand_id: int, kind: ReportKind, start: date, end: date, *,
                       locale: str | None = None, today: date | None = None) -> ReportData:
    """Read everything a report of `kind` over [start, end] shows; None locale = brand's.

    Figures run through the last day with complete data (`complete_through`, before
    `today` in the brand's timezone): a period not over or not synced to its end is
    partial, measured through that day and compared with as many days of the period
    before. The strategy report's "recent" period is treated the same way.
    """
    kind = ReportKind(kind)
    if end < start:
        raise ValueError("a report period ends on or after its start")
    brand, workspace = await _brand_and_agency(brand_id)
    zone = ZoneInfo(brand["timezone"])
    generated_at = datetime.now(UTC)
    today = today or generated_at.astimezone(zone).date()
    through = (await complete_through(Subject.BRAND, [brand_id], today))[brand_id]
    labelled = Period(start, end)
    if kind is ReportKind.ROI:
        period = Period(start, measured_end(start, end, through))
        prev = Period(*compared_previous(start, end, period.end))
        partial_through = through if period.end < end else None
    else:  # a plan ahead: the period it looks back on is the one that may be partial
        period = labelled
        full_prev = previous_period(start, end)
        prev = Period(full_prev[0], measured_end(*full_prev, through))
        partial_through = through if prev.end < full_prev[1] else None
    channels = {c["id"]: c for c in await Channel.select().where(Channel.brand == brand_id)
                .order_by(Channel.platform).order_by(Channel.id)}
    campaigns = await Campaign.select().where(
        Campaign.brand == brand_id, Campaign.starts_on <= period.end,
        Campaign.ends_on >= prev.start).order_by(Campaign.starts_on).order_by(Campaign.id
                                                                     ).output(load_json=True)
    strategy = await (Strategy.select().where(
        Strategy.brand == brand_id, Strategy.starts_on <= period.end,
        Strategy.ends_on >= period.start).order_by(Strategy.starts_on)
        .output(load_json=True).first())

    costs = (prorated_production_cost(campaigns, period.start, period.end),
             prorated_production_cost(campaigns, prev.start, prev.end))
    brand_kpis, brand_series = await _compare(Subject.BRAND, [brand_id], period, prev,
                                              {brand_id: costs})
    overview = brand_kpis[brand_id]
    channel_kpis, _ = await _compare(Subject.CHANNEL, list(channels), period, prev)
    channel_rows = tuple(
        ChannelRow(c["id"], c["platform"], c["handle"], c["name"], channel_kpis[c["id"]])
        for c in channels.values())
    campaign_kpis, _ = await _compare(
        Subject.CAMPAIGN, [c["id"] for c in campaigns], period, prev,
        {c["id"]: (_campaign_cost(c, period), _campaign_cost(c, prev)) for c in campaigns})
    campaign_rows = tuple(
        CampaignRow(c["id"], c["name"], c["objective"], c["status"], c["starts_on"],
                    c["ends_on"], c["planned_budget"], campaign_kpis[c["id"]],
                    _targets(c["name"], c["kpi_targets"], campaign_kpis[c["id"]].current))
        for c in campaigns if c["starts_on"] <= period.end and c["ends_on"] >= period.start)

    report_lang = report_locale(locale, brand["locale"])
    roi: RoiSection | None = None
    section: StrategySection | None = None
    if kind is ReportKind.ROI:
        roi = await _roi_section(brand_id, period, prev, zone, channels, overview, brand_series,
                                 channel_rows, campaign_rows, strategy)
    else:
        section = await _strategy_section(brand_id, period, prev, zone, channels, overview,
                                          campaigns, campaign_rows, strategy)
    report = ReportData(
        kind=kind, locale=report_lang,
        brand=BrandInfo(brand["id"], brand["name"], brand["slug"], brand["locale"],
                        brand["timezone"], brand["currency"], brand["logo"],
                        brand["primary_color"], brand["secondary_color"], brand["font"]),
        agency=AgencyInfo(workspace["slug"], workspace["name"], workspace["agency_name"],
                          workspace["agency_logo"], workspace["report_footer"]),
        period=labelled, previous=prev, generated_at=generated_at, channels=channel_rows,
        roi=roi, strategy=section, measured=period, partial_through=partial_through,
    )
    return narrative.with_summary(report)


def _daily(series: Mapping[str, Any], p: Period) -> dict[str, tuple[tuple[date, Decimal], ...]]:
    return {name: tuple((d, v) for d, v in series[name].points if p.start <= d <= p.end)
            for name in _CHART_METRICS if name in series}


async def _roi_section(brand_id: int, period: Period, prev: Period, zone: ZoneInfo,
                       channels: Mapping[int, Mapping[str, Any]], overview: Compared,
                       brand_series: Mapping[int, Any], channel_rows: tuple[ChannelRow, ...],
                       campaign_rows: tuple[CampaignRow, ...], strategy: Mapping[str, Any] | None
                       ) -> RoiSection:
    lower, upper = _utc_bounds(period, zone)
    published = await _posts(brand_id, Post.published_at, lower, upper,
                             statuses=[PostStatus.PUBLISHED])
    # Every post measured in the period, wherever it was published, for the media split.
    measured_ids = [r["post"] for r in await raw_rows(
        Post,
        'SELECT DISTINCT m."post" AS post FROM post_metric m JOIN post p ON p."id" = m."post" '
        'WHERE p."brand" = {} AND m."day" >= {} AND m."day" <= {}',
        brand_id, period.start, period.end)]
    post_ids = sorted({r["id"] for r in published} | set(measured_ids))
    post_series = await load_series(Subject.POST, post_ids, period.start, period.end, paid=True)
    post_kpis = {pk: period_kpis(s, period.start, period.end, None)
                 for pk, s in post_series.items()}
    rows = [_post_row(r, channels[r["channel"]], post_kpis[r["id"]]) for r in published]
    top, bottom = _rank(rows)
    measured_posts = await Post.select(Post.id, Post.media_type).where(
        Post.id.is_in(measured_ids)) if measured_ids else []
    by_id = brand_series[brand_id]
    targets = _targets("", strategy["kpi_targets"], overview.current) if strategy else ()
    return RoiSection(
        kpis=overview,
        daily=_daily(by_id, period),
        daily_previous=_daily(by_id, prev),
        channels=channel_rows, campaigns=campaign_rows,
        targets=targets + tuple(t for c in campaign_rows for t in c.targets),
        top_posts=top, bottom_posts=bottom,
        media_split=_mix(measured_posts, "media_type", post_kpis),
        posts_published=len(published),
    )


async def _team(brand_id: int) -> tuple[TeamMember, ...]:
    rows = await Membership.select(Membership.user, Membership.role).where(
        Membership.brand == brand_id)
    roles: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        roles[row["user"]].add(row["role"])
    users = await User.select(User.id, User.name, User.email).where(
        User.id.is_in(list(roles))) if roles else []
    return tuple(sorted(
        (TeamMember(u["name"], u["email"], tuple(sorted(roles[u["id"]]))) for u in users),
        key=lambda m: (m.roles, m.name.casefold())))


async def _strategy_section(brand_id: int, period: Period, prev: Period, zone: ZoneInfo,
                            channels: Mapping[int, Mapping[str, Any]], overview: Compared,
                            campaigns: Sequence[Mapping[str, Any]],
                            campaign_rows: tuple[CampaignRow, ...],
                            strategy: Mapping[str, Any] | None) -> StrategySection:
    lower, upper = _utc_bounds(period, zone)
    plan_rows = await _posts(brand_id, Post.scheduled_at, lower, upper, exclude=_GONE)
    recent_lower, recent_upper = _utc_bounds(prev, zone)
    recent = await _posts(brand_id, Post.published_at, recent_lower, recent_upper,
                          statuses=[PostStatus.PUBLISHED])
    team = await _team(brand_id)
    # Two channels of a brand often share a display name: the platform tells them apart.
    channel_label = {pk: f'{PLATFORM.get(c["platform"], c["platform"])} · '
                         f'{c["name"] or c["handle"]}' for pk, c in channels.items()}
    plan = tuple(
        PlannedPost(r["scheduled_at"].astimezone(zone), channels[r["channel"]]["platform"],
                    channel_label[r["channel"]], r["status"], r["pillar"], r["format"],
                    r["media_type"], r["text"])
        for r in plan_rows)
    info = None
    if strategy is not None:
        info = StrategyInfo(
            strategy["name"], strategy["starts_on"], strategy["ends_on"],
            tuple(str(o) for o in strategy["objectives"] or ()), strategy["target_audience"],
            tuple((str(p.get("platform", "")), str(p.get("rationale", "")))
                  for p in strategy["platforms"] or ()),
            tuple((str(c.get("name", "")), tuple(str(h) for h in c.get("handles") or ()))
                  for c in strategy["competitors"] or ()),
            strategy["budget"], strategy["currency"])
    inputs = hc.HealthInputs(
        recent_posts=_facts(recent, channels, zone, "published_at"),
        planned_posts=_facts(plan_rows, channels, zone, "scheduled_at"),
        plan_start=period.start,
        campaigns=[hc.CampaignFacts(c["name"], c["objective"], c["status"], c["starts_on"],
                                    c["ends_on"], tuple(str(t.get("kpi", ""))
                                                        for t in c["kpi_targets"] or ()))
                   for c in campaigns],
        roles_held=frozenset(r for m in team for r in m.roles),
        has_strategy=info is not None,
        objectives=info.objectives if info else (),
        strategy_kpis=tuple(str(t.get("kpi", "")) for t in (strategy or {}).get(
            "kpi_targets") or ()),
        budget=info.budget if info else None,
        spend=overview.previous.kpis.media_spend,
        production_cost=overview.previous.production_cost,
        # The inbox's answered share of the conversations started in the period looked
        # back on: None (not judged) when there were none.
        response_rate=(await response_times(brand_id, prev.start, prev.end)
                       ).total.response_rate,
    )
    return StrategySection(
        strategy=info,
        kpi_targets=_targets("", strategy["kpi_targets"], overview.previous) if strategy
        else (),
        team=team, plan=plan,
        mix={"pillar": _mix(plan_rows, "pillar"), "format": _mix(plan_rows, "format"),
             "channel": _mix(plan_rows, "channel", label=channel_label),
             "media_type": _mix(plan_rows, "media_type")},
        health=hc.health_check(inputs), recent=prev, campaigns=campaign_rows,
        overview=overview,
    )
