"""Daily, weekly and monthly sums of the metric rows, kept up to date in the writers' transaction.

A rollup row sums one metric of one channel over a day, an ISO week (Monday first) or a
month, per (campaign, format, pillar, media type) of the posts it adds up (level POST),
or the channel's own account rows (level ACCOUNT), with their row count and provenance
(lowest and highest source kind, name, version and raw metric, latest fetch), so a
series read from it says what a read of the raw rows says. Paid figures are rolled up
too, as "paid:impressions" and "paid:spend/impressions" (and clicks): impressions and the
spend of the post-days reporting both (see analytics.PAID_PREFIX). Stocks (followers) are
only in the daily rows: a week's followers is not the sum of its days.

Every writer of metric rows calls `refresh` (or `refresh_posts` when posts move between
campaigns, formats or channels) with what it touched, inside its transaction: the day
rows of each touched (channel, day) are computed again from the raw rows, then the week
and month rows holding those days from the day rows. Deleting a channel or a brand
deletes its rollups by foreign key. `verify` compares rollups with the raw rows;
`rebuild` computes them all again.

SQL is written with `?` and run by an executor (`Sql`): the import's own connection
(domain.imports.store.Store), or Piccolo's (`piccolo_sql()`).
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from domain.db import engine, raw_rows
from domain.models import PostMetric
from domain.rules.metric_catalog import CANONICAL_METRICS, Aggregation

TABLE = "metric_rollup"
GRAINS = ("DAY", "WEEK", "MONTH")
STOCKS = tuple(n for n, m in CANONICAL_METRICS.items() if m.aggregation is Aggregation.LAST)
PAID_COUNTS = ("impressions", "clicks")
_PROVENANCE = ("source_kind", "source_name", "source_version", "raw_metric")
KEY = ("grain", "period_start", "brand", "channel", "campaign", "format", "pillar",
       "media_type", "level", "metric")
VALUES = ("value", "row_count", "currency",
          *(f"{c}_{e}" for c in _PROVENANCE for e in ("lo", "hi")), "fetched_at")
COLUMNS = KEY + VALUES
_DAYS_PER_STATEMENT = 400


class Sql(Protocol):
    postgres: bool

    async def fetch(self, text: str, *args: Any) -> list[tuple[Any, ...]]: ...

    async def execute(self, text: str, *args: Any) -> int: ...


class _Piccolo:
    """`Sql` over Piccolo's engine: the caller's transaction when there is one."""

    def __init__(self) -> None:
        self.postgres = engine().engine_type == "postgres"

    async def fetch(self, text: str, *args: Any) -> list[tuple[Any, ...]]:
        rows = await raw_rows(PostMetric, text.replace("?", "{}"), *args)
        return [tuple(r.values()) for r in rows]

    async def execute(self, text: str, *args: Any) -> int:
        await raw_rows(PostMetric, text.replace("?", "{}"), *args)
        return 0


def piccolo_sql() -> Sql:
    return _Piccolo()


def _in(sql: Sql, column: str, values: Sequence[Any], kind: str) -> tuple[str, list[Any]]:
    """`column IN values`: one array parameter on PostgreSQL, a list on SQLite."""
    if sql.postgres:
        return f"{column} = ANY(?::{kind}[])", [list(values)]
    return f"{column} IN ({', '.join('?' * len(values)) or 'NULL'})", list(values)


def _bucket(sql: Sql, grain: str, column: str) -> str:
    """The first day of the grain's bucket holding the date `column`, on either engine."""
    if grain == "DAY":
        return column
    if sql.postgres:
        if grain == "WEEK":
            return f"({column} - (EXTRACT(ISODOW FROM {column})::int - 1))"
        return f"CAST(date_trunc('month', {column}) AS date)"
    if grain == "WEEK":
        return f"date({column}, '-6 days', 'weekday 1')"
    return f"date({column}, 'start of month')"


def bucket_start(grain: str, day: date) -> date:
    if grain == "WEEK":
        return day - timedelta(days=day.weekday())
    if grain == "MONTH":
        return day.replace(day=1)
    return day


