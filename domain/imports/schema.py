"""The columns an import file may have, per entity, with their aliases and the mapping file.

A file's header is matched to Coso's columns case-insensitively (spaces and dashes read as
underscores), through the aliases below, or through a mapping file that renames columns.
`_line` and `_errors` (the columns a rejects file adds) are always ignored, so a fixed
rejects file imports as it is; so are the read-only columns an export adds after the import
columns (KPIs, provenance: domain.exports.columns), so an export imports back as it is.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from domain.errors import Problem
from domain.exports.columns import READ_ONLY

REJECTS_COLUMNS = ("_line", "_errors")


def normalise(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.replace("\ufeff", "").strip()).lower()


class Entity(StrEnum):
    POSTS = "posts"
    CAMPAIGNS = "campaigns"
    METRICS = "metrics"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    doc: str
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Schema:
    entity: Entity
    key: str
    """What makes a row the same row on the next import."""
    columns: tuple[Column, ...]
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = {normalise(c.name): c for c in self.columns}
        for column in self.columns:
            names.update({normalise(alias): column for alias in column.aliases})
        object.__setattr__(self, "by_name", names)

    def column(self, name: str) -> Column | None:
        return self.by_name.get(normalise(name))


_CHANNEL = Column("channel", "The channel's handle (`@acme`, with or without @); write "
                  "`instagram:@acme` or add a platform column when two platforms share it.",
                  required=True, aliases=("channel_handle", "handle", "account", "canale"))
_PLATFORM = Column("platform", "facebook, instagram, linkedin, x, tiktok, youtube or pinterest; "
                   "only needed to tell apart channels with the same handle.",
                   aliases=("network", "social", "piattaforma"))

SCHEMAS: dict[Entity, Schema] = {
    Entity.POSTS: Schema(Entity.POSTS, "ref", (
        Column("ref", "Your own id for the post, unique in the brand: the next import of the "
                      "same ref updates the post instead of adding one (Post.ref).",
               required=True, aliases=("external_id", "id", "post_ref", "post_id", "reference",
                                       "riferimento")),
        _CHANNEL,
        _PLATFORM,
        Column("campaign", "The campaign's ref (or its exact name when it has no ref).",
               aliases=("campaign_ref", "campaign_id", "campagna")),
        Column("text", "The copy, up to the channel's platform limit (empty if the post has "
                       "media).", required=True,
               aliases=("copy", "caption", "message", "body", "testo")),
        Column("format", "TEXT, IMAGE, GIF, VIDEO, CAROUSEL, STORY, REEL or LINK (default TEXT).",
               aliases=("post_format", "formato")),
        Column("pillar", "INFORMATIVE, OPINION or PROMOTIONAL (default INFORMATIVE).",
               aliases=("content_pillar", "pilastro")),
        Column("media_type", "OWNED, PAID or EARNED (default OWNED).", aliases=("mediatype",)),
        Column("media", "Media URLs separated by commas or new lines (kind from the file "
                        "extension), or a JSON list of {url, kind, alt}.",
               aliases=("media_urls", "images", "immagini")),
        Column("tags", "Tags separated by commas, or a JSON list.",
               aliases=("hashtags", "labels", "tag")),
        Column("scheduled_at", "When to publish: ISO 8601, or the brand's date and time "
                               "(`31/12/2026 14:30` for an Italian brand) in its timezone.",
               aliases=("scheduled", "schedule", "publish_at", "date", "data",
                        "data_pubblicazione")),
        Column("status", "DRAFT (default) or PUBLISHED for a new post; an existing post keeps "
                         "its status (the import never moves a post through review).",
               aliases=("stato",)),
        Column("published_at", "When a PUBLISHED post went out.", aliases=("published",)),
        Column("platform_id", "The post's id on the platform (Post.external_id), unique per "
                              "channel.", aliases=("platform_post_id", "external_post_id")),
        Column("permalink", "The post's public URL.", aliases=("url", "link")),
    )),
    Entity.CAMPAIGNS: Schema(Entity.CAMPAIGNS, "ref", (
        Column("ref", "Your own id for the campaign, unique in the brand (Campaign.ref).",
               required=True, aliases=("external_id", "id", "campaign_ref", "campaign_id",
                                       "riferimento")),
        Column("name", "Up to 200 characters.", required=True, aliases=("nome", "title")),
        Column("description", "Free text.", aliases=("descrizione",)),
        Column("objective", "BRAND_AWARENESS, PRODUCT_LAUNCH, STORE_PROMOTION, ENGAGEMENT, "
                            "LEAD_GENERATION or SHOWCASE.", required=True,
               aliases=("obiettivo", "goal")),
        Column("status", "DRAFT (default), PLANNED, ACTIVE, PAUSED, COMPLETED or CANCELLED.",
               aliases=("stato",)),
        Column("starts_on", "First day (ISO or the brand's date format).", required=True,
               aliases=("start", "start_date", "starts", "inizio")),
        Column("ends_on", "Last day.", required=True, aliases=("end", "end_date", "ends", "fine")),
        Column("planned_budget", "Media budget in the brand's currency (strategists only).",
               aliases=("budget",)),
        Column("production_cost", "Production and staff cost (strategists only).",
               aliases=("cost", "costo")),
        Column("currency", "Must be the brand's currency when given.", aliases=("valuta",)),
        *(Column(f"utm_{part}", f"UTM {part}, up to 100 characters.")
          for part in ("source", "medium", "campaign", "term", "content")),
    )),
    Entity.METRICS: Schema(Entity.METRICS, "channel + day + metric (+ post)", (
        _CHANNEL,
        _PLATFORM,
        Column("post", "The post's ref for a post metric; empty for a channel metric.",
               aliases=("post_ref", "post_id", "post_external_id")),
        Column("day", "The day the value is for.", required=True,
               aliases=("date", "data", "giorno")),
        Column("metric", "A canonical metric: impressions, reach, video_views, reactions, "
                         "comments, shares, saves, clicks, conversions, revenue, spend, "
                         "followers, follows, mentions, profile_visits.", required=True,
               aliases=("metrica", "kpi")),
        Column("value", "The day's value: a whole count, or an amount for money metrics.",
               required=True, aliases=("valore", "count", "amount")),
        Column("currency", "Money metrics only; the brand's currency when empty.",
               aliases=("valuta",)),
        Column("raw_metric", "The platform's own name for the metric.",
               aliases=("platform_metric",)),
        Column("note", "Free text.", aliases=("nota", "notes")),
    )),
}


@dataclass(frozen=True, slots=True)
class Header:
    """Which file column feeds which Coso column; file columns not listed are ignored."""

    columns: dict[str, str]
    """File column (as written) -> Coso column name."""
    ignored: frozenset[str] = frozenset()
    """File columns mapped to "" (skipped on purpose)."""

    def present(self) -> frozenset[str]:
        return frozenset(self.columns.values())

    def file_column(self, coso: str) -> str:
        """The file's own name for a Coso column (for messages), the Coso name if absent."""
        return next((f for f, c in self.columns.items() if c == coso), coso)


