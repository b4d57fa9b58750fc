"""Validation failures raised by use cases: every problem at once, with field and code."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with an input: where (`field`, and `line` for a row of a batch or a
    file), a stable `code` for clients, and a message for people."""

    field: str | None
    """The input field (API spelling), or a file's column as written in its header; None
    for the input, row or file as a whole."""
    code: str
    message: str
    line: int | None = None
    """The row: a file's line (0: the file as a whole), a sheet row, or a batch's index."""


class ValidationFailed(ValueError):
    """Input refused, nothing written; `problems` says what is wrong and where."""

    SHOWN = 5
    """Problems the exception's text (logs, a sync run's error) spells out; all are kept."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        shown = "; ".join(p.message if p.line is None else f"row {p.line}: {p.message}"
                          for p in self.problems[:self.SHOWN])
        more = len(self.problems) - self.SHOWN
        super().__init__(f"{shown} (and {more} more)" if more > 0 else shown)

    @classmethod
    def one(cls, field: str | None, code: str, message: str) -> ValidationFailed:
        return cls([Problem(field, code, message)])
