"""Facebook Pages over the Graph API: page and post insights, publishing, comments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from domain.connectors.base import (
    ChannelAuth,
    MetricPoint,
    OutgoingPost,
    Published,
    RemoteComment,
    RemoteMessage,
    RemotePost,
    ReplyTarget,
    SentReply,
)
from domain.connectors.common import lifetime_point, media_items, media_url, same_text
from domain.connectors.meta import MetaConnector, daily_points, number
from domain.connectors.meta_inbox import (
    created,
    direct_messages,
    find_direct,
    send_direct,
    since_newest,
)
from domain.connectors.windows import aware, midnight, parse_instant, split
from domain.enums import ConversationKind, Platform, PostFormat

API_VERSION = "v23.0"
MAX_WINDOW_DAYS = 90  # since..until of one insights call
# Page metrics after Meta's 2025 renames (impressions -> views, page_fans -> page_follows).
PAGE_METRICS = {
    "page_media_view": "impressions",  # may come broken down paid/organic: summed
    "page_total_media_view_unique": "reach",
    "page_daily_follows": "follows",
    "page_follows": "followers",
    "page_views_total": "profile_visits",
}
POST_METRICS = {
    "post_media_view": "impressions",
    "post_total_media_view_unique": "reach",
    "post_reactions_by_type_total": "reactions",  # an object by reaction type: summed
    "post_clicks": "clicks",
}
COMMENT_FIELDS = "id,from,message,created_time,parent,is_hidden"
COMMENTED_POSTS_DAYS = 30  # comments are read on the posts of the last 30 days
POST_FIELDS = "id,message,created_time,permalink_url,shares,comments.summary(true).limit(0)"


class FacebookConnector(MetaConnector):
    platform = Platform.FACEBOOK
    api_version = API_VERSION

    async def channel_metrics(self, auth: ChannelAuth, start: date, end: date
                              ) -> list[MetricPoint]:
        points: list[MetricPoint] = []
        for first, last in split(start, end, MAX_WINDOW_DAYS):
            body = await self.graph.get(
                f"{auth.external_id}/insights", auth.access_token,
                metric=",".join(PAGE_METRICS), period="day", since=first.isoformat(),
                until=(last + timedelta(days=1)).isoformat())
            points += daily_points(body["data"], PAGE_METRICS, first, last)
        return points

    async def posts(self, auth: ChannelAuth, start: date, end: date
                    ) -> AsyncIterator[RemotePost]:
        async for page in self._listing(auth, midnight(start), midnight(end + timedelta(1))):
            rows = [row for row in page if start <= _created(row).date() <= end]
            daily = await self._post_insights(auth, rows, end)
            for row in rows:
                yield _remote_post(row, daily.get(row["id"], []))

    def _listing(self, auth: ChannelAuth, since: datetime, until: datetime | None
                 ) -> AsyncIterator[list[dict[str, Any]]]:
        return self.graph.dated(f"{auth.external_id}/published_posts", auth.access_token,
                                since, until, fields=POST_FIELDS, limit=self.page_size)

    async def _post_insights(self, auth: ChannelAuth, rows: list[dict[str, Any]], end: date
                             ) -> dict[str, list[MetricPoint]]:
        if not rows:
            return {}
        first = min(_created(row).date() for row in rows)
        found: dict[str, list[MetricPoint]] = {}
        for since, until in split(first, end, MAX_WINDOW_DAYS):
            entries = await self.graph.insights_of(
                [row["id"] for row in rows], auth.access_token,
                metric=",".join(POST_METRICS), period="day", since=since.isoformat(),
                until=(until + timedelta(days=1)).isoformat())
            for post_id, data in entries.items():
                found.setdefault(post_id, []).extend(
                    daily_points(data, POST_METRICS, since, until))
        return found

    async def publish(self, auth: ChannelAuth, post: OutgoingPost) -> Published:
        page, token = auth.external_id, auth.access_token
        if post.format in (PostFormat.TEXT, PostFormat.LINK):
            data = {"message": post.text}
            link = next((m.get("url") for m in post.media if isinstance(m, dict)), None)
            if post.format is PostFormat.LINK and link:
                data["link"] = link
            post_id = (await self.graph.post(f"{page}/feed", token, data, publishing=True))["id"]
        elif post.format in (PostFormat.VIDEO, PostFormat.REEL):
            url = media_url(post, self.platform, post.format)
            video = await self.graph.post(f"{page}/videos", token,
                                          {"file_url": url, "description": post.text},
                                          publishing=True)
            post_id = f"{page}_{video['id']}"  # a video's post is page id _ video id
        elif post.format is PostFormat.CAROUSEL:
            post_id = await self._multi_photo(page, token, post)
        else:
            url = media_url(post, self.platform, PostFormat.IMAGE, PostFormat.GIF)
            created = await self.graph.post(f"{page}/photos", token,
                                            {"url": url, "message": post.text},
                                            publishing=True)
            post_id = created.get("post_id") or created["id"]
        row = await self.graph.get(post_id, token, fields="id,permalink_url,created_time")
        return Published(str(row.get("id", post_id)), row["permalink_url"], _created(row))

    async def _multi_photo(self, page: str, token: str, post: OutgoingPost) -> str:
        """Photos uploaded unpublished (invisible, so safe to retry), then one post."""
        photos = [(await self.graph.post(f"{page}/photos", token,
                                         {"url": url, "published": "false"}))["id"]
                  for url, _, _ in media_items(post, self.platform, PostFormat.CAROUSEL, least=2)]
        attached = orjson.dumps([{"media_fbid": p} for p in photos]).decode()
        created = await self.graph.post(f"{page}/feed", token,
                                        {"message": post.text, "attached_media": attached},
                                        publishing=True)
        return created["id"]

    async def find_published(self, auth: ChannelAuth, text: str, since: datetime
                             ) -> Published | None:
        since = aware(since)
        async for page in self._listing(auth, since, None):
            for row in page:
                if same_text(row.get("message"), text) and _created(row) >= since:
                    return Published(row["id"], row["permalink_url"], _created(row))
        return None

    async def comments(self, auth: ChannelAuth, post_external_id: str
                       ) -> AsyncIterator[RemoteComment]:
        async for page in self.graph.pages(
                f"{post_external_id}/comments", auth.access_token,
                fields="id,from,message,created_time", filter="toplevel",
                order="chronological", limit=self.page_size):
            for row in page:
                author = row.get("from") or {}
                yield RemoteComment(row["id"], post_external_id, author.get("name", ""),
                                    row.get("message", ""), _created(row))

    # -- the community inbox (pages_read_user_content, pages_manage_engagement,
    # pages_messaging) ------------------------------------------------------------------

    inbox_kinds = frozenset(ConversationKind)
    moderated = frozenset({ConversationKind.COMMENT})

    async def messages(self, auth: ChannelAuth, since: datetime, until: datetime
                       ) -> AsyncIterator[RemoteMessage]:
        page, token = auth.external_id, auth.access_token
        async for posts in self.graph.dated(f"{page}/published_posts", token,
                                            until - timedelta(days=COMMENTED_POSTS_DAYS), until,
                                            fields="id,created_time", limit=self.page_size):
            for post in posts:
                comments = self.graph.pages(f"{post['id']}/comments", token,
                                            fields=COMMENT_FIELDS, filter="stream",
                                            order="reverse_chronological",
                                            limit=self.page_size)
                async for row in since_newest(comments, since, created):
                    if created(row) < until:
                        yield _comment(row, post["id"], page)
        async for tagged in self.graph.dated(f"{page}/tagged", token, since, until,
                                             fields="id,message,from,created_time",
                                             limit=self.page_size):
            for row in tagged:
                author = row.get("from") or {}
                yield RemoteMessage(ConversationKind.MENTION, row["id"], row["id"],
                                    str(author.get("name", "")), str(author.get("id", "")),
                                    row.get("message", ""), created(row),
                                    post_external_id=row["id"])
        async for message in direct_messages(self.graph, page, token, "messenger", since,
                                             until):
            yield message

    async def reply(self, auth: ChannelAuth, target: ReplyTarget, text: str) -> SentReply:
        token = auth.access_token
        if target.kind is ConversationKind.DM:
            return await send_direct(self.graph, auth.external_id, token, target, text,
                                     self._now())
        # Comments nest one level: a reply to a reply goes under the thread's comment.
        parent = target.thread_id
        created_ = await self.graph.post(f"{parent}/comments", token, {"message": text},
                                         publishing=True)
        return SentReply(str(created_["id"]), self._now())

    async def find_reply(self, auth: ChannelAuth, target: ReplyTarget, text: str,
                         since: datetime) -> SentReply | None:
        page, token = auth.external_id, auth.access_token
        if target.kind is ConversationKind.DM:
            return await find_direct(self.graph, page, token, target, text, since)
        comments = self.graph.pages(f"{target.thread_id}/comments", token,
                                    fields=COMMENT_FIELDS, order="reverse_chronological",
                                    limit=self.page_size)
        async for row in since_newest(comments, since, created):
            if str((row.get("from") or {}).get("id", "")) == page \
                    and same_text(row.get("message"), text):
                return SentReply(row["id"], created(row))
        return None

    async def hide(self, auth: ChannelAuth, message_id: str, hidden: bool) -> None:
        await self.graph.post(message_id, auth.access_token,
                              {"is_hidden": "true" if hidden else "false"})

    async def delete(self, auth: ChannelAuth, message_id: str) -> None:
        await self.graph.delete(message_id, auth.access_token)

    def _now(self) -> datetime:
        return datetime.now(UTC)


def _comment(row: dict[str, Any], post_id: str, page: str) -> RemoteMessage:
    author = row.get("from") or {}
    parent = str((row.get("parent") or {}).get("id") or "")
    author_id = str(author.get("id", ""))
    return RemoteMessage(ConversationKind.COMMENT, parent or row["id"], row["id"],
                         str(author.get("name", "")), author_id, row.get("message", ""),
                         created(row), from_account=author_id == page,
                         post_external_id=post_id, parent_id=parent,
                         hidden=bool(row.get("is_hidden")))


def _created(row: dict[str, Any]) -> datetime:
    return parse_instant(row["created_time"])


def _remote_post(row: dict[str, Any], daily: list[MetricPoint]) -> RemotePost:
    published = _created(row)
    day = published.date()
    metrics = list(daily)
    # Graph leaves `shares` out of a post nobody shared: absent here means 0, not unknown.
    shares = number((row.get("shares") or {}).get("count", 0))
    metrics.append(lifetime_point("shares", day, shares, "shares.count"))
    summary = (row.get("comments") or {}).get("summary")
    if summary is not None and summary.get("total_count") is not None:
        metrics.append(lifetime_point("comments", day, number(summary["total_count"]),
                                      "comments.summary.total_count"))
    return RemotePost(row["id"], row.get("permalink_url", ""), published,
                      row.get("message", ""), metrics)
