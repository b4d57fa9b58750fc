"""LinkedIn's versioned REST API for organization pages: statistics, posts, comments."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.emulator.core import JSON, Call, PlatformApi, Refused, json_body
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

PLATFORM = "linkedin"
OLDEST_VERSION = "202401"
HISTORY_DAYS = 365
ORG = "urn:li:organization:"
ORG_SCALES = {"impressionCount": 0.7, "uniqueImpressionsCount": 0.4, "clickCount": 0.02,
              "likeCount": 0.012, "commentCount": 0.002, "shareCount": 0.0015}
POST_SCALES = {"impressionCount": 0.07, "uniqueImpressionsCount": 0.045, "clickCount": 0.003,
               "likeCount": 0.002, "commentCount": 0.0004, "shareCount": 0.0003}
GAIN_SCALES = {"organicFollowerGain": 0.0012, "paidFollowerGain": 0.0002}
# (status, serviceErrorCode, code, message) by kind
ERRORS = {
    "auth": (401, 65600, "INVALID_ACCESS_TOKEN", "Invalid access token"),
    "expired": (401, 65601, "EXPIRED_ACCESS_TOKEN", "The token used in the request has "
                                                    "expired"),
    "throttle": (429, 101, "TOO_MANY_REQUESTS", "Resource level throttle APPLICATION DAY "
                                                "limit for calls to this resource is reached."),
    "permission": (403, 100, "ACCESS_DENIED", "Not enough permissions to access this "
                                              "organization"),
    "reject": (422, 0, "UNPROCESSABLE_ENTITY", "Content is a duplicate of an earlier post"),
}


def org_value(cfg: Config, org: str, name: str, day: date) -> int:
    return series(cfg, PLATFORM, org, name, day, ORG_SCALES[name])


def gain(cfg: Config, org: str, name: str, day: date) -> int:
    return series(cfg, PLATFORM, org, name, day, GAIN_SCALES[name])


def post_stats(cfg: Config, post: Post, day: date) -> dict[str, int] | None:
    values = {n: post_series(cfg, post, n, day, s) for n, s in POST_SCALES.items()}
    if any(v is None for v in values.values()):
        return None
    counts = {n: v for n, v in values.items() if v is not None}  # all of them, as just checked
    stats: dict[str, Any] = dict(counts)
    stats["engagement"] = round((counts["clickCount"] + counts["likeCount"] +
                                 counts["commentCount"] + counts["shareCount"]) /
                                max(counts["impressionCount"], 1), 6)
    return stats


def _ms(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000)


def _stamp_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


_RANGE = re.compile(r"^\(timeRange:\(start:(\d+),end:(\d+)\),timeGranularityType:(DAY|MONTH)\)$")
_RANGE_ALT = re.compile(r"^\(timeGranularityType:(DAY|MONTH),timeRange:\(start:(\d+),"
                        r"end:(\d+)\)\)$")


def time_days(call: Call) -> list[date] | None:
    """The days of a timeIntervals parameter (Rest.li 2.0 or dotted form); None = lifetime."""
    raw = call.param("timeIntervals")
    if raw is not None:
        match = _RANGE.match(raw)
        if match:
            start, end, grain = int(match[1]), int(match[2]), match[3]
        elif (alt := _RANGE_ALT.match(raw)) is not None:
            grain, start, end = alt[1], int(alt[2]), int(alt[3])
        else:
            raise Refused(400, "invalid", f"timeIntervals is malformed: {raw}")
    elif call.param("timeIntervals.timeGranularityType"):
        grain = call.param("timeIntervals.timeGranularityType") or ""
        start = int(call.param("timeIntervals.timeRange.start") or 0)
        end = int(call.param("timeIntervals.timeRange.end") or 0)
    else:
        return None
    if grain != "DAY":
        raise Refused(400, "invalid", "this emulator serves DAY granularity only")
    first = datetime.fromtimestamp(start / 1000, UTC).date()
    last = datetime.fromtimestamp(end / 1000, UTC).date()
    if first < call.today - timedelta(days=HISTORY_DAYS):
        raise Refused(400, "invalid", "timeRange.start must be within the last 12 months")
    if last <= first:
        raise Refused(400, "invalid", "timeRange.end must be after timeRange.start")
    return [first + timedelta(days=i) for i in range((last - first).days)
            if available(call.config, PLATFORM, first + timedelta(days=i))]


def _list(raw: str | None) -> list[str]:
    if not raw:
        return []
    if not (raw.startswith("List(") and raw.endswith(")")):
        raise Refused(400, "invalid", f"expected List(...), got {raw}")
    return [i for i in raw[5:-1].split(",") if i]


def permalink(post: Post) -> str:
    return f"https://www.linkedin.com/feed/update/{post.id}/"


class LinkedInApi(PlatformApi):
    name = PLATFORM

    def precheck(self, request: Request) -> Response | None:
        version = request.headers.get("linkedin-version")
        if not version:
            return JSON({"status": 400, "code": "VERSION_MISSING", "message": "A version must "
                         "be present. Please specify a version by adding the LinkedIn-Version "
                         "header."}, status_code=400)
        latest = request.app.state.emulator.config.day().strftime("%Y%m")
        if not (version.isdigit() and len(version) == 6 and OLDEST_VERSION <= version
                <= latest):
            return JSON({"status": 426, "code": "NONEXISTENT_VERSION",
                         "message": f"Requested version {version} is not active"},
                        status_code=426)
        return None

    def error(self, status: int, kind: str, message: str, **extra: Any) -> Response:
        status, service, code, default = ERRORS.get(
            kind, (status, 0, "SERVER_ERROR" if status >= 500 else "BAD_REQUEST", message))
        body = {"status": status, "serviceErrorCode": service, "code": code,
                "message": default if kind in ERRORS else message}
        return JSON(body, status_code=status)

    def routes(self) -> list[Route]:
        return [
            self.route("/rest/organizationalEntityShareStatistics", "share_statistics",
                       self.share_statistics),
            self.route("/rest/organizationalEntityFollowerStatistics", "follower_statistics",
                       self.follower_statistics),
            self.route("/rest/networkSizes/{urn}", "network_size", self.network_size),
            self.route("/rest/posts", "posts", self.posts),
            self.route("/rest/posts", "create_post", self.create_post, ("POST",)),
            self.route("/rest/posts/{urn}", "post", self.post),
            self.route("/rest/socialActions/{urn}/comments", "comments", self.comments),
            self.route("/rest/images", "initialize_upload", self.initialize_upload, ("POST",)),
            self.route("/dms-uploads/{upload}", "upload", self.upload, ("PUT",)),
        ]

    async def initialize_upload(self, call: Call) -> Response:
        if call.param("action") != "initializeUpload":
            raise Refused(400, "invalid", "action must be initializeUpload")
        request = (await json_body(call.request)).get("initializeUploadRequest") or {}
        org = self._org(call, request.get("owner"))
        number = h("image", org, len(call.state.pending)) % 10 ** 12
        image, upload = f"urn:li:image:C4E{number:012d}", f"u{number:012d}"
        call.state.pending[f"li:{image}"] = {"org": org, "uploaded": False}
        call.state.pending[f"li-upload:{upload}"] = {"image": image}
        url = str(call.request.url_for("linkedin:upload", upload=upload))
        return JSON({"value": {"uploadUrlExpiresAt": _stamp_ms(call.config.now()) + 86_400_000,
                               "uploadUrl": url, "image": image}})

    async def upload(self, call: Call) -> Response:
        upload = call.state.pending.get(f"li-upload:{call.request.path_params['upload']}")
        if upload is None:
            raise Refused(404, "not_found", "no such upload")
        if not await call.request.body():
            raise Refused(400, "invalid", "the upload is empty")
        call.state.pending[f"li:{upload['image']}"]["uploaded"] = True
        return Response(status_code=201)

    @staticmethod
    def _images(call: Call, org: str, content: dict[str, Any]) -> list[str]:
        """The uploaded images a post's content uses (one, or a multiImage's)."""
        media = content.get("media") or {}
        images = ([media["id"]] if "id" in media else
                  [i.get("id") for i in (content.get("multiImage") or {}).get("images", [])])
        for image in images:
            stored = call.state.pending.get(f"li:{image}")
            if stored is None or stored["org"] != org or not stored["uploaded"]:
                raise Refused(422, "invalid", f"{image} is not an uploaded image of {ORG}{org}")
        if "multiImage" in content and not 2 <= len(images) <= 20:
            raise Refused(422, "invalid", "a multiImage post has 2 to 20 images")
        return images

    @staticmethod
    def _org(call: Call, urn: str | None) -> str:
        if not urn or not urn.startswith(ORG):
            raise Refused(400, "invalid", f"organizationalEntity must be an organization "
                                          f"urn, got {urn!r}")
        org = urn[len(ORG):]
        call.own(PLATFORM, org)
        return org

    async def share_statistics(self, call: Call) -> Response:
        if call.param("q") != "organizationalEntity":
            raise Refused(400, "invalid", "q must be organizationalEntity")
        org = self._org(call, call.param("organizationalEntity"))
        days = time_days(call)
        if days is None:
            raise Refused(400, "invalid", "this emulator needs timeIntervals (lifetime "
                                          "statistics are not served)")
        cfg, urn = call.config, f"{ORG}{org}"
        posts = [("share", p) for p in _list(call.param("shares"))]
        posts += [("ugcPost", p) for p in _list(call.param("ugcPosts"))]
        elements = []
        if not posts:
            for day in days:
                elements.append({
                    "organizationalEntity": urn,
                    "timeRange": {"start": _ms(day), "end": _ms(day + timedelta(days=1))},
                    "totalShareStatistics": {n: org_value(cfg, org, n, day)
                                             for n in ORG_SCALES}})
        for kind, post_urn in posts:
            post = find_post(PLATFORM, post_urn)
            if post is None or post.account != org:
                raise Refused(400, "invalid", f"{post_urn} is not a post of {urn}")
            for day in days:
                stats = post_stats(cfg, post, day)
                if stats is not None:
                    elements.append({"organizationalEntity": urn, kind: post_urn,
                                     "timeRange": {"start": _ms(day),
                                                   "end": _ms(day + timedelta(days=1))},
                                     "totalShareStatistics": stats})
        return JSON({"paging": {"count": len(elements), "start": 0, "links": []},
                     "elements": elements})

    async def follower_statistics(self, call: Call) -> Response:
        org = self._org(call, call.param("organizationalEntity"))
        days = time_days(call) or []
        elements = [{"organizationalEntity": f"{ORG}{org}",
                     "timeRange": {"start": _ms(d), "end": _ms(d + timedelta(days=1))},
                     "followerGains": {n: gain(call.config, org, n, d) for n in GAIN_SCALES}}
                    for d in days]
        return JSON({"paging": {"count": len(elements), "start": 0, "links": []},
                     "elements": elements})

    async def network_size(self, call: Call) -> Response:
        org = self._org(call, call.request.path_params["urn"])
        return JSON({"firstDegreeSize": followers(call.config, PLATFORM, org, call.today)})

    def _row(self, post: Post) -> dict[str, Any]:
        at = _stamp_ms(post.published_at)
        return {"id": post.id, "author": f"{ORG}{post.account}", "commentary": post.text,
                "visibility": "PUBLIC", "lifecycleState": "PUBLISHED", "createdAt": at,
                "publishedAt": at, "lastModifiedAt": at,
                "distribution": {"feedDistribution": "MAIN_FEED"}}

    async def posts(self, call: Call) -> Response:
        if call.param("q") != "author":
            raise Refused(400, "invalid", "q must be author")
        org = self._org(call, call.param("author"))
        count = call.int_param("count", 10, 1, 100)
        start = call.int_param("start", 0, 0, 10 ** 6)
        # Posts are listed newest first; generate back to the end of the 12 months.
        today = call.today
        found = generated_posts(call.config, PLATFORM, org, today - timedelta(HISTORY_DAYS),
                                today)
        found += call.state.published_on(PLATFORM, org)
        found.sort(key=lambda p: (p.published_at, p.id), reverse=True)
        page = found[start:start + count]
        links = []
        if start + count < len(found):
            links.append({"rel": "next", "type": "application/json",
                          "href": f"/rest/posts?q=author&start={start + count}&count={count}"})
        return JSON({"paging": {"start": start, "count": count, "total": len(found),
                                "links": links},
                     "elements": [self._row(p) for p in page]})

    async def post(self, call: Call) -> Response:
        post = find_post(PLATFORM, call.request.path_params["urn"])
        if post is None:
            raise Refused(404, "not_found", "Not found")
        call.own(PLATFORM, post.account)
        return JSON(self._row(post))

    async def create_post(self, call: Call) -> Response:
        body = await json_body(call.request)
        org = self._org(call, body.get("author"))
        text = body.get("commentary")
        if not isinstance(text, str) or len(text) > 3000:
            raise Refused(422, "invalid", "commentary must be a text of at most 3000 "
                                          "characters")
        if body.get("lifecycleState") != "PUBLISHED":
            raise Refused(422, "invalid", "lifecycleState must be PUBLISHED")
        content = body.get("content") or {}
        images = self._images(call, org, content)
        link = (content.get("article") or {}).get("source", "") or ",".join(images)
        post = call.state.publish(PLATFORM, org, text, media_url=str(link))
        return Response(status_code=201, headers={"x-restli-id": post.id,
                                                  "x-linkedin-id": post.id})

    async def comments(self, call: Call) -> Response:
        post = find_post(PLATFORM, call.request.path_params["urn"])
        if post is None:
            raise Refused(404, "not_found", "Not found")
        call.own(PLATFORM, post.account)
        count = call.int_param("count", 10, 1, 100)
        start = call.int_param("start", 0, 0, 10 ** 6)
        found = comments_of(call.config, post)
        elements = [{"id": c.id, "$URN": f"urn:li:comment:({post.id},{c.id})",
                     "actor": f"urn:li:person:{h('person', c.author) % 10 ** 8}",
                     "message": {"text": c.text}, "object": post.id,
                     "created": {"time": _stamp_ms(c.created_at)}}
                    for c in found[start:start + count]]
        return JSON({"paging": {"start": start, "count": count, "total": len(found)},
                     "elements": elements})

