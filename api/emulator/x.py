"""X API v2: users, timelines with public and private metrics, posting, reply search."""

from __future__ import annotations

import math
from datetime import timedelta
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
    multipart_fields,
    offset_of,
)
from api.emulator.core import parse_instant as instant
from api.emulator.data import Config, Post, comments_of, find_post, followers, generated_posts, h
from api.emulator.data import post_lifetime as lifetime
from api.emulator.state import Fault

PLATFORM = "x"
PUBLIC_SCALES = {"retweet_count": 0.0007, "reply_count": 0.0008, "like_count": 0.004,
                 "quote_count": 0.0002, "bookmark_count": 0.0005, "impression_count": 0.08}
PRIVATE_SCALES = {"impression_count": 0.08, "url_link_clicks": 0.002,
                  "user_profile_clicks": 0.0006}
VIEW_SCALE = 0.03
PRIVATE_DAYS = 30  # non_public_metrics exist for posts younger than this
SEARCH_DAYS = 7  # recent search sees the last week only
PROBLEM = "https://api.twitter.com/2/problems/"
MEDIA_CATEGORIES = frozenset({"tweet_image", "tweet_gif", "tweet_video"})


def metric(cfg: Config, post: Post, name: str, scale: float) -> int:
    """A post's lifetime count as of today; X shows 0 (not nothing) for a new post."""
    return lifetime(cfg, post, name, scale, cfg.day()) or 0


def _key(name: str) -> str:
    # impression_count is one figure, shown in both public and private metrics.
    return "impression_count" if name == "impression_count" else f"x_{name}"


def public_metrics(cfg: Config, post: Post) -> dict[str, int]:
    return {n: metric(cfg, post, _key(n), s) for n, s in PUBLIC_SCALES.items()}


def private_metrics(cfg: Config, post: Post) -> dict[str, int] | None:
    if (cfg.day() - post.day).days >= PRIVATE_DAYS:
        return None
    return {n: metric(cfg, post, _key(n), s) for n, s in PRIVATE_SCALES.items()}


def video_views(cfg: Config, post: Post) -> int | None:
    return metric(cfg, post, "x_view_count", VIEW_SCALE) if post.video else None


