"""Validation failures raised by use cases: every problem at once, with field and code."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Problem(NamedTuple):
    field: str | None
    code: str
    message: str


class ValidationFailed(ValueError):
    """Input refused, nothing written; `problems` says what is wrong and where."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def one(cls, field: str | None, code: str, message: str) -> ValidationFailed:
        return cls([Problem(field, code, message)])
