"""Accuracy, macro-F1 and confusion of the sentiment model on a labelled CSV (label,kind,text)."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from domain.sentiment import LABELS, classify_many


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    kind: str
    text: str


@dataclass(slots=True)
class Result:
    n: int
    accuracy: float
    macro_f1: float
    confusion: Counter[tuple[str, str]]
    """(gold, predicted) -> count; a prediction of None counts as "None"."""
    misses: list[tuple[Row, str]] = field(default_factory=list)
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    """kind -> (right, total)."""


def load(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        return [Row(r["label"], r["kind"], r["text"]) for r in csv.DictReader(f)]


def evaluate(rows: list[Row], language: str | None) -> Result:
    """Classify every row's text with `language` as the hint (None: unknown) and score it."""
    predicted = classify_many([row.text for row in rows], [language] * len(rows))
    confusion: Counter[tuple[str, str]] = Counter()
    misses = []
    for row, guess in zip(rows, predicted, strict=True):
        confusion[row.label, str(guess)] += 1
        if guess != row.label:
            misses.append((row, str(guess)))
    f1s = []
    for label in LABELS:
        tp = confusion[label, label]
        fp = sum(n for (gold, guess), n in confusion.items() if guess == label and gold != label)
        fn = sum(n for (gold, guess), n in confusion.items() if gold == label and guess != label)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    by_kind: dict[str, tuple[int, int]] = {}
    for row, guess in zip(rows, predicted, strict=True):
        right, total = by_kind.get(row.kind, (0, 0))
        by_kind[row.kind] = (right + (guess == row.label), total + 1)
    correct = sum(confusion[label, label] for label in LABELS)
    return Result(len(rows), correct / len(rows) if rows else 0.0,
                  sum(f1s) / len(f1s), confusion, misses, by_kind)
