"""Sentiment of short texts (comments, mentions, messages) behind one small, swappable interface."""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Final, Protocol, runtime_checkable

POSITIVE: Final = "POSITIVE"
NEGATIVE: Final = "NEGATIVE"
NEUTRAL: Final = "NEUTRAL"
LABELS: Final = (POSITIVE, NEGATIVE, NEUTRAL)

MODELS: Final[dict[str, str]] = {
    # name -> "module:factory"; imported only when first used, so importing this package is cheap.
    "lexicon": "domain.sentiment.lexicon:LexiconModel",
}

# Links and @handles say nothing about how someone feels; a text of only these has nothing to judge.
_NOISE = re.compile(r"https?://\S+|www\.\S+|@[\w.]+", re.IGNORECASE)


@runtime_checkable
class SentimentModel(Protocol):
    """What a sentiment model provides; COSO_SENTIMENT_MODEL picks the one used."""

    name: str

    def classify_many(self, texts: Sequence[str],
                      languages: Sequence[str | None]) -> list[str | None]:
        """One label of `LABELS` per text (None: nothing to judge); `languages` are ISO 639-1
        codes or None (unknown), one per text, and only hints: texts mix languages."""
        ...


_lock = threading.Lock()
_loaded: dict[str, SentimentModel] = {}


def get_model(name: str | None = None) -> SentimentModel:
    """The model called `name` (default: the COSO_SENTIMENT_MODEL setting), built once a process."""
    if name is None:
        from domain.settings import get_settings
        name = get_settings().sentiment_model
    model = _loaded.get(name)
    if model is not None:
        return model
    with _lock:  # building loads lexicons or weights: once, even when threads race
        model = _loaded.get(name)
        if model is None:
            model = _build(name)
            _loaded[name] = model
    return model


def _build(name: str) -> SentimentModel:
    target = MODELS.get(name, name)
    module_name, _, factory_name = target.partition(":")
    if not factory_name:
        raise ValueError(f"unknown sentiment model {name!r}: use one of {sorted(MODELS)} "
                         "or 'package.module:factory'")
    factory = getattr(importlib.import_module(module_name), factory_name)
    model = factory()
    if not isinstance(model, SentimentModel):
        raise TypeError(f"{target} did not build a SentimentModel")
    return model


def has_content(text: str | None) -> bool:
    """Whether `text` has anything to judge once links, handles and blanks are removed."""
    return bool(text) and bool(_NOISE.sub("", text).strip())  # type: ignore[arg-type]


def classify(text: str | None, language: str | None = None) -> str | None:
    """POSITIVE, NEGATIVE or NEUTRAL for one text; None when it has nothing to judge."""
    return classify_many([text], [language])[0]


def classify_many(texts: Iterable[str | None],
                  languages: Iterable[str | None] | None = None) -> list[str | None]:
    """`classify` for a batch: one result per text, in order (faster than one call each)."""
    texts = list(texts)
    langs = [None] * len(texts) if languages is None else [_norm(lang) for lang in languages]
    if len(langs) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(langs)} languages")
    keep = [i for i, text in enumerate(texts) if text is not None and has_content(text)]
    results: list[str | None] = [None] * len(texts)
    if keep:
        labels = get_model().classify_many([texts[i] for i in keep],  # type: ignore[misc]
                                           [langs[i] for i in keep])
        for i, label in zip(keep, labels, strict=True):
            results[i] = label
    return results


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code ("it", "en", ...) of the text's main language; None when unsure."""
    if text is None or not has_content(text):
        return None
    from domain.sentiment.language import detect
    return detect(text)


def _norm(language: str | None) -> str | None:
    """"it-IT", "IT", "it_IT" -> "it"; blank -> None."""
    if not language:
        return None
    return re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower() or None


__all__ = ["LABELS", "MODELS", "NEGATIVE", "NEUTRAL", "POSITIVE", "SentimentModel",
           "classify", "classify_many", "detect_language", "get_model", "has_content"]
