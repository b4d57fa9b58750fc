"""Post content limits: text per platform, tags, media URLs and kinds."""

from __future__ import annotations

import pytest

from domain.enums import Platform
from domain.rules.content import (
    MAX_TEXT_LENGTH,
    MediaItem,
    clean_tags,
    media_problems,
    storable,
    text_limit,
    text_problems,
)


@pytest.mark.parametrize(("platform", "limit"), [
    (Platform.X, 280), ("x", 280), (Platform.INSTAGRAM, 2200), (Platform.LINKEDIN, 3000),
    (Platform.FACEBOOK, MAX_TEXT_LENGTH), (None, MAX_TEXT_LENGTH), ("myspace", MAX_TEXT_LENGTH),
])
def test_text_limit(platform, limit):
    assert text_limit(platform) == limit


def test_text_problems():
    assert text_problems("x" * 280, "x", has_media=False) == []
    (problem,) = text_problems("x" * 281, "x", has_media=False)
    assert (problem.field, problem.code) == ("text", "TOO_LONG") and "on X" in problem.message
    (problem,) = text_problems("x" * 5001, "facebook", has_media=False)
    assert "in Coso" in problem.message
    assert [p.code for p in text_problems("  ", "x", has_media=False)] == ["REQUIRED"]
    assert text_problems("", "instagram", has_media=True) == []


def test_tags_are_trimmed_deduplicated_and_bounded():
    tags, problems = clean_tags([" Launch", "launch", "autumn ", "", "t" * 51])
    assert tags == ["Launch", "autumn"]
    assert [(p.field, p.code) for p in problems] == [("tags.3", "REQUIRED"),
                                                     ("tags.4", "TOO_LONG")]
    tags, problems = clean_tags([f"t{i}" for i in range(31)])
    assert [(p.field, p.code) for p in problems] == [("tags", "TOO_MANY")]


@pytest.mark.parametrize(("url", "code"), [
    ("https://cdn.example/a.jpg", None), ("http://cdn.example/a.jpg", None),
    ("ftp://cdn.example/a.jpg", "INVALID"), ("javascript:alert(1)", "INVALID"),
    ("/relative.jpg", "INVALID"), ("https://", "INVALID"), ("https://a b/c", "INVALID"),
    ("", "REQUIRED"), ("https://cdn.example/" + "a" * 2048, "TOO_LONG"),
])
def test_media_urls(url, code):
    problems = media_problems([MediaItem(url=url)])
    assert [p.code for p in problems] == ([code] if code else [])


def test_media_kind_alt_and_count():
    problems = media_problems([MediaItem(url="https://x.example/a", kind="AUDIO", alt="a" * 1001)])
    assert [(p.field, p.code) for p in problems] == [("media.0.kind", "INVALID"),
                                                     ("media.0.alt", "TOO_LONG")]
    many = [MediaItem(url=f"https://x.example/{i}") for i in range(21)]
    assert [(p.field, p.code) for p in media_problems(many)] == [("media", "TOO_MANY")]


def test_storable_text():
    assert storable("Ciao 👋 — àèì")
    assert not storable("a\x00b")
    assert not storable("lone \ud800 surrogate")
    assert [p.code for p in text_problems("a\x00", "x", has_media=False)] == ["INVALID"]
