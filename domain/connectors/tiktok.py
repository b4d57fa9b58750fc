"""TikTok API v2: follower counts, videos with lifetime counts, direct posting, comments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
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
    media_url,
    same_text,
)
from domain.connectors.http import Dialect, Failure, retry_after_header
from domain.connectors.windows import aware
from domain.enums import Platform, PostFormat

API_VERSION = "v2"
VIDEO_FIELDS = "id,create_time,title,video_description,share_url,view_count,like_count," \
               "comment_count,share_count"
COUNTS = {"view_count": "video_views", "like_count": "reactions", "comment_count": "comments",
          "share_count": "shares"}
TOKEN_CODES = frozenset({"access_token_invalid", "access_token_expired", "invalid_token"})
PERMISSION_CODES = frozenset({"scope_not_authorized", "scope_permission_missed"})
STATUS_POLLS = 30


class TikTokDialect(Dialect):
    """Every answer carries {"error": {code, message, log_id}}; code "ok" is success."""

    def failure(self, response: httpx.Response, body: Any, *, publishing: bool) -> Failure | None:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return super().failure(response, body, publishing=publishing)
        code = str(error.get("code", ""))
        if code == "ok" and response.status_code < 400:
            return None
        message = f"HTTP {response.status_code}: {error.get('message', '')} ({code})"
        if code in TOKEN_CODES or response.status_code == 401:
            return Failure("TOKEN_EXPIRED", message)
        if code == "rate_limit_exceeded" or response.status_code == 429:
            return Failure("RATE_LIMITED", message, True, retry_after_header(response))
        if code in PERMISSION_CODES:
            return Failure("PERMISSION_DENIED", message)
        if code == "internal_error" or response.status_code >= 500:
            return Failure("PLATFORM_ERROR", message, True, retry_after_header(response))
        return Failure("REJECTED" if publishing else "PLATFORM_ERROR", message)


def _created(video: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(video["create_time"]), UTC)


def _text(video: dict[str, Any]) -> str:
    return video.get("video_description") or video.get("title") or ""


class TikTokConnector(HttpConnector):
    platform = Platform.TIKTOK
    api_version = API_VERSION
    hosts = {"": "https://open.tiktokapis.com"}
    history_days = 3650
    dialect = TikTokDialect()
    page_size = 20  # max_count: 1..20

    async def channel_metrics(self, auth: ChannelAuth, start: date, end: date
                              ) -> list[MetricPoint]:
        body = await self.http.call("GET", "/v2/user/info/", token=auth.access_token,
                                    params={"fields": "open_id,follower_count,following_count,"
                                                      "likes_count,video_count"})
        user = body["data"]["user"]
        return current_point("followers", self.http.today(), start, end,
                             user.get("follower_count"), "follower_count")

    async def _videos(self, auth: ChannelAuth, since: datetime
                      ) -> AsyncIterator[dict[str, Any]]:
        """The account's videos, newest first, down to `since`."""
        body_cursor: int | None = None
        while True:
            request: dict[str, Any] = {"max_count": self.page_size}
            if body_cursor is not None:
                request["cursor"] = body_cursor
            body = await self.http.call("POST", "/v2/video/list/", token=auth.access_token,
                                        params={"fields": VIDEO_FIELDS}, json=request)
            data = body["data"]
            for video in data["videos"]:
                if _created(video) < since:
                    return
                yield video
            if not data.get("has_more"):
                return
            body_cursor = int(data["cursor"])

    async def posts(self, auth: ChannelAuth, start: date, end: date
                    ) -> AsyncIterator[RemotePost]:
        async for video in self._videos(auth, datetime.combine(start, datetime.min.time(),
                                                                UTC)):
            published = _created(video)
            if published.date() > end:
                continue
            metrics = [lifetime_point(metric, published.date(), video[raw], raw)
                       for raw, metric in COUNTS.items() if video.get(raw) is not None]
            yield RemotePost(video["id"], video.get("share_url", ""), published, _text(video),
                             metrics)

    async def publish(self, auth: ChannelAuth, post: OutgoingPost) -> Published:
        url = media_url(post, self.platform, PostFormat.VIDEO, PostFormat.REEL,
                        PostFormat.IMAGE)
        info = {"title": post.text[:150], "description": post.text,
                "privacy_level": "PUBLIC_TO_EVERYONE", "disable_comment": False}
        if post.format is PostFormat.IMAGE:
            path = "/v2/post/publish/content/init/"
            body: dict[str, Any] = {"post_info": info, "post_mode": "DIRECT_POST",
                                    "media_type": "PHOTO",
                                    "source_info": {"source": "PULL_FROM_URL",
                                                    "photo_images": [url],
                                                    "photo_cover_index": 0}}
        else:
            path = "/v2/post/publish/video/init/"
            body = {"post_info": info,
                    "source_info": {"source": "PULL_FROM_URL", "video_url": url}}
        started = await self.http.call("POST", path, token=auth.access_token, json=body,
                                       publishing=True)
        video_id = await self._until_published(started["data"]["publish_id"], auth)
        found = await self.http.call("POST", "/v2/video/query/", token=auth.access_token,
                                     params={"fields": VIDEO_FIELDS},
                                     json={"filters": {"video_ids": [video_id]}})
        video = found["data"]["videos"][0]
        return Published(video["id"], video.get("share_url", ""), _created(video))

    async def _until_published(self, publish_id: str, auth: ChannelAuth) -> str:
        for _ in range(STATUS_POLLS):
            status = await self.http.call("POST", "/v2/post/publish/status/fetch/",
                                          token=auth.access_token,
                                          json={"publish_id": publish_id})
            data = status["data"]
            if data["status"] == "PUBLISH_COMPLETE":
                # The field's spelling is TikTok's own.
                return str(data["publicaly_available_post_id"][0])
            if data["status"] == "FAILED":
                raise SyncError("REJECTED", f"tiktok: {data.get('fail_reason', 'failed')}")
            await self.http.sleep(min(2.0, self.http.policy.max_wait))
        raise SyncError("TIMEOUT", "tiktok: the post was not processed in time",
                        retryable=True)

    async def find_published(self, auth: ChannelAuth, text: str, since: datetime
                             ) -> Published | None:
        async for video in self._videos(auth, aware(since)):
            if same_text(_text(video), text):
                return Published(video["id"], video.get("share_url", ""), _created(video))
        return None

    async def comments(self, auth: ChannelAuth, post_external_id: str
                       ) -> AsyncIterator[RemoteComment]:
        request: dict[str, Any] = {"video_id": post_external_id, "max_count": self.page_size,
                                   "cursor": 0}
        while True:
            body = await self.http.call(
                "POST", "/v2/research/video/comment/list/", token=auth.access_token,
                params={"fields": "id,video_id,text,like_count,reply_count,parent_comment_id,"
                                  "create_time"}, json=request)
            data = body["data"]
            for row in data["comments"]:
                # The research API does not name comment authors.
                yield RemoteComment(str(row["id"]), post_external_id, "", row.get("text", ""),
                                    datetime.fromtimestamp(int(row["create_time"]), UTC))
            if not data.get("has_more"):
                return
            request["cursor"] = int(data["cursor"])
