"""Use cases for a brand's strategies: one per period, periods never overlapping."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from domain.db import write_transaction
from domain.enums import Platform
from domain.errors import Problem, ValidationFailed
from domain.models import Brand, Strategy
from domain.rules.kpis import KPI_NAMES
from domain.rules.metric_catalog import CANONICAL_METRICS
from domain.services.audit import record
from domain.services.usecase import Problems, insert_unique, lock_row, must_exist, update_unique

# A KPI target names a KPI of the BRIEF or a canonical metric (a target of 10,000 followers).
KNOWN_KPIS = frozenset(KPI_NAMES) | frozenset(CANONICAL_METRICS) | {
    "response_rate", "first_response_time_median", "first_response_time_p90",
    "share_of_voice",
}
MAX_ITEMS = 50
MAX_BUDGET = Decimal(10) ** 12  # NUMERIC(14, 2)


class PlatformChoice(NamedTuple):
    platform: str
    rationale: str = ""


class Competitor(NamedTuple):
    name: str
    handles: Sequence[str] = ()


class KpiGoal(NamedTuple):
    kpi: str
    target: float


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyValues:
    name: str
    starts_on: date
    ends_on: date
    objectives: Sequence[str] = ()
    target_audience: str = ""
    platforms: Sequence[PlatformChoice] = ()
    competitors: Sequence[Competitor] = ()
    budget: Decimal | None = None
    currency: str = ""
    """Empty means the brand's currency."""
    kpi_targets: Sequence[KpiGoal] = field(default=())

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StrategyValues:
        return cls(
            name=row["name"], starts_on=row["starts_on"], ends_on=row["ends_on"],
            objectives=tuple(row["objectives"] or ()), target_audience=row["target_audience"],
            platforms=tuple(PlatformChoice(p["platform"], p.get("rationale", ""))
                            for p in row["platforms"] or ()),
            competitors=tuple(Competitor(c["name"], tuple(c.get("handles", ())))
                              for c in row["competitors"] or ()),
            budget=row["budget"], currency=row["currency"],
            kpi_targets=tuple(KpiGoal(k["kpi"], k["target"]) for k in row["kpi_targets"] or ()),
        )

    def columns(self) -> dict[str, Any]:
        """The values as the table stores them (JSON lists of objects)."""
        values = asdict(self)
        values["objectives"] = list(self.objectives)
        values["platforms"] = [p._asdict() for p in self.platforms]
        values["competitors"] = [{"name": c.name, "handles": list(c.handles)}
                                 for c in self.competitors]
        values["kpi_targets"] = [k._asdict() for k in self.kpi_targets]
        return values


def kpi_name(value: str) -> str:
    """KPIs are stored by their snake_case name; the API's camelCase spelling is accepted."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", value.strip()).lower()


def _clean(values: StrategyValues) -> StrategyValues:
    return replace(
        values, name=values.name.strip(),
        objectives=tuple(o.strip() for o in values.objectives),
        target_audience=values.target_audience.strip(),
        platforms=tuple(PlatformChoice(str(p.platform), p.rationale.strip())
                        for p in values.platforms),
        competitors=tuple(Competitor(c.name.strip(), tuple(h.strip() for h in c.handles))
                          for c in values.competitors),
        currency=values.currency.strip().upper(),
        kpi_targets=tuple(KpiGoal(kpi_name(k.kpi), k.target) for k in values.kpi_targets),
    )


def strategy_problems(values: StrategyValues) -> list[Problem]:
    """Everything wrong with a strategy's own fields (overlaps need the database)."""
    problems = Problems()
    problems.text("name", values.name, max_length=200, required=True)
    if values.ends_on < values.starts_on:
        problems.add("endsOn", "DATES_REVERSED", "endsOn must not be before startsOn")
    _list_problems(problems, "objectives", values.objectives)
    for i, objective in enumerate(values.objectives):
        problems.text(f"objectives.{i}", objective, max_length=200, required=True)
    problems.text("targetAudience", values.target_audience, max_length=5000)
    _list_problems(problems, "platforms", values.platforms)
    platforms = {p.value for p in Platform}
    seen: set[str] = set()
    for i, choice in enumerate(values.platforms):
        if choice.platform not in platforms:
            problems.add(f"platforms.{i}.platform", "INVALID_PLATFORM",
                         f"unknown platform {choice.platform!r}")
        elif choice.platform in seen:
            problems.add(f"platforms.{i}.platform", "DUPLICATE",
                         f"{choice.platform} is listed twice")
        seen.add(choice.platform)
        problems.text(f"platforms.{i}.rationale", choice.rationale, max_length=2000)
    _list_problems(problems, "competitors", values.competitors)
    for i, competitor in enumerate(values.competitors):
        problems.text(f"competitors.{i}.name", competitor.name, max_length=200, required=True)
        _list_problems(problems, f"competitors.{i}.handles", competitor.handles)
        for j, handle in enumerate(competitor.handles):
            problems.text(f"competitors.{i}.handles.{j}", handle, max_length=200, required=True)
    if values.budget is not None:
        _budget_problems(problems, values.budget)
    if values.currency:
        problems.currency("currency", values.currency)
    _list_problems(problems, "kpiTargets", values.kpi_targets)
    kpis: set[str] = set()
    for i, goal in enumerate(values.kpi_targets):
        if goal.kpi not in KNOWN_KPIS:
            problems.add(f"kpiTargets.{i}.kpi", "UNKNOWN_KPI", f"unknown KPI {goal.kpi!r}")
        elif goal.kpi in kpis:
            problems.add(f"kpiTargets.{i}.kpi", "DUPLICATE", f"{goal.kpi} has two targets")
        kpis.add(goal.kpi)
        if not math.isfinite(goal.target):
            problems.add(f"kpiTargets.{i}.target", "INVALID", "a target must be a finite number")
    return problems.items


