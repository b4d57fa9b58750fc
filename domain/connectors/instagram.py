"""Instagram professional accounts over the Graph API: insights, media, publishing, comments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

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
    SyncError,
)
from domain.connectors.common import current_point, lifetime_point, media_items, same_text
from domain.connectors.meta import MetaConnector, daily_points, number
from domain.connectors.meta_inbox import direct_messages, find_direct, send_direct
from domain.connectors.windows import aware, days, midnight, parse_instant, split
from domain.enums import ConversationKind, Platform, PostFormat

API_VERSION = "v23.0"
MAX_WINDOW_DAYS = 30  # since..until of one account insights call
ACCOUNT_DAILY = {"reach": "reach", "follower_count": "follows", "profile_views": "profile_visits"}
# Organic media metrics since April 2025 (impressions, plays, video_views are deprecated).
MEDIA = {"views": "impressions", "reach": "reach", "likes": "reactions",
         "comments": "comments", "shares": "shares", "saved": "saves"}
MEDIA_FIELDS = "id,caption,media_type,media_product_type,permalink,timestamp"
CONTAINER_POLLS = 30
COMMENT_FIELDS = "id,text,username,from,timestamp,hidden"
COMMENTED_POSTS_DAYS = 30  # comments are read on the media of the last 30 days


class InstagramConnector(MetaConnector):
    """The Instagram API with Facebook Login, on Graph's host."""

    platform = Platform.INSTAGRAM
    api_version = API_VERSION

    async def channel_metrics(self, auth: ChannelAuth, start: date, end: date
                              ) -> list[MetricPoint]:
        user, token = auth.external_id, auth.access_token
        account = await self.graph.get(user, token, fields="followers_count")
        today = self.http.today()
        points = current_point("followers", today, start, end, account.get("followers_count"),
                               "followers_count")
        for first, last in split(start, min(end, today), MAX_WINDOW_DAYS):
            body = await self.graph.get(f"{user}/insights", token,
                                        metric=",".join(ACCOUNT_DAILY), period="day",
                                        since=_unix(first), until=_unix(last + timedelta(1)))
            points += daily_points(body["data"], ACCOUNT_DAILY, first, last)
        # Views exist only as a total over a range: one range per day gives daily values.
        for day in days(start, min(end, today)):
            body = await self.graph.get(f"{user}/insights", token, metric="views",
                                        metric_type="total_value", period="day",
                                        since=_unix(day), until=_unix(day + timedelta(1)))
            for entry in body["data"]:  # an empty list: no data that day, not 0
                value = number((entry.get("total_value") or {}).get("value"))
                if entry["name"] == "views" and value is not None:
                    points.append(MetricPoint("impressions", day, value, "views"))
        return points

    def _media(self, auth: ChannelAuth, since: datetime, until: datetime | None
               ) -> AsyncIterator[list[dict[str, Any]]]:
        return self.graph.dated(f"{auth.external_id}/media", auth.access_token, since, until,
                                fields=MEDIA_FIELDS, limit=self.page_size)

    async def posts(self, auth: ChannelAuth, start: date, end: date
                    ) -> AsyncIterator[RemotePost]:
        async for page in self._media(auth, midnight(start), midnight(end + timedelta(1))):
            rows = [r for r in page if start <= _when(r).date() <= end]
            insights = await self.graph.insights_of([r["id"] for r in rows],
                                                    auth.access_token, metric=",".join(MEDIA))
            for row in rows:
                day = _when(row).date()
                metrics = [lifetime_point(MEDIA[entry["name"]], day, value, entry["name"])
                           for entry in insights.get(row["id"], []) if entry["name"] in MEDIA
                           for item in entry["values"][-1:]
                           if (value := number(item.get("value"))) is not None]
                yield RemotePost(row["id"], row.get("permalink", ""), _when(row),
                                 row.get("caption", ""), metrics)

    async def publish(self, auth: ChannelAuth, post: OutgoingPost) -> Published:
        user, token = auth.external_id, auth.access_token
        if post.format is PostFormat.STORY:
            # A story has no caption to find it by after a crash: it could be posted twice.
            raise SyncError("REJECTED", "instagram: Coso does not publish stories")
        if post.format is PostFormat.CAROUSEL:
            items = media_items(post, self.platform, PostFormat.CAROUSEL, least=2)[:10]
            children = [await self._container(user, token, self._spec(url, video,
                                                                      carousel_item=True))
                        for url, video, _ in items]
            spec = {"media_type": "CAROUSEL", "children": ",".join(children),
                    "caption": post.text}
        else:
            url, video, _ = media_items(post, self.platform, PostFormat.IMAGE,
                                        PostFormat.VIDEO, PostFormat.REEL)[0]
            video = video or post.format is not PostFormat.IMAGE
            spec = {**self._spec(url, video), "caption": post.text}
        container = await self._container(user, token, spec)
        created = await self.graph.post(f"{user}/media_publish", token,
                                        {"creation_id": container}, publishing=True)
        row = await self.graph.get(created["id"], token, fields="id,permalink,timestamp")
        return Published(created["id"], row.get("permalink", ""), _when(row))

    @staticmethod
    def _spec(url: str, video: bool, *, carousel_item: bool = False) -> dict[str, str]:
        spec = ({"media_type": "VIDEO" if carousel_item else "REELS", "video_url": url}
                if video else {"image_url": url})
        return {**spec, "is_carousel_item": "true"} if carousel_item else spec

    async def _container(self, user: str, token: str, spec: dict[str, str]) -> str:
        """A media container, ready to publish (a container alone is never visible)."""
        container = (await self.graph.post(f"{user}/media", token, spec, publishing=True))["id"]
        await self._until_ready(container, token)
        return container

    async def _until_ready(self, container: str, token: str) -> None:
        """Videos are processed before they can be published: poll the container."""
        for _ in range(CONTAINER_POLLS):
            status = (await self.graph.get(container, token, fields="status_code"))["status_code"]
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                raise SyncError("REJECTED", f"instagram: the media container ended {status}")
            await self.http.sleep(min(2.0, self.http.policy.max_wait))
        raise SyncError("TIMEOUT", "instagram: the media was not processed in time",
                        retryable=True)

    async def find_published(self, auth: ChannelAuth, text: str, since: datetime
                             ) -> Published | None:
        async for page in self._media(auth, aware(since), None):
            for row in page:
                if same_text(row.get("caption"), text) and _when(row) >= aware(since):
                    return Published(row["id"], row.get("permalink", ""), _when(row))
        return None

    async def comments(self, auth: ChannelAuth, post_external_id: str
                       ) -> AsyncIterator[RemoteComment]:
        async for page in self.graph.pages(f"{post_external_id}/comments", auth.access_token,
                                           fields="id,text,username,timestamp",
                                           limit=self.page_size):
            for row in page:
                yield RemoteComment(row["id"], post_external_id, row.get("username", ""),
                                    row.get("text", ""), _when(row))

    # -- the community inbox (instagram_manage_comments, instagram_manage_messages) -------

    inbox_kinds = frozenset(ConversationKind)
    moderated = frozenset({ConversationKind.COMMENT})

    async def messages(self, auth: ChannelAuth, since: datetime, until: datetime
                       ) -> AsyncIterator[RemoteMessage]:
        user, token = auth.external_id, auth.access_token
        async for media in self.graph.dated(f"{user}/media", token,
                                            until - timedelta(days=COMMENTED_POSTS_DAYS), until,
                                            fields="id,timestamp", limit=self.page_size):
            for item in media:
                async for page in self.graph.pages(
                        f"{item['id']}/comments", token,
                        fields=f"{COMMENT_FIELDS},replies{{{COMMENT_FIELDS}}}",
                        limit=self.page_size):
                    for row in page:
                        replies = (row.get("replies") or {}).get("data") or []
                        for found in (_comment(row, item["id"], user, ""),
                                      *(_comment(r, item["id"], user, row["id"])
                                        for r in replies)):
                            if since <= found.created_at < until:
                                yield found
        async for tagged in self.graph.dated(f"{user}/tags", token, since, until,
                                             fields="id,caption,username,timestamp",
                                             limit=self.page_size):
            for row in tagged:
                yield RemoteMessage(ConversationKind.MENTION, row["id"], row["id"],
                                    row.get("username", ""), "", row.get("caption", ""),
                                    _when(row), post_external_id=row["id"])
        async for message in direct_messages(self.graph, user, token, "instagram", since,
                                             until):
            yield message

    async def reply(self, auth: ChannelAuth, target: ReplyTarget, text: str) -> SentReply:
        user, token = auth.external_id, auth.access_token
        now = datetime.now(UTC)
        if target.kind is ConversationKind.DM:
            return await send_direct(self.graph, user, token, target, text, now)
        if target.kind is ConversationKind.MENTION:
            sent = await self.graph.post(f"{user}/mentions", token,
                                         {"media_id": target.thread_id, "message": text},
                                         publishing=True)
        else:  # replies hang under the thread's top-level comment
            sent = await self.graph.post(f"{target.thread_id}/replies", token,
                                         {"message": text}, publishing=True)
        return SentReply(str(sent["id"]), now)

    async def find_reply(self, auth: ChannelAuth, target: ReplyTarget, text: str,
                         since: datetime) -> SentReply | None:
        user, token = auth.external_id, auth.access_token
        if target.kind is ConversationKind.DM:
            return await find_direct(self.graph, user, token, target, text, since)
        edge = "comments" if target.kind is ConversationKind.MENTION else "replies"
        async for page in self.graph.pages(f"{target.thread_id}/{edge}", token,
                                           fields=COMMENT_FIELDS, limit=self.page_size):
            for row in page:
                if str((row.get("from") or {}).get("id", "")) == user \
                        and same_text(row.get("text"), text) and _when(row) >= aware(since):
                    return SentReply(row["id"], _when(row))
        return None

    async def hide(self, auth: ChannelAuth, message_id: str, hidden: bool) -> None:
        await self.graph.post(message_id, auth.access_token,
                              {"hide": "true" if hidden else "false"})

    async def delete(self, auth: ChannelAuth, message_id: str) -> None:
        await self.graph.delete(message_id, auth.access_token)


def _comment(row: dict[str, Any], media_id: str, user: str, parent: str) -> RemoteMessage:
    author = row.get("from") or {}
    author_id = str(author.get("id", ""))
    return RemoteMessage(ConversationKind.COMMENT, parent or row["id"], row["id"],
                         row.get("username") or str(author.get("username", "")), author_id,
                         row.get("text", ""), _when(row), from_account=author_id == user,
                         post_external_id=media_id, parent_id=parent,
                         hidden=bool(row.get("hidden")))


def _unix(day: date) -> int:
    return int(midnight(day).timestamp())


def _when(row: dict[str, Any]) -> datetime:
    return parse_instant(row["timestamp"])