def cover(start: date, end: date) -> dict[str, list[date]]:
    """[start, end] as whole months, whole weeks and single days (bucket starts by grain),
    the coarsest that fit, so a sum over it reads the fewest rollup rows."""
    out: dict[str, list[date]] = {"MONTH": [], "WEEK": [], "DAY": []}
    day = start
    while day <= end:
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        if day.day == 1 and following - timedelta(days=1) <= end:
            out["MONTH"].append(day)
            day = following
        elif day.weekday() == 0 and day + timedelta(days=6) <= end:
            out["WEEK"].append(day)
            day += timedelta(days=7)
        else:
            out["DAY"].append(day)
            day += timedelta(days=1)
    return out


# --- what the rollup rows should be, from the raw rows ---------------------------------------

def _columns(expressions: Sequence[str]) -> str:
    """A select list in COLUMNS order, each named as its column (rows read back by name
    keep every one: several MIN(…) would otherwise share a name)."""
    assert len(expressions) == len(COLUMNS)
    return ", ".join(f'{e} AS "{c}"' for e, c in zip(expressions, COLUMNS, strict=True))


def _prov(alias: str, suffix: bool = False) -> list[str]:
    out = []
    for c in _PROVENANCE:
        lo, hi = (f"{c}_lo", f"{c}_hi") if suffix else (c, c)
        out += [f'MIN({alias}."{lo}")', f'MAX({alias}."{hi}")']
    return out


_STOCK_LIST = ", ".join(repr(s) for s in STOCKS)


ALL = "*"
"""format, pillar and media type of the POST rows that add up all of a channel's and
campaign's posts whatever those are: what series read (the split rows are for breakdowns
by format, pillar or media type)."""


def _raw_selects(sql: Sql, grain: str, where_post: str, where_account: str
                 ) -> list[str]:
    """SELECTs of the rollup rows of `grain` from the raw rows matching the conditions (over
    `m` and `p`; over `m` and `c` for account rows): posts' metrics and paid figures (over
    `s`, spend, and `x`, the count, of the same post-day), split by format, pillar and
    media type and added up over them (ALL); and account metrics."""
    post_day, paid_day, account_day = (_bucket(sql, grain, f'{a}."day"') for a in "msm")
    stocks = "" if grain == "DAY" else f' AND m."metric" NOT IN ({_STOCK_LIST})'
    owner = ['p."brand"', 'p."channel"', 'COALESCE(p."campaign", 0)']
    split = [*owner, 'p."format"', 'p."pillar"', 'p."media_type"']
    whole = [*owner, *[f"'{ALL}'"] * 3]
    counts = ", ".join(f"'{c}'" for c in PAID_COUNTS)

    def paid(attrs: list[str], name: str, value: str, currency: str) -> str:
        columns = [f"'{grain}'", paid_day, *attrs, "'POST'", name, f"SUM({value})",
                   "COUNT(*)", currency, *(["''"] * 8), 'MAX(x."fetched_at")']
        group = ", ".join(a for a in attrs if not a.startswith("'"))
        return (f"SELECT {_columns(columns)} "
                'FROM post_metric s JOIN post p ON p."id" = s."post" '
                'JOIN post_metric x ON x."post" = s."post" AND x."day" = s."day" '
                f"WHERE s.\"metric\" = 'spend' AND x.\"metric\" IN ({counts}) AND "
                f"{where_post.replace('m.', 's.')} "
                f'GROUP BY {paid_day}, {group}, x."metric"')

    def posts(attrs: list[str]) -> str:
        columns = [f"'{grain}'", post_day, *attrs, "'POST'", 'm."metric"', 'SUM(m."value")',
                   "COUNT(*)", 'MAX(m."currency")', *_prov("m"), 'MAX(m."fetched_at")']
        group = ", ".join(a for a in attrs if not a.startswith("'"))
        return (f"SELECT {_columns(columns)} FROM post_metric m "
                'JOIN post p ON p."id" = m."post" '
                f'WHERE {where_post}{stocks} GROUP BY {post_day}, {group}, m."metric"')

    account = [f"'{grain}'", account_day, 'c."brand"', 'm."channel"', "0", "''", "''", "''",
               "'ACCOUNT'", 'm."metric"', 'SUM(m."value")', "COUNT(*)", 'MAX(m."currency")',
               *_prov("m"), 'MAX(m."fetched_at")']
    out = []
    for attrs in (split, whole):
        out += [posts(attrs),
                paid(attrs, "'paid:' || x.\"metric\"", 'x."value"', "NULL"),
                paid(attrs, "'paid:spend/' || x.\"metric\"", 's."value"',
                     'MAX(s."currency")')]
    return [*out,
            f"SELECT {_columns(account)} FROM channel_metric m "
            'JOIN channel c ON c."id" = m."channel" '
            f'WHERE {where_account}{stocks} GROUP BY {account_day}, c."brand", m."channel", '
            'm."metric"']


