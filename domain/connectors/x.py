"""X (API v2): follower counts, posts with their lifetime metrics, posting, replies."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from domain.connectors.base import (
    ChannelAuth,
    MetricPoint,
    OutgoingPost,
    Published,
    RemoteComment,
    RemotePost,
    SyncError,
)
from domain.connectors.common import (
    HttpConnector,
    current_point,
    lifetime_point,
    media_items,
    same_text,
)
from domain.connectors.http import Dialect, Failure, RetryPolicy
from domain.connectors.windows import aware, midnight, parse_instant
from domain.enums import Platform, PostFormat

API_VERSION = "2"
RESET_MARGIN = 0.1  # seconds after x-rate-limit-reset before calling again
TWEET_FIELDS = "created_at,public_metrics,non_public_metrics,attachments"
# public_metrics field -> canonical; impression_count and bookmark_count appear in some
# renders of the docs only, so they are read when present.
PUBLIC = {"like_count": "reactions", "reply_count": "comments", "bookmark_count": "saves"}
NON_PUBLIC = {"url_link_clicks": "clicks"}  # only for posts younger than 30 days
MAX_IMAGES = 4  # images a post may carry
MAX_UPLOAD_BYTES = 15 * 1024 * 1024  # a single-request upload (GIFs up to 15 MB)


class XDialect(Dialect):
    """Errors are problem objects {title, detail, type} (v1.1 style {errors: [{code}]} too);
    quota is x-rate-limit-limit / -remaining / -reset (epoch seconds)."""

    def error_message(self, body: Any) -> str:
        if not isinstance(body, dict):
            return ""
        parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
        for error in body.get("errors") or []:
            if isinstance(error, dict) and error.get("message"):
                code = f" (code {error['code']})" if error.get("code") else ""
                parts.append(f"{error['message']}{code}")
        return "; ".join(dict.fromkeys(parts))

    def failure(self, response: httpx.Response, body: Any, *, publishing: bool) -> Failure | None:
        found = super().failure(response, body, publishing=publishing)
        if found and found.code == "RATE_LIMITED" and found.retry_after is None:
            quota = _quota(response)
            if quota:
                return Failure(found.code, found.message, True, _until(quota[2]))
        return found

    def pause(self, response: httpx.Response, policy: RetryPolicy) -> float:
        """Past `slowdown_at` of the window's quota, spread the calls left evenly until
        the reset, so the window never runs dry."""
        quota = _quota(response)
        if quota is None:
            return 0.0
        limit, remaining, reset = quota
        if limit <= 0 or limit - remaining < limit * policy.slowdown_at:
            return 0.0
        return _until(reset) / max(remaining, 1)


def _quota(response: httpx.Response) -> tuple[int, int, float] | None:
    try:
        return (int(response.headers["x-rate-limit-limit"]),
                int(response.headers["x-rate-limit-remaining"]),
                float(response.headers["x-rate-limit-reset"]))
    except (KeyError, ValueError):
        return None


def _until(reset: float) -> float:
    return max(0.0, reset - time.time()) + RESET_MARGIN


def _iso(moment: datetime) -> str:
    return aware(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


class XConnector(HttpConnector):
    platform = Platform.X
    api_version = API_VERSION
    hosts = {"": "https://api.x.com"}
    history_days = 3650  # no day limit; only the 3,200 latest posts are listed
    dialect = XDialect()
    page_size = 100

    async def channel_metrics(self, auth: ChannelAuth, start: date, end: date
                              ) -> list[MetricPoint]:
        body = await self.http.call("GET", f"/2/users/{auth.external_id}",
                                    token=auth.access_token,
                                    params={"user.fields": "public_metrics"})
        followers = body["data"]["public_metrics"].get("followers_count")
        return current_point("followers", self.http.today(), start, end, followers,
                             "public_metrics.followers_count")

    async def _timeline(self, auth: ChannelAuth, fields: str, since: datetime,
                        until: datetime | None) -> AsyncIterator[tuple[dict, dict]]:
        """(post, media by key) for every post of the user's timeline in the window."""
        params: dict[str, Any] = {"start_time": _iso(since), "max_results": self.page_size,
                                  "tweet.fields": fields,
                                  "expansions": "attachments.media_keys",
                                  "media.fields": "type,public_metrics"}
        if until is not None:
            params["end_time"] = _iso(until)
        while True:
            body = await self.http.call("GET", f"/2/users/{auth.external_id}/tweets",
                                        token=auth.access_token, params=params)
            media = {m["media_key"]: m for m in (body.get("includes") or {}).get("media", [])}
            for post in body.get("data") or []:  # absent when the page is empty
                yield post, media
            token = body["meta"].get("next_token")
            if not token:
                return
            params["pagination_token"] = token

    async def posts(self, auth: ChannelAuth, start: date, end: date
                    ) -> AsyncIterator[RemotePost]:
        async for post, media in self._timeline(auth, TWEET_FIELDS, midnight(start),
                                                midnight(end + timedelta(days=1))):
            published = parse_instant(post["created_at"])
            if start <= published.date() <= end:
                yield RemotePost(post["id"], _permalink(post["id"]), published, post["text"],
                                 _metrics(post, media, published.date()))

    async def publish(self, auth: ChannelAuth, post: OutgoingPost) -> Published:
        body: dict[str, Any] = {"text": post.text}
        if post.format in (PostFormat.IMAGE, PostFormat.GIF, PostFormat.CAROUSEL):
            items = media_items(post, self.platform, post.format)[:MAX_IMAGES]
            body["media"] = {"media_ids": [await self._upload(auth, url, post.format)
                                           for url, _, _ in items]}
        elif post.format not in (PostFormat.TEXT, PostFormat.LINK):
            # Videos need X's chunked upload, which this connector does not speak yet.
            raise SyncError("REJECTED", f"x: this connector posts text, links, images and "
                                        f"GIFs, not {post.format}")
        created = await self.http.call("POST", "/2/tweets", token=auth.access_token,
                                       json=body, publishing=True)
        post_id = created["data"]["id"]
        row = await self.http.call("GET", f"/2/tweets/{post_id}", token=auth.access_token,
                                   params={"tweet.fields": "created_at"})
        return Published(post_id, _permalink(post_id), parse_instant(row["data"]["created_at"]))

    async def _upload(self, auth: ChannelAuth, url: str, kind: PostFormat) -> str:
        """One image or GIF uploaded in a single request (invisible until a post uses it)."""
        content, mime = await self.http.download(url, max_bytes=MAX_UPLOAD_BYTES)
        category = "tweet_gif" if kind is PostFormat.GIF else "tweet_image"
        name = url.rsplit("/", 1)[-1].split("?")[0] or "media"
        uploaded = await self.http.call("POST", "/2/media/upload", token=auth.access_token,
                                        data={"media_category": category},
                                        files={"media": (name, content, mime)})
        return str(uploaded["data"]["id"])

    async def find_published(self, auth: ChannelAuth, text: str, since: datetime
                             ) -> Published | None:
        async for post, _ in self._timeline(auth, "created_at", aware(since), None):
            if same_text(post["text"], text):
                return Published(post["id"], _permalink(post["id"]),
                                 parse_instant(post["created_at"]))
        return None

    async def comments(self, auth: ChannelAuth, post_external_id: str
                       ) -> AsyncIterator[RemoteComment]:
        params: dict[str, Any] = {"query": f"conversation_id:{post_external_id}",
                                  "tweet.fields": "created_at,author_id,conversation_id",
                                  "expansions": "author_id", "user.fields": "username",
                                  "max_results": self.page_size}
        while True:
            body = await self.http.call("GET", "/2/tweets/search/recent",
                                        token=auth.access_token, params=params)
            users = {u["id"]: u.get("username", "") for u in
                     (body.get("includes") or {}).get("users", [])}
            for reply in body.get("data") or []:
                if reply["id"] != post_external_id:
                    yield RemoteComment(reply["id"], post_external_id,
                                        users.get(reply.get("author_id"), ""), reply["text"],
                                        parse_instant(reply["created_at"]))
            token = body["meta"].get("next_token")
            if not token:
                return
            params["next_token"] = token


