"""TikTok API v2: user info, video list and query, direct posting by URL, research comments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from api.emulator.core import JSON, Call, PlatformApi, Refused, json_body
from api.emulator.data import Config, Post, comments_of, find_post, followers, generated_posts, h
from api.emulator.data import post_lifetime as lifetime

PLATFORM = "tiktok"
COUNT_SCALES = {"view_count": 0.2, "like_count": 0.02, "comment_count": 0.001,
                "share_count": 0.0015}
HISTORY_DAYS = 365  # how far back the emulator lists videos
# kind -> (status, code, message)
ERRORS = {
    "auth": (401, "access_token_invalid", "The access token is invalid or not found in the "
                                          "request."),
    "expired": (401, "access_token_invalid", "The access token is invalid or has expired."),
    "throttle": (429, "rate_limit_exceeded", "The API rate limit was exceeded. Please try "
                                             "again later."),
    "permission": (403, "scope_not_authorized", "The user did not authorize the scope "
                                                "required for completing this request."),
    "reject": (403, "spam_risk_too_many_posts", "The daily post cap from the API is reached "
                                                "for the current user."),
    "not_found": (404, "invalid_params", "Not found"),
}


def count(cfg: Config, post: Post, name: str) -> int:
    """A video's lifetime count as of today; 0 for a video just posted."""
    return lifetime(cfg, post, name, COUNT_SCALES[name], cfg.day()) or 0


def share_url(post: Post) -> str:
    return f"https://www.tiktok.com/@{post.account}/video/{post.id}"


def _ms(post: Post) -> int:
    return int(post.published_at.timestamp() * 1000)


def _ok(data: dict[str, Any]) -> JSON:
    return JSON({"data": data, "error": {"code": "ok", "message": "", "log_id": "ok"}})


class TikTokApi(PlatformApi):
    name = PLATFORM

    def error(self, status: int, kind: str, message: str, **extra: Any) -> Response:
        status, code, message = ERRORS.get(kind, (
            status, "internal_error" if status >= 500 else "invalid_params", message))
        return JSON({"data": {}, "error": {"code": code, "message": message,
                                           "log_id": f"{h(message, status) % 10 ** 16}"}},
                    status_code=status)

    def routes(self) -> list[Route]:
        return [
            self.route("/v2/user/info/", "user_info", self.user_info),
            self.route("/v2/video/list/", "video_list", self.video_list, ("POST",)),
            self.route("/v2/video/query/", "video_query", self.video_query, ("POST",)),
            self.route("/v2/post/publish/video/init/", "publish_video", self.publish,
                       ("POST",)),
            self.route("/v2/post/publish/content/init/", "publish_content", self.publish,
                       ("POST",)),
            self.route("/v2/post/publish/status/fetch/", "publish_status", self.status,
                       ("POST",)),
            self.route("/v2/research/video/comment/list/", "comments", self.comments,
                       ("POST",)),
        ]

    @staticmethod
    def _fields(call: Call) -> set[str]:
        return {f for f in (call.param("fields") or "").split(",") if f} | {"id"}

    def _video(self, call: Call, post: Post, fields: set[str]) -> dict[str, Any]:
        values: dict[str, Any] = {"id": post.id, "create_time": int(post.published_at
                                                                    .timestamp()),
                                  "title": post.text[:150], "video_description": post.text,
                                  "share_url": share_url(post), "duration": 15}
        values.update({n: count(call.config, post, n) for n in COUNT_SCALES})
        return {k: v for k, v in values.items() if k in fields}

    async def user_info(self, call: Call) -> Response:
        account = call.account(PLATFORM)
        fields = self._fields(call)
        total = followers(call.config, PLATFORM, account, call.today)
        user = {"open_id": account, "display_name": f"TikTok {account[-4:]}",
                "username": f"tiktok{h('handle', account) % 10 ** 5}",
                "follower_count": total, "following_count": total // 30,
                "likes_count": total * 12, "video_count": 300}
        return _ok({"user": {k: v for k, v in user.items() if k in fields}})

    async def video_list(self, call: Call) -> Response:
        account = call.account(PLATFORM)
        body = await json_body(call.request)
        size = body.get("max_count", 10)
        if not isinstance(size, int) or not 1 <= size <= 20:
            raise Refused(400, "invalid", "max_count must be between 1 and 20")
        before = body.get("cursor")
        today = call.today
        videos = generated_posts(call.config, PLATFORM, account,
                                 today - timedelta(days=HISTORY_DAYS), today)
        videos += call.state.published_on(PLATFORM, account)
        videos.sort(key=_ms, reverse=True)
        if before is not None:
            videos = [v for v in videos if _ms(v) < int(before)]
        page = videos[:size]
        fields = self._fields(call)
        return _ok({"videos": [self._video(call, v, fields) for v in page],
                    "cursor": _ms(page[-1]) if page else int(before or 0),
                    "has_more": len(videos) > size})

    async def video_query(self, call: Call) -> Response:
        account = call.account(PLATFORM)
        body = await json_body(call.request)
        wanted = ((body.get("filters") or {}).get("video_ids")) or []
        if not isinstance(wanted, list) or not 1 <= len(wanted) <= 20:
            raise Refused(400, "invalid", "filters.video_ids must list 1 to 20 ids")
        fields = self._fields(call)
        found = [p for i in wanted if (p := find_post(PLATFORM, str(i))) is not None
                 and p.account == account]
        return _ok({"videos": [self._video(call, p, fields) for p in found], "cursor": 0,
                    "has_more": False})

    async def publish(self, call: Call) -> Response:
        account = call.account(PLATFORM)
        body = await json_body(call.request)
        source = body.get("source_info") or {}
        info = body.get("post_info") or {}
        if source.get("source") != "PULL_FROM_URL":
            raise Refused(400, "invalid", "this emulator takes source PULL_FROM_URL only")
        urls = source.get("photo_images") or [source.get("video_url")]
        if not all(isinstance(u, str) and u.startswith("http") for u in urls):
            raise Refused(400, "invalid", "a media URL is required")
        text = str(info.get("description") or info.get("title") or "")
        post = call.state.publish(PLATFORM, account, text,
                                  video="video_url" in source, media_url=urls[0])
        publish_id = f"v_pub_url~v2.{post.id}"
        call.state.pending[publish_id] = {"post": post.id, "account": account}
        return _ok({"publish_id": publish_id})

    async def status(self, call: Call) -> Response:
        account = call.account(PLATFORM)
        body = await json_body(call.request)
        job = call.state.pending.get(str(body.get("publish_id")))
        if job is None or job["account"] != account:
            raise Refused(400, "invalid", "unknown publish_id")
        return _ok({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [
            int(job["post"])], "uploaded_bytes": 0})

    async def comments(self, call: Call) -> Response:
        body = await json_body(call.request)
        post = find_post(PLATFORM, str(body.get("video_id")))
        if post is None:
            raise Refused(404, "not_found", "no such video")
        size = body.get("max_count", 10)
        start = body.get("cursor", 0)
        if not isinstance(size, int) or not 1 <= size <= 100 or not isinstance(start, int):
            raise Refused(400, "invalid", "max_count must be 1..100 and cursor an integer")
        found = comments_of(call.config, post)
        page = [{"id": int(c.id), "video_id": int(post.id), "text": c.text, "like_count": 0,
                 "reply_count": 0, "parent_comment_id": int(post.id),
                 "create_time": int(c.created_at.timestamp())}
                for c in found[start:start + size]]
        return _ok({"comments": page, "cursor": start + len(page),
                    "has_more": start + size < len(found)})



