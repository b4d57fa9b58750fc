"""LinkedIn organization pages over the versioned REST API: share and follower statistics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import quote

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
from domain.connectors.common import HttpConnector, current_point, media_items, same_text
from domain.connectors.http import Dialect
from domain.connectors.windows import aware, epoch_ms, split
from domain.enums import Platform, PostFormat

API_VERSION = "202610"  # LinkedIn-Version: YYYYMM
HISTORY_DAYS = 365  # statistics cover a rolling 12 months
MAX_WINDOW_DAYS = 90  # one timeIntervals range per call, to keep answers small
SHARES_PER_CALL = 20
STATS = {"impressionCount": "impressions", "uniqueImpressionsCount": "reach",
         "clickCount": "clicks", "likeCount": "reactions", "commentCount": "comments",
         "shareCount": "shares"}  # `engagement` is a ratio: not stored
FOLLOW_GAINS = "followerGains.organicFollowerGain+paidFollowerGain"
UPLOAD_HOSTS = frozenset({"www.linkedin.com", "api.linkedin.com"})  # where images are PUT


class LinkedInDialect(Dialect):
    """Errors are {status, serviceErrorCode, code, message}; every call names its version."""

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "LinkedIn-Version": API_VERSION,
                "X-Restli-Protocol-Version": "2.0.0"}

    def error_message(self, body: Any) -> str:
        if not isinstance(body, dict):
            return ""
        code = f" ({body['code']})" if body.get("code") else ""
        return f"{body.get('message', '')}{code}".strip()


def _urn(kind: str, value: str) -> str:
    return value if value.startswith("urn:li:") else f"urn:li:{kind}:{value}"


def _enc(value: str) -> str:
    """A Rest.li 2.0 value: reserved characters inside it are percent-encoded."""
    return quote(value, safe="")


def _intervals(first: date, last: date) -> str:
    return (f"(timeRange:(start:{epoch_ms(first)},end:{epoch_ms(last + timedelta(days=1))}),"
            "timeGranularityType:DAY)")


@lru_cache(maxsize=8192)
def _day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).date()


def _stat_points(element: dict[str, Any], start: date, end: date) -> list[MetricPoint]:
    day = _day(element["timeRange"]["start"])
    if not start <= day <= end:
        return []
    stats = element["totalShareStatistics"]
    return [MetricPoint(metric, day, Decimal(str(stats[raw])), raw)
            for raw, metric in STATS.items() if stats.get(raw) is not None]


class LinkedInConnector(HttpConnector):
    platform = Platform.LINKEDIN
    api_version = API_VERSION
    hosts = {"": "https://api.linkedin.com"}
    history_days = HISTORY_DAYS
    dialect = LinkedInDialect()
    page_size = 50

    async def _get(self, path: str, token: str, query: str = "") -> Any:
        return await self.http.call("GET", f"/rest/{path}" + (f"?{query}" if query else ""),
                                    token=token)

    async def channel_metrics(self, auth: ChannelAuth, start: date, end: date
                              ) -> list[MetricPoint]:
        org, token = _urn("organization", auth.external_id), auth.access_token
        size = await self._get(f"networkSizes/{_enc(org)}", token,
                               "edgeType=COMPANY_FOLLOWED_BY_MEMBER")
        today = self.http.today()
        points = current_point("followers", today, start, end, size.get("firstDegreeSize"),
                               "firstDegreeSize")
        first = max(start, today - timedelta(days=HISTORY_DAYS - 1))
        for since, until in split(first, min(end, today), MAX_WINDOW_DAYS):
            query = (f"q=organizationalEntity&organizationalEntity={_enc(org)}"
                     f"&timeIntervals={_intervals(since, until)}")
            shares = await self._get("organizationalEntityShareStatistics", token, query)
            for element in shares["elements"]:
                points += _stat_points(element, since, until)
            follows = await self._get("organizationalEntityFollowerStatistics", token, query)
            for element in follows["elements"]:
                day, gains = _day(element["timeRange"]["start"]), element["followerGains"]
                if since <= day <= until:
                    value = gains["organicFollowerGain"] + gains["paidFollowerGain"]
                    points.append(MetricPoint("follows", day, Decimal(str(value)),
                                              FOLLOW_GAINS))
        return points

    async def _posts(self, auth: ChannelAuth, since: datetime
                     ) -> AsyncIterator[list[dict[str, Any]]]:
        """Pages of the organization's posts, newest first, down to `since`."""
        org, start = _urn("organization", auth.external_id), 0
        while True:
            body = await self._get("posts", auth.access_token,
                                   f"author={_enc(org)}&q=author&sortBy=CREATED"
                                   f"&count={self.page_size}&start={start}")
            page = body["elements"]
            yield [p for p in page if _created(p) >= since]
            total = body["paging"].get("total")
            start += len(page)
            if not page or (total is not None and start >= total) or _created(page[-1]) < since:
                return

    async def posts(self, auth: ChannelAuth, start: date, end: date
                    ) -> AsyncIterator[RemotePost]:
        since = datetime.combine(start, datetime.min.time(), UTC)
        async for page in self._posts(auth, since):
            rows = [p for p in page if _created(p).date() <= end]
            daily = await self._post_stats(auth, rows, end)
            for row in rows:
                yield RemotePost(row["id"], _permalink(row["id"]), _created(row),
                                 row.get("commentary", ""), daily.get(row["id"], []))

    async def _post_stats(self, auth: ChannelAuth, rows: list[dict[str, Any]], end: date
                          ) -> dict[str, list[MetricPoint]]:
        org = _urn("organization", auth.external_id)
        found: dict[str, list[MetricPoint]] = {}
        for i in range(0, len(rows), SHARES_PER_CALL):
            chunk = rows[i:i + SHARES_PER_CALL]
            first = min(_created(r).date() for r in chunk)
            by_kind: dict[str, list[str]] = {}
            for row in chunk:
                kind = "ugcPosts" if ":ugcPost:" in row["id"] else "shares"
                by_kind.setdefault(kind, []).append(_enc(row["id"]))
            for since, until in split(first, end, MAX_WINDOW_DAYS):
                for kind, urns in by_kind.items():
                    body = await self._get(
                        "organizationalEntityShareStatistics", auth.access_token,
                        f"q=organizationalEntity&organizationalEntity={_enc(org)}"
                        f"&{kind}=List({','.join(urns)})"
                        f"&timeIntervals={_intervals(since, until)}")
                    for element in body["elements"]:
                        post = element.get("share") or element.get("ugcPost")
                        found.setdefault(post, []).extend(_stat_points(element, since, until))
        return found

    async def publish(self, auth: ChannelAuth, post: OutgoingPost) -> Published:
        body: dict[str, Any] = {
            "author": _urn("organization", auth.external_id), "commentary": post.text,
            "visibility": "PUBLIC", "lifecycleState": "PUBLISHED",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "isReshareDisabledByAuthor": False}
        if post.format is PostFormat.LINK:
            link = next((m.get("url") for m in post.media if isinstance(m, dict)), None)
            if link:
                body["content"] = {"article": {"source": link, "title": post.text[:200]}}
        elif post.format is PostFormat.IMAGE:
            url, _, alt = media_items(post, self.platform, PostFormat.IMAGE)[0]
            image = await self._upload_image(auth, url)
            body["content"] = {"media": {"id": image, "altText": alt}}
        elif post.format is PostFormat.CAROUSEL:
            items = media_items(post, self.platform, PostFormat.CAROUSEL, least=2)[:20]
            body["content"] = {"multiImage": {"images": [
                {"id": await self._upload_image(auth, url), "altText": alt}
                for url, _, alt in items]}}
        elif post.format is not PostFormat.TEXT:
            # Videos and documents go through other upload APIs, not spoken here yet.
            raise SyncError("REJECTED", f"linkedin: this connector posts text, links and "
                                        f"images, not {post.format}")
        urn = await self.http.call("POST", "/rest/posts", token=auth.access_token, json=body,
                                   parse=_restli_id, publishing=True)
        row = await self._get(f"posts/{_enc(urn)}", auth.access_token)
        return Published(urn, _permalink(urn), _created(row))

    async def _upload_image(self, auth: ChannelAuth, url: str) -> str:
        """An image uploaded for the organization (invisible until a post uses it)."""
        content, kind = await self.http.download(url)
        started = await self.http.call(
            "POST", "/rest/images?action=initializeUpload", token=auth.access_token,
            json={"initializeUploadRequest": {"owner": _urn("organization",
                                                              auth.external_id)}})
        upload = self.http.follow(started["value"]["uploadUrl"], also=UPLOAD_HOSTS)
        await self.http.call("PUT", upload, token=auth.access_token, content=content,
                             headers={"Content-Type": kind}, parse=lambda *_: None)
        return str(started["value"]["image"])

    async def find_published(self, auth: ChannelAuth, text: str, since: datetime
                             ) -> Published | None:
        async for page in self._posts(auth, aware(since)):
            for row in page:
                if same_text(row.get("commentary"), text):
                    return Published(row["id"], _permalink(row["id"]), _created(row))
        return None

    async def comments(self, auth: ChannelAuth, post_external_id: str
                       ) -> AsyncIterator[RemoteComment]:
        start = 0
        while True:
            body = await self._get(f"socialActions/{_enc(post_external_id)}/comments",
                                   auth.access_token, f"start={start}&count={self.page_size}")
            for row in body["elements"]:
                yield RemoteComment(row["id"], post_external_id, row.get("actor", ""),
                                    (row.get("message") or {}).get("text", ""),
                                    datetime.fromtimestamp(row["created"]["time"] / 1000, UTC))
            start += len(body["elements"])
            total = body["paging"].get("total")
            if not body["elements"] or (total is not None and start >= total):
                return


def _created(row: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp((row.get("publishedAt") or row["createdAt"]) / 1000, UTC)


def _permalink(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def _restli_id(body: Any, response: httpx.Response) -> str:
    urn = response.headers.get("x-restli-id") or (body or {}).get("id")
    if not urn:
        raise KeyError("x-restli-id")
    return str(urn)
