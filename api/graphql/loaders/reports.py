"""DataLoaders for reports, report schedules and their deliveries (newest first where it counts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from piccolo.table import Table
from strawberry.dataloader import DataLoader

from api.graphql.loaders.rows import PageKey, count_loader, page_loader, row_loader
from api.graphql.loaders.sql import Cond, fetch, where
from domain.models import Report, ReportDelivery, ReportSchedule


def newest_page_loader(table: type[Table],
                       parent: str) -> DataLoader[PageKey, list[dict[str, Any]]]:
    """Per parent, up to first + 1 child rows before the cursor, newest (highest id) first.

    Like `rows.page_loader` but descending: the cursor is the last id shown, the next
    page holds smaller ids. One windowed query per (filter, page) for all parents.
    """
    name = table._meta.tablename

    async def load(keys: Sequence[PageKey]) -> list[list[dict[str, Any]]]:
        groups: dict[tuple[Any, Any], set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.filter, key.page)].add(key.parent_id)
        found: dict[tuple[Any, Any, int], list[dict[str, Any]]] = defaultdict(list)
        for (filter_, page), parents in groups.items():
            conds = [Cond(parent, "IN", tuple(sorted(parents))), *filter_]
            if page.after is not None:
                conds.append(Cond("id", "<", page.after))
            sql, args = where(conds)
            rows = await fetch(
                table,
                f'SELECT * FROM (SELECT t.*, ROW_NUMBER() OVER '
                f'(PARTITION BY t."{parent}" ORDER BY t."id" DESC) AS "_rn" '
                f'FROM "{name}" t WHERE {sql}) w WHERE "_rn" <= {{}} ORDER BY "id" DESC',
                [*args, page.first + 1],
            )
            for row in rows:
                found[(filter_, page, row[parent])].append(row)
        return [found.get((key.filter, key.page, key.parent_id), []) for key in keys]

    return DataLoader(load_fn=load)


def deliveries_loader() -> DataLoader[int, list[dict[str, Any]]]:
    """Every delivery of each schedule, latest period first (twelve a year)."""

    async def load(schedules: Sequence[int]) -> list[list[dict[str, Any]]]:
        sql, args = where([Cond("schedule", "IN", tuple(schedules))])
        rows = await fetch(ReportDelivery, f'SELECT * FROM "report_delivery" WHERE {sql} '
                                           f'ORDER BY "period_start" DESC, "id" DESC', args)
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            grouped[row["schedule"]].append(row)
        return [grouped.get(pk, []) for pk in schedules]

    return DataLoader(load_fn=load)


@dataclass(slots=True)
class ReportLoaders:
    report: DataLoader = field(default_factory=lambda: row_loader(Report))
    schedule: DataLoader = field(default_factory=lambda: row_loader(ReportSchedule))
    report_page: DataLoader = field(default_factory=lambda: newest_page_loader(Report, "brand"))
    report_count: DataLoader = field(default_factory=lambda: count_loader(Report, "brand"))
    schedule_page: DataLoader = field(
        default_factory=lambda: page_loader(ReportSchedule, "brand"))
    schedule_count: DataLoader = field(
        default_factory=lambda: count_loader(ReportSchedule, "brand"))
    deliveries: DataLoader = field(default_factory=deliveries_loader)