def _from_days(sql: Sql, grain: str, where: str) -> str:
    """SELECT of the week or month rows from the day rows matching `where` (over `r`)."""
    bucket = _bucket(sql, grain, 'r."period_start"')
    rest = [f'r."{c}"' for c in KEY[2:]]
    columns = [f"'{grain}'", bucket, *rest, 'SUM(r."value")', 'SUM(r."row_count")',
               'MAX(r."currency")', *_prov("r", suffix=True), 'MAX(r."fetched_at")']
    return (f"SELECT {_columns(columns)} FROM {TABLE} r "
            f"WHERE r.\"grain\" = 'DAY' AND {where} AND r.\"metric\" NOT IN ({_STOCK_LIST}) "
            f"GROUP BY {bucket}, {', '.join(rest)}")


_INSERT = f"INSERT INTO {TABLE} ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in COLUMNS)}) "


# --- keeping them up to date -----------------------------------------------------------------

ChannelDays = Mapping[int, Iterable[date]]


async def refresh(sql: Sql, channel_days: ChannelDays) -> None:
    """Compute again every rollup row of these channels' days (both levels) and of the weeks
    and months holding them: four statements a channel (per 400 days). Call it inside the
    transaction that wrote the raw rows."""
    await _lock(sql, sorted(channel_days))
    for channel, days in sorted(channel_days.items()):
        ordered = sorted(set(days))
        for i in range(0, len(ordered), _DAYS_PER_STATEMENT):
            await _refresh_days(sql, channel, ordered[i:i + _DAYS_PER_STATEMENT])
        weeks = sorted({bucket_start("WEEK", d) for d in ordered})
        months = sorted({bucket_start("MONTH", d) for d in ordered})
        for i in range(0, max(len(weeks), len(months)), _DAYS_PER_STATEMENT):
            await _refresh_buckets(sql, channel, weeks[i:i + _DAYS_PER_STATEMENT],
                                   months[i:i + _DAYS_PER_STATEMENT])


LOCK_SPACE = 7_001
"""The first key of the PostgreSQL advisory locks that serialise refreshes per brand."""


async def _lock(sql: Sql, channels: Sequence[int]) -> None:
    """Wait for any other transaction refreshing rollups of these channels' brands to end
    (PostgreSQL; SQLite has one writer anyway).

    Two writers of the same channel-day would each delete and insert its rows from what
    they see: the later insert would collide with the earlier's, or leave out its raw
    rows. The lock is the brand's, not the channel's: a transaction refreshes one brand
    (a sync, an import, a mutation), so however many refreshes it makes, in whatever order
    of channels, two transactions cannot each hold what the other waits for."""
    if sql.postgres and channels:
        cond, args = _in(sql, '"id"', sorted(set(channels)), "int")
        await sql.fetch(f"SELECT pg_advisory_xact_lock({LOCK_SPACE}, b.\"brand\") FROM "
                        f'(SELECT DISTINCT "brand" FROM channel WHERE {cond} ORDER BY 1) b',
                        *args)


