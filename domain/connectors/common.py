"""What every connector shares: its HTTP helper, lifetime and current-value points, text match."""

from __future__ import annotations

import functools
import inspect
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from domain.connectors.base import MetricPoint, OutgoingPost, SyncError
from domain.connectors.http import SHAPE_ERRORS, Dialect, PlatformHttp, RetryPolicy, Sleep
from domain.enums import Platform, PostFormat

LIFETIME = ":lifetime"


class HttpConnector:
    """A connector speaking to one platform through one PlatformHttp.

    Every interface method of a subclass is guarded: an answer the parsing code cannot
    read (a KeyError, a bad date or number) becomes SyncError MALFORMED_RESPONSE, never a
    raw exception.
    """

    platform: Platform
    api_version: str
    history_days: int
    dialect: Dialect = Dialect()
    hosts: dict[str, str]
    """The platform's own hosts: "" its main API, other keys its extra services."""

    def __init__(self, http: PlatformHttp) -> None:
        self.http = http

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in GUARDED:
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "guarded", False):
                setattr(cls, name, _guard(method))

    @classmethod
    def build(cls, client: Any, base: str, *, policy: RetryPolicy | None = None,
              sleep: Sleep | None = None) -> HttpConnector:
        return cls(PlatformHttp(client, cls.platform, base, cls.dialect, policy=policy,
                                sleep=sleep))


GUARDED = ("channel_metrics", "posts", "publish", "find_published", "comments", "messages",
           "reply", "find_reply", "hide", "delete")


def _malformed(connector: HttpConnector, error: Exception) -> SyncError:
    return SyncError("MALFORMED_RESPONSE", f"{connector.platform}: an answer without the "
                     f"documented shape ({type(error).__name__}: {str(error)[:120]})",
                     retryable=True)


def _guard(method: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isasyncgenfunction(method):
        @functools.wraps(method)
        async def guarded_items(self: HttpConnector, *args: Any, **kwargs: Any) -> Any:
            try:
                async for item in method(self, *args, **kwargs):
                    yield item
            except SHAPE_ERRORS as error:
                raise _malformed(self, error) from None

        guarded_items.guarded = True  # type: ignore[attr-defined]
        return guarded_items

    @functools.wraps(method)
    async def guarded(self: HttpConnector, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        except SHAPE_ERRORS as error:
            raise _malformed(self, error) from None

    guarded.guarded = True  # type: ignore[attr-defined]
    return guarded


def listed(value: Any) -> list[Any]:
    """A JSON list, or TypeError (an object where a list belongs is not an empty page)."""
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def lifetime_point(metric: str, published: date, value: Any, raw: str) -> MetricPoint:
    """A lifetime total, dated on the post's publish day (see RemotePost)."""
    return MetricPoint(metric, published, Decimal(str(value)), raw + LIFETIME)


def current_point(metric: str, today: date, start: date, end: date, value: Any,
                  raw: str) -> list[MetricPoint]:
    """A value the platform only gives as of now (followers): dated on the platform's
    today, kept only when today is inside the asked window; absent stays absent."""
    if value is None or not start <= today <= end:
        return []
    return [MetricPoint(metric, today, Decimal(str(value)), raw)]


def same_text(a: str | None, b: str | None) -> bool:
    """Whether a platform's copy of a text is ours (platforms trim and re-normalise)."""
    def norm(text: str | None) -> str:
        return " ".join(unicodedata.normalize("NFC", text or "").split())
    return norm(a) == norm(b)


def media_items(post: OutgoingPost, platform: Platform, *formats: PostFormat,
                least: int = 1) -> list[tuple[str, bool, str]]:
    """(url, is it a video, alt text) of each media item of a post whose format the
    platform can publish; SyncError REJECTED otherwise, or with fewer than `least`."""
    if post.format not in formats:
        allowed = ", ".join(formats)
        raise SyncError("REJECTED", f"{platform}: cannot publish a {post.format} post "
                                    f"(supported: {allowed})")
    items = [(str(m["url"]), _is_video(m), str(m.get("alt") or ""))
             for m in post.media if isinstance(m, dict) and m.get("url")]
    if len(items) < least:
        raise SyncError("REJECTED", f"{platform}: a {post.format} post needs "
                                    f"{'a media URL' if least == 1 else f'{least} media URLs'}")
    return items


def media_url(post: OutgoingPost, platform: Platform, *formats: PostFormat) -> str:
    """The first media URL of a post whose format the platform can publish, else REJECTED."""
    return media_items(post, platform, *formats)[0][0]


def _is_video(item: dict[str, Any]) -> bool:
    kind = str(item.get("kind") or "").lower()
    return kind == "video" or str(item["url"]).lower().endswith(VIDEO_ENDINGS)


VIDEO_ENDINGS = (".mp4", ".mov", ".m4v", ".webm")
