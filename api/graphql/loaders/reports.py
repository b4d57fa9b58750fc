"""DataLoaders for reports, report schedules and their deliveries (newest first where it counts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from api.graphql.loaders.rows import (
    ChildrenLoader,
    CountLoader,
    PageLoader,
    RowLoader,
    count_loader,
    page_loader,
    row_loader,
)
from api.graphql.loaders.shielded import Loader
from api.graphql.loaders.sql import Cond, fetch, where
from domain.models import Report, ReportDelivery, ReportSchedule


def deliveries_loader() -> ChildrenLoader:
    """Every delivery of each schedule, latest period first (twelve a year)."""

    async def load(schedules: Sequence[int]) -> list[list[dict[str, Any]]]:
        sql, args = where([Cond("schedule", "IN", tuple(schedules))])
        rows = await fetch(ReportDelivery, f'SELECT * FROM "report_delivery" WHERE {sql} '
                                           f'ORDER BY "period_start" DESC, "id" DESC', args)
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            grouped[row["schedule"]].append(row)
        return [grouped.get(pk, []) for pk in schedules]

    return Loader(load_fn=load)


@dataclass(slots=True)
class ReportLoaders:
    report: RowLoader = field(default_factory=lambda: row_loader(Report))
    schedule: RowLoader = field(default_factory=lambda: row_loader(ReportSchedule))
    report_page: PageLoader = field(
        default_factory=lambda: page_loader(Report, "brand", newest_first=True))
    report_count: CountLoader = field(default_factory=lambda: count_loader(Report, "brand"))
    schedule_page: PageLoader = field(
        default_factory=lambda: page_loader(ReportSchedule, "brand"))
    schedule_count: CountLoader = field(
        default_factory=lambda: count_loader(ReportSchedule, "brand"))
    deliveries: ChildrenLoader = field(default_factory=deliveries_loader)