def _list_problems(problems: Problems, field: str, items: Sequence[Any]) -> None:
    if len(items) > MAX_ITEMS:
        problems.add(field, "TOO_MANY", f"{field} takes at most {MAX_ITEMS} items")


def _budget_problems(problems: Problems, budget: Decimal) -> None:
    if not budget.is_finite():
        problems.add("budget", "INVALID_AMOUNT", "budget must be a finite amount")
        return
    if budget < 0:
        problems.add("budget", "NEGATIVE", "budget cannot be negative")
    if abs(budget) >= MAX_BUDGET:
        problems.add("budget", "INVALID_AMOUNT", "budget is too large")
    exponent = budget.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        problems.add("budget", "INVALID_AMOUNT", "budget has more than 2 decimal places")


async def _check(values: StrategyValues, brand_id: int, strategy_id: int | None) -> None:
    problems = strategy_problems(values)
    if not any(p.code == "DATES_REVERSED" for p in problems):
        # Serialize writers per brand so two overlapping periods cannot both pass the check.
        await lock_row(Brand, brand_id)
        query = Strategy.select(Strategy.name, Strategy.starts_on, Strategy.ends_on).where(
            Strategy.brand == brand_id, Strategy.starts_on <= values.ends_on,
            Strategy.ends_on >= values.starts_on)
        if strategy_id is not None:
            query = query.where(Strategy.id != strategy_id)
        for other in await query:
            problems.append(Problem(
                "startsOn", "OVERLAPPING_PERIOD",
                f"the period overlaps strategy {other['name']!r} "
                f"({other['starts_on']} to {other['ends_on']})"))
    if problems:
        raise ValidationFailed(problems)


def _overlap() -> ValidationFailed:
    # The (brand, starts_on) index caught a twin the lock could not (SQLite, or a race).
    return ValidationFailed.one("startsOn", "OVERLAPPING_PERIOD",
                                "another strategy of this brand starts on this day")


async def create_strategy(actor_id: int, brand_id: int, values: StrategyValues) -> dict[str, Any]:
    values = _clean(values)
    async with write_transaction():
        brand = await must_exist(Brand, brand_id, "brand")
        values = replace(values, currency=values.currency or brand["currency"])
        await _check(values, brand_id, None)
        row = await insert_unique(Strategy, {"brand": brand_id, **values.columns()}, _overlap)
        await record(actor_id=actor_id, action="strategy.create", object_type="Strategy",
                     object_id=row["id"], workspace_id=brand["workspace"], brand_id=brand_id,
                     after=row)
    return row


async def update_strategy(actor_id: int, strategy_id: int, **changes: Any) -> dict[str, Any]:
    """Change any field of `StrategyValues`; the period is checked again against the others."""
    async with write_transaction():
        before = await must_exist(Strategy, strategy_id, "id")
        brand = await must_exist(Brand, before["brand"], "id")
        values = _clean(replace(StrategyValues.from_row(before), **changes))
        values = replace(values, currency=values.currency or brand["currency"])
        await _check(values, before["brand"], strategy_id)
        changed = {k: v for k, v in values.columns().items() if before[k] != v}
        after = await update_unique(Strategy, strategy_id, changed, _overlap)
        if changed:
            await record(actor_id=actor_id, action="strategy.update", object_type="Strategy",
                         object_id=strategy_id, workspace_id=brand["workspace"],
                         brand_id=before["brand"], before=before, after=after)
    return after


async def delete_strategy(actor_id: int, strategy_id: int) -> None:
    async with write_transaction():
        before = await must_exist(Strategy, strategy_id, "id")
        brand = await must_exist(Brand, before["brand"], "id")
        await Strategy.delete().where(Strategy.id == strategy_id)
        await record(actor_id=actor_id, action="strategy.delete", object_type="Strategy",
                     object_id=strategy_id, workspace_id=brand["workspace"],
                     brand_id=before["brand"], before=before)
