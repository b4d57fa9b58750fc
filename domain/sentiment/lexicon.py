"""The default sentiment model: VADER's rules and lexicons, with Italian, slang and emoji added."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from domain.sentiment import NEGATIVE, NEUTRAL, POSITIVE, detect_language
from domain.sentiment import words as w

if TYPE_CHECKING:
    from vader import SentimentIntensityAnalyzer

# VADER's own cut-off on its compound score (Hutto & Gilbert, 2014): |score| < 0.05 is neutral.
THRESHOLD = 0.05
# Negative words weigh half as much again as positive ones, as in SO-CAL (Taboada et al., 2011):
# people use positive words more freely, so the same score means less in praise than in blame.
NEGATIVE_WEIGHT = 1.5

_RUN = re.compile(r"(\w)\1{2,}")  # "bellooo", "siiiii", "sooo"
_ELISION = re.compile(r"\b(" + "|".join(w.ELISIONS) + r")['’](?=\w)", re.IGNORECASE)
_CONTRAST = re.compile(r"\b(" + "|".join(w.CONTRAST) + r")\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_CLAUSE_END = re.compile(r"[,;:.!?]+(?=\s|$)")
# VADER looks up to three words back for a negation, across commas and full stops (it drops
# punctuation): three words no lexicon knows, after each clause, keep "non"/"never" in its
# clause ("nessuno mi ha risposto, vergognoso"). Capitals, so VADER's capitals rule is unmoved.
_BARRIER = " QXQ QXQ QXQ "


class LexiconModel:
    """VADER (nltk-vader-sentiment, Apache-2.0) with Coso's Italian words, slang and emoji.

    One analyzer per language of priority: both read Italian and English (comments mix them),
    and the text's language decides the few words the two read differently ("care", "top")."""

    name = "lexicon"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._analyzers: dict[str, _Analyzer] = {}

    def _analyzer(self, primary: str) -> _Analyzer:
        analyzer = self._analyzers.get(primary)
        if analyzer is None:
            with self._lock:  # analyzers are immutable once built and shared by threads
                analyzer = self._analyzers.get(primary) or _Analyzer(primary)
                self._analyzers[primary] = analyzer
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
        words = set(_WORD.findall(text.lower()))
        if language is None and not self._ambiguous.isdisjoint(words):
            language = detect_language(text)
        return self._analyzer("it" if language == "it" else "en").score(text, words)

    def classify_many(self, texts: Sequence[str],
                      languages: Sequence[str | None]) -> list[str | None]:
        return [_label(self.score(text, lang)) for text, lang in zip(texts, languages, strict=True)]


class _Analyzer:
    """VADER with the merged lexicon of one language of priority, and the text preparation."""

    def __init__(self, primary: str) -> None:
        from vader import SentimentIntensityAnalyzer
        from vader import constants as vader_constants
        from vader.data.emoji import EMOJI
        from vader.data.lexicon import MULTIWORD

        self.primary = primary
        english = {**SentimentIntensityAnalyzer().lexicon, **w.ENGLISH}
        italian = w.italian()
        lexicon = {**english, **italian} if primary == "it" else {**italian, **english}
        emoji = dict(EMOJI)
        for char, valence in w.EMOJI.items():  # read as a word scored here, not a description
            emoji[char] = token = f"emoji{ord(char):x}"
            lexicon[token] = valence
        self.lexicon = {word: _weigh(value) for word, value in lexicon.items()}
        self.negations = vader_constants.NEGATE | frozenset(w.NEGATIONS)
        self._vader: SentimentIntensityAnalyzer = SentimentIntensityAnalyzer(
            lexicon=self.lexicon,
            booster={**vader_constants.BOOSTER_DICT, **w.BOOSTERS},
            negations=self.negations,
            multiword={phrase: _weigh(value)
                       for phrase, value in {**MULTIWORD, **w.PHRASES}.items()},
            emoji=emoji)
        # Misspelling -> word: by skeleton, for words of five letters or more whose skeleton no
        # other listed word shares (so "caro" and "carro" never swap).
        skeletons: dict[str, list[str]] = {}
        for word in self.lexicon:
            if len(word) >= 5 and word.isalpha():
                skeletons.setdefault(_skeleton(word), []).append(word)
        self._spelling = {key: found[0] for key, found in skeletons.items() if len(found) == 1}

    def score(self, text: str, words: set[str]) -> float:
        return float(self._vader.polarity_scores(self._prepare(text, words))["compound"])

    def _prepare(self, text: str, words: set[str]) -> str:
        text = _RUN.sub(r"\1", text)  # elongation is emphasis, not a new word
        text = _ELISION.sub(r"\1' ", text)
        if self.primary == "it":
            text = _CONTRAST.sub("but", text)  # VADER weighs what follows "but" more
        if "n't" in text or not self.negations.isdisjoint(words):  # barriers matter only then
            text = _CLAUSE_END.sub(lambda m: m.group(0) + _BARRIER, text)
        return _WORD.sub(self._respell, text)

    def _respell(self, match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 5 or word.lower() in self.lexicon:
            return word
        return self._spelling.get(_skeleton(word.lower()), word)


@lru_cache(maxsize=65536)
def _skeleton(word: str) -> str:
    """The word without accents and with doubled letters single: the commonest misspellings
    ("pesimo", "perfeto", "disponibbile", "horible", "disgracefull", "velocita") share the
    skeleton of the word meant."""
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return re.sub(r"(\w)\1+", r"\1", plain)


def _weigh(valence: float) -> float:
    return valence * NEGATIVE_WEIGHT if valence < 0 else valence


def _label(compound: float) -> str:
    if compound >= THRESHOLD:
        return POSITIVE
    if compound <= -THRESHOLD:
        return NEGATIVE
    return NEUTRAL
