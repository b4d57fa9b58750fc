"""Facebook Pages as the Graph API answers them: insights, published posts, comments, posting."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from starlette.responses import Response
from starlette.routing import Route

from api.emulator import inbox, meta
from api.emulator.core import Call, Refused, body_params
from api.emulator.data import (
    Config,
    Post,
    available,
    find_post,
    followers,
    h,
    post_lifetime,
    post_series,
    series,
)
from api.emulator.inbox import Said

PLATFORM = "facebook"
MAX_WINDOW_DAYS = 90
# Daily page figures as a share of the page's audience.
PAGE_SCALES = {"page_media_view": 0.9, "page_total_media_view_unique": 0.55,
               "page_post_engagements": 0.05, "page_daily_follows": 0.0005,
               "page_views_total": 0.02}
PAGE_METRICS = frozenset(PAGE_SCALES) | {"page_follows"}
POST_SCALES = {"post_media_view": 0.08, "post_total_media_view_unique": 0.05,
               "post_reactions_by_type_total": 0.004, "post_clicks": 0.003}
LIFETIME_SCALES = {"shares": 0.0006, "comments": 0.0008}
DEPRECATED = {"page_impressions", "page_impressions_unique", "page_fans",
              "post_impressions", "post_impressions_unique"}
REACTIONS = ("like", "love", "wow", "haha", "sorry", "anger")


def page_value(cfg: Config, page: str, name: str, day: date) -> Any:
    """A page's raw daily figure as the API shows it (page_media_view split paid/organic)."""
    if name == "page_follows":
        return followers(cfg, PLATFORM, page, day)
    value = series(cfg, PLATFORM, page, name, day, PAGE_SCALES[name])
    if name == "page_media_view":
        paid = int(value * (0.1 + 0.2 * (h(cfg.seed, "paid", page, day) % 100) / 100))
        return {"paid": paid, "organic": value - paid}
    return value


def post_value(cfg: Config, post: Post, name: str, day: date) -> Any:
    """A post's raw daily figure; reactions come as an object by reaction type."""
    value = post_series(cfg, post, name, day, POST_SCALES[name])
    if value is None or name != "post_reactions_by_type_total":
        return value
    split, left = {}, value
    for kind in REACTIONS[1:]:
        share = int(left * (h(cfg.seed, kind, post.id, day) % 30) / 100)
        if share:
            split[kind] = share
            left -= share
    return {"like": left, **split} if left or not split else split


def post_lifetime_field(cfg: Config, post: Post, name: str) -> int:
    """Lifetime shares or comments count of a post as of today (0 for new posts)."""
    return post_lifetime(cfg, post, name, LIFETIME_SCALES[name], cfg.day()) or 0


def permalink(post: Post) -> str:
    page, _, tail = post.id.partition("_")
    return f"https://www.facebook.com/{page}/posts/{tail}"