def _stamp(post_time: Any) -> str:
    return post_time.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class XApi(PlatformApi):
    name = PLATFORM

    def error(self, status: int, kind: str, message: str, **extra: Any) -> Response:
        if kind in ("auth", "expired"):
            body = {"title": "Unauthorized", "type": "about:blank", "status": 401,
                    "detail": "Unauthorized"}
        elif kind == "invalid":
            body = {"errors": [{"message": message}], "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": f"{PROBLEM}invalid-request"}
        elif kind == "reject":
            body = {"detail": "You are not allowed to create a Tweet with duplicate content.",
                    "type": "about:blank", "title": "Forbidden", "status": 403}
            status = 403
        elif kind == "permission":
            body = {"title": "Forbidden", "type": "about:blank", "status": 403,
                    "detail": message}
        else:
            title = "Service Unavailable" if status == 503 else "Internal Server Error"
            body = {"title": title, "detail": title, "type": "about:blank", "status": status}
        return JSON(body, status_code=status)

    def quota_headers(self, used: int, limit: int, reset: float, token: str) -> dict[str, str]:
        return {"x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": str(max(0, limit - used)),
                "x-rate-limit-reset": str(math.ceil(reset))}

    def throttled(self, reset: float, token: str, fault: Fault | None, limit: int) -> Response:
        # No Retry-After: X's signal is x-rate-limit-reset.
        response = JSON({"title": "Too Many Requests", "detail": "Too Many Requests",
                         "type": "about:blank", "status": 429,
                         "errors": [{"code": 88, "message": "Rate limit exceeded"}]},
                        status_code=429)
        return self._with(response, self.quota_headers(limit + 1, limit, reset, token))

    def routes(self) -> list[Route]:
        return [
            self.route("/2/users/{user}/tweets", "timeline", self.timeline),
            self.route("/2/users/{user}", "user", self.user),
            self.route("/2/tweets/search/recent", "search", self.search),
            self.route("/2/tweets/{tweet}", "tweet", self.tweet),
            self.route("/2/tweets", "create", self.create, ("POST",)),
            self.route("/2/media/upload", "media_upload", self.media_upload, ("POST",)),
        ]

    async def media_upload(self, call: Call) -> Response:
        """A single-request upload: multipart fields media (the file) and media_category."""
        account = call.account(PLATFORM)
        fields = multipart_fields(call.request.headers.get("content-type", ""),
                                  await call.request.body())
        media, category = fields.get("media", b""), fields.get("media_category", b"").decode()
        if not media:
            raise Refused(400, "invalid", "media is required (multipart/form-data)")
        if category not in MEDIA_CATEGORIES:
            raise Refused(400, "invalid", f"media_category must be one of "
                                          f"{', '.join(sorted(MEDIA_CATEGORIES))}")
        media_id = str(10 ** 18 + h("media", account, len(call.state.pending)) % 10 ** 18)
        call.state.pending[f"x-media:{media_id}"] = {"account": account, "used": False}
        return JSON({"data": {"id": media_id, "media_key": f"3_{media_id}", "size": len(media),
                              "expires_after_secs": 86400}})

    @staticmethod
    def _attach(call: Call, account: str, body: dict[str, Any]) -> list[str]:
        ids = ((body.get("media") or {}).get("media_ids")) or []
        if not isinstance(ids, list) or len(ids) > 4:
            raise Refused(400, "invalid", "media.media_ids lists at most 4 media ids")
        for media_id in ids:
            stored = call.state.pending.get(f"x-media:{media_id}")
            if stored is None or stored["account"] != account or stored["used"]:
                raise Refused(400, "invalid", f"media id {media_id} is not an unused upload "
                                              "of this account")
            stored["used"] = True
        return [str(i) for i in ids]

    async def user(self, call: Call) -> Response:
        user = call.request.path_params["user"]
        call.own(PLATFORM, user)
        count = followers(call.config, PLATFORM, user, call.today)
        return JSON({"data": {"id": user, "name": f"Account {user}", "username": f"acct{user}",
                              "public_metrics": {"followers_count": count,
                                                 "following_count": count // 20,
                                                 "tweet_count": 1000, "listed_count": 3,
                                                 "like_count": 50}}})

    def _render(self, call: Call, post: Post, tweet_fields: set[str]) -> dict[str, Any]:
        cfg = call.config
        row: dict[str, Any] = {"id": post.id, "text": post.text,
                               "edit_history_tweet_ids": [post.id]}
        if "created_at" in tweet_fields:
            row["created_at"] = _stamp(post.published_at)
        if "public_metrics" in tweet_fields:
            row["public_metrics"] = public_metrics(cfg, post)
        if "non_public_metrics" in tweet_fields:
            private = private_metrics(cfg, post)
            if private is not None:
                row["non_public_metrics"] = private
        if post.video:
            row["attachments"] = {"media_keys": [f"7_{post.id}"]}
        return row

    async def timeline(self, call: Call) -> Response:
        user = call.request.path_params["user"]
        call.own(PLATFORM, user)
        now = call.config.now()
        start = instant(call.param("start_time"), "start_time") or now - timedelta(days=30)
        end = instant(call.param("end_time"), "end_time") or now
        size = call.int_param("max_results", 10, 5, 100)
        posts = generated_posts(call.config, PLATFORM, user, start.date(), end.date())
        posts += call.state.published_on(PLATFORM, user)
        posts = sorted((p for p in posts if start <= p.published_at < end),
                       key=lambda p: int(p.id), reverse=True)
        at = offset_of(call.param("pagination_token"))
        page = posts[at:at + size]
        fields = set((call.param("tweet.fields") or "").split(","))
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body["data"] = [self._render(call, p, fields) for p in page]
            body["meta"].update(newest_id=page[0].id, oldest_id=page[-1].id)
            old = [p.id for p in page if "non_public_metrics" in fields
                   and private_metrics(call.config, p) is None]
            if old:
                body["errors"] = [{"value": i, "detail": "non_public_metrics are only available "
                                   "for posts created in the last 30 days", "title":
                                   "Field Authorization Error", "resource_id": i,
                                   "type": f"{PROBLEM}not-authorized-for-field"} for i in old]
            expansions = call.param("expansions") or ""
            videos = [p for p in page if p.video]
            if videos and "attachments.media_keys" in expansions:
                body["includes"] = {"media": [
                    {"media_key": f"7_{p.id}", "type": "video",
                     "public_metrics": {"view_count": video_views(call.config, p)}}
                    for p in videos]}
        if at + size < len(posts):
            body["meta"]["next_token"] = cursor(at + size)
        return JSON(body)

    async def tweet(self, call: Call) -> Response:
        post = find_post(PLATFORM, call.request.path_params["tweet"])
        if post is None:
            tweet = call.request.path_params["tweet"]
            return JSON({"errors": [{"value": tweet, "detail": f"Could not find tweet with id: "
                                     f"[{tweet}].", "title": "Not Found Error",
                                     "type": f"{PROBLEM}resource-not-found"}]})
        fields = set((call.param("tweet.fields") or "").split(","))
        return JSON({"data": self._render(call, post, fields)})

    async def create(self, call: Call) -> Response:
        body = await json_body(call.request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise Refused(400, "invalid", "text must be a non-empty string")
        if len(text) > 280:
            raise Refused(400, "invalid", "Your post text is too long (280 characters at most)")
        account = call.account(PLATFORM)
        media = self._attach(call, account, body)
        post = call.state.publish(PLATFORM, account, text, media_url=",".join(media))
        return JSON({"data": {"id": post.id, "text": text, "edit_history_tweet_ids": [post.id]}},
                    status_code=201)

    async def search(self, call: Call) -> Response:
        query = call.param("query") or ""
        if not query.startswith("conversation_id:"):
            raise Refused(400, "invalid", "this emulator searches conversation_id:<id> only")
        post = find_post(PLATFORM, query.partition(":")[2].strip())
        size = call.int_param("max_results", 10, 10, 100)
        since = call.config.now() - timedelta(days=SEARCH_DAYS)
        replies = [c for c in (comments_of(call.config, post) if post else [])
                   if c.created_at >= since]
        replies.reverse()  # newest first
        at = offset_of(call.param("next_token"))
        page = replies[at:at + size]
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body["data"] = [{"id": c.id, "text": c.text, "author_id": _user_id(c.author),
                             "conversation_id": c.post_id, "created_at": _stamp(c.created_at)}
                            for c in page]
            body["includes"] = {"users": [{"id": _user_id(c.author), "username": c.author,
                                           "name": c.author} for c in page]}
        if at + size < len(replies):
            body["meta"]["next_token"] = cursor(at + size)
        return JSON(body)


def _user_id(name: str) -> str:
    return str(h("user", name) % 10 ** 18)
