"""YouTube: Analytics API v2 reports and the Data API v3 (channels, search, comments, upload)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from api.emulator.core import (
    JSON,
    Call,
    PlatformApi,
    Refused,
    cursor,
    json_body,
    offset_of,
    parse_instant,
    token_account,
)
from api.emulator.data import (
    Config,
    Post,
    available,
    comments_of,
    find_post,
    followers,
    generated_posts,
    h,
    post_series,
    series,
)
from api.emulator.state import Fault

PLATFORM = "youtube"
CHANNEL_SCALES = {"views": 0.12, "likes": 0.005, "dislikes": 0.0002, "comments": 0.0008,
                  "shares": 0.0006, "subscribersGained": 0.0012, "subscribersLost": 0.0003,
                  "estimatedMinutesWatched": 0.3}
VIDEO_SCALES = {"views": 0.06, "likes": 0.003, "dislikes": 0.0001, "comments": 0.0005,
                "shares": 0.0003, "estimatedMinutesWatched": 0.15}
# kind -> (status, reason, status name, message)
ERRORS = {
    "auth": (401, "authError", "UNAUTHENTICATED", "Request had invalid authentication "
             "credentials. Expected OAuth 2 access token, login cookie or other valid "
             "authentication credential."),
    "expired": (401, "authError", "UNAUTHENTICATED", "Request had invalid authentication "
                "credentials: the access token expired."),
    "throttle": (429, "rateLimitExceeded", "RESOURCE_EXHAUSTED",
                 "Resource has been exhausted (e.g. check quota)."),
    "quota": (403, "quotaExceeded", "PERMISSION_DENIED", "The request cannot be completed "
              "because you have exceeded your quota."),
    "permission": (403, "forbidden", "PERMISSION_DENIED", "Forbidden"),
    "not_found": (404, "notFound", "NOT_FOUND", "Not found"),
    "reject": (400, "uploadLimitExceeded", "INVALID_ARGUMENT",
               "The user has exceeded the number of videos they may upload."),
}


def channel_value(cfg: Config, channel: str, name: str, day: date) -> int:
    return series(cfg, PLATFORM, channel, name, day, CHANNEL_SCALES[name])


def video_value(cfg: Config, post: Post, name: str, day: date) -> int | None:
    return post_series(cfg, post, name, day, VIDEO_SCALES[name])


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _snippet(post: Post) -> dict[str, Any]:
    title = (post.text.strip().splitlines() or ["Video"])[0][:100]
    return {"publishedAt": _stamp(post.published_at), "channelId": post.account,
            "title": title, "description": post.text, "channelTitle": f"Channel {post.account}"}


class YouTubeApi(PlatformApi):
    name = PLATFORM

    def error(self, status: int, kind: str, message: str, **extra: Any) -> Response:
        if kind in ERRORS:
            status, reason, name, message = ERRORS[kind]
        elif status >= 500:
            reason, name = "backendError", "UNAVAILABLE" if status == 503 else "INTERNAL"
            message = "The service is currently unavailable." if status == 503 else \
                "Internal error encountered."
        else:
            reason, name = "badRequest", "INVALID_ARGUMENT"
        domain = "youtube.quota" if reason == "quotaExceeded" else "global"
        return JSON({"error": {"code": status, "message": message, "status": name,
                               "errors": [{"message": message, "domain": domain,
                                           "reason": reason}]}}, status_code=status)

    def native_throttle(self, reset: float, token: str, fault: Fault, limit: int) -> Response:
        return self.error(403, "quota", "")  # the Data API's daily quota is used up

    def routes(self) -> list[Route]:
        upload = "/upload/youtube/v3/videos"
        return [
            self.route("/v2/reports", "reports", self.reports),
            self.route("/youtube/v3/channels", "channels", self.channels),
            self.route("/youtube/v3/search", "search", self.search),
            self.route("/youtube/v3/commentThreads", "comment_threads", self.comment_threads),
            self.route(upload, "upload_start", self.upload_start, ("POST",)),
            self.route(upload, "upload", self.upload, ("PUT",)),
        ]

    @staticmethod
    def _channel(call: Call, ids: str | None) -> str:
        kind, _, channel = (ids or "").partition("==")
        if kind != "channel" or not channel:
            raise Refused(400, "invalid", "ids must be channel==MINE or channel==<id>")
        if channel == "MINE":
            return call.account(PLATFORM)
        call.own(PLATFORM, channel)
        return channel

    @staticmethod
    def _day(call: Call, name: str) -> date:
        raw = call.param(name)
        try:
            return date.fromisoformat(raw or "")
        except ValueError:
            raise Refused(400, "invalid", f"{name} must be YYYY-MM-DD") from None

    async def reports(self, call: Call) -> Response:
        cfg = call.config
        channel = self._channel(call, call.param("ids"))
        start, end = self._day(call, "startDate"), self._day(call, "endDate")
        if end < start:
            raise Refused(400, "invalid", "endDate must not be before startDate")
        metrics = [m for m in (call.param("metrics") or "").split(",") if m]
        video = None
        kind, _, value = (call.param("filters") or "").partition("==")
        if kind == "video":
            video = find_post(PLATFORM, value)
            if video is None or video.account != channel:
                raise Refused(400, "invalid", f"no video {value} on channel {channel}")
        scales = VIDEO_SCALES if video else CHANNEL_SCALES
        for m in metrics or ["(none)"]:
            if m not in scales:
                raise Refused(400, "invalid", f"Unknown identifier ({m}) given in field "
                                              "parameters.metrics.")
        if call.param("dimensions") not in (None, "day"):
            raise Refused(400, "invalid", "this emulator serves dimensions=day only")
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)
                if available(cfg, PLATFORM, start + timedelta(days=i))]
        rows = []
        for day in days:
            values = ([video_value(cfg, video, m, day) for m in metrics] if video else
                      [channel_value(cfg, channel, m, day) for m in metrics])
            if all(v is not None for v in values):
                rows.append([day.isoformat(), *values])
        if call.param("sort") == "-day":
            rows.reverse()
        first = call.int_param("startIndex", 1, 1, 10 ** 6) - 1
        size = call.int_param("maxResults", 10 ** 6, 1, 10 ** 6)
        body: dict[str, Any] = {
            "kind": "youtubeAnalytics#resultTable",
            "columnHeaders": [{"name": "day", "columnType": "DIMENSION", "dataType": "STRING"}]
            + [{"name": m, "columnType": "METRIC", "dataType": "INTEGER"} for m in metrics]}
        if rows[first:first + size]:
            body["rows"] = rows[first:first + size]
        return JSON(body)

    async def channels(self, call: Call) -> Response:
        channel = call.param("id") or (call.account(PLATFORM) if call.param("mine") else "")
        if not channel:
            raise Refused(400, "invalid", "give id or mine=true")
        call.own(PLATFORM, channel)
        count = followers(call.config, PLATFORM, channel, call.today)
        item = {"kind": "youtube#channel", "id": channel,
                "snippet": {"title": f"Channel {channel[-4:]}",
                            "customUrl": f"@youtube{h('handle', channel) % 10 ** 5}"},
                "statistics": {"viewCount": str(count * 40), "subscriberCount": str(count),
                               "hiddenSubscriberCount": False, "videoCount": "120"}}
        return JSON({"kind": "youtube#channelListResponse", "items": [item],
                     "pageInfo": {"totalResults": 1, "resultsPerPage": 5}})

    def _videos(self, call: Call, channel: str) -> list[Post]:
        now = call.config.now()
        since = parse_instant(call.param("publishedAfter"), "publishedAfter") or \
            now - timedelta(days=365)
        until = parse_instant(call.param("publishedBefore"), "publishedBefore") or now
        found = generated_posts(call.config, PLATFORM, channel, since.date(), until.date())
        found += call.state.published_on(PLATFORM, channel)
        return sorted((p for p in found if since <= p.published_at < until),
                      key=lambda p: (p.published_at, p.id), reverse=True)

    async def search(self, call: Call) -> Response:
        channel = call.param("channelId") or ""
        if call.param("forMine") == "true":
            channel = call.account(PLATFORM)
        if not channel or call.param("type") != "video":
            raise Refused(400, "invalid", "this emulator searches type=video of a channelId")
        call.own(PLATFORM, channel)
        videos = self._videos(call, channel)
        size = call.int_param("maxResults", 5, 0, 50)
        at = offset_of(call.param("pageToken"))
        page = videos[at:at + size]
        body: dict[str, Any] = {
            "kind": "youtube#searchListResponse",
            "pageInfo": {"totalResults": len(videos), "resultsPerPage": size},
            "items": [{"kind": "youtube#searchResult", "etag": str(h("etag", p.id)),
                       "id": {"kind": "youtube#video", "videoId": p.id},
                       "snippet": _snippet(p)} for p in page]}
        if at + size < len(videos):
            body["nextPageToken"] = cursor(at + size)
        return JSON(body)

    async def comment_threads(self, call: Call) -> Response:
        post = find_post(PLATFORM, call.param("videoId") or "")
        if post is None:
            raise Refused(404, "not_found", "The video identified by videoId could not be "
                                            "found.")
        call.own(PLATFORM, post.account)
        found = list(reversed(comments_of(call.config, post)))  # newest first
        size = call.int_param("maxResults", 20, 1, 100)
        at = offset_of(call.param("pageToken"))
        items = [{"kind": "youtube#commentThread", "id": c.id,
                  "snippet": {"videoId": post.id, "totalReplyCount": 0, "topLevelComment": {
                      "kind": "youtube#comment", "id": c.id,
                      "snippet": {"authorDisplayName": f"@{c.author}", "textDisplay": c.text,
                                  "textOriginal": c.text, "likeCount": 0,
                                  "publishedAt": _stamp(c.created_at)}}}}
                 for c in found[at:at + size]]
        body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "items": items}
        if at + size < len(found):
            body["nextPageToken"] = cursor(at + size)
        return JSON(body)

    async def upload_start(self, call: Call) -> Response:
        if call.param("uploadType") != "resumable":
            raise Refused(400, "invalid", "this emulator takes resumable uploads only")
        channel = call.account(PLATFORM)
        body = await json_body(call.request)
        snippet = body.get("snippet") or {}
        if not str(snippet.get("title") or "").strip():
            raise Refused(400, "invalid", "snippet.title is required")
        upload = f"u{h('upload', channel, len(call.state.pending)) % 10 ** 12}"
        call.state.pending[upload] = {"channel": channel,
                                      "description": str(snippet.get("description") or "")}
        location = str(call.request.url.include_query_params(upload_id=upload))
        return Response(status_code=200, headers={"location": location})

    async def upload(self, call: Call) -> Response:
        upload = call.state.pending.get(call.param("upload_id") or "")
        if upload is None or token_account(PLATFORM, call.token) != upload["channel"]:
            raise Refused(404, "not_found", "No such upload session")
        if upload.get("done"):
            raise Refused(400, "invalid", "This upload session is complete")
        content = await call.request.body()
        if not content:
            raise Refused(400, "invalid", "The upload is empty")
        post = call.state.publish(PLATFORM, upload["channel"], upload["description"],
                                  video=True)
        upload["done"] = True
        return JSON({"kind": "youtube#video", "id": post.id, "snippet": _snippet(post),
                     "status": {"uploadStatus": "uploaded", "privacyStatus": "public"}})
