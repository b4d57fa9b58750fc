"""What the templates call: ReportData turned into formatted, translated rows, cards and charts.

Templates stay free of arithmetic: every figure here is formatted by the locale's
Formatter, every word goes through the report's gettext catalogue.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from domain.rules import definitions
from domain.rules.health_check import Finding
from domain.rules.targets import LOWER_IS_BETTER
from reporting import charts, labels
from reporting.formatting import RATE_KPIS, RETURN_KPIS, Formatter, elide_italian
from reporting.i18n import language_of, translations
from reporting.model import Compared, MixRow, PlannedPost, ReportData
from reporting.narrative import N_
from reporting.periods import month_of
from reporting.safety import DEFAULT_PRIMARY, DEFAULT_SECONDARY, mix, safe_color

HEADLINE_GROUPS = (
    ("audience", N_("Audience"),
     ("reach", "impressions", "follower_growth", "follower_growth_rate")),
    ("engagement", N_("Engagement"), ("engagement", "engagement_rate", "clicks", "ctr")),
    ("money", N_("Costs and returns"),
     ("conversions", "media_spend", "production_cost", "total_cost", "revenue")),
    ("efficiency", N_("Efficiency"), ("cpm", "cpc", "cpa", "roas", "roi")),
)
# A metric's days in the period, as StrategySection.daily holds them.
Daily = Mapping[str, tuple[tuple[date, Decimal], ...]]
HERO = ("reach", "engagement_rate", "follower_growth", "revenue", "roi")
NEUTRAL_DIRECTION = frozenset({"media_spend", "production_cost", "total_cost"})
CHANNEL_COLUMNS = ("impressions", "reach", "engagement", "engagement_rate", "clicks", "ctr",
                   "follower_growth", "media_spend")
CAMPAIGN_COLUMNS = ("impressions", "engagement", "engagement_rate", "clicks", "ctr",
                    "conversions", "media_spend", "revenue", "roas", "roi")
ENGAGEMENT_PARTS = ("reactions", "comments", "shares", "saves")
PLATFORM_SHORT = {"facebook": "FB", "instagram": "IG", "linkedin": "IN", "x": "X",
                  "tiktok": "TT", "youtube": "YT", "pinterest": "PI"}
MIX_TITLES = {"pillar": N_("Content pillar"), "format": N_("Format"),
              "channel": N_("Channel"), "media_type": N_("Media type")}
ROLES = ("STRATEGIST", "MANAGER", "COMMUNITY_MANAGER", "CLIENT")


def is_month(start: date, end: date) -> bool:
    return (start, end) == month_of(start)


@dataclass(frozen=True, slots=True)
class Card:
    name: str
    label: str
    value: str
    previous: str
    delta: str
    tone: str  # good, bad, neutral


@dataclass(frozen=True, slots=True)
class Cell:
    value: str
    delta: str
    tone: str


class ReportView:
    """Formatting and translation around one ReportData; one per render."""

    def __init__(self, data: ReportData) -> None:
        self.data = data
        self.fmt = Formatter(data.locale, data.brand.currency, data.brand.timezone)
        self._t = translations(language_of(data.locale))
        self.primary = safe_color(data.brand.primary_color, DEFAULT_PRIMARY)
        self.secondary = safe_color(data.brand.secondary_color, DEFAULT_SECONDARY)

    # --- words -----------------------------------------------------------------------

    def t(self, message: str) -> str:
        return self._t.gettext(message)

    def kpi_label(self, name: str) -> str:
        return self.t(labels.KPI.get(name, name.replace("_", " ").capitalize()))

    def enum(self, kind: str, value: str) -> str:
        return self.t(labels.ENUM.get(kind, {}).get(value, value.replace("_", " ").title()))

    def platform(self, value: str) -> str:
        return labels.PLATFORM.get(value, value.title())

    def kind_title(self) -> str:
        if self.data.roi is not None:
            return self.t(N_("Performance and ROI report"))
        return self.t(N_("Social media strategy"))

    def pillar_colors(self) -> dict[str, str]:
        return charts.pillar_colors(self.primary, self.secondary)

    def platform_short(self, value: str) -> str:
        return PLATFORM_SHORT.get(value, value[:2].upper())

    def mix_title(self, kind: str) -> str:
        return self.t(MIX_TITLES[kind])

    def roles(self) -> tuple[str, ...]:
        return ROLES

    def channel_columns(self) -> tuple[str, ...]:
        return CHANNEL_COLUMNS

    def campaign_columns(self) -> tuple[str, ...]:
        return CAMPAIGN_COLUMNS

    def period_label(self) -> str:
        return self.fmt.period(self.data.period.start, self.data.period.end)

    def period_title(self) -> str:
        """The period at the start of a line: "Ottobre 2026", not "ottobre 2026"."""
        label = self.period_label()
        return label[:1].upper() + label[1:]

    def previous_label(self) -> str:
        return self.fmt.period(self.data.previous.start, self.data.previous.end)

    def partial_note(self) -> str:
        """"Partial: data through 3 Dec" when the figures shown stop before their period
        ends (not over yet, or not synced to its end); "" otherwise."""
        through = self.data.partial_through
        if through is None:
            return ""
        message = (N_("Partial: data through %(date)s") if self.data.roi is not None
                   else N_("The last period is partial: data through %(date)s"))
        return self.t(message) % {"date": self.fmt.date(through, "long")}

    def definitions(self) -> list[tuple[str, str]]:
        """The appendix "How these numbers are computed": the registry's texts, translated,
        under each figure's label, so the page says what the code does."""
        return [(self.kpi_label(name), self.t(definitions.DEFINITIONS[name].text))
                for name in definitions.APPENDIX]

    def definition_notes(self) -> list[str]:
        return [self.t(definitions.PARTIAL_PERIOD), self.t(definitions.MEDIA_SPLIT_TOTALS)]

    def channel_notes(self) -> list[str]:
        """Platform-specific meanings of the columns, for the channels the report shows."""
        platforms = {c.platform for c in self.data.channels}
        return [self.t(text) for (platform, _), text in definitions.PLATFORM_NOTES.items()
                if platform in platforms]

    def media_split_note(self) -> str:
        return self.t(definitions.MEDIA_SPLIT_TOTALS)

    def roi_cost(self, k: Compared) -> str:
        """What a campaign's ROI counts as cost, in words, so the card shows it."""
        now = k.current
        if now.kpis.roi is None and now.production_cost is None:
            return self.t(N_("ROI unknown: production cost not recorded for these days."))
        return self.t(N_("ROI counts %(total)s of cost: media spend %(spend)s plus "
                         "production cost %(production)s, prorated to the days in the "
                         "period.")) % {
            "total": self.fmt.money(now.kpis.total_cost),
            "spend": self.fmt.money(now.kpis.media_spend),
            "production": self.fmt.money(now.production_cost)}

    def sentences(self) -> list[tuple[Markup, str]]:
        """The executive summary, translated, its figures formatted and escaped."""
        out = []
        for sentence in self.data.summary:
            params = {}
            for name, (kind, value) in sentence.params:
                if kind == "platform":
                    params[name] = self.platform(str(value))
                elif kind == "platform_channel":
                    platform, _, channel = str(value).partition("|")
                    params[name] = f"{channel} ({self.platform(platform)})"
                else:
                    params[name] = self.fmt.param(kind, value)
            if sentence.plural is not None:
                plural, counted = sentence.plural
                n = int(dict(sentence.params)[counted][1])  # type: ignore[call-overload]
                message = self._t.ngettext(sentence.key, plural, n)
            else:
                message = self.t(sentence.key)
            text = Markup(escape(message)) % params
            out.append((Markup(self.prose(str(text))), sentence.tone))
        return out

    def prose(self, text: str) -> str:
        """A sentence with its figures filled in, as the language writes it (elision)."""
        return elide_italian(text) if self.fmt.locale.language == "it" else text

    def ngettext(self, singular: str, plural: str, n: int, **params: str) -> str:
        """A counted phrase in the right plural form, its parameters filled in."""
        return self.prose(self._t.ngettext(singular, plural, n) % params)

    # --- figures ---------------------------------------------------------------------

    def delta(self, k: Compared, name: str) -> tuple[str, str]:
        """The change against the previous period and whether it is good news."""
        now, then = k.value(name), k.before(name)
        if now is None or then is None:
            return "", "neutral"
        if name in RATE_KPIS:
            diff = now - then
            places = 1 if name in RETURN_KPIS else 2  # as many decimals as the figure
            text = f"{self.fmt.points_change(diff, places)} {self.t(N_('pt'))}"
            direction = diff
        else:
            change = k.change(name)
            if change is None:
                return "", "neutral"
            text = self.fmt.change(change)
            direction = change
        if direction == 0 or name in NEUTRAL_DIRECTION:
            return text, "neutral"
        better = direction < 0 if name in LOWER_IS_BETTER else direction > 0
        return text, "good" if better else "bad"

    def cell(self, k: Compared, name: str) -> Cell:
        delta, tone = self.delta(k, name)
        return Cell(self.fmt.kpi(name, k.value(name)), delta, tone)

    def _overview(self) -> Compared:
        if self.data.roi is not None:
            return self.data.roi.kpis
        assert self.data.strategy is not None
        return self.data.strategy.overview

    def card(self, name: str) -> Card:
        k = self._overview()
        delta, tone = self.delta(k, name)
        return Card(name, self.kpi_label(name), self.fmt.kpi(name, k.value(name)),
                    self.fmt.kpi(name, k.before(name)), delta, tone)

    def hero(self) -> list[Card]:
        return [self.card(name) for name in HERO]

    def headline(self) -> list[tuple[str, list[Card]]]:
        return [(self.t(title), [self.card(name) for name in names])
                for _, title, names in HEADLINE_GROUPS]

    def target_value(self, name: str, value: Decimal | None) -> str:
        return self.fmt.kpi(name, value)

    def progress(self, name: str, target: Decimal, actual: Decimal | None) -> int:
        """How far along the target bar goes, 0–100."""
        if actual is None or target == 0:
            return 0
        share = (target / actual) if name in LOWER_IS_BETTER and actual else actual / target
        return max(0, min(100, int(share * 100)))

    def mix_share(self, rows: tuple[MixRow, ...], row: MixRow) -> str:
        total = sum(r.posts for r in rows)
        return self.fmt.share(Decimal(row.posts) / total) if total else self.fmt.share(None)

    # --- findings --------------------------------------------------------------------

    def finding(self, f: Finding) -> dict[str, Any]:
        title, looked_at = labels.MISTAKE[f.mistake.value]
        evidence = []
        for name, value in f.evidence:
            if value is None or value == ():
                shown = self.fmt.count(None) if name not in ("examples", "short_campaigns") \
                    else ""
            elif isinstance(value, bool):
                shown = self.t(N_("Yes")) if value else self.t(N_("No"))
            elif isinstance(value, tuple):
                if name == "roles_held":
                    shown = ", ".join(self.enum("role", str(r)) for r in value)
                else:
                    shown = "; ".join(str(v) for v in value)
            elif labels.EVIDENCE_KIND.get(name) == "percent":
                shown = self.fmt.percent(value)  # type: ignore[arg-type]
            elif labels.EVIDENCE_KIND.get(name) == "share":
                shown = self.fmt.share(value)  # type: ignore[arg-type]
            elif labels.EVIDENCE_KIND.get(name) == "money":
                shown = self.fmt.money(value)  # type: ignore[arg-type]
            else:
                shown = self.fmt.count(value)  # type: ignore[arg-type]
            if shown:
                evidence.append((self.t(labels.EVIDENCE.get(name, name)), shown))
        return {"title": self.t(title), "looked_at": self.t(looked_at),
                "verdict": f.verdict.value, "verdict_label": self.enum("verdict", f.verdict),
                "evidence": evidence}

    # --- calendar --------------------------------------------------------------------

    def calendar(self) -> list[dict[str, Any]]:
        """The plan as month grids: weeks of seven days, each with its posts in time order."""
        plan = self.data.strategy.plan if self.data.strategy else ()
        by_day: dict[date, list[PlannedPost]] = defaultdict(list)
        for post in plan:
            by_day[post.local_time.date()].append(post)
        months = []
        first = self.data.period.start.replace(day=1)
        while first <= self.data.period.end:
            weeks = calendar.Calendar(firstweekday=self.fmt.locale.first_week_day)
            grid = [[{"day": d, "in_period": self.data.period.start <= d <= self.data.period.end
                      and d.month == first.month, "posts": by_day.get(d, [])}
                     for d in week] for week in weeks.monthdatescalendar(first.year, first.month)]
            label = self.fmt.month(first)
            months.append({"label": label[:1].upper() + label[1:], "weeks": grid})
            first = month_of(first)[1] + timedelta(days=1)
        return months

    def weekdays(self) -> list[str]:
        start = self.fmt.locale.first_week_day
        monday = date(2024, 1, 1)  # a Monday
        return [self.fmt.weekday(monday + timedelta(days=(start + i) % 7)) for i in range(7)]

    # --- charts ----------------------------------------------------------------------

    def charts(self) -> dict[str, Markup]:
        if self.data.roi is not None:
            return self._roi_charts()
        return self._strategy_charts()

    def _legend(self) -> tuple[str, str]:
        return self.period_label(), self.previous_label()

    def _series(self, daily: Daily, name: str) -> dict[date, Decimal]:
        return dict(daily.get(name, ()))

    def _engagement(self, daily: Daily) -> dict[date, Decimal]:
        total: dict[date, Decimal] = defaultdict(Decimal)
        for part in ENGAGEMENT_PARTS:
            for day, value in daily.get(part, ()):
                total[day] += value
        return dict(total)

    def _days(self) -> list[date]:
        p = self.data.period
        return [p.start + timedelta(days=i) for i in range(p.days)]

    def _trend(self, now: dict[date, Decimal], before: dict[date, Decimal], name: str,
               **kw: Any) -> Markup:
        days = self._days()
        prev_days = [self.data.previous.start + timedelta(days=i)
                     for i in range(self.data.previous.days)]
        return charts.trend(
            days, [now.get(d) for d in days],
            [before.get(d) for d in prev_days] if before else [],
            color=kw.pop("color", self.primary), label=self.kpi_label(name),
            fmt=self.fmt.axis, day_fmt=self.fmt.short_date, legend=self._legend(), **kw)

    def _roi_charts(self) -> dict[str, Markup]:
        roi = self.data.roi
        assert roi is not None
        out: dict[str, Markup] = {}
        reach_name = "reach" if "reach" in roi.daily else "impressions"
        if roi.daily.get(reach_name):
            out["audience"] = self._trend(self._series(roi.daily, reach_name),
                                          self._series(roi.daily_previous, reach_name),
                                          reach_name)
        engagement = self._engagement(roi.daily)
        if engagement:
            out["engagement"] = self._trend(engagement, self._engagement(roi.daily_previous),
                                            "engagement", bars=True, color=self.secondary)
        if roi.daily.get("followers"):
            out["followers"] = self._trend(self._series(roi.daily, "followers"), {},
                                           "followers", from_zero=False)
        channels = [c for c in roi.channels if c.kpis.value("impressions") is not None]
        if channels:
            names = [f"{self.platform(c.platform)}\n{c.name or c.handle}" for c in channels]
            out["channels"] = charts.bars(
                names, [c.kpis.value("impressions") for c in channels],
                [c.kpis.before("impressions") for c in channels], color=self.primary,
                label=self.kpi_label("impressions"), fmt=self.fmt.axis,
                value_fmt=self.fmt.count, legend=self._legend())
        if roi.media_split:
            order = {"OWNED": 0, "PAID": 1, "EARNED": 2}
            rows = sorted(roi.media_split, key=lambda r: order.get(r.key, 9))
            measure = [r.impressions for r in rows]  # None: no impression row, not 0
            known = [m for m in measure if m is not None]
            colors = [{"OWNED": self.primary, "PAID": self.secondary}.get(
                r.key, mix(self.primary, "#FFFFFF", 0.55)) for r in rows]
            out["media"] = charts.donut(
                [self.enum("media_type", r.key) for r in rows], measure, colors,
                label=self.kpi_label("impressions"),
                center=self.fmt.count(sum(known) if known else None),
                fmt=self.fmt.count, share=self._share)
        return out

    def _share(self, value: float) -> str:
        return self.fmt.share(Decimal(str(round(value, 4))))

    def _strategy_charts(self) -> dict[str, Markup]:
        section = self.data.strategy
        assert section is not None
        out: dict[str, Markup] = {}
        for kind, rows in section.mix.items():
            if not rows:
                continue
            # A channel's label is "Platform · Name": the name goes on its own line.
            names = ([r.key.replace(" · ", "\n", 1) for r in rows] if kind == "channel"
                     else [self.enum(kind, r.key) for r in rows])
            if kind == "pillar":
                pillars = self.pillar_colors()
                colors = [pillars.get(r.key, charts.GREY) for r in rows]
            else:
                colors = charts.palette(self.primary, self.secondary, len(rows))
            out[f"mix_{kind}"] = charts.donut(
                names, [r.posts for r in rows], colors,
                label=self.t(N_("Posts")), center=self.fmt.count(sum(r.posts for r in rows)),
                fmt=self.fmt.count, share=self._share,
                keys=[r.key for r in rows] if kind == "pillar" else None)
        return out
