"""Daily metric series of posts, channels, campaigns and brands, one batch per level and window.

The reading itself (which rows make a brand's or campaign's series) lives in
domain.services.analytics, shared with the reports; this module only batches it per request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from strawberry.dataloader import DataLoader

from api.graphql.loaders.shielded import Loader
from domain.services.analytics import (
    Published,
    Series,
    Subject,
    SubjectSeries,
    complete_through,
    exact_decimal,
    load_group_totals,
    load_series,
    published_posts,
)

__all__ = ["CompleteKey", "GroupKey", "Published", "PublishedKey", "SeriesKey", "Series", "Subject",
           "SubjectSeries", "exact_decimal", "complete_loader", "group_loader",
           "published_loader", "series_loader"]


@dataclass(frozen=True, slots=True)
class SeriesKey:
    subject: Subject
    id: int
    start: date
    end: date
    names: tuple[str, ...] | None = None  # None: every metric
    paid: bool = False  # also the paid:* series CPM and CPC read
    sources: bool = True  # each point's provenance (the dashboards do without)


def series_loader() -> DataLoader[SeriesKey, SubjectSeries]:
    async def load(keys: Sequence[SeriesKey]) -> list[SubjectSeries]:
        groups: dict[tuple, set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.subject, key.start, key.end, key.names, key.paid, key.sources)].add(
                key.id)
        found: dict[tuple, SubjectSeries] = {}
        for (subject, start, end, names, paid, sources), ids in groups.items():
            by_id = await load_series(subject, sorted(ids), start, end, names, paid=paid,
                                      provenance=sources)
            for subject_id, by_metric in by_id.items():
                found[(subject, start, end, names, paid, sources, subject_id)] = by_metric
        return [found[(k.subject, k.start, k.end, k.names, k.paid, k.sources, k.id)]
                for k in keys]

    return Loader(load_fn=load)


@dataclass(frozen=True, slots=True)
class CompleteKey:
    subject: Subject
    id: int
    today: date


def complete_loader() -> DataLoader[CompleteKey, date]:
    """The last day each subject's data is complete through (see analytics.complete_through)."""
    async def load(keys: Sequence[CompleteKey]) -> list[date]:
        groups: dict[tuple[Subject, date], set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.subject, key.today)].add(key.id)
        found: dict[tuple[Subject, date, int], date] = {}
        for (subject, today), ids in groups.items():
            for pk, through in (await complete_through(subject, sorted(ids), today)).items():
                found[(subject, today, pk)] = through
        return [found[(k.subject, k.today, k.id)] for k in keys]

    return Loader(load_fn=load)


@dataclass(frozen=True, slots=True)
class GroupKey:
    """A subject's posts grouped by `by` (see analytics.GROUP_COLUMNS), totals of a window."""

    subject: Subject
    id: int
    by: str
    start: date
    end: date


def group_loader() -> DataLoader[GroupKey, dict[Any, SubjectSeries]]:
    async def load(keys: Sequence[GroupKey]) -> list[dict[Any, SubjectSeries]]:
        groups: dict[tuple, set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.subject, key.by, key.start, key.end)].add(key.id)
        found: dict[tuple, dict[Any, SubjectSeries]] = {}
        for (subject, by, start, end), ids in groups.items():
            for pk, by_key in (await load_group_totals(subject, sorted(ids), by, start, end)
                               ).items():
                found[(subject, by, start, end, pk)] = by_key
        return [found[(k.subject, k.by, k.start, k.end, k.id)] for k in keys]

    return Loader(load_fn=load)


@dataclass(frozen=True, slots=True)
class PublishedKey:
    """A subject's posts published in [lower, upper) (UTC instants)."""

    subject: Subject
    id: int
    lower: datetime
    upper: datetime


def published_loader() -> DataLoader[PublishedKey, list[Published]]:
    async def load(keys: Sequence[PublishedKey]) -> list[list[Published]]:
        groups: dict[tuple, set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.subject, key.lower, key.upper)].add(key.id)
        found: dict[tuple, list[Published]] = defaultdict(list)
        for (subject, lower, upper), ids in groups.items():
            for pk, rows in (await published_posts(subject, sorted(ids), lower, upper)).items():
                found[(subject, lower, upper, pk)] = rows
        return [found[(k.subject, k.lower, k.upper, k.id)] for k in keys]

    return Loader(load_fn=load)
