"""TEMPORARY PLACEHOLDER for the sentiment module (issue 16, item 5): knows nothing yet.

Another branch writes the real classifier behind exactly these two functions; the lead
replaces this file with it at merge. The inbox calls only these two, so nothing else
changes then. Until then every message's sentiment and language are unknown (None).
"""

from __future__ import annotations


def classify(text: str, language: str | None) -> str | None:
    """"POSITIVE", "NEGATIVE" or "NEUTRAL" for a text; None when it cannot tell."""
    return None


def detect_language(text: str) -> str | None:
    """The text's language as an ISO 639-1 code ("it", "en"); None when unsure."""
    return None
