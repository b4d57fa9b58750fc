"""Language of a short text, by lingua's bundled models (nothing is downloaded)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

# Languages told apart: the ones Coso's brands write and are written to in; a short comment is
# easier to place among few. Anything else comes out as the closest of these, or None.
CODES = ("it", "en", "es", "fr", "de", "pt")
MIN_CONFIDENCE = 0.5  # below it (e.g. "ok", "top 🔥"), the text is too short to say


@cache
def _detector() -> LanguageDetector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder
    codes = [getattr(IsoCode639_1, code.upper()) for code in CODES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def detect(text: str) -> str | None:
    """ISO 639-1 code of `text`'s most likely language among CODES, None when unsure."""
    values = _detector().compute_language_confidence_values(text)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return str(values[0].language.iso_code_639_1.name).lower()
