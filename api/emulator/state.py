"""The emulator's memory: injected faults, rate-limit windows, call counters, published posts."""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from api.emulator.data import Config, Post, h, post_id, remember
from api.emulator.grants import OAuthState

FAULT_KINDS = frozenset({"429", "throttled", "500", "503", "slow", "malformed",
                         "wrong_shape", "expired_token", "reject", "quota",
                         "expired_refresh_token", "revoked_app", "consent_denied"})
# Faults only the authorization server serves (revoked_app: both it and the API).
OAUTH_ONLY = frozenset({"expired_refresh_token", "consent_denied"})
PLATFORMS = ("facebook", "instagram", "linkedin", "x", "youtube", "tiktok")
# Generous by default (the benchmark must not be throttled); tests tighten them.
DEFAULT_LIMIT = (1_000_000, 60)


@dataclass(slots=True)
class Fault:
    """An answer to give instead of the real one, `count` times or with `probability`.

    429 (HTTP 429 in the platform's shape, Retry-After when retry_after is set),
    throttled (the platform's native throttle: Meta's code 80001 on HTTP 400), 500, 503,
    slow (answer after `delay` seconds), malformed (truncated JSON), wrong_shape (valid
    JSON, not the documented shape), expired_token, expired_refresh_token (the token
    endpoint refuses a refresh: invalid_grant), revoked_app (the user removed the app:
    every API call 401, every token grant invalid_grant), consent_denied (the consent
    page answers error=access_denied whatever is clicked),
    reject (the platform refuses the content), quota (answer normally but report the
    quota `used` (0..1) up, resetting in retry_after seconds).
    """

    kind: str
    platform: str | None = None
    path: str | None = None  # a substring of the request path
    method: str | None = None
    count: int | None = 1
    probability: float | None = None
    retry_after: float | None = None
    delay: float = 5.0
    used: float = 0.95
    id: int = 0
    served: int = 0

    def matches(self, platform: str, path: str, method: str) -> bool:
        return ((self.platform is None or self.platform == platform)
                and (self.path is None or self.path in path)
                and (self.method is None or self.method.upper() == method))

    @classmethod
    def parse(cls, raw: Any) -> Fault:
        """A fault from JSON; ValueError says what is wrong."""
        if not isinstance(raw, dict):
            raise ValueError("a fault is a JSON object")
        unknown = set(raw) - {"kind", "platform", "path", "method", "count", "probability",
                              "retry_after", "delay", "used"}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        kind = str(raw.get("kind", ""))
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(sorted(FAULT_KINDS))}")
        platform = raw.get("platform")
        if platform is not None and platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}")
        numbers: dict[str, Any] = {}  # checked one by one below
        for name, default in (("retry_after", None), ("delay", 5.0), ("used", 0.95),
                              ("probability", None)):
            value = raw.get(name, default)
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, int | float) or value < 0):
                raise ValueError(f"{name} must be a number of at least 0")
            numbers[name] = value
        if numbers["used"] > 1:
            raise ValueError("used is the share of the quota used, between 0 and 1")
        for name in ("path", "method"):
            if raw.get(name) is not None and not isinstance(raw[name], str):
                raise ValueError(f"{name} must be a string")
        fault = cls(kind=kind, platform=platform, path=raw.get("path"),
                    method=raw.get("method"), count=raw.get("count", 1), **numbers)
        if fault.probability is not None:
            if not 0 <= float(fault.probability) <= 1:
                raise ValueError("probability must be between 0 and 1")
            fault.count = raw.get("count")  # with a probability, no count means forever
        if fault.count is not None and (isinstance(fault.count, bool) or not isinstance(
                fault.count, int) or fault.count < 1):
            raise ValueError("count must be a positive integer")
        return fault


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply an account sent through the API: to a comment, a mention or a DM thread."""

    platform: str
    account: str
    id: str
    parent: str  # the comment, mention or thread it answers
    text: str
    created_at: datetime


@dataclass(slots=True)
class Window:
    start: float
    calls: int = 0


def post_id_hash(platform: str, account: str, parent: str) -> int:
    return h("reply", platform, account, parent) % 7919


@dataclass(slots=True)
class State:
    config: Config
    faults: list[Fault] = field(default_factory=list)
    limits: dict[str, tuple[int, float]] = field(default_factory=dict)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    faults_served: Counter[tuple[str, str]] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)  # calls over a quota
    published: list[Post] = field(default_factory=list)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # uploads, containers
    windows: dict[tuple[str, str], Window] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)  # comment ids hidden by their account
    deleted: set[str] = field(default_factory=set)  # comment ids deleted by their account
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    oauth: OAuthState = field(default_factory=OAuthState)

    def add_fault(self, fault: Fault) -> Fault:
        fault.id = next(self.ids)
        self.faults.append(fault)
        return fault

    def take_fault(self, platform: str, path: str, method: str,
                   kinds: frozenset[str] | set[str] | None = None) -> Fault | None:
        """The first matching fault that fires for this call (and count it); `kinds`
        narrows the faults considered (the API's, the authorization server's)."""
        for fault in self.faults:
            if not fault.matches(platform, path, method):
                continue
            if (fault.kind not in kinds) if kinds is not None else fault.kind in OAUTH_ONLY:
                continue
            if fault.probability is not None and self.rng.random() >= fault.probability:
                continue
            fault.served += 1
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
            self.faults_served[(platform, fault.kind)] += 1
            return fault
        return None

    def hit(self, platform: str, token: str) -> tuple[int, int, float]:
        """Count a call against the token's fixed window: (calls so far, limit, reset)."""
        limit, length = self.limits.get(platform, DEFAULT_LIMIT)
        now = time.time()
        start = now - now % length
        window = self.windows.get((platform, token))
        if window is None or window.start != start:
            window = self.windows[(platform, token)] = Window(start)
        window.calls += 1
        return window.calls, limit, start + length

    def publish(self, platform: str, account: str, text: str, *, video: bool = False,
                media_url: str = "", **extra: str) -> Post:
        """Keep a post published through the API; a second copy is kept too, so a
        duplicate shows up in listings and in stats."""
        at = self.config.now()
        # Ids carry the day (not the time) on some platforms: number the day's posts.
        same_day = sum(1 for p in self.published if p.platform == platform
                       and p.account == account and p.published_at.date() == at.date())
        post = Post(platform, account, post_id(platform, account, at, 900 + same_day), at,
                    text, video, generated=False, media_url=media_url,
                    extra=tuple(sorted(extra.items())))
        self.published.append(post)
        remember(post)
        return post

    def reply(self, platform: str, account: str, parent: str, text: str) -> Reply:
        """Keep a reply; a second copy is kept too, so a duplicate shows up in stats."""
        at = self.config.now()
        number = 10 ** 17 + len(self.replies) * 7919 + post_id_hash(platform, account, parent)
        reply = Reply(platform, account, f"r{number}", parent, text, at)
        self.replies.append(reply)
        return reply

    def replies_to(self, parent: str) -> list[Reply]:
        return [r for r in self.replies if r.parent == parent and r.id not in self.deleted]

    def published_on(self, platform: str, account: str, start: datetime | None = None,
                     end: datetime | None = None) -> list[Post]:
        return [p for p in self.published if p.platform == platform and p.account == account
                and (start is None or p.published_at >= start)
                and (end is None or p.published_at < end)]

    def stats(self) -> dict[str, Any]:
        by_platform: dict[str, dict[str, int]] = {}
        for (platform, route), n in sorted(self.calls.items()):
            by_platform.setdefault(platform, {})[route] = n
        texts = Counter((p.platform, p.account, p.text) for p in self.published)
        return {
            "total_calls": sum(self.calls.values()),
            "calls": by_platform,
            "faults_served": [{"platform": p, "kind": k, "count": n}
                              for (p, k), n in sorted(self.faults_served.items())],
            "faults_pending": [asdict(f) for f in self.faults],
            "throttled": dict(self.throttled),
            "published": [{"platform": p.platform, "account": p.account, "id": p.id,
                           "text": p.text, "published_at": p.published_at.isoformat()}
                          for p in self.published],
            "duplicates": [{"platform": p, "account": a, "text": t, "copies": n}
                           for (p, a, t), n in texts.items() if n > 1],
            "replies": [{"platform": r.platform, "account": r.account, "id": r.id,
                         "parent": r.parent, "text": r.text,
                         "created_at": r.created_at.isoformat()} for r in self.replies],
            "reply_duplicates": [{"parent": parent, "text": text, "copies": n}
                                 for (parent, text), n in Counter(
                                     (r.parent, r.text) for r in self.replies).items()
                                 if n > 1],
            "hidden": sorted(self.hidden),
            "deleted": sorted(self.deleted),
            "config": {"seed": self.config.seed, "today": self.config.day().isoformat(),
                       "posts_per_day": self.config.posts_per_day},
        }

    def reset(self, config: Config | None = None) -> None:
        """Forget faults, counters, windows and published posts (and maybe re-configure)."""
        self.faults.clear()
        self.calls.clear()
        self.faults_served.clear()
        self.throttled.clear()
        self.published.clear()
        self.pending.clear()
        self.windows.clear()
        self.limits.clear()
        self.oauth.clear()
        self.replies.clear()
        self.hidden.clear()
        self.deleted.clear()
        self.rng = random.Random(0)
        if config is not None:
            self.config = config

    def configure(self, **changes: Any) -> None:
        self.config = replace(self.config, **changes)
