"""The values imports pass around: raw rows in, problems and a summary out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class RowProblem(NamedTuple):
    """What is wrong with one row (line 0: the file as a whole), in the file's own terms."""

    line: int
    """The line in the file (CSV, NDJSON), the sheet row (XLSX), or the item's number."""
    column: str
    """The file's column as written in its header; empty for the row or file as a whole."""
    code: str
    message: str


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
        self.problem = RowProblem(line, column, code, message)


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
    problems: list[RowProblem] = field(default_factory=list)
    """At most `max_errors` problems, in file order."""
    problem_count: int = 0
    """All problems found, including those beyond `max_errors`."""
    written: bool = False
    aborted: bool = False
    """The file could not be read to the end (a file-level problem): nothing was written."""

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