def _permalink(post_id: str) -> str:
    return f"https://x.com/i/web/status/{post_id}"


def _metrics(post: dict[str, Any], media: dict[str, dict], day: date) -> list[MetricPoint]:
    public = post["public_metrics"]
    private = post.get("non_public_metrics") or {}
    points = [lifetime_point(metric, day, public[raw], f"public_metrics.{raw}")
              for raw, metric in PUBLIC.items() if public.get(raw) is not None]
    points += [lifetime_point(metric, day, private[raw], f"non_public_metrics.{raw}")
               for raw, metric in NON_PUBLIC.items() if private.get(raw) is not None]
    if public.get("retweet_count") is not None and public.get("quote_count") is not None:
        points.append(lifetime_point("shares", day, public["retweet_count"] +
                                     public["quote_count"],
                                     "public_metrics.retweet_count+quote_count"))
    for source, values in (("non_public_metrics", private), ("public_metrics", public)):
        if values.get("impression_count") is not None:
            points.append(lifetime_point("impressions", day, values["impression_count"],
                                         f"{source}.impression_count"))
            break
    keys = (post.get("attachments") or {}).get("media_keys") or []
    views = [media[k]["public_metrics"]["view_count"] for k in keys if k in media
             and media[k].get("type") == "video"
             and (media[k].get("public_metrics") or {}).get("view_count") is not None]
    if views:
        points.append(lifetime_point("video_views", day, sum(views),
                                     "media.public_metrics.view_count"))
    return points