async def _refresh_days(sql: Sql, channel: int, days: Sequence[date]) -> None:
    cond, args = _in(sql, '"period_start"', days, "date")
    await sql.execute(f"DELETE FROM {TABLE} WHERE \"channel\" = ? AND \"grain\" = 'DAY' "
                      f"AND {cond}", channel, *args)
    post_cond, post_args = _in(sql, 'm."day"', days, "date")
    selects = _raw_selects(sql, "DAY", f'p."channel" = ? AND {post_cond}',
                           f'm."channel" = ? AND {post_cond}')
    await sql.execute(_INSERT + " UNION ALL ".join(selects),
                      *([channel, *post_args] * len(selects)))


async def _refresh_buckets(sql: Sql, channel: int, weeks: Sequence[date],
                           months: Sequence[date]) -> None:
    """The week and month rows from the day rows (stocks left out)."""
    deletes, selects, delete_args, select_args = [], [], [], []
    for grain, starts in (("WEEK", weeks), ("MONTH", months)):
        if not starts:
            continue
        cond, args = _in(sql, '"period_start"', starts, "date")
        deletes.append(f"(\"grain\" = '{grain}' AND {cond})")
        delete_args += args
        last = starts[-1] + timedelta(days=6 if grain == "WEEK" else 31)
        bucket_cond, bucket_args = _in(sql, _bucket(sql, grain, 'r."period_start"'), starts,
                                       "date")
        selects.append(_from_days(sql, grain, f'r."channel" = ? AND r."period_start" >= ? '
                                              f'AND r."period_start" <= ? AND {bucket_cond}'))
        select_args += [channel, starts[0], last, *bucket_args]
    if not selects:
        return
    await sql.execute(f'DELETE FROM {TABLE} WHERE "channel" = ? AND ({" OR ".join(deletes)})',
                      channel, *delete_args)
    await sql.execute(_INSERT + " UNION ALL ".join(selects), *select_args)


async def post_channel_days(sql: Sql, post_days: Iterable[tuple[int, date]]
                            ) -> dict[int, set[date]]:
    """(post, day) pairs as the channel-days they fall in."""
    by_post: dict[int, set[date]] = defaultdict(set)
    for post, day in post_days:
        by_post[post].add(day)
    if not by_post:
        return {}
    out: dict[int, set[date]] = defaultdict(set)
    ids = sorted(by_post)
    for i in range(0, len(ids), 1000):
        cond, args = _in(sql, '"id"', ids[i:i + 1000], "int")
        for post, channel in await sql.fetch(f'SELECT "id", "channel" FROM post WHERE {cond}',
                                             *args):
            out[channel] |= by_post[post]
    return dict(out)


async def channel_days_of_posts(sql: Sql, post_ids: Sequence[int]) -> dict[int, set[date]]:
    """The channel-days the posts have metric rows on."""
    out: dict[int, set[date]] = defaultdict(set)
    ids = sorted(set(post_ids))
    for i in range(0, len(ids), 1000):
        cond, args = _in(sql, 'm."post"', ids[i:i + 1000], "int")
        for channel, day in await sql.fetch(
                'SELECT DISTINCT p."channel", m."day" FROM post_metric m '
                f'JOIN post p ON p."id" = m."post" WHERE {cond}', *args):
            out[channel].add(_date(day))
    return dict(out)


def merge(*parts: Mapping[int, Iterable[date]]) -> dict[int, set[date]]:
    out: dict[int, set[date]] = defaultdict(set)
    for part in parts:
        for channel, days in part.items():
            out[channel] |= set(days)
    return dict(out)


async def refresh_posts(sql: Sql, post_ids: Sequence[int],
                        before: Mapping[int, Iterable[date]] | None = None) -> None:
    """After posts changed channel, campaign, format, pillar or media type (or lost their
    metric rows): refresh the channel-days they have rows on, and `before` (what
    `channel_days_of_posts` said before the change)."""
    await refresh(sql, merge(await channel_days_of_posts(sql, post_ids), before or {}))


