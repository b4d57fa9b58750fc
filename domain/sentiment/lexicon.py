"""The default sentiment model: VADER's rules and lexicons (English, emoji) with Italian added."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from domain.sentiment import NEGATIVE, NEUTRAL, POSITIVE

# VADER's own cut-offs on its compound score (Hutto & Gilbert, 2014).
THRESHOLD = 0.05


class LexiconModel:
    """VADER (vaderSentiment, MIT) scoring every text with one lexicon."""

    name = "lexicon"

    @cached_property
    def _analyzer(self) -> Any:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        return SentimentIntensityAnalyzer()

    def score(self, text: str, language: str | None = None) -> float:
        """VADER's compound score of `text`, -1 (most negative) to 1 (most positive)."""
        return float(self._analyzer.polarity_scores(text)["compound"])

    def classify_many(self, texts: Sequence[str],
                      languages: Sequence[str | None]) -> list[str | None]:
        return [_label(self.score(text, lang)) for text, lang in zip(texts, languages, strict=True)]


def _label(compound: float) -> str:
    if compound >= THRESHOLD:
        return POSITIVE
    if compound <= -THRESHOLD:
        return NEGATIVE
    return NEUTRAL
