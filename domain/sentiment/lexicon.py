"""The default sentiment model: VADER's rules and lexicons, with Italian, slang and emoji added."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import cached_property, lru_cache
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
_CLAUSE_END = re.compile(r"[,;:.!?]+(?=\s|$)")
# VADER looks up to three words back for a negation, across commas and full stops (it drops
# punctuation): three words no lexicon knows, after each clause, keep "non"/"never" in its
# clause ("nessuno mi ha risposto, vergognoso"). Capitals, so VADER's capitals rule is unmoved.
_BARRIER = " QXQ QXQ QXQ "
_PHRASE = re.compile(r"\b(" + "|".join(map(re.escape, w.PHRASES)) + r")\b", re.IGNORECASE)


class LexiconModel:
    """VADER (vaderSentiment, MIT) with Coso's Italian word list, slang and emoji readings.

    One analyzer per language of priority: both read Italian and English (comments mix them),
    and the text's language decides the few words the two read differently ("care", "top")."""

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
        lowered = text.lower()
        words = set(_WORD.findall(lowered))
        if language is None and not self._ambiguous.isdisjoint(words):
            language = detect_language(text)
        primary = "it" if language == "it" else "en"
        analyzer = self._analyzer(primary)
        negated = "n't" in lowered or not _negations().isdisjoint(words)
        prepared = _prepare(text, primary, analyzer, negated)
        return float(analyzer.polarity_scores(prepared)["compound"])

    def classify_many(self, texts: Sequence[str],
                      languages: Sequence[str | None]) -> list[str | None]:
        return [_label(self.score(text, lang)) for text, lang in zip(texts, languages, strict=True)]


def _prepare(text: str, primary: str, analyzer: Any, negated: bool) -> str:
    text = _VARIATION.sub("", text)
    text = _RUN.sub(r"\1", text)  # elongation is emphasis, not a new word
    text = _PHRASE.sub(lambda m: w.PHRASES[m.group(1).lower()], text)
    text = _ELISION.sub(r"\1' ", text)
    if primary == "it":
        text = _CONTRAST.sub("but", text)  # VADER weighs what follows "but" more
    if negated:  # the barriers cost time and matter only to a negation
        text = _CLAUSE_END.sub(lambda m: m.group(0) + _BARRIER, text)
    lexicon, spelling = analyzer.lexicon, analyzer.coso_spelling

    def respell(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 5 or word.lower() in lexicon:
            return word
        return spelling.get(_skeleton(word.lower()), word)

    return _WORD.sub(respell, text)


@lru_cache(maxsize=65536)
def _skeleton(word: str) -> str:
    """The word without accents and with doubled letters single: the commonest misspellings
    ("pesimo", "perfeto", "disponibbile", "horible", "disgracefull", "velocita") share the
    skeleton of the word meant."""
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return re.sub(r"(\w)\1+", r"\1", plain)


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
    # Misspelling -> word: by skeleton, for words of five letters or more whose skeleton no
    # other listed word shares (so "caro" and "carro" never swap).
    skeletons: dict[str, list[str]] = {}
    for word in analyzer.lexicon:
        if len(word) >= 5 and word.isalpha():
            skeletons.setdefault(_skeleton(word), []).append(word)
    analyzer.coso_spelling = {key: found[0] for key, found in skeletons.items()
                              if len(found) == 1}
    return analyzer


_extended = False


@lru_cache(maxsize=1)
def _negations() -> frozenset[str]:
    from vaderSentiment import vaderSentiment as vader
    _extend_rules(vader)
    return frozenset(vader.NEGATE)


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