def _plus_days(sql: Sql, expression: str, days: int) -> str:
    return f"({expression} + {days})" if sql.postgres else f"date({expression}, '{days:+d} days')"


async def refresh_keys(sql: Sql, keys: str) -> None:
    """`refresh` of the (channel, day) pairs in the table `keys` (columns "channel", "day"),
    set-based: however many pairs, eight statements and nothing held in memory."""
    pairs = f'(SELECT "channel", "day" FROM "{keys}")'
    if sql.postgres:  # as `_lock`, for the keys' brands
        await sql.fetch(f"SELECT pg_advisory_xact_lock({LOCK_SPACE}, b.\"brand\") FROM "
                        '(SELECT DISTINCT c."brand" FROM channel c WHERE c."id" IN '
                        f'(SELECT "channel" FROM "{keys}") ORDER BY 1) b')
    await sql.execute(f"DELETE FROM {TABLE} WHERE \"grain\" = 'DAY' AND "
                      f'("channel", "period_start") IN {pairs}')
    selects = _raw_selects(sql, "DAY", f'(p."channel", m."day") IN {pairs}',
                           f'(m."channel", m."day") IN {pairs}')
    await sql.execute(_INSERT + " UNION ALL ".join(selects))
    day, start = '"day"', '"period_start"'
    for grain in ("WEEK", "MONTH"):
        buckets = f'(SELECT DISTINCT "channel", {_bucket(sql, grain, day)} FROM "{keys}")'
        await sql.execute(f'DELETE FROM {TABLE} WHERE "grain" = \'{grain}\' AND '
                          f'("channel", "period_start") IN {buckets}')
        # Bounded by the keys' days, so only the day rows of those weeks or months are read.
        lowest = f'(SELECT MIN({_plus_days(sql, day, -31)}) FROM "{keys}")'
        highest = f'(SELECT MAX({_plus_days(sql, day, 31)}) FROM "{keys}")'
        where = (f'r."channel" IN (SELECT "channel" FROM "{keys}") AND '
                 f'r."period_start" >= {lowest} AND r."period_start" <= {highest} AND '
                 f'(r."channel", {_bucket(sql, grain, "r." + start)}) IN {buckets}')
        await sql.execute(_INSERT + _from_days(sql, grain, where))


async def refresh_staged(sql: Sql, staging: str, table: str, written: int | None = None
                         ) -> None:
    """After an import's upsert from the staging table `staging` into `table`: refresh the
    channel-days of the staged metric rows, or of the stored posts staged (set-based, see
    `refresh_keys`). `written`, the rows the upsert inserted or changed: 0 skips it all
    (a file imported again unchanged)."""
    if written == 0:
        return
    if table == "post_metric":
        pairs = ('SELECT DISTINCT p."channel" AS "channel", s."day" AS "day" FROM '
                 f'"{staging}" s JOIN post p ON p."id" = s."post"')
    elif table == "channel_metric":
        pairs = f'SELECT DISTINCT s."channel" AS "channel", s."day" AS "day" FROM "{staging}" s'
    elif table == "post":
        # Stored posts the file changed may have moved to another channel, campaign, format…:
        # every channel of their brands, on the days they have rows, is computed again.
        pairs = ('SELECT DISTINCT c."id" AS "channel", m."day" AS "day" FROM post p '
                 f'JOIN "{staging}" s ON s."id" = p."id" OR (s."ref" IS NOT NULL '
                 'AND s."ref" = p."ref") JOIN post_metric m ON m."post" = p."id" '
                 'JOIN channel c ON c."brand" = p."brand"')
    else:
        return
    keys = f"rollup_keys_{uuid.uuid4().hex[:12]}"
    await sql.execute(f'CREATE TEMP TABLE "{keys}" AS {pairs}')
    try:
        await refresh_keys(sql, keys)
    finally:
        await sql.execute(f'DROP TABLE IF EXISTS "{keys}"')


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# --- verify and rebuild ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Difference:
    key: tuple[Any, ...]
    stored: tuple[Any, ...] | None
    expected: tuple[Any, ...] | None


