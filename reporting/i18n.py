"""The report's words in each language: gettext catalogues compiled from the committed .po files.

A .mo beside its .po is used when it is at least as new; otherwise the .po is compiled in
memory with Babel, so a fresh checkout needs no build step.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "reports"
LANGUAGES = ("en", "it")


def language_of(locale: str) -> str:
    """The catalogue for a locale: its language when Coso has it, else English."""
    language = Locale.parse(locale).language
    return language if language in LANGUAGES else "en"


@cache
def translations(language: str) -> gettext.NullTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
