"""YouTube: Analytics API v2 reports for figures, Data API v3 for videos, uploads, comments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from domain.connectors.base import (
    ChannelAuth,
    MetricPoint,
    OutgoingPost,
    Published,
    RemoteComment,
    RemotePost,
)
from domain.connectors.common import (
    HttpConnector,
    current_point,
    listed,
    media_url,
    same_text,
)
from domain.connectors.http import Dialect, Failure, PlatformHttp, RetryPolicy, Sleep
from domain.connectors.windows import aware, midnight, parse_instant
from domain.enums import Platform, PostFormat

API_VERSION = "v2"  # YouTube Analytics API; videos and comments come from Data API v3
DATA_HOST = "https://www.googleapis.com"
ANALYTICS_HOST = "https://youtubeanalytics.googleapis.com"
PACIFIC = ZoneInfo("America/Los_Angeles")
CHANNEL = {"views": "video_views", "likes": "reactions", "comments": "comments",
           "shares": "shares", "subscribersGained": "follows"}
VIDEO = {"views": "video_views", "likes": "reactions", "comments": "comments",
         "shares": "shares"}
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


class GoogleDialect(Dialect):
    """Errors are {"error": {code, message, errors: [{reason}], status}}; the Data API's
    daily quota resets at midnight Pacific time."""

    def error_message(self, body: Any) -> str:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return ""
        reasons = ", ".join(str(e.get("reason")) for e in error.get("errors") or []
                            if isinstance(e, dict) and e.get("reason"))
        return f"{error.get('message', '')}" + (f" ({reasons})" if reasons else "")

    def failure(self, response: httpx.Response, body: Any, *, publishing: bool) -> Failure | None:
        found = super().failure(response, body, publishing=publishing)
        error = body.get("error") if isinstance(body, dict) else None
        if found is None or response.status_code != 403 or not isinstance(error, dict):
            return found
        reasons = {e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)}
        if reasons & QUOTA_REASONS:
            return Failure("RATE_LIMITED", found.message, True, _until_pacific_midnight())
        if reasons & RATE_REASONS:
            return Failure("RATE_LIMITED", found.message, True)
        return found


def _until_pacific_midnight() -> float:
    now = datetime.now(PACIFIC)
    midnight_next = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(),
                                     PACIFIC)
    return (midnight_next - now).total_seconds()


def _iso(moment: datetime) -> str:
    return aware(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


class YouTubeConnector(HttpConnector):
    platform = Platform.YOUTUBE
    api_version = API_VERSION
    hosts = {"": DATA_HOST, "analytics": ANALYTICS_HOST}
    history_days = 3650
    dialect = GoogleDialect()
    page_size = 50  # videos per search page
    report_rows = 200  # report rows per call

    def __init__(self, http: PlatformHttp, analytics: PlatformHttp) -> None:
        super().__init__(http)
        self.analytics = analytics

    @classmethod
    def build(cls, client: Any, base: str, *, policy: RetryPolicy | None = None,
              sleep: Sleep | None = None) -> YouTubeConnector:
        # The emulator serves both services under one base; the real ones live apart.
        analytics = ANALYTICS_HOST if base.rstrip("/") == DATA_HOST else base
        return cls(*(PlatformHttp(client, cls.platform, b, cls.dialect, policy=policy,
                                  sleep=sleep) for b in (base, analytics)))

    async def _report(self, auth: ChannelAuth, start: date, end: date, metrics: dict[str, str],
                      filters: str | None = None) -> list[MetricPoint]:
        """Daily report rows of start..end, page by page (startIndex is 1-based)."""
        params: dict[str, Any] = {
            "ids": f"channel=={auth.external_id}", "startDate": start.isoformat(),
            "endDate": end.isoformat(), "metrics": ",".join(metrics), "dimensions": "day",
            "sort": "day", "maxResults": self.report_rows, "startIndex": 1}
        if filters:
            params["filters"] = filters
        points: list[MetricPoint] = []
        while True:
            body = await self.analytics.call("GET", "/v2/reports", token=auth.access_token,
                                             params=params)
            names = [column["name"] for column in body["columnHeaders"]]
            rows = listed(body.get("rows") or [])  # absent when there is no data
            for row in rows:
                values = dict(zip(names, row, strict=True))
                day = date.fromisoformat(values["day"])
                points += [MetricPoint(metric, day, Decimal(str(values[raw])), raw)
                           for raw, metric in metrics.items() if values.get(raw) is not None]
            if len(rows) < self.report_rows:
                return points
            params["startIndex"] += len(rows)

    async def channel_metrics(self, auth: ChannelAuth, start: date, end: date
                              ) -> list[MetricPoint]:
        body = await self.http.call("GET", "/youtube/v3/channels", token=auth.access_token,
                                    params={"part": "statistics", "id": auth.external_id})
        statistics = body["items"][0]["statistics"]
        subscribers = (None if statistics.get("hiddenSubscriberCount")
                       else statistics.get("subscriberCount"))
        today = self.http.today()
        points = current_point("followers", today, start, end, subscribers,
                               "statistics.subscriberCount")
        if start <= min(end, today):
            points += await self._report(auth, start, min(end, today), CHANNEL)
        return points

    async def _videos(self, auth: ChannelAuth, since: datetime, until: datetime | None
                      ) -> AsyncIterator[dict[str, Any]]:
        params: dict[str, Any] = {"part": "snippet", "channelId": auth.external_id,
                                  "type": "video", "order": "date",
                                  "publishedAfter": _iso(since),
                                  "maxResults": self.page_size}
        if until is not None:
            params["publishedBefore"] = _iso(until)
        while True:
            body = await self.http.call("GET", "/youtube/v3/search", token=auth.access_token,
                                        params=params)
            for item in listed(body["items"]):
                yield item
            token = body.get("nextPageToken")
            if not token:
                return
            params["pageToken"] = token

    async def posts(self, auth: ChannelAuth, start: date, end: date
                    ) -> AsyncIterator[RemotePost]:
        async for item in self._videos(auth, midnight(start), midnight(end + timedelta(1))):
            video, snippet = item["id"]["videoId"], item["snippet"]
            published = parse_instant(snippet["publishedAt"])
            if not start <= published.date() <= end:
                continue
            first, last = max(start, published.date()), min(end, self.http.today())
            metrics = (await self._report(auth, first, last, VIDEO, f"video=={video}")
                       if first <= last else [])
            yield RemotePost(video, _watch(video), published,
                             snippet.get("description") or snippet.get("title", ""), metrics)

    async def publish(self, auth: ChannelAuth, post: OutgoingPost) -> Published:
        url = media_url(post, self.platform, PostFormat.VIDEO, PostFormat.REEL)
        content, kind = await self.http.download(url)
        title = (post.text.strip().splitlines() or ["Video"])[0][:100]
        session = await self.http.call(
            "POST", "/upload/youtube/v3/videos", token=auth.access_token,
            params={"uploadType": "resumable", "part": "snippet,status"},
            json={"snippet": {"title": title, "description": post.text, "categoryId": "22"},
                  "status": {"privacyStatus": "public"}},
            headers={"X-Upload-Content-Type": kind,
                     "X-Upload-Content-Length": str(len(content))},
            parse=lambda _, response: response.headers["location"])
        video = await self.http.call("PUT", self.http.follow(session),
                                     token=auth.access_token, content=content,
                                     headers={"Content-Type": kind}, publishing=True)
        return Published(video["id"], _watch(video["id"]),
                         parse_instant(video["snippet"]["publishedAt"]))

    async def find_published(self, auth: ChannelAuth, text: str, since: datetime
                             ) -> Published | None:
        async for item in self._videos(auth, aware(since), None):
            snippet = item["snippet"]
            if same_text(snippet.get("description"), text):
                video = item["id"]["videoId"]
                return Published(video, _watch(video), parse_instant(snippet["publishedAt"]))
        return None

    async def comments(self, auth: ChannelAuth, post_external_id: str
                       ) -> AsyncIterator[RemoteComment]:
        params: dict[str, Any] = {"part": "snippet", "videoId": post_external_id,
                                  "maxResults": self.page_size,
                                  "textFormat": "plainText"}
        while True:
            body = await self.http.call("GET", "/youtube/v3/commentThreads",
                                        token=auth.access_token, params=params)
            for item in listed(body["items"]):
                top = item["snippet"]["topLevelComment"]
                snippet = top["snippet"]
                yield RemoteComment(top["id"], post_external_id,
                                    snippet.get("authorDisplayName", ""),
                                    snippet.get("textOriginal") or snippet.get("textDisplay", ""),
                                    parse_instant(snippet["publishedAt"]))
            token = body.get("nextPageToken")
            if not token:
                return
            params["pageToken"] = token


def _watch(video: str) -> str:
    return f"https://www.youtube.com/watch?v={video}"