def _norm(row: Sequence[Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(key, values) of a rollup row, comparable whatever the engine returned."""
    key = list(row[:len(KEY)])
    key[1] = _date(key[1])
    values = list(row[len(KEY):])
    raw = values[0]
    amount = raw if isinstance(raw, Decimal) else Decimal(repr(raw))
    values[0] = amount.quantize(Decimal("0.0001"))
    values[1] = int(values[1])
    values[-1] = None if values[-1] is None else (
        values[-1] if isinstance(values[-1], datetime)
        else datetime.fromisoformat(str(values[-1])))
    return tuple(key), tuple(values)


async def _channels(sql: Sql, brand: int | None) -> list[tuple[int, int]]:
    where, args = ('WHERE "brand" = ?', [brand]) if brand is not None else ("", [])
    return [(r[0], r[1]) for r in await sql.fetch(
        f'SELECT "id", "brand" FROM channel {where} ORDER BY "id"', *args)]


async def _days_with_rows(sql: Sql, channel: int) -> list[date]:
    rows = await sql.fetch(
        'SELECT DISTINCT m."day" FROM post_metric m JOIN post p ON p."id" = m."post" '
        'WHERE p."channel" = ? UNION SELECT DISTINCT "day" FROM channel_metric '
        'WHERE "channel" = ?', channel, channel)
    return sorted(_date(r[0]) for r in rows)


async def verify(sql: Sql, brand: int | None = None, sample: int | None = None,
                 seed: int = 0) -> tuple[int, list[Difference]]:
    """Compare stored rollups with the raw rows, for every (channel, grain, bucket) of the
    brand (all brands when None), or a random `sample` of them: (buckets checked,
    differences). Week and month rows are checked against the raw rows, not the day rows."""
    buckets: list[tuple[int, str, date]] = []
    for channel, _ in await _channels(sql, brand):
        days = await _days_with_rows(sql, channel)
        stored = await sql.fetch(f'SELECT DISTINCT "grain", "period_start" FROM {TABLE} '
                                 'WHERE "channel" = ?', channel)
        found = {(g, _date(s)) for g, s in stored}
        found |= {(g, bucket_start(g, d)) for g in GRAINS for d in days}
        buckets += [(channel, g, s) for g, s in sorted(found)]
    if sample is not None and sample < len(buckets):
        buckets = random.Random(seed).sample(buckets, sample)
    differences: list[Difference] = []
    for channel, grain, start in buckets:
        end = start if grain == "DAY" else (
            start + timedelta(days=6) if grain == "WEEK"
            else (start + timedelta(days=32)).replace(day=1) - timedelta(days=1))
        expected: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for select in _raw_selects(sql, grain, 'p."channel" = ? AND m."day" >= ? AND '
                                               'm."day" <= ?',
                                   'm."channel" = ? AND m."day" >= ? AND m."day" <= ?'):
            for row in await sql.fetch(select, channel, start, end):
                key, values = _norm(row)
                expected[key] = values
        stored_rows = await sql.fetch(
            f'SELECT {", ".join(chr(34) + c + chr(34) for c in COLUMNS)} FROM {TABLE} '
            'WHERE "channel" = ? AND "grain" = ? AND "period_start" = ?', channel, grain,
            start)
        found_rows = dict(_norm(r) for r in stored_rows)
        for key in sorted(set(expected) | set(found_rows), key=str):
            if expected.get(key) != found_rows.get(key):
                differences.append(Difference(key, found_rows.get(key), expected.get(key)))
    return len(buckets), differences


async def rebuild(sql: Sql, brand: int | None = None) -> int:
    """Compute every rollup of the brand (all brands when None) again; the channels done."""
    channels = await _channels(sql, brand)
    for channel, _ in channels:
        await sql.execute(f'DELETE FROM {TABLE} WHERE "channel" = ?', channel)
        days = await _days_with_rows(sql, channel)
        if days:
            await refresh(sql, {channel: days})
    return len(channels)
