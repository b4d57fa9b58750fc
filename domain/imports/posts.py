"""Importing posts: matched on `ref`, checked with the post use cases' own content rules.

A new post is a DRAFT (or PUBLISHED, for history); a stored post keeps its status, and one
past review (not DRAFT or REJECTED) may only be re-imported unchanged: the import never
slips new copy past an approval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any, ClassVar
from urllib.parse import urlparse

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from domain.enums import ContentPillar, MediaType, PostFormat, PostStatus
from domain.imports.by_id import resolve_by_id
from domain.imports.context import ChannelIndex, Handler, Parsed
from domain.imports.schema import Entity
from domain.imports.store import Field, Fixed, Store, Target, q
from domain.imports.values import (
    CellError,
    as_text,
    coso_id,
    is_empty,
    parse_datetime,
    parse_enum,
    parse_list,
)
from domain.imports.vector import (
    NO,
    Certified,
    blank,
    column,
    distinct,
    instants,
    length,
    matches,
    plain,
    staged,
    without_nul,
)
from domain.models import Campaign
from domain.rules.content import (
    MAX_URL_LENGTH,
    MediaItem,
    clean_tags,
    is_web_url,
    media_problems,
    storable,
    text_limit,
)
from domain.rules.workflow import is_editable
from domain.services.posts import check_content
from domain.services.usecase import Problems

MAX_REF_LENGTH = 200
NEW_STATUSES = (PostStatus.DRAFT, PostStatus.PUBLISHED)
EDITABLE = tuple(s.value for s in PostStatus if is_editable(s))
_VIDEO = {".mp4", ".mov", ".m4v", ".webm", ".avi", ".mkv"}

POSTS = Target(
    table="post",
    fields=(
        Field("ref", "text", update="never"),
        Field("channel", "int"),
        Field("campaign", "int"),
        Field("text", "text"),
        Field("format", "text"),
        Field("pillar", "text"),
        Field("media_type", "text"),
        Field("media", "json"),
        Field("tags", "json"),
        Field("scheduled_at", "timestamptz"),
        Field("status", "text", update="never"),
        Field("published_at", "timestamptz"),
        Field("external_id", "text"),
        Field("permalink", "text"),
        Field("id", "int", update="never"),
    ),
    conflict=("brand", "ref"),
    keys=(("ref",), ("channel", "external_id"), ("id",)),
    fixed=(Fixed("brand", "int"), Fixed("created_by", "int"),
           Fixed("created_at", "timestamptz"), Fixed("updated_at", "timestamptz", on_update=True)),
    # A row whose ref is `coso:<id>` (a post made in Coso, as exported) stages no ref and
    # the post's id: it updates that post and never gives it a ref.
    ident="id",
)
_CHOICES = (("format", PostFormat, PostFormat.TEXT.value),
            ("pillar", ContentPillar, ContentPillar.INFORMATIVE.value),
            ("media_type", MediaType, MediaType.OWNED.value),
            ("status", PostStatus, PostStatus.DRAFT.value))
"""Enum columns: (column, enum, value when the cell is empty)."""
_MAX_CHOICES = 1024
# File columns feeding another field.
_FIELD_OF = {"platform": "channel", "platform_id": "external_id"}
# Where the post use case's field names land in the file.
_COLUMN_OF = {"scheduledAt": "scheduled_at", "mediaType": "media_type"}


class CampaignIndex:
    """The brand's campaigns by ref, or by exact name for those without one."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_ref = {r["ref"]: r["id"] for r in rows if r["ref"]}
        by_name: dict[str, list[int]] = {}
        for r in rows:
            by_name.setdefault(r["name"].strip().casefold(), []).append(r["id"])
        self.by_name = by_name

    def find(self, cell: Any) -> int:
        text = as_text(cell)
        if text in self.by_ref:
            return self.by_ref[text]
        found = self.by_name.get(text.casefold(), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise CellError("AMBIGUOUS_CAMPAIGN", f"{len(found)} campaigns are named {text!r}: "
                                                  "give the campaign's ref")
        raise CellError("UNKNOWN_CAMPAIGN", f"the brand has no campaign with ref or name {text!r}")


class PostsHandler(Handler):
    entity: ClassVar[Entity] = Entity.POSTS
    targets: ClassVar[tuple[Target, ...]] = (POSTS,)

    async def prepare(self) -> None:
        self._choices: dict[tuple[str, str], str] = {}
        """(column, cell) -> enum value, for `_choice`."""
        self._chunk_names_ids = False
        """Whether the chunk being staged has rows naming a post by `coso:<id>`."""
        self.channels = await ChannelIndex.load(self.ctx.id)
        self.campaigns = CampaignIndex(await Campaign.select(
            Campaign.id, Campaign.ref, Campaign.name).where(Campaign.brand == self.ctx.id))

    def fields_present(self) -> frozenset[str]:
        return frozenset(_FIELD_OF.get(c, c) for c in self.present)

    def parse(self, parsed: Parsed, cells: Mapping[str, Any]) -> None:
        # Columns the file does not have are not looked at (a cell of a line that lacks it
        # reads as None, as before): most files have a few of the fifteen.
        fail, get, has = parsed.fail, cells.get, self.present
        ref = as_text(get("ref"))
        if not ref:
            fail("ref", "REQUIRED", "ref is required: it is how the next import finds the post")
        elif len(ref) > MAX_REF_LENGTH or not storable(ref):
            fail("ref", "INVALID", f"a ref is 1 to {MAX_REF_LENGTH} printable characters")
        post_id = None
        try:
            post_id = coso_id(ref)
        except CellError as error:
            fail("ref", error.code, error.message)
        channel_id = platform = None
        try:
            channel_id, platform = self.channels.find(get("channel"), get("platform"))
        except CellError as error:
            fail("channel", error.code, error.message)
        campaign_id = None
        if "campaign" in has and not is_empty(get("campaign")):
            try:
                campaign_id = self.campaigns.find(get("campaign"))
            except CellError as error:
                fail("campaign", error.code, error.message)
        choices = {}
        for name, enum, default in _CHOICES:
            cell = get(name) if name in has else None
            if is_empty(cell):
                choices[name] = default
                continue
            try:
                choices[name] = self._choice(name, enum, cell)
            except CellError as error:
                fail(name, error.code, error.message)
        problems = Problems()
        media: list[MediaItem] = []
        if "media" in has and not is_empty(get("media")):
            try:
                media = _media(get("media"))
            except CellError as error:
                fail("media", error.code, error.message)
        tags: list[str] = []
        if "tags" in has:
            try:
                tags = [as_text(t) for t in parse_list(get("tags"))]
            except CellError as error:
                fail("tags", error.code, error.message)
        content = check_content(problems, text=as_text(get("text")), media=media, tags=tags,
                                platform=platform)
        for problem in problems.items:
            head = (problem.field or "text").split(".")[0]
            fail(_COLUMN_OF.get(head, head), problem.code, problem.message)
        scheduled_at = self._when(parsed, "scheduled_at", get) if "scheduled_at" in has else None
        published_at = self._when(parsed, "published_at", get) if "published_at" in has else None
        external_id = as_text(get("platform_id")) or None if "platform_id" in has else None
        if external_id and (len(external_id) > 200 or not storable(external_id)):
            fail("platform_id", "INVALID", "a platform id is 1 to 200 printable characters")
        permalink = as_text(get("permalink")) if "permalink" in has else ""
        if permalink and not _web_url(permalink):
            fail("permalink", "INVALID", f"a permalink is an http(s) URL of at most "
                                         f"{MAX_URL_LENGTH} characters")
        if parsed.problems:
            return
        parsed.target = POSTS
        parsed.record = [
            parsed.row.line, ref, channel_id, campaign_id, content["text"], choices["format"],
            choices["pillar"], choices["media_type"], _json(content["media"]),
            _json(content["tags"]), scheduled_at, choices["status"], published_at,
            external_id, permalink, post_id,
        ]

    def certify(self, table: pa.Table, lines: np.ndarray) -> Certified:
        """Rows `parse` takes as they are: plain refs (no `coso:`), known channels and
        campaigns, texts within the channel's limit, known enum spellings, ISO instants
        (others through `parse_datetime` once per distinct value), clean tags and media."""
        rows = table.num_rows
        has = self.present
        ref, channel, text = (column(table, c) for c in ("ref", "channel", "text"))
        if ref is None or channel is None or text is None:
            return Certified.none(rows)
        platform = column(table, "platform")
        ok = (plain(ref) & (length(ref) <= MAX_REF_LENGTH) & without_nul(ref)
              & ~matches(ref, "(?i)^coso:"))
        channel_ok, channel_ids = distinct(
            [channel, platform if platform is not None else pa.nulls(rows, pa.string())],
            self._channel_or_no, pa.int64())
        platforms = {i: p for found in self.channels.by_handle.values() for i, p in found}
        limit_ok, limits = distinct([channel_ids], lambda i: NO if i is None else text_limit(
            platforms[i]), pa.int64())
        limit = np.asarray(limits.fill_null(0).to_numpy(zero_copy_only=False), np.int64)
        ok &= channel_ok & limit_ok & plain(text) & without_nul(text) & (length(text) <= limit)
        values: dict[str, Any] = {"ref": ref, "channel": channel_ids, "text": text,
                                  "id": pa.nulls(rows, pa.int64())}
        for name, read, kind, absent in (
                ("campaign", self._campaign_or_no, pa.int64(), None),
                ("media", _media_or_no, pa.string(), "[]"),
                ("tags", _tags_or_no, pa.string(), "[]"),
                ("permalink", _permalink_or_no, pa.string(), "")):
            cells = column(table, name) if name in has else None
            if cells is None:
                values[name] = pa.array([absent] * rows, kind)
                continue
            cell_ok, values[name] = distinct([cells], read, kind)
            ok &= cell_ok
        for name, enum, default in _CHOICES:
            cells = column(table, name) if name in has else None
            if cells is None:
                values[name] = pa.array([default] * rows, pa.string())
                continue
            cell_ok, values[name] = distinct(
                [cells], lambda c, n=name, e=enum, d=default: self._choice_or_no(n, e, d, c),
                pa.string())
            ok &= cell_ok
        for name in ("scheduled_at", "published_at"):
            cells = column(table, name) if name in has else None
            if cells is None:
                values[name] = pa.nulls(rows, pa.timestamp("us", "UTC"))
                continue
            cell_ok, values[name] = self._instants(cells)
            ok &= cell_ok
        cells = column(table, "platform_id") if "platform_id" in has else None
        if cells is None:
            values["external_id"] = pa.nulls(rows, pa.string())
        else:
            empty = blank(cells)
            ok &= empty | (plain(cells) & (length(cells) <= 200) & without_nul(cells))
            values["external_id"] = pc.if_else(pa.array(empty), None, cells)
        return Certified(ok, {POSTS.table: staged(POSTS, lines, values, ok)})

    def _channel_or_no(self, cell: Any, platform: Any) -> Any:
        try:
            return self.channels.find(cell, platform)[0]
        except CellError:
            return NO

    def _campaign_or_no(self, cell: Any) -> Any:
        if is_empty(cell):
            return None
        try:
            return self.campaigns.find(cell)
        except CellError:
            return NO

    def _choice_or_no(self, name: str, enum: type[StrEnum], default: str, cell: Any) -> Any:
        if is_empty(cell):
            return default
        try:
            return self._choice(name, enum, cell)
        except CellError:
            return NO

    def _instants(self, cells: pa.Array) -> tuple[np.ndarray, pa.Array]:
        """`_when` over a column: ISO instants by Arrow, other spellings by `parse_datetime`
        once per distinct value."""
        empty = blank(cells)
        iso, when = instants(cells)
        other = ~empty & ~iso
        ok = empty | iso
        if other.any():
            where = pa.array(other)
            other_ok, other_when = distinct([cells.filter(where)], self._instant_or_no,
                                            pa.timestamp("us", "UTC"))
            ok[other] = other_ok
            when = pc.replace_with_mask(when, where, other_when)
        return ok, when

    def _instant_or_no(self, cell: Any) -> Any:
        try:
            return parse_datetime(cell, self.ctx.locale, self.ctx.timezone)
        except (CellError, ValueError, OverflowError):
            return NO

    def _when(self, parsed: Parsed, name: str, get: Callable[[str], Any]) -> datetime | None:
        cell = get(name)
        if is_empty(cell):
            return None
        try:
            return parse_datetime(cell, self.ctx.locale, self.ctx.timezone)
        except CellError as error:
            parsed.fail(name, error.code, error.message)
            return None

    def _choice(self, name: str, enum: type[StrEnum], cell: Any) -> str:
        """The enum value a cell names; a file repeats a handful of spellings, so each is
        parsed once."""
        key = (name, cell) if type(cell) is str else None
        value = self._choices.get(key) if key else None
        if value is None:
            value = parse_enum(cell, enum).value
            if key and len(self._choices) < _MAX_CHOICES:
                self._choices[key] = value
        return value

    async def resolve(self, store: Store, chunk: list[Parsed]) -> None:
        self._chunk_names_ids = await resolve_by_id(store, chunk, POSTS, self.ctx.id)

    async def verify(self, store: Store, staging: dict[str, str],
                     lines: tuple[int, int]) -> list[tuple[int, str, str, str]]:
        stage = q(staging["post"])
        present = self.fields_present()
        problems: list[tuple[int, str, str, str]] = []
        changed = " OR ".join(store.differs(f"p.{q(f.name)}", f"s.{q(f.name)}", f.kind)
                              for f in POSTS.compared(present)) or "false"
        status_differs = "s.status <> p.status" if "status" in present else "false"
        editable = ", ".join(f"'{s}'" for s in EDITABLE)
        rows = []
        # Stored posts by ref, then those named by id (two joins, each on an index; the
        # second only for a chunk that has such rows, or SQLite may scan every post).
        # CROSS JOIN: SQLite then loops over the chunk's staged lines and looks each post
        # up, where a plain JOIN read every post of the brand for every chunk (re-importing
        # 100,000 posts: 1.8 s in this query alone); PostgreSQL plans both alike.
        matches = ["p.ref = s.ref"] + (["p.id = s.id"] if self._chunk_names_ids else [])
        for match in matches:
            rows += await store.fetch(
                f"SELECT s._line, p.status, CASE WHEN {status_differs} THEN 1 ELSE 0 END "
                f"FROM {stage} s CROSS JOIN post p WHERE p.brand = ? AND {match} "
                f"AND s._line BETWEEN ? AND ? AND ({status_differs} OR "
                f"(p.status NOT IN ({editable}) AND ({changed})))", self.ctx.id, *lines)
        for line, status, status_changed in rows:
            if status_changed:
                problems.append((line, "status", "STATUS_CHANGE", (
                    f"the post is {status}: an import never moves a post through the workflow "
                    "(submit, approve, schedule it instead)")))
            else:
                problems.append((line, "ref", "NOT_EDITABLE", (
                    f"the post is {status}: only DRAFT and REJECTED posts can be changed by an "
                    "import (reopen it first)")))
        if "status" in present:
            allowed = ", ".join(f"'{s.value}'" for s in NEW_STATUSES)
            rows = await store.fetch(
                f"SELECT s._line, s.status FROM {stage} s WHERE s._line BETWEEN ? AND ? "
                f"AND s.status NOT IN ({allowed}) AND s.id IS NULL AND NOT EXISTS "
                f"(SELECT 1 FROM post p WHERE p.brand = ? AND p.ref = s.ref)",
                *lines, self.ctx.id)
            problems += [(line, "status", "STATUS", (
                f"a new post is DRAFT or PUBLISHED, not {status}: review happens in Coso"))
                for line, status in rows]
        if "external_id" in present:
            rows = await store.fetch(
                f"SELECT s._line, p.ref FROM {stage} s JOIN post p ON p.channel = s.channel "
                f"AND p.external_id = s.external_id WHERE s._line BETWEEN ? AND ? AND "
                f"CASE WHEN s.id IS NULL THEN {store.differs('p.ref', 's.ref', 'text')} "
                "ELSE p.id <> s.id END", *lines)
            problems += [(line, "platform_id", "PLATFORM_ID_TAKEN", (
                f"another post of this channel ({f'ref {ref!r}' if ref else 'without a ref'}) "
                "has this platform id")) for line, ref in rows]
        return problems

    def fixed(self, target: Target) -> dict[str, Any]:
        ctx = self.ctx
        return {"brand": ctx.id, "created_by": ctx.actor_id, "created_at": ctx.now,
                "updated_at": ctx.now}


def _media_or_no(cell: Any) -> Any:
    """The media JSON `check_content` would store, NO if it finds a problem."""
    if is_empty(cell):
        return "[]"
    try:
        items = _media(cell)
    except CellError:
        return NO
    items = [MediaItem(url=m.url.strip(), kind=m.kind.strip().upper(), alt=m.alt.strip())
             for m in items]
    return NO if media_problems(items) else _json([m.as_json() for m in items])


def _tags_or_no(cell: Any) -> Any:
    try:
        tags = [as_text(t) for t in parse_list(cell)]
    except CellError:
        return NO
    cleaned, problems = clean_tags(tags)
    return NO if problems else _json(cleaned)


def _permalink_or_no(cell: Any) -> Any:
    text = as_text(cell)
    return text if not text or _web_url(text) else NO


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _media(cell: Any) -> list[MediaItem]:
    items = []
    for item in parse_list(cell):
        if isinstance(item, str):
            items.append(MediaItem(url=item, kind=_kind(item)))
        elif isinstance(item, dict) and isinstance(item.get("url"), str):
            items.append(MediaItem(url=item["url"], kind=as_text(item.get("kind")) or
                                   _kind(item["url"]), alt=as_text(item.get("alt"))))
        else:
            raise CellError("INVALID", "a media item is a URL or {url, kind, alt}")
    return items


def _kind(url: str) -> str:
    suffix = PurePosixPath(urlparse(url).path).suffix.lower() if "://" in url else ""
    return "VIDEO" if suffix in _VIDEO else "GIF" if suffix == ".gif" else "IMAGE"


def _web_url(text: str) -> bool:
    return len(text) <= MAX_URL_LENGTH and is_web_url(text)
