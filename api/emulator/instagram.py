"""Instagram professional accounts as the Graph API answers them, empty lists for no data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

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
    series,
    u,
)

PLATFORM = "instagram"
MAX_WINDOW_DAYS = 30
LAG_DAYS = 2  # figures can lag 48 h
ACCOUNT_SCALES = {"reach": 0.3, "follower_count": 0.002, "profile_views": 0.015}
VIEWS_SCALE = 0.8
MEDIA_SCALES = {"views": 0.09, "reach": 0.06, "likes": 0.006, "comments": 0.0008,
                "shares": 0.0005, "saved": 0.0007, "total_interactions": 0.008}
DEPRECATED = {"impressions", "plays", "clips_replays_count", "video_views",
              "ig_reels_aggregated_all_plays_count"}
GAP_SHARE = 0.04  # days the account has no data at all


def has_data(cfg: Config, account: str, day: date) -> bool:
    """Whether the account has figures for the day (lag, and the odd day without any)."""
    return available(cfg, PLATFORM, day) and u(cfg.seed, "gap", account, day) >= GAP_SHARE


def account_value(cfg: Config, account: str, name: str, day: date) -> int | None:
    if not has_data(cfg, account, day):
        return None
    return series(cfg, PLATFORM, account, name, day, ACCOUNT_SCALES[name])


def views_total(cfg: Config, account: str, days: list[date]) -> int | None:
    """Views over some days; None (an empty list) when none of them has data."""
    values = [series(cfg, PLATFORM, account, "views", d, VIEWS_SCALE) for d in days
              if has_data(cfg, account, d)]
    return sum(values) if values else None


def media_value(cfg: Config, post: Post, name: str) -> int | None:
    """A media's lifetime figure; None while the platform has no data for it yet."""
    as_of = cfg.day() - timedelta(days=LAG_DAYS)
    if post.day > as_of:
        return None
    return post_lifetime(cfg, post, name, MEDIA_SCALES[name], as_of)


def permalink(post: Post) -> str:
    return f"https://www.instagram.com/p/{post.id[-11:]}/"