def post_row(call: Call, post: Post, wanted: set[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"id": post.id}
    if "message" in wanted:
        row["message"] = post.text
    if "created_time" in wanted:
        row["created_time"] = meta.stamp(post.published_at)
    if "permalink_url" in wanted:
        row["permalink_url"] = permalink(post)
    if "shares" in wanted:
        shares = post_lifetime_field(call.config, post, "shares")
        if shares:  # Graph leaves `shares` out of a post nobody shared
            row["shares"] = {"count": shares}
    if any(w.startswith("comments") for w in wanted):
        row["comments"] = {"data": [], "summary": {
            "order": "ranked", "total_count": post_lifetime_field(call.config, post,
                                                                  "comments"),
            "can_comment": True}}
    return row


class FacebookApi(meta.MetaApi):
    name = PLATFORM

    def routes(self) -> list[Route]:
        base = "/{version}"
        return [
            self.route(f"{base}/insights", "insights_by_ids", self.insights_by_ids),
            self.route(f"{base}/{{object_id}}/insights", "insights", self.insights),
            self.route(f"{base}/{{page}}/published_posts", "published_posts", self.listing),
            self.route(f"{base}/{{page}}/feed", "feed", self.listing),
            self.route(f"{base}/{{page}}/feed", "publish_feed", self.publish_feed, ("POST",)),
            self.route(f"{base}/{{page}}/photos", "publish_photo", self.publish_photo,
                       ("POST",)),
            self.route(f"{base}/{{page}}/videos", "publish_video", self.publish_video,
                       ("POST",)),
            self.route(f"{base}/{{page}}/tagged", "tagged", self.tagged),
            self.route(f"{base}/{{page}}/conversations", "conversations", self.conversations),
            self.route(f"{base}/{{object_id}}/messages", "messages", self.messages),
            self.route(f"{base}/{{page}}/messages", "send_message", self.send_message,
                       ("POST",)),
            self.route(f"{base}/{{object_id}}/comments", "comments", self.comments),
            self.route(f"{base}/{{object_id}}/comments", "reply", self.reply, ("POST",)),
            self.route(f"{base}/{{object_id}}", "object", self.object),
            self.route(f"{base}/{{object_id}}", "hide", self.hide, ("POST",)),
            self.route(f"{base}/{{object_id}}", "delete", self.delete, ("DELETE",)),
        ]

    def _insights(self, call: Call, object_id: str) -> list[dict[str, Any]]:
        cfg = call.config
        days = meta.day_window(call, MAX_WINDOW_DAYS)
        if "_" not in object_id:  # a page
            call.own(PLATFORM, object_id)
            names = meta.metric_names(call, PAGE_METRICS, DEPRECATED)
            days = [d for d in days if available(cfg, PLATFORM, d)]
            return meta.daily_entries(object_id, names, days,
                                      lambda n, d: page_value(cfg, object_id, n, d))
        post = meta.post_of(call, PLATFORM, object_id)
        names = meta.metric_names(call, POST_SCALES, DEPRECATED)
        days = [d for d in days if available(cfg, PLATFORM, d)]
        return meta.daily_entries(object_id, names, days,
                                  lambda n, d: post_value(cfg, post, n, d))

    async def insights(self, call: Call) -> Response:
        self.version(call)
        object_id = call.request.path_params["object_id"]
        return meta.json({"data": self._insights(call, object_id)})

    async def insights_by_ids(self, call: Call) -> Response:
        self.version(call)
        return meta.json({i: {"data": self._insights(call, i)} for i in meta.ids_param(call)})

    async def listing(self, call: Call) -> Response:
        self.version(call)
        page = call.request.path_params["page"]
        wanted = meta.fields(call, "id,message,created_time")
        rows = [post_row(call, p, wanted) for p in meta.posts_between(call, PLATFORM, page)]
        return meta.json(meta.page_of(call, rows))

    async def comments(self, call: Call) -> Response:
        self.version(call)
        object_id = call.request.path_params["object_id"]
        wanted = meta.fields(call, "id,from,message,created_time")
        if inbox.is_mention(PLATFORM, object_id):
            said = inbox.mention_replies(call, PLATFORM, object_id)
        elif "_" in object_id and find_post(PLATFORM, object_id) is None:  # a comment
            said = inbox.thread_of(call, PLATFORM, inbox.own_comment(call, PLATFORM,
                                                                     object_id)[0])[1:]
        else:
            post = meta.post_of(call, PLATFORM, object_id)
            said = inbox.post_comments(call, PLATFORM, post,
                                       nested=call.param("filter") != "stream")
        rows = [self._comment_row(call, c, wanted) for c in said]
        if call.param("order") == "reverse_chronological":
            rows.reverse()
        body = meta.page_of(call, rows)
        if call.param("summary") == "true":
            body["summary"] = {"total_count": len(rows), "order": "chronological"}
        return meta.json(body)

    @staticmethod
    def _comment_row(call: Call, said: Said, wanted: set[str]) -> dict[str, Any]:
        row: dict[str, Any] = {"id": said.id, "from": {"name": said.author,
                                                       "id": said.author_id},
                               "message": said.text, "created_time": meta.stamp(said.created_at)}
        if "parent" in wanted and said.parent and not inbox.is_mention(PLATFORM, said.parent):
            row["parent"] = {"id": said.parent}
        if "is_hidden" in wanted:
            row["is_hidden"] = said.id in call.state.hidden
        return row

    async def tagged(self, call: Call) -> Response:
        self.version(call)
        page = call.request.path_params["page"]
        rows = [{"id": m.id, "message": m.text, "from": {"name": m.author, "id": m.author_id},
                 "created_time": meta.stamp(m.created_at)}
                for m in inbox.mentions(call, PLATFORM, page)]
        return meta.json(meta.page_of(call, rows))

    async def conversations(self, call: Call) -> Response:
        self.version(call)
        rows = inbox.conversations(call, PLATFORM, call.request.path_params["page"])
        return meta.json(meta.page_of(call, rows))

    async def messages(self, call: Call) -> Response:
        self.version(call)
        thread = call.request.path_params["object_id"]
        if not inbox.is_thread(PLATFORM, thread):
            raise Refused(400, "not_found", f"Unsupported get request. Object with ID "
                                            f"'{thread}' does not exist.")
        rows = inbox.thread_messages(call, PLATFORM, thread, lambda m: {
            "id": m.id, "created_time": meta.stamp(m.created_at), "message": m.text,
            "from": {"name": m.author, "id": m.author_id}})
        return meta.json(meta.page_of(call, rows))

    async def send_message(self, call: Call) -> Response:
        self.version(call)
        return meta.json(await inbox.send_message(call, PLATFORM,
                                                  call.request.path_params["page"]))

    async def reply(self, call: Call) -> Response:
        """A comment under a comment of the page's post, or under a post mentioning it."""
        self.version(call)
        object_id = call.request.path_params["object_id"]
        if inbox.is_mention(PLATFORM, object_id):
            account = inbox.own_mention(call, PLATFORM, object_id)[0]
        else:
            account = inbox.own_comment(call, PLATFORM, object_id)[1].account
        reply = await inbox.reply_to(call, PLATFORM, object_id, account)
        return meta.json({"id": reply.id})

    async def hide(self, call: Call) -> Response:
        self.version(call)
        return meta.json(await inbox.moderate(call, PLATFORM,
                                              call.request.path_params["object_id"],
                                              "is_hidden"))

    async def delete(self, call: Call) -> Response:
        self.version(call)
        return meta.json(inbox.delete_comment(call, PLATFORM,
                                              call.request.path_params["object_id"]))

    async def publish_feed(self, call: Call) -> Response:
        self.version(call)
        page = call.request.path_params["page"]
        call.own(PLATFORM, page)
        params = await body_params(call.request)
        text, link = str(params.get("message") or ""), str(params.get("link") or "")
        photos = self._attached(call, page, params.get("attached_media"))
        if not text.strip() and not link and not photos:
            raise Refused(400, "invalid", "(#100) Empty post: give a message or a link")
        post = call.state.publish(PLATFORM, page, text,
                                  media_url=link or (photos[0]["url"] if photos else ""))
        for photo in photos:
            photo["post"] = post.id
        return meta.json({"id": post.id})

    @staticmethod
    def _attached(call: Call, page: str, raw: Any) -> list[dict[str, Any]]:
        """Unpublished photos of this page named by attached_media (a JSON list)."""
        if not raw:
            return []
        try:
            items = orjson.loads(raw) if isinstance(raw, str) else raw
            ids = [str(item["media_fbid"]) for item in items]
        except (orjson.JSONDecodeError, TypeError, KeyError):
            raise Refused(400, "invalid", "(#100) attached_media must be a list of "
                                          "{media_fbid}") from None
        photos = []
        for photo_id in ids:
            photo = call.state.pending.get(f"photo:{photo_id}")
            if photo is None or photo["page"] != page or photo.get("post"):
                raise Refused(400, "invalid", f"(#100) attached_media names a photo this "
                                              f"page cannot attach: {photo_id}")
            photos.append(photo)
        return photos

    async def publish_photo(self, call: Call) -> Response:
        self.version(call)
        page = call.request.path_params["page"]
        call.own(PLATFORM, page)
        params = await body_params(call.request)
        url = str(params.get("url") or "")
        if not url.startswith(("http://", "https://")):
            raise Refused(400, "invalid", "(#324) Requires upload file: give a photo url")
        if str(params.get("published", "true")).lower() == "false":
            photo = str(10 ** 14 + h("photo", page, len(call.state.pending)) % 10 ** 14)
            call.state.pending[f"photo:{photo}"] = {"page": page, "url": url}
            return meta.json({"id": photo})  # unpublished: nobody sees it
        text = str(params.get("message") or params.get("caption") or "")
        post = call.state.publish(PLATFORM, page, text, media_url=url)
        return meta.json({"id": str(h("photo", post.id) % 10 ** 15), "post_id": post.id})

    async def publish_video(self, call: Call) -> Response:
        self.version(call)
        page = call.request.path_params["page"]
        call.own(PLATFORM, page)
        params = await body_params(call.request)
        url = str(params.get("file_url") or "")
        if not url.startswith(("http://", "https://")):
            raise Refused(400, "invalid", "(#100) file_url is required")
        post = call.state.publish(PLATFORM, page, str(params.get("description") or ""),
                                  video=True, media_url=url)
        return meta.json({"id": post.id.partition("_")[2]})  # the post is page_video

    async def object(self, call: Call) -> Response:
        self.version(call)
        object_id = call.request.path_params["object_id"]
        wanted = meta.fields(call, "id,name" if "_" not in object_id else
                             "id,message,created_time")
        if "_" in object_id:
            return meta.json(post_row(call, meta.post_of(call, PLATFORM, object_id), wanted))
        call.own(PLATFORM, object_id)
        row: dict[str, Any] = {"id": object_id, "name": f"Page {object_id}"}
        if "followers_count" in wanted:
            row["followers_count"] = followers(call.config, PLATFORM, object_id, call.today)
        return meta.json(row)
