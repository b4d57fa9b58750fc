"""Limits on a post's content (text overall and per platform, tags, media), checked purely."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from domain.enums import Platform
from domain.errors import Problem

MAX_TEXT_LENGTH = 5000
"""Coso's own ceiling for any post, whatever the platform."""

PLATFORM_TEXT_LIMITS: dict[Platform, int] = {
    # The caption/post limits the platforms publish (2025), in characters. X counts some
    # characters twice and every link as 23; Coso counts code points, so a text it accepts
    # may still be long for X in edge cases, never the other way round for plain text.
    Platform.X: 280,
    Platform.INSTAGRAM: 2200,
    Platform.TIKTOK: 2200,
    Platform.LINKEDIN: 3000,
    Platform.PINTEREST: 500,
    Platform.YOUTUBE: 5000,  # video description
    Platform.FACEBOOK: 63206,  # above Coso's own ceiling: that one applies
}

MAX_TAGS = 30
MAX_TAG_LENGTH = 50
MAX_MEDIA = 20  # Instagram carousels take 20 items, the most of any platform
MAX_URL_LENGTH = 2048
MAX_ALT_LENGTH = 1000
MEDIA_KINDS = ("IMAGE", "GIF", "VIDEO")
_PLATFORMS = frozenset(p.value for p in Platform)


@dataclass(frozen=True, slots=True)
class MediaItem:
    url: str
    kind: str = "IMAGE"
    alt: str = ""

    def as_json(self) -> dict[str, str]:
        return {"url": self.url, "kind": self.kind, "alt": self.alt}


def text_limit(platform: str | None) -> int:
    """The longest text a post on `platform` may have (Coso's ceiling when unknown)."""
    return _TEXT_LIMITS.get(platform, MAX_TEXT_LENGTH)  # type: ignore[arg-type]


_TEXT_LIMITS = {p.value: min(PLATFORM_TEXT_LIMITS.get(p) or MAX_TEXT_LENGTH, MAX_TEXT_LENGTH)
                for p in Platform}
"""text_limit by platform value, worked out once (imports ask it for every row)."""


def text_problems(text: str, platform: str | None, *, has_media: bool) -> list[Problem]:
    """A post needs text or media; its text must fit Coso's ceiling and its platform's."""
    if not text.strip() and not has_media:
        return [Problem("text", "REQUIRED", "a post needs text or at least one media item")]
    if not storable(text):
        return [_unstorable("text")]
    limit = text_limit(platform)
    if len(text) > limit:
        own = platform in _PLATFORMS and PLATFORM_TEXT_LIMITS[Platform(platform)] == limit
        where = f"on {Platform(platform).name}" if own and platform else "in Coso"
        return [Problem("text", "TOO_LONG",
                        f"text is {len(text)} characters; a post {where} takes at most {limit}")]
    return []


def clean_tags(tags: Sequence[str]) -> tuple[list[str], list[Problem]]:
    """Tags trimmed and de-duplicated (first spelling kept), with what is wrong with them."""
    problems: list[Problem] = []
    cleaned: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(tags):
        tag = raw.strip()
        if not tag:
            problems.append(Problem(f"tags.{i}", "REQUIRED", "a tag cannot be empty"))
        elif not storable(tag):
            problems.append(_unstorable(f"tags.{i}"))
        elif len(tag) > MAX_TAG_LENGTH:
            problems.append(Problem(f"tags.{i}", "TOO_LONG",
                                    f"a tag takes at most {MAX_TAG_LENGTH} characters"))
        elif tag.casefold() not in seen:
            seen.add(tag.casefold())
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        problems.append(Problem("tags", "TOO_MANY", f"a post takes at most {MAX_TAGS} tags"))
    return cleaned, problems


def media_problems(media: Sequence[MediaItem]) -> list[Problem]:
    """Each item: an absolute http(s) URL, a known kind, a bounded alt text."""
    problems: list[Problem] = []
    if len(media) > MAX_MEDIA:
        problems.append(Problem("media", "TOO_MANY",
                                f"a post takes at most {MAX_MEDIA} media items"))
    for i, item in enumerate(media):
        field = f"media.{i}"
        if not item.url.strip():
            problems.append(Problem(f"{field}.url", "REQUIRED", "a media item needs a URL"))
        elif len(item.url) > MAX_URL_LENGTH:
            problems.append(Problem(f"{field}.url", "TOO_LONG",
                                    f"a URL takes at most {MAX_URL_LENGTH} characters"))
        elif not is_web_url(item.url):
            problems.append(Problem(f"{field}.url", "INVALID",
                                    "a media URL must be an absolute http or https URL"))
        if item.kind not in MEDIA_KINDS:
            problems.append(Problem(f"{field}.kind", "INVALID",
                                    f"kind must be one of {', '.join(MEDIA_KINDS)}"))
        if not storable(item.alt):
            problems.append(_unstorable(f"{field}.alt"))
        elif len(item.alt) > MAX_ALT_LENGTH:
            problems.append(Problem(f"{field}.alt", "TOO_LONG",
                                    f"alt text takes at most {MAX_ALT_LENGTH} characters"))
    return problems


def is_web_url(url: str) -> bool:
    try:
        parsed = urlparse(url)
    except ValueError:
        return False
    return (parsed.scheme in {"http", "https"} and bool(parsed.hostname)
            and storable(url) and not any(c.isspace() for c in url))


def storable(text: str) -> bool:
    """Whether PostgreSQL can store the text: no NUL, no lone surrogate (not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unstorable(field: str) -> Problem:
    return Problem(field, "INVALID", f"{field} contains a NUL or an invalid character")