def media_row(post: Post, wanted: set[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"id": post.id}
    values = {"caption": post.text, "timestamp": meta.stamp(post.published_at),
              "permalink": permalink(post), "media_type": "VIDEO" if post.video else "IMAGE",
              "media_product_type": "REELS" if post.video else "FEED"}
    row.update({k: v for k, v in values.items() if k in wanted})
    return row


class InstagramApi(meta.MetaApi):
    name = PLATFORM
    buc_type = "instagram"
    throttle_code = 80002

    def routes(self) -> list[Route]:
        base = "/{version}"
        return [
            self.route(f"{base}/insights", "insights_by_ids", self.insights_by_ids),
            self.route(f"{base}/{{object_id}}/insights", "insights", self.insights),
            self.route(f"{base}/{{user}}/media", "media", self.media),
            self.route(f"{base}/{{user}}/media", "create_container", self.create_container,
                       ("POST",)),
            self.route(f"{base}/{{user}}/media_publish", "media_publish", self.media_publish,
                       ("POST",)),
            self.route(f"{base}/{{user}}/tags", "tags", self.tags),
            self.route(f"{base}/{{user}}/conversations", "conversations", self.conversations),
            self.route(f"{base}/{{object_id}}/messages", "messages", self.messages),
            self.route(f"{base}/{{user}}/messages", "send_message", self.send_message,
                       ("POST",)),
            self.route(f"{base}/{{user}}/mentions", "reply_mention", self.reply_mention,
                       ("POST",)),
            self.route(f"{base}/{{object_id}}/comments", "comments", self.comments),
            self.route(f"{base}/{{object_id}}/replies", "replies", self.replies),
            self.route(f"{base}/{{object_id}}/replies", "reply", self.reply, ("POST",)),
            self.route(f"{base}/{{object_id}}", "object", self.object),
            self.route(f"{base}/{{object_id}}", "hide", self.hide, ("POST",)),
            self.route(f"{base}/{{object_id}}", "delete", self.delete, ("DELETE",)),
        ]

    def _media_insights(self, call: Call, media_id: str) -> list[dict[str, Any]]:
        post = meta.post_of(call, PLATFORM, media_id)
        names = meta.metric_names(call, MEDIA_SCALES, DEPRECATED)
        return meta.lifetime_entries(media_id, names,
                                     lambda n: media_value(call.config, post, n))

    def _account_insights(self, call: Call, user: str) -> list[dict[str, Any]]:
        call.own(PLATFORM, user)
        cfg = call.config
        days = meta.day_window(call, MAX_WINDOW_DAYS)
        names = meta.metric_names(call, set(ACCOUNT_SCALES) | {"views"}, DEPRECATED)
        if "views" in names:
            if call.param("metric_type") != "total_value" or len(names) > 1:
                raise Refused(400, "invalid", "(#100) views must be asked alone with "
                                              "metric_type=total_value")
            total = views_total(cfg, user, days)
            if total is None:
                return []
            return [{"name": "views", "period": call.param("period") or "day",
                     "title": "Views", "description": "", "total_value": {"value": total},
                     "id": f"{user}/insights/views/day"}]
        return meta.daily_entries(user, names, days,
                                  lambda n, d: account_value(cfg, user, n, d))

    def _insights(self, call: Call, object_id: str) -> list[dict[str, Any]]:
        if find_post(PLATFORM, object_id) is not None:
            return self._media_insights(call, object_id)
        return self._account_insights(call, object_id)

    async def insights(self, call: Call) -> Response:
        self.version(call)
        return meta.json({"data": self._insights(call, call.request.path_params["object_id"])})

    async def insights_by_ids(self, call: Call) -> Response:
        self.version(call)
        return meta.json({i: {"data": self._media_insights(call, i)}
                          for i in meta.ids_param(call)})

    async def media(self, call: Call) -> Response:
        self.version(call)
        found = meta.posts_between(call, PLATFORM, call.request.path_params["user"])
        wanted = meta.fields(call, "id,caption")
        return meta.json(meta.page_of(call, [media_row(p, wanted) for p in found]))

    async def create_container(self, call: Call) -> Response:
        self.version(call)
        user = call.request.path_params["user"]
        call.own(PLATFORM, user)
        params = await body_params(call.request)
        kind = str(params.get("media_type") or "IMAGE")
        spec: dict[str, Any] = {"user": user, "caption": str(params.get("caption") or ""),
                                "status": "FINISHED",
                                "child": str(params.get("is_carousel_item")) == "true"}
        if kind == "CAROUSEL":
            children = [call.state.pending.get(f"ig:{c}", {}) for c in
                        str(params.get("children") or "").split(",") if c]
            if not 2 <= len(children) <= 10 or any(
                    c.get("user") != user or not c.get("child") for c in children):
                raise Refused(400, "invalid", "(#100) children must list 2 to 10 carousel "
                                              "item containers of this account")
            spec.update(video=False, url=children[0]["url"])
        else:
            video = kind in ("REELS", "VIDEO", "STORIES")
            name = "video_url" if video else "image_url"
            url = str(params.get(name) or "")
            if not url.startswith(("http://", "https://")):
                raise Refused(400, "invalid", f"(#100) The parameter {name} is required")
            spec.update(video=video, url=url)
        container = f"c{h('container', user, len(call.state.pending)) % 10 ** 17:017d}"
        call.state.pending[f"ig:{container}"] = spec
        return meta.json({"id": container})

    async def media_publish(self, call: Call) -> Response:
        self.version(call)
        user = call.request.path_params["user"]
        call.own(PLATFORM, user)
        params = await body_params(call.request)
        container = call.state.pending.get(f"ig:{params.get('creation_id')}")
        if container is None or container["user"] != user:
            raise Refused(400, "invalid", "(#100) creation_id is not a media container of "
                                          "this account")
        if container["status"] == "PUBLISHED":
            raise Refused(400, "published", "The media has already been published")
        if container["child"]:
            raise Refused(400, "invalid", "(#100) a carousel item is published with its "
                                          "carousel")
        post = call.state.publish(PLATFORM, user, container["caption"],
                                  video=container["video"], media_url=container["url"])
        container["status"] = "PUBLISHED"
        return meta.json({"id": post.id})

    async def comments(self, call: Call) -> Response:
        self.version(call)
        object_id = call.request.path_params["object_id"]
        wanted = meta.fields(call, "id,text,username,timestamp")
        if inbox.is_mention(PLATFORM, object_id):  # the account's replies on a mention
            said = inbox.mention_replies(call, PLATFORM, object_id)
        else:
            said = inbox.post_comments(call, PLATFORM,
                                       meta.post_of(call, PLATFORM, object_id), nested=True)
        nested = next((w for w in wanted if w.startswith("replies")), None)
        rows = []
        for top in said:
            row = self._comment_row(call, top, wanted)
            if nested is not None and not inbox.is_mention(PLATFORM, object_id):
                thread = inbox.thread_of(call, PLATFORM,
                                         inbox.own_comment(call, PLATFORM, top.id)[0])
                row["replies"] = {"data": [self._comment_row(call, r, wanted)
                                           for r in thread[1:]]}
            rows.append(row)
        return meta.json(meta.page_of(call, rows))

    @staticmethod
    def _comment_row(call: Call, said: inbox.Said, wanted: set[str]) -> dict[str, Any]:
        row: dict[str, Any] = {"id": said.id, "text": said.text, "username": said.author,
                               "timestamp": meta.stamp(said.created_at)}
        if "from" in wanted:
            row["from"] = {"id": said.author_id, "username": said.author}
        if "hidden" in wanted:
            row["hidden"] = said.id in call.state.hidden
        return row

    async def replies(self, call: Call) -> Response:
        self.version(call)
        comment, _ = inbox.own_comment(call, PLATFORM, call.request.path_params["object_id"])
        wanted = meta.fields(call, "id,text,timestamp")
        thread = inbox.thread_of(call, PLATFORM, comment)[1:]
        return meta.json(meta.page_of(call, [self._comment_row(call, r, wanted)
                                             for r in thread]))

    async def reply(self, call: Call) -> Response:
        self.version(call)
        object_id = call.request.path_params["object_id"]
        account = inbox.own_comment(call, PLATFORM, object_id)[1].account
        return meta.json({"id": (await inbox.reply_to(call, PLATFORM, object_id, account)).id})

    async def reply_mention(self, call: Call) -> Response:
        """A comment on a media the account was mentioned in: POST /{user}/mentions."""
        self.version(call)
        user = call.request.path_params["user"]
        params = await body_params(call.request)
        media = str(params.get("media_id") or "")
        account, _ = inbox.own_mention(call, PLATFORM, media)
        if account != user:
            raise Refused(400, "invalid", "(#100) media_id does not mention this account")
        return meta.json({"id": (await inbox.reply_to(call, PLATFORM, media, user)).id})

    async def tags(self, call: Call) -> Response:
        self.version(call)
        rows = [{"id": m.id, "caption": m.text, "username": m.author,
                 "timestamp": meta.stamp(m.created_at)}
                for m in inbox.mentions(call, PLATFORM, call.request.path_params["user"])]
        return meta.json(meta.page_of(call, rows))

    async def conversations(self, call: Call) -> Response:
        self.version(call)
        rows = inbox.conversations(call, PLATFORM, call.request.path_params["user"])
        return meta.json(meta.page_of(call, rows))

    async def messages(self, call: Call) -> Response:
        self.version(call)
        thread = call.request.path_params["object_id"]
        if not inbox.is_thread(PLATFORM, thread):
            raise Refused(400, "not_found", f"Unsupported get request. Object with ID "
                                            f"'{thread}' does not exist.")
        rows = inbox.thread_messages(call, PLATFORM, thread, lambda m: {
            "id": m.id, "created_time": meta.stamp(m.created_at), "message": m.text,
            "from": {"username": m.author, "id": m.author_id}})
        return meta.json(meta.page_of(call, rows))

    async def send_message(self, call: Call) -> Response:
        self.version(call)
        return meta.json(await inbox.send_message(call, PLATFORM,
                                                  call.request.path_params["user"]))

    async def hide(self, call: Call) -> Response:
        self.version(call)
        return meta.json(await inbox.moderate(call, PLATFORM,
                                              call.request.path_params["object_id"], "hide"))

    async def delete(self, call: Call) -> Response:
        self.version(call)
        return meta.json(inbox.delete_comment(call, PLATFORM,
                                              call.request.path_params["object_id"]))

    async def object(self, call: Call) -> Response:
        self.version(call)
        object_id = call.request.path_params["object_id"]
        wanted = meta.fields(call, "id")
        if f"ig:{object_id}" in call.state.pending:
            container = call.state.pending[f"ig:{object_id}"]
            call.own(PLATFORM, container["user"])
            return meta.json({"id": object_id, "status_code": container["status"]})
        if find_post(PLATFORM, object_id) is not None:
            return meta.json(media_row(meta.post_of(call, PLATFORM, object_id), wanted))
        call.own(PLATFORM, object_id)
        row: dict[str, Any] = {"id": object_id, "username": f"account{object_id[-4:]}"}
        if "followers_count" in wanted:
            row["followers_count"] = followers(call.config, PLATFORM, object_id, call.today)
        return meta.json(row)