def resolve_header(entity: Entity, file_columns: Sequence[str],
                   mapping: Mapping[str, str] | None = None) -> tuple[Header, list[Problem]]:
    """Match the file's columns to the schema; every unknown, doubled or missing one reported."""
    schema = SCHEMAS[entity]
    renames = {normalise(k): v for k, v in (mapping or {}).items()}
    problems: list[Problem] = []
    columns: dict[str, str] = {}
    ignored: set[str] = set()
    seen: dict[str, str] = {}
    read_only = READ_ONLY.get(entity.value, ())
    for name in file_columns:
        key = normalise(name)
        if key in REJECTS_COLUMNS or (key in renames and not renames[key].strip()) or (
                key in read_only and key not in renames):
            ignored.add(name)
            continue
        if not key:
            problems.append(Problem("", "UNKNOWN_COLUMN", "a column has no name in the "
                                                         "header; name it or remove it"))
            continue
        column = schema.column(renames.get(key, name))
        if column is None:
            problems.append(Problem(name, "UNKNOWN_COLUMN", (
                f"column {name!r} is not a {entity.value} column; known: "
                f"{', '.join(c.name for c in schema.columns)} (rename it with a mapping "
                "file, or map it to \"\" to skip it)")))
        elif column.name in seen:
            problems.append(Problem(name, "DUPLICATE_COLUMN", (
                f"columns {seen[column.name]!r} and {name!r} are both {column.name}")))
        else:
            seen[column.name] = name
            columns[name] = column.name
    for column in schema.columns:
        if column.required and column.name not in seen:
            problems.append(Problem(column.name, "MISSING_COLUMN",
                                    f"the file has no {column.name} column"))
    return Header(columns, frozenset(ignored)), problems


class MappingError(ValueError):
    """The mapping file itself is unusable; the message says where."""


def load_mapping(path: str | Path, entity: Entity) -> dict[str, str]:
    """A mapping file: JSON `{"file column": "coso column"}` or CSV rows `file column,coso column`.

    A Coso column `""` or `-` skips the file column. A CSV's first row may be the header
    `file_column,coso_column`.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"cannot read the mapping file {path}: {error}") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise MappingError(f"{path}: not valid JSON at line {error.lineno}: "
                               f"{error.msg}") from None
        if not isinstance(data, dict) or not all(
                isinstance(k, str) and isinstance(v, str | None) for k, v in data.items()):
            raise MappingError(f"{path}: expected a JSON object of "
                               '{"file column": "coso column"}')
        pairs = [(k, v or "") for k, v in data.items()]
    else:
        dialect = ";" if text.count(";") > text.count(",") else ","
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=dialect) if any(r)]
        if rows and [normalise(c) for c in rows[0][:2]] == ["file_column", "coso_column"]:
            rows = rows[1:]
        if any(len(r) != 2 for r in rows):
            raise MappingError(f"{path}: each row needs two cells: file column, coso column")
        pairs = [(r[0], r[1]) for r in rows]
    return _checked_mapping(path, pairs, entity)


def _checked_mapping(path: Path, pairs: list[tuple[str, str]], entity: Entity) -> dict[str, str]:
    schema = SCHEMAS[entity]
    mapping: dict[str, str] = {}
    targets: dict[str, str] = {}
    for source, target in pairs:
        target = "" if target.strip() in ("", "-") else target.strip()
        if target:
            column = schema.column(target)
            if column is None:
                raise MappingError(f"{path}: {target!r} (for {source!r}) is not a "
                                   f"{entity.value} column")
            if column.name in targets:
                raise MappingError(f"{path}: {targets[column.name]!r} and {source!r} are both "
                                   f"mapped to {column.name}")
            targets[column.name] = source
            target = column.name
        mapping[source] = target
    return mapping
