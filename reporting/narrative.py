"""The executive summary: sentences chosen by rules from the numbers, never written per brand.

Each sentence is an English gettext msgid with typed parameters; the renderer formats the
parameters for the report's locale and translates the sentence.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from domain.rules.health_check import Verdict
from reporting.model import (
    Compared,
    ReportData,
    RoiSection,
    Sentence,
    StrategySection,
    TargetRow,
)


def N_(message: str) -> str:
    """Marks a msgid for extraction; translation happens when the report is rendered."""
    return message


STEADY = Decimal("0.02")  # a change under 2% reads as "held steady"
STEADY_POINTS = Decimal("0.001")  # 0.1 percentage points


def _s(key: str, tone: str = "neutral", **params: tuple[str, object]) -> Sentence:
    return Sentence(key, tuple(sorted(params.items())), tone)


def _n(key: str, plural: str, counted: str, tone: str = "neutral",
       **params: tuple[str, object]) -> Sentence:
    """A sentence whose wording follows the number in `counted` (gettext's ngettext)."""
    return Sentence(key, tuple(sorted(params.items())), tone, (plural, counted))


def _movement(k: Compared, metric: str, up: str, down: str, steady: str, new: str
              ) -> Sentence | None:
    value = k.value(metric)
    if value is None:
        return None
    change = k.change(metric)
    if change is None:
        return _s(new, value=("count", value))
    if abs(change) < STEADY:
        return _s(steady, value=("count", value))
    if change > 0:
        return _s(up, "good", value=("count", value), change=("change", change))
    return _s(down, "bad", value=("count", value), change=("change", -change))


def _reach(k: Compared) -> Sentence | None:
    if k.value("reach") is not None:
        return _movement(
            k, "reach",
            N_("Reach (daily reach, summed) rose by %(change)s to %(value)s."),
            N_("Reach (daily reach, summed) fell by %(change)s to %(value)s."),
            N_("Reach (daily reach, summed) held steady at %(value)s."),
            N_("Reach, the sum of daily reach, was %(value)s."))
    return _movement(
        k, "impressions",
        N_("Impressions rose by %(change)s to %(value)s."),
        N_("Impressions fell by %(change)s to %(value)s."),
        N_("Impressions held steady at %(value)s."),
        N_("The content was seen %(value)s times."))


def _engagement_rate(k: Compared) -> Sentence | None:
    now, then = k.value("engagement_rate"), k.before("engagement_rate")
    if now is None:
        return None
    if then is None:
        return _s(N_("The engagement rate was %(rate)s."), rate=("percent", now))
    diff = now - then
    if abs(diff) < STEADY_POINTS:
        return _s(N_("The engagement rate held at %(rate)s."), rate=("percent", now))
    if diff > 0:
        return _s(N_("The engagement rate rose to %(rate)s, up %(points)s points."), "good",
                  rate=("percent", now), points=("points", diff))
    return _s(N_("The engagement rate slipped to %(rate)s, down %(points)s points."), "bad",
              rate=("percent", now), points=("points", -diff))


def _followers(k: Compared) -> Sentence | None:
    growth, rate = k.value("follower_growth"), k.value("follower_growth_rate")
    if growth is None:
        return None
    if rate is None:  # unknown without followers at the start: say nothing, never "0%"
        if growth >= 0:
            return _n("The audience grew by %(count)s follower.",
                      "The audience grew by %(count)s followers.", "count",
                      "good" if growth > 0 else "neutral", count=("count", growth))
        return _n("The audience shrank by %(count)s follower.",
                  "The audience shrank by %(count)s followers.", "count", "bad",
                  count=("count", -growth))
    if growth >= 0:
        return _n("The audience grew by %(count)s follower (%(rate)s).",
                  "The audience grew by %(count)s followers (%(rate)s).", "count",
                  "good" if growth > 0 else "neutral", count=("count", growth),
                  rate=("percent", rate))
    return _n("The audience shrank by %(count)s follower (%(rate)s).",
              "The audience shrank by %(count)s followers (%(rate)s).", "count", "bad",
              count=("count", -growth), rate=("percent", -rate))


def _money(k: Compared) -> list[Sentence]:
    out = []
    roas, spend = k.value("roas"), k.value("media_spend")
    if roas is not None and spend:
        out.append(_s(N_("Each %(unit)s of media spend brought back %(return)s in revenue."),
                      "good" if roas >= 1 else "bad", unit=("money", Decimal(1)),
                      **{"return": ("money", roas)}))
    roi, cost = k.value("roi"), k.value("total_cost")
    if roi is not None and cost is not None:
        key = (N_("Return on investment was %(roi)s on %(cost)s of total costs.") if roi >= 0
               else N_("Return on investment was negative, %(roi)s on %(cost)s of total "
                       "costs."))
        out.append(_s(key, "good" if roi >= 0 else "bad", roi=("roi", roi),
                      cost=("money", cost)))
    return out


def _best_channel(roi: RoiSection) -> Sentence | None:
    rated = [(c.kpis.value("engagement_rate"), c) for c in roi.channels]
    rated = [(r, c) for r, c in rated if r is not None]
    if len(rated) < 2:
        return None
    rate, best = max(rated, key=lambda rc: (rc[0], -rc[1].id))
    return _s(N_("%(channel)s had the highest engagement rate, %(rate)s."), "good",
              channel=("platform_channel", f"{best.platform}|{best.name or best.handle}"),
              rate=("percent", rate))


def _best_post(roi: RoiSection) -> Sentence | None:
    if not roi.top_posts or not roi.top_posts[0].engagement:
        return None
    post = roi.top_posts[0]
    return _n("The best post, on %(platform)s, earned %(count)s engagement.",
              "The best post, on %(platform)s, earned %(count)s engagements.", "count",
              "good", platform=("platform", post.platform), count=("count", post.engagement))


def _targets(targets: tuple[TargetRow, ...], label: str) -> Sentence | None:
    judged = [t for t in targets if t.met is not None]
    if not judged:
        return None
    met = sum(1 for t in judged if t.met)
    tone = "good" if met == len(judged) else "bad" if met * 2 < len(judged) else "neutral"
    return _s(label, tone, met=("count", Decimal(met)), total=("count", Decimal(len(judged))))


def roi_summary(report: ReportData, roi: RoiSection) -> list[Sentence]:
    k = roi.kpis
    if not k.current.totals and roi.posts_published == 0:
        return [_s(N_("No activity was recorded from %(start)s to %(end)s."),
                   start=("date", report.period.start), end=("date", report.period.end))]
    found = [_reach(k), _engagement_rate(k), _followers(k), *_money(k),
             _best_channel(roi), _best_post(roi),
             _targets(roi.targets, N_("KPI targets met: %(met)s of %(total)s."))]
    return [s for s in found if s is not None]


def strategy_summary(report: ReportData, section: StrategySection) -> list[Sentence]:
    out = []
    if section.strategy is None:
        out.append(_s(N_("No strategy covers this period yet."), "bad"))
    channels = {p.channel for p in section.plan}
    if section.plan and len(channels) == 1:
        out.append(_n("The editorial plan holds %(posts)s post on one channel.",
                      "The editorial plan holds %(posts)s posts on one channel.", "posts",
                      posts=("count", Decimal(len(section.plan)))))
    elif section.plan:
        out.append(_n("The editorial plan holds %(posts)s post on %(channels)s channels.",
                      "The editorial plan holds %(posts)s posts on %(channels)s channels.",
                      "posts", posts=("count", Decimal(len(section.plan))),
                      channels=("count", Decimal(len(channels)))))
    else:
        out.append(_s(N_("Nothing is planned for this period yet."), "bad"))
    flagged = sum(1 for f in section.health if f.verdict is Verdict.FLAGGED)
    if flagged:
        out.append(_n("Health check: %(count)s of the six common mistakes flagged.",
                      "Health check: %(count)s of the six common mistakes flagged.",
                      "count", "bad", count=("count", Decimal(flagged))))
    else:
        out.append(_s(N_("Health check: none of the six common mistakes flagged."), "good"))
    last = section.overview.previous
    reach, rate = last.total("reach"), last.kpis.engagement_rate
    if reach is not None and rate is not None:
        out.append(_s(N_("Last period reach (daily reach, summed) was %(reach)s, with an "
                         "engagement rate of %(rate)s."),
                      reach=("count", reach), rate=("percent", rate)))
    target = _targets(section.kpi_targets,
                      N_("Last period, KPI targets met: %(met)s of %(total)s."))
    if target is not None:
        out.append(target)
    return out


def with_summary(report: ReportData) -> ReportData:
    if report.roi is not None:
        sentences = roi_summary(report, report.roi)
    elif report.strategy is not None:
        sentences = strategy_summary(report, report.strategy)
    else:
        sentences = []
    return dataclasses.replace(report, summary=tuple(sentences))
