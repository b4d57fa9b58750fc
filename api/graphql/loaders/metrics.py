"""Daily metric series of posts, channels, campaigns and brands, one query per level and batch.

Aggregates follow one rule: a channel or brand takes a metric from its account-level
rows where the platform reports them, else from the sum of its posts' rows; a campaign
is the sum of its posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from strawberry.dataloader import DataLoader

from api.graphql.loaders.sql import Cond, fetch, where
from domain.models import ChannelMetric, PostMetric

_EXACT = Decimal("0.0001")
_WHOLE = Decimal(1)


class Subject(StrEnum):
    POST = "POST"
    CHANNEL = "CHANNEL"
    CAMPAIGN = "CAMPAIGN"
    BRAND = "BRAND"


@dataclass(frozen=True, slots=True)
class SeriesKey:
    subject: Subject
    id: int
    start: date
    end: date
    names: tuple[str, ...] | None = None  # None: every metric


@dataclass(slots=True)
class Series:
    """One metric's days in order; `currency` set for money metrics."""

    metric: str
    points: list[tuple[date, Decimal]] = field(default_factory=list)
    currency: str | None = None


SubjectSeries = dict[str, Series]  # metric → series

# (subject column, FROM clause) per level; every query yields subject, metric, day, value.
_POST_LEVEL = {
    Subject.POST: ('m."post"', 'post_metric m'),
    Subject.CHANNEL: ('p."channel"', 'post_metric m JOIN post p ON p."id" = m."post"'),
    Subject.CAMPAIGN: ('p."campaign"', 'post_metric m JOIN post p ON p."id" = m."post"'),
    Subject.BRAND: ('p."brand"', 'post_metric m JOIN post p ON p."id" = m."post"'),
}
_ACCOUNT_LEVEL = {
    Subject.CHANNEL: ('m."channel"', 'channel_metric m'),
    Subject.BRAND: ('c."brand"', 'channel_metric m JOIN channel c ON c."id" = m."channel"'),
}


def exact_decimal(value: Any) -> Decimal:
    """A stored value as the API shows it on either engine: "1403", "12.5", never "1403.0000".

    SQLite stores NUMERIC as REAL, so its sums come back as floats: back to 4 places first.
    """
    exact = (value if isinstance(value, Decimal) else Decimal(repr(value))).quantize(_EXACT)
    if exact == exact.to_integral_value():
        return exact.quantize(_WHOLE)
    return exact.normalize()


async def _level_rows(
    level: dict[Subject, tuple[str, str]], subject: Subject, ids: list[int],
    start: date, end: date, names: tuple[str, ...] | None,
) -> list[dict[str, Any]]:
    column, source = level[subject]
    conds = [Cond(column, "IN", tuple(ids)), Cond('m."day"', ">=", start),
             Cond('m."day"', "<=", end)]
    if names is not None:
        conds.append(Cond('m."metric"', "IN", names))
    sql, args = where(conds)
    table = PostMetric if "post_metric" in source else ChannelMetric
    return await fetch(
        table,
        f'SELECT {column} AS subject, m."metric" AS metric, m."day" AS day, '
        f'SUM(m."value") AS value, MAX(m."currency") AS currency FROM {source} '
        f'WHERE {sql} GROUP BY {column}, m."metric", m."day" ORDER BY 1, 2, 3',
        args,
    )


def _collect(rows: list[dict[str, Any]]) -> dict[int, SubjectSeries]:
    out: dict[int, SubjectSeries] = defaultdict(dict)
    for row in rows:
        series = out[row["subject"]].get(row["metric"])
        if series is None:
            series = out[row["subject"]][row["metric"]] = Series(row["metric"])
        day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(row["day"])
        series.points.append((day, exact_decimal(row["value"])))
        series.currency = series.currency or row["currency"]
    return out


def series_loader() -> DataLoader[SeriesKey, SubjectSeries]:
    async def load(keys: Sequence[SeriesKey]) -> list[SubjectSeries]:
        groups: dict[tuple, set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.subject, key.start, key.end, key.names)].add(key.id)
        found: dict[tuple, SubjectSeries] = {}
        for (subject, start, end, names), ids in groups.items():
            id_list = sorted(ids)
            merged = _collect(await _level_rows(_POST_LEVEL, subject, id_list, start, end, names))
            if subject in _ACCOUNT_LEVEL:
                account = _collect(
                    await _level_rows(_ACCOUNT_LEVEL, subject, id_list, start, end, names)
                )
                for subject_id, by_metric in account.items():
                    merged.setdefault(subject_id, {}).update(by_metric)
            for subject_id in id_list:
                found[(subject, start, end, names, subject_id)] = merged.get(subject_id, {})
        return [found[(k.subject, k.start, k.end, k.names, k.id)] for k in keys]

    return DataLoader(load_fn=load)
