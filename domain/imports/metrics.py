"""Importing daily metrics: channel + day + metric (+ post ref) is the key, values are checked
by the metric service's own `validate_observation`.

A row with a post ref is a post metric, one without is a channel metric. Provenance is the
import: source kind IMPORT, the file's name, the import's time. A stored value that is the
same (value, currency, note) is left alone, provenance included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from domain.enums import SourceKind
from domain.imports.base import RawRow
from domain.imports.context import ChannelIndex, Handler, Parsed
from domain.imports.schema import Entity, Header
from domain.imports.store import Field, Fixed, Store, Target
from domain.imports.values import (
    UNREFERENCED_PREFIX,
    CellError,
    as_text,
    coso_id,
    is_empty,
    parse_date,
    parse_number,
)
from domain.imports.vector import NO, Certified, distinct, matches, staged
from domain.imports.vector import column as column_of
from domain.rules.metric_catalog import CANONICAL_METRICS, Level, Unit
from domain.services.metrics import Observation, validate_observation


def _target(table: str, subject: str) -> Target:
    return Target(
        table=table,
        fields=(
            Field(subject, "int", update="never"),
            Field("metric", "text", update="never"),
            Field("day", "date", update="never"),
            Field("value", "numeric", update="always"),
            Field("currency", "text", update="always"),
            Field("raw_metric", "text", update="always", compare=False),
            Field("note", "text"),
        ),
        conflict=(subject, "metric", "day"),
        keys=((subject, "metric", "day"),),
        fixed=tuple(Fixed(name, kind, on_update=True) for name, kind in (
            ("source_kind", "text"), ("source_name", "text"), ("source_version", "text"),
            ("fetched_at", "timestamptz"))),
    )


CHANNEL_METRICS = _target("channel_metric", "channel")
POST_METRICS = _target("post_metric", "post")
_SEPARATORS = re.compile(r"[\s\-]+")
_PLACEHOLDER_DAY = date(2000, 1, 1)
_ZERO = Decimal(0)
_MAX_PLAIN_DIGITS = 16
"""Plain digits up to this many are a whole, non-negative value under NUMERIC(20, 4)'s limit."""
_PLAIN_LIMIT = 10 ** _MAX_PLAIN_DIGITS
_MAX_CHECKED = 4096
"""Distinct (metric, level, currency, raw metric, note) outcomes remembered per import."""
_INVALID = object()
_UNCHECKED: Any = object()  # Any: it stands in a cache's values of any type
_MAX_CACHED = 4096
"""Spellings of days, channels and metric names remembered per import, each."""
T = TypeVar("T")


def _remember(cache: dict[Any, T], key: Any, value: T) -> T:
    if len(cache) < _MAX_CACHED:
        cache[key] = value
    return value


def _iso_day(cell: str) -> date | None:
    if len(cell) != 10 or cell[4] != "-":
        return None
    try:
        return date.fromisoformat(cell)
    except ValueError:
        return None


def _metric_name(cell: Any) -> str:
    """`Video Views` and `video-views` are video_views (a file repeats a handful of names)."""
    if type(cell) is str:
        return _metric_text(cell)
    return _metric_text(as_text(cell))


@lru_cache(maxsize=256)
def _metric_text(text: str) -> str:
    return _SEPARATORS.sub("_", as_text(text)).lower()


def _day_or_no(cell: Any) -> Any:
    day = _iso_day(cell) if type(cell) is str else None
    return NO if day is None else day


def _ref_or_no(cell: Any) -> Any:
    """The post ref as `parse` reads it; NO for a `coso:<id>` ref (`resolve` reads those)."""
    ref = as_text(cell)
    return NO if ref[:5].lower() == UNREFERENCED_PREFIX else ref


