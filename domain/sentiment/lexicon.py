"""The default sentiment model: VADER's rules and lexicons, with Italian, slang and emoji added."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from domain.sentiment import NEGATIVE, NEUTRAL, POSITIVE, detect_language
from domain.sentiment import words as w

# VADER's own cut-off on its compound score (Hutto & Gilbert, 2014): |score| < 0.05 is neutral.
THRESHOLD = 0.05
# Negative words weigh half as much again as positive ones, as in SO-CAL (Taboada et al., 2011):
# people use positive words more freely, so the same score means less in praise than in blame.
NEGATIVE_WEIGHT = 1.5

_VARIATION = re.compile("[\ufe0f\ufe0e\u200d]")  # emoji presentation marks: ❤️ is ❤
_RUN = re.compile(r"(\w)\1{2,}")  # "bellooo", "siiiii", "sooo"
_ELISION = re.compile(r"\b(" + "|".join(w.ELISIONS) + r")['’](?=\w)", re.IGNORECASE)
_CONTRAST = re.compile(r"\b(" + "|".join(w.CONTRAST) + r")\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_PHRASE = re.compile(r"\b(" + "|".join(map(re.escape, w.PHRASES)) + r")\b", re.IGNORECASE)


class LexiconModel:
    """VADER (vaderSentiment, MIT) with Coso's Italian word list, slang and emoji readings.

    One analyzer per language of priority: both read Italian and English (comments mix them),
    and the text's language decides the few words the two spell alike ("male", "fine")."""

    name = "lexicon"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._analyzers: dict[str, Any] = {}

    def _analyzer(self, language: str) -> Any:
        analyzer = self._analyzers.get(language)
        if analyzer is None:
            with self._lock:
                analyzer = self._analyzers.get(language) or _build(language)
                self._analyzers[language] = analyzer
        return analyzer

    @cached_property
    def _ambiguous(self) -> frozenset[str]:
        """Words read differently as Italian and as English, and Italian's "but": only a text
        holding one needs its language detected (detection costs more than scoring)."""
        english = self._analyzer("en").lexicon
        italian = self._analyzer("it").lexicon
        return frozenset([word for word in italian.keys() & english.keys()
                          if italian[word] != english[word]] + list(w.CONTRAST))

    def score(self, text: str, language: str | None = None) -> float:
        """VADER's compound score of `text`, -1 (most negative) to 1 (most positive)."""
        if language is None and not self._ambiguous.isdisjoint(_WORD.findall(text.lower())):
            language = detect_language(text)
        primary = "it" if language == "it" else "en"
        return float(self._analyzer(primary).polarity_scores(_prepare(text, primary))["compound"])

    def classify_many(self, texts: Sequence[str],
                      languages: Sequence[str | None]) -> list[str | None]:
        return [_label(self.score(text, lang)) for text, lang in zip(texts, languages, strict=True)]


def _prepare(text: str, primary: str) -> str:
    text = _VARIATION.sub("", text)
    text = _RUN.sub(r"\1", text)  # elongation is emphasis, not a new word
    text = _PHRASE.sub(lambda m: w.PHRASES[m.group(1).lower()], text)
    text = _ELISION.sub(r"\1' ", text)
    if primary == "it":
        text = _CONTRAST.sub("but", text)  # VADER weighs what follows "but" more
    return text


def _build(primary: str) -> Any:
    from vaderSentiment import vaderSentiment as vader

    _extend_rules(vader)
    analyzer = vader.SentimentIntensityAnalyzer()
    english = {**analyzer.lexicon, **w.ENGLISH}
    italian = w.italian()
    lexicon = {**english, **italian} if primary == "it" else {**italian, **english}
    for emoji, valence in w.EMOJI.items():  # read as a word VADER scores, not a description
        token = f"emoji{ord(emoji):x}"
        analyzer.emojis[emoji] = token
        lexicon[token] = valence
    analyzer.lexicon = {word: value * NEGATIVE_WEIGHT if value < 0 else value
                        for word, value in lexicon.items()}
    return analyzer


_extended = False


def _extend_rules(vader: Any) -> None:
    """Teach VADER's module-level rules Italian negations and intensifiers (additive: English
    texts read the same)."""
    global _extended
    if not _extended:
        vader.NEGATE.extend(n for n in w.NEGATIONS if n not in vader.NEGATE)
        for word, step in w.BOOSTERS.items():
            vader.BOOSTER_DICT.setdefault(word, step)
        _extended = True


def _label(compound: float) -> str:
    if compound >= THRESHOLD:
        return POSITIVE
    if compound <= -THRESHOLD:
        return NEGATIVE
    return NEUTRAL
