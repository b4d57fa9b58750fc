"""Manual metric entry: daily values typed in by a manager, all rows written or none."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from api.graphql.context import Info
from api.graphql.mutations.base import Payload, decode, run
from api.graphql.permissions import IsAuthenticated
from domain.enums import SourceKind
from domain.errors import ValidationFailed
from domain.rules.metric_catalog import Level
from domain.rules.permissions import Action
from domain.services.audit import record
from domain.services.metrics import (
    Observation,
    upsert_channel_metrics,
    upsert_post_metrics,
    validate_observation,
)
from domain.services.usecase import Problems

MAX_ROWS = 1000
MAX_NOTE_LENGTH = 2000


@strawberry.input(description="One day's value of a canonical metric for a post or a channel "
                              "(give exactly one of the two).")
class MetricValueInput:
    post: strawberry.ID | None = None
    channel: strawberry.ID | None = None
    metric: str
    day: date
    value: Decimal
    currency: str | None = strawberry.field(default=None, description="Money metrics only.")
    note: str = ""


@strawberry.type(description="How a batch went: every row written, or none.")
class RecordMetricsPayload(Payload):
    written: int | None = None
    inserted: int | None = None
    updated: int | None = None
    unchanged: int | None = strawberry.field(
        default=None, description="Of the updated rows, those that already held this value.")


@dataclass(slots=True)
class _Row:
    index: int
    level: Level
    field: str  # "post" or "channel"
    subject_id: int
    brand_id: int = 0


def _subject(index: int, data: MetricValueInput) -> _Row:
    """Row `index`'s post or channel; the caller numbers the problems with the row."""
    if (data.post is None) == (data.channel is None):
        code = "REQUIRED" if data.post is None else "AMBIGUOUS"
        raise ValidationFailed.one("post", code, "give exactly one of post and channel")
    if data.post is not None:
        return _Row(index, Level.POST, "post", decode(data.post, "Post", field="post"))
    assert data.channel is not None
    return _Row(index, Level.CHANNEL, "channel",
                decode(data.channel, "Channel", field="channel"))


async def _resolve(info: Info, rows: list[MetricValueInput],
                   problems: Problems) -> list[_Row]:
    """Each row's subject and brand, with NOT_FOUND or FORBIDDEN for those the viewer cannot use."""
    subjects: list[_Row] = []
    for index, data in enumerate(rows):
        try:
            subjects.append(_subject(index, data))
        except ValidationFailed as error:
            problems.extend(error.problems, line=index)
    loaders = info.context.loaders
    found: dict[tuple[Level, int], dict[str, Any] | None] = {}
    for level, loader in ((Level.POST, loaders.post), (Level.CHANNEL, loaders.channel)):
        ids = sorted({s.subject_id for s in subjects if s.level is level})
        for pk, row in zip(ids, await loader.load_many(ids), strict=True):
            found[(level, pk)] = row
    access = info.context.access
    usable = []
    for subject in subjects:
        row = found[(subject.level, subject.subject_id)]
        if row is None or not access.can_read(row["brand"]):
            problems.add(subject.field, "NOT_FOUND", f"no {subject.field.title()} with this id",
                         line=subject.index)
        elif not access.can(row["brand"], Action.RECORD_METRICS):
            problems.add(subject.field, "FORBIDDEN",
                         f"your role on this brand does not allow {info.field_name}",
                         line=subject.index)
        else:
            subject.brand_id = row["brand"]
            usable.append(subject)
    return usable


def _observations(subjects: list[_Row], rows: list[MetricValueInput], source_name: str,
                  problems: Problems) -> dict[Level, list[tuple[int, Observation]]]:
    by_level: dict[Level, list[tuple[int, Observation]]] = defaultdict(list)
    seen: dict[tuple[Level, int, str, date], int] = {}
    for subject in subjects:
        data = rows[subject.index]
        obs = Observation(
            subject_id=subject.subject_id, metric=data.metric.strip(), day=data.day,
            value=data.value, currency=data.currency or None, source_kind=SourceKind.MANUAL,
            source_name=source_name, note=data.note,
        )
        problems.extend(validate_observation(obs, subject.level), line=subject.index)
        if len(data.note) > MAX_NOTE_LENGTH:
            problems.too_long("note", MAX_NOTE_LENGTH, line=subject.index)
        key = (subject.level, subject.subject_id, obs.metric, obs.day)
        if key in seen:
            problems.add("day", "DUPLICATE",
                         f"same {subject.field}, metric and day as row {seen[key]}",
                         line=subject.index)
        seen.setdefault(key, subject.index)
        by_level[subject.level].append((subject.index, obs))
    return by_level


async def _write(level: Level, batch: list[tuple[int, Observation]]) -> Any:
    upsert = upsert_post_metrics if level is Level.POST else upsert_channel_metrics
    return await upsert([obs for _, obs in batch], lines=[index for index, _ in batch])


async def _audit(info: Info, subjects: list[_Row], rows: list[MetricValueInput]) -> None:
    """One audit row per brand touched, saying what was entered there."""
    per_brand: dict[int, list[_Row]] = defaultdict(list)
    for subject in subjects:
        per_brand[subject.brand_id].append(subject)
    brands = dict(zip(per_brand, await info.context.loaders.brand.load_many(list(per_brand)),
                      strict=True))
    for brand_id, items in per_brand.items():
        days = [rows[s.index].day for s in items]
        await record(
            actor_id=info.context.user_id, action="metrics.record", object_type="Brand",
            object_id=brand_id, workspace_id=brands[brand_id]["workspace"], brand_id=brand_id,
            after={"rows": len(items),
                   "posts": sorted({s.subject_id for s in items if s.level is Level.POST}),
                   "channels": sorted({s.subject_id for s in items if s.level is Level.CHANNEL}),
                   "metrics": sorted({rows[s.index].metric.strip() for s in items}),
                   "from": min(days), "to": max(days)},
        )


@strawberry.type
class MetricMutations:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description=f"Enter daily metric values by hand (source MANUAL), up to "
                                     f"{MAX_ROWS} rows; a row for the same post or channel, "
                                     f"metric and day replaces the stored value. Managers.")
    async def record_metrics(self, info: Info,
                             input: list[MetricValueInput]) -> RecordMetricsPayload:
        viewer = info.context.viewer

        async def work() -> RecordMetricsPayload:
            if len(input) > MAX_ROWS:
                raise ValidationFailed.one("input", "TOO_MANY_ROWS",
                                           f"at most {MAX_ROWS} rows at a time")
            problems = Problems()
            subjects = await _resolve(info, input, problems)
            by_level = _observations(subjects, input, viewer["email"][:200], problems)
            # Row by row, as the client reads them.
            Problems(sorted(problems, key=lambda p: p.line or 0)).check()
            totals = [0, 0, 0, 0]
            for level, batch in by_level.items():
                result = await _write(level, batch)
                for i, n in enumerate((result.written, result.inserted, result.updated,
                                       result.unchanged)):
                    totals[i] += n
            if subjects:
                await _audit(info, subjects, input)
            return RecordMetricsPayload(written=totals[0], inserted=totals[1],
                                        updated=totals[2], unchanged=totals[3])

        return await run(RecordMetricsPayload, work)