class MetricsHandler(Handler):
    entity: ClassVar[Entity] = Entity.METRICS
    targets: ClassVar[tuple[Target, ...]] = (CHANNEL_METRICS, POST_METRICS)

    async def prepare(self) -> None:
        self.channels = await ChannelIndex.load(self.ctx.id)
        self.source_name = self.ctx.source_name[:200]
        self._refs: dict[int, tuple[str, int]] = {}
        """Line -> (post ref, channel id) of post rows waiting for `resolve`."""
        self._checked: dict[tuple[Any, ...], Any] = {}
        """`_check`'s answers so far."""
        self._has_extras = not self.present.isdisjoint(("currency", "raw_metric", "note"))
        self._days: dict[str, date | None] = {}
        """Day cell -> the ISO day it is, None if not one (for `parse_chunk`)."""
        self._channel_ids: dict[tuple[str, str | None], int] = {}
        """(channel cell, platform cell) -> channel id, 0 if none (for `parse_chunk`)."""
        self._metric_names: dict[str, str] = {}
        self._columns: tuple[Header, tuple[Any, ...]] | None = None
        """(header, `_file_columns`'s answer for it)."""

    def parse_chunk(self, rows: list[Any], header: Header,
                    one: Callable[[Any], Parsed]) -> list[Parsed]:
        """The chunk's usual rows in one tight pass; any other row by `one` (then `parse`).

        The usual row: a known channel, an ISO day, a value of at most 16 plain digits (or
        such a JSON number). Such
        a value is finite, whole, non-negative and below NUMERIC(20, 4)'s limit, so
        `validate_observation` finds nothing wrong with it whatever the metric; what it says
        about the rest of the row is the same for every such value, and is asked once per
        (metric, level, currency, raw metric, note). Days, channels and metric names repeat
        down a file, so each spelling is read once (up to _MAX_CACHED of each).
        """
        channel_col, platform_col, post_col, day_col, metric_col, value_col, extra_cols = (
            self._file_columns(header))
        known = header.columns.keys()
        days, channel_ids, names = self._days, self._channel_ids, self._metric_names
        checked, refs = self._checked, self._refs
        out: list[Parsed] = []
        add = out.append
        for row in rows:
            # A row the reader flagged, with a cell outside the header, or of another shape.
            if type(row) is not RawRow or row[2] is not None or not row[1].keys() <= known:
                add(one(row))
                continue
            get: Callable[[Any], Any] = row[1].get  # cells are Any; a None column, None
            value, day_cell, channel, platform, metric = (
                get(value_col), get(day_col), get(channel_col), get(platform_col),
                get(metric_col))
            if type(value) is str:  # CSV, XLSX text
                plain = (0 < len(value) <= _MAX_PLAIN_DIGITS and value.isdigit()
                         and value.isascii())
            else:  # NDJSON's and XLSX's numbers (bool is an int, and no count)
                plain = type(value) is int and 0 <= value < _PLAIN_LIMIT
            if not (plain and type(day_cell) is str and type(channel) is str
                    and type(metric) is str and (platform is None or type(platform) is str)):
                add(one(row))
                continue
            day = days.get(day_cell, _UNCHECKED)
            if day is _UNCHECKED:
                day = _remember(days, day_cell, _iso_day(day_cell))
            channel_id = channel_ids.get((channel, platform))
            if channel_id is None:
                channel_id = _remember(channel_ids, (channel, platform),
                                       self._channel_id(channel, platform))
            name = names.get(metric)
            if name is None:
                name = _remember(names, metric, _metric_name(metric))
            post = get(post_col) if post_col else None
            if day is None or not channel_id or not (post is None or type(post) is str):
                add(one(row))
                continue
            ref = post.strip() if post else ""
            if ref[:1] == "'":
                ref = as_text(ref)
            currency: str | None
            if extra_cols:
                currency, raw_metric, note = (as_text(get(c) if c else None)
                                              for c in extra_cols)
                currency = currency.upper() or None
            else:
                currency, raw_metric, note = None, "", ""
            key = (name, ref != "", currency, raw_metric, note)
            currency = checked.get(key, _UNCHECKED)
            if currency is _UNCHECKED:
                currency = self._check(key, channel_id, day)
            if currency is _INVALID:
                add(one(row))
                continue
            line = row[0]
            record = [line, channel_id, name, day, int(value), currency, raw_metric, note]
            if ref:
                refs[line] = (ref, channel_id)
                add(Parsed(row, POST_METRICS, record))
            else:
                add(Parsed(row, CHANNEL_METRICS, record))
        return out

    def _file_columns(self, header: Header) -> tuple[Any, ...]:
        """The file's column for channel, platform, post, day, metric and value (None where
        it has none), then those of currency, raw metric and note if it has any: worked out
        once per import, not per slice of rows."""
        if self._columns is None or self._columns[0] is not header:
            file_of = {coso: file for file, coso in header.columns.items()}
            extras = ([file_of.get(c) for c in ("currency", "raw_metric", "note")]
                      if self._has_extras else [])
            self._columns = (header, (*(file_of.get(c) for c in (
                "channel", "platform", "post", "day", "metric", "value")), extras))
        return self._columns[1]

    def _channel_id(self, channel: str, platform: str | None) -> int:
        """The channel's id, 0 when the brand has no such channel (or more than one)."""
        try:
            return self.channels.find(channel, platform)[0]
        except CellError:
            return 0

    def _check(self, key: tuple[Any, ...], channel_id: int, day: date) -> Any:
        """For `parse_chunk`, once per key (metric, is a post row, currency, raw metric,
        note): the rows' currency (the brand's for a money metric without one), or _INVALID
        when `validate_observation` refuses such a row whatever its plain-digit value."""
        metric, is_post, currency, raw_metric, note = key
        definition = CANONICAL_METRICS.get(metric)
        if currency is None and definition is not None and definition.unit is Unit.MONEY:
            currency = self.ctx.currency
        valid = bool(metric) and not validate_observation(Observation(
            subject_id=channel_id, metric=metric, day=day, value=_ZERO,
            source_kind=SourceKind.IMPORT, currency=currency, source_name=self.source_name,
            raw_metric=raw_metric, note=note), Level.POST if is_post else Level.CHANNEL)
        checked = currency if valid else _INVALID
        if len(self._checked) < _MAX_CHECKED:
            self._checked[key] = checked
        return checked

    def parse(self, parsed: Parsed, cells: Mapping[str, Any]) -> None:
        """Any row `parse_chunk` does not take: the general parsers, every problem named."""
        fail, ctx = parsed.fail, self.ctx
        channel_id = None
        try:
            channel_id, _ = self.channels.find(cells.get("channel"), cells.get("platform"))
        except CellError as error:
            fail("channel", error.code, error.message)
        post_ref = as_text(cells.get("post"))
        level = Level.POST if post_ref else Level.CHANNEL
        metric = _metric_name(cells.get("metric"))
        if not metric:
            fail("metric", "REQUIRED", "metric is required")
        day = value = None
        try:
            day = parse_date(cells.get("day"), ctx.locale)
        except CellError as error:
            fail("day", "REQUIRED" if is_empty(cells.get("day")) else error.code, error.message)
        definition = CANONICAL_METRICS.get(metric)
        if is_empty(cells.get("value")):
            fail("value", "REQUIRED", "value is required: a missing metric is no row, never 0")
        else:
            try:
                value = parse_number(cells["value"], ctx.locale, whole=definition is not None
                                     and definition.unit is Unit.COUNT)
            except CellError as error:
                fail("value", error.code, error.message)
        currency = as_text(cells.get("currency")).upper() or None
        if currency is None and definition is not None and definition.unit is Unit.MONEY:
            currency = ctx.currency
        observation = Observation(
            subject_id=channel_id or 1, metric=metric, day=day or _PLACEHOLDER_DAY,
            value=value if value is not None else Decimal(0), source_kind=SourceKind.IMPORT,
            currency=currency, source_name=self.source_name,
            raw_metric=as_text(cells.get("raw_metric")), note=as_text(cells.get("note")))
        failed = {column for column, _, _ in parsed.problems} if parsed.problems else ()
        for problem in validate_observation(observation, level):
            # The observation's subject is the row's channel, whatever its level.
            column = "channel" if problem.field in (None, level.lower()) else str(problem.field)
            if column not in failed and (metric or column != "metric"):
                fail(column, problem.code, problem.message)
        if parsed.problems:
            return
        parsed.target = POST_METRICS if post_ref else CHANNEL_METRICS
        parsed.record = [parsed.row.line, channel_id, metric, day, value, currency,
                         observation.raw_metric, observation.note]
        if post_ref:
            self._refs[parsed.row.line] = (post_ref, channel_id)  # type: ignore[assignment]

    def certify(self, table: pa.Table, lines: np.ndarray) -> Certified:
        """The usual rows, as `parse_chunk` takes them (its docstring says why each is
        valid), column by column; post refs are looked up in `finish`."""
        rows = table.num_rows
        channel, platform, post, day, metric, value = (column_of(table, c) for c in (
            "channel", "platform", "post", "day", "metric", "value"))
        if channel is None or day is None or metric is None or value is None:
            return Certified.none(rows)
        none = pa.nulls(rows, pa.string())
        ok = matches(value, r"^[0-9]{1,16}$")
        day_ok, days = distinct([day], _day_or_no, pa.date32())
        channel_ok, channel_ids = distinct(
            [channel, platform if platform is not None else none],
            lambda c, p: self._channel_id(c, p) or NO, pa.int64())
        name_ok, names = distinct([metric], lambda c: _metric_name(c) or NO, pa.string())
        ok &= day_ok & channel_ok & name_ok
        refs: pa.Array = pa.array([""] * rows, pa.string())
        if post is not None:
            ref_ok, refs = distinct([post], _ref_or_no, pa.string())
            ok &= ref_ok
        extras = []
        for name, read in (("currency", lambda c: as_text(c).upper() or None),
                           ("raw_metric", as_text), ("note", as_text)):
            cells = column_of(table, name)
            extras.append(distinct([cells], read, pa.string())[1] if cells is not None
                          else pa.array([None if name == "currency" else ""] * rows,
                                        pa.string()))
        is_post = pc.not_equal(refs, "")
        check_ok, currency = distinct(
            [names, is_post, *extras],
            lambda n, p, c, r, t: NO if n is None or p is None else self._currency_or_no(
                (n, p, c, r, t)), pa.string())
        ok &= check_ok
        values = pc.cast(pc.if_else(pa.array(ok), value, "0"), pa.int64())
        later = {"lines": lines, "channel": channel_ids, "metric": names, "day": days,
                 "value": values, "currency": currency, "raw_metric": extras[1],
                 "note": extras[2], "refs": refs,
                 "is_post": np.asarray(is_post.fill_null(False).to_numpy(
                     zero_copy_only=False), bool)}
        return Certified(ok, later=later)

    def _currency_or_no(self, key: tuple[Any, ...]) -> Any:
        currency = self._checked.get(key, _UNCHECKED)
        if currency is _UNCHECKED:
            currency = self._check(key, 1, _PLACEHOLDER_DAY)
        return NO if currency is _INVALID else currency

    async def finish(self, store: Store, certified: Certified) -> None:
        later = certified.later
        if later is None:
            return
        mask, is_post = certified.mask, later["is_post"]
        wanted = mask & is_post
        found: dict[str, tuple[int, int]] = {}
        if wanted.any():
            refs = later["refs"].filter(pa.array(wanted))
            found = await self._post_ids(store, sorted(set(pc.unique(refs).to_pylist())))
        self.apply_posts(certified, found)

    def apply_posts(self, certified: Certified, found: dict[str, tuple[int, int]]) -> None:
        """Post rows certified only for a post of the brand on the row's channel; the
        staging records of the certified rows, per target."""
        later = certified.later
        certified.later = None
        mask, is_post = certified.mask, later["is_post"]
        post_ok, post_ids = distinct(
            [later["refs"], later["channel"]],
            lambda r, c: found[r][0] if r in found and found[r][1] == c else NO, pa.int64())
        mask &= ~is_post | post_ok
        values = {**later, "post": post_ids}
        for target, rows in ((CHANNEL_METRICS, mask & ~is_post), (POST_METRICS, mask & is_post)):
            if rows.any():
                certified.tables[target.table] = staged(target, later["lines"], values, rows)

    async def _post_ids(self, store: Store, refs: list[str]) -> dict[str, tuple[int, int]]:
        """Ref -> (post id, channel id) of the brand's posts with these refs."""
        found: dict[str, tuple[int, int]] = {}
        for start in range(0, len(refs), 5000):
            condition, args = store.is_in("ref", refs[start:start + 5000], "text")
            rows = await store.fetch(
                f"SELECT ref, id, channel FROM post WHERE brand = ? AND {condition}",
                self.ctx.id, *args)
            found.update({ref: (post_id, channel) for ref, post_id, channel in rows})
        return found

    async def resolve(self, store: Store, chunk: list[Parsed]) -> None:
        waiting = [p for p in chunk if p.target is POST_METRICS]
        if not waiting:
            return
        named = [self._refs.pop(p.row[0]) for p in waiting]
        refs = sorted({ref for ref, _ in named})
        # `coso:<id>` (an export's name for a post made in Coso) is the brand's post <id>.
        ids: dict[int, str] = {}
        for ref in refs:
            try:
                post_id = coso_id(ref)
            except CellError:
                continue
            if post_id is not None:
                ids[post_id] = ref
        found: dict[str, tuple[int, int]] = {}
        for column, keys, kind in (("ref", refs, "text"), ("id", sorted(ids), "int")):
            for start in range(0, len(keys), 5000):
                condition, args = store.is_in(column, keys[start:start + 5000], kind)
                rows = await store.fetch(
                    f"SELECT {column} AS key, id, channel FROM post WHERE brand = ? "
                    f"AND {condition}",
                    self.ctx.id, *args)
                found.update({key if column == "ref" else ids[key]: (post_id, channel)
                              for key, post_id, channel in rows})
        for parsed, (ref, channel_id) in zip(waiting, named, strict=True):
            post = found.get(ref)
            if post is not None and post[1] == channel_id:
                parsed.record[1] = post[0]
                continue
            if post is None:
                parsed.fail("post", "UNKNOWN_POST", f"the brand has no post with ref {ref!r} "
                                                    "(import the posts first)")
            else:
                parsed.fail("post", "CHANNEL_MISMATCH",
                            f"post {ref!r} is on another channel of the brand")
            parsed.target = None

    def fixed(self, target: Target) -> dict[str, Any]:
        return {"source_kind": SourceKind.IMPORT.value, "source_name": self.source_name,
                "source_version": "", "fetched_at": self.ctx.now}
