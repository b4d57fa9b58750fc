"""The values imports pass around: raw rows in, problems (with their line) and a summary out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from domain.errors import Problem


class RawRow(NamedTuple):
    """One row as read: its line and {file column: cell}, before any parsing."""

    line: int
    values: Mapping[str, Any]
    problem: tuple[str, str] | None = None
    """(code, message) when the reader already knows the row is unusable (bad bytes, bad JSON)."""


class ImportFileError(Exception):
    """The file cannot be read on (malformed CSV, not an XLSX...): nothing is imported."""

    def __init__(self, line: int, code: str, message: str, column: str = "") -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.problem = Problem(column or None, code, message, line)


@dataclass(slots=True)
class ImportSummary:
    """How an import went. `written` is False when nothing was stored (all-or-nothing)."""

    entity: str
    source_name: str
    rows: int = 0
    """Rows read (blank rows are not counted)."""
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    """Rows refused; in all-or-nothing mode with any refusal nothing at all is written."""
    problems: list[Problem] = field(default_factory=list)
    """At most `max_errors` problems, in file order. A problem's `line` is the file's line
    (CSV, NDJSON; 0: the file as a whole), the sheet row (XLSX) or the item's number; its
    `field` the file's column as written in its header, None for the row or file as a whole."""
    problem_count: int = 0
    """All problems found, including those beyond `max_errors`."""
    written: bool = False
    aborted: bool = False
    """The file could not be read to the end (a file-level problem): nothing was written."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Where the time went, per stage, for benchmarks: `read` and `certify` (in a thread, a
    block ahead), `rows` (per-row checks), `lookups` (queries per chunk), `stage` (staging
    statements, while the next chunk is worked on), `write` (the final upsert), and the
    event loop's waits: `wait_read` for the thread, `wait_stage` for staging."""

    @property
    def ok(self) -> bool:
        return not self.problem_count

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity, "source": self.source_name, "rows": self.rows,
            "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "problems": self.problem_count, "written": self.written,
            "aborted": self.aborted,
        }
