"""Daily metric series of posts, channels, campaigns and brands, one batch per level and window.

The reading itself (which rows make a brand's or campaign's series) lives in
domain.services.analytics, shared with the reports; this module only batches it per request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from strawberry.dataloader import DataLoader

from domain.services.analytics import Series, Subject, SubjectSeries, exact_decimal, load_series

__all__ = ["SeriesKey", "Series", "Subject", "SubjectSeries", "exact_decimal", "series_loader"]


@dataclass(frozen=True, slots=True)
class SeriesKey:
    subject: Subject
    id: int
    start: date
    end: date
    names: tuple[str, ...] | None = None  # None: every metric


def series_loader() -> DataLoader[SeriesKey, SubjectSeries]:
    async def load(keys: Sequence[SeriesKey]) -> list[SubjectSeries]:
        groups: dict[tuple, set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.subject, key.start, key.end, key.names)].add(key.id)
        found: dict[tuple, SubjectSeries] = {}
        for (subject, start, end, names), ids in groups.items():
            by_id = await load_series(subject, sorted(ids), start, end, names)
            for subject_id, by_metric in by_id.items():
                found[(subject, start, end, names, subject_id)] = by_metric
        return [found[(k.subject, k.start, k.end, k.names, k.id)] for k in keys]

    return DataLoader(load_fn=load)
