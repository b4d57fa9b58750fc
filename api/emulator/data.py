"""The emulator's world: deterministic accounts, posts, daily figures and comments from a seed."""

from __future__ import annotations

import base64
import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

EPOCH = date(2024, 1, 1)
# Monday..Sunday: people scroll more midweek than at weekends.
WEEKLY = (1.0, 1.06, 1.1, 1.08, 1.02, 0.78, 0.72)
POST_DECAY = 0.55  # a post's daily figures shrink by this factor each day after publishing
POST_ACTIVE_DAYS = 30  # after that a post's daily figures are 0
# Days before a daily figure exists (Meta refreshes daily; Instagram and YouTube lag 48 h).
DAILY_LAG = {"facebook": 1, "instagram": 2, "linkedin": 1, "youtube": 2, "x": 0, "tiktok": 0}
VIDEO_SHARE = {"facebook": 0.2, "instagram": 0.4, "linkedin": 0.1, "x": 0.2, "youtube": 1.0,
               "tiktok": 1.0}
OPENERS = ("Behind the scenes:", "New this week:", "Tip of the day:", "From our team:",
           "Ask us anything:", "Caffè e lavoro:", "Save the date:", "Did you know?")
TOPICS = ("our autumn blend", "the roastery floor", "three brewing mistakes", "the new store",
          "a customer story", "how we source beans", "latte art basics", "our crema test")
# The community's words, Italian and English: mostly kind or curious, a few unhappy.
COMMENTS = ("Love this!", "Where can I buy it?", "Great post 👏", "Is it available in Milan?",
            "Prezzo?", "Following for more", "This changed my mornings", "Any discount?",
            "Che buono, lo adoro ☕", "Spedite anche in Svizzera?", "Bellissima foto!",
            "Grazie per il consiglio 🙏", "Quando riaprite il negozio?", "Meh, not my taste",
            "Too expensive for what it is", "Il caffè era bruciato, peccato")
# Said during the scripted negative spike (a bad batch, a rude shop assistant).
NEGATIVE = ("Worst coffee I've ever had, the whole bag tasted burnt 😡",
            "Vergogna! Il pacco è arrivato rotto e nessuno risponde",
            "Still waiting for my refund, this is a scam",
            "Servizio clienti pessimo, non comprerò mai più",
            "My order never arrived and support ignores me",
            "Che delusione, caffè rancido e commessa maleducata",
            "Disgusting. Found plastic in the beans!! #boycott",
            "Avete rovinato tutto, una volta eravate i migliori")
SPIKE_SHARE = 0.8  # of what is said during the spike, this much is negative
SPIKE_COMMENTS = 9  # extra comments on each recent post during the spike


@dataclass(frozen=True, slots=True)
class Config:
    """What the data depends on besides the account: the seed, the day it is, the cadence."""

    seed: int = 1
    today: date | None = None
    """The emulator's today; None follows the clock (UTC)."""
    posts_per_day: float = 200 / 90
    spike_days_ago: int | None = 1
    """The scripted negative spike: that many days before today (None: no spike), from
    spike_hour (UTC) for spike_hours, on every account."""
    spike_hour: int = 14
    spike_hours: int = 6

    def day(self) -> date:
        return self.today or datetime.now(UTC).date()

    def now(self) -> datetime:
        """The emulator's clock: its today at the real time of day."""
        return datetime.combine(self.day(), datetime.now(UTC).time(), UTC)

    def spike(self) -> tuple[datetime, datetime] | None:
        """The negative spike's start and end, or None."""
        if self.spike_days_ago is None:
            return None
        start = datetime.combine(self.day() - timedelta(days=self.spike_days_ago),
                                 time(self.spike_hour), UTC)
        return start, start + timedelta(hours=self.spike_hours)

    def in_spike(self, at: datetime) -> bool:
        window = self.spike()
        return window is not None and window[0] <= at < window[1]


@dataclass(frozen=True, slots=True)
class Post:
    """A post on an account: generated from the seed, or published through the API."""

    platform: str
    account: str
    id: str
    published_at: datetime
    text: str
    video: bool = False
    generated: bool = True
    media_url: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def day(self) -> date:
        return self.published_at.date()


def h(*parts: object) -> int:
    """A stable 64-bit hash of the parts (Python's hash() changes per process)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def u(*parts: object) -> float:
    """A stable number in [0, 1) from the parts."""
    return h(*parts) / 2 ** 64


@lru_cache(maxsize=100_000)
def audience(cfg: Config, platform: str, account: str) -> int:
    return 1500 + h(cfg.seed, "audience", platform, account) % 40000


def available(cfg: Config, platform: str, day: date) -> bool:
    """Whether a daily figure for `day` exists yet on the platform."""
    return day <= cfg.day() - timedelta(days=DAILY_LAG.get(platform, 0))


def series(cfg: Config, platform: str, account: str, key: str, day: date, scale: float) -> int:
    """An account's daily flow figure `key`: audience × scale × weekday × noise."""
    noise = 0.75 + 0.5 * u(cfg.seed, platform, account, key, day.toordinal())
    return int(audience(cfg, platform, account) * scale * WEEKLY[day.weekday()] * noise)


def followers(cfg: Config, platform: str, account: str, day: date) -> int:
    """The account's followers at the end of `day` (a stock, growing slowly)."""
    base = audience(cfg, platform, account)
    n = (day - EPOCH).days
    return max(0, base + int(base * 0.0005 * n) + int(25 * math.sin(n / 5)))


def post_id(platform: str, account: str, at: datetime, i: int) -> str:
    """A post id in the platform's own format, unique per account."""
    o = at.date().toordinal()
    a = h("account", platform, account)
    if platform == "facebook":
        return f"{account}_{o:07d}{i:02d}{a % 10 ** 6:06d}"
    if platform == "instagram":
        return f"179{a % 10 ** 6:06d}{o:07d}{i:02d}"
    if platform == "linkedin":
        return f"urn:li:share:7{o:07d}{i:02d}{a % 10 ** 9:09d}"
    if platform == "youtube":
        raw = h(platform, account, o, i).to_bytes(8, "big") + i.to_bytes(2, "big")
        return base64.urlsafe_b64encode(raw).decode()[:11]
    # X and TikTok ids are snowflakes: time in the high bits, so newer is larger.
    ms = int(at.timestamp() * 1000) - 1288834974657
    return str((ms << 22) | ((a % 4096) << 10) | i)


def text_for(platform: str, account: str, day: date, i: int, seed: int) -> str:
    pick = h(seed, "text", platform, account, day.toordinal(), i)
    return (f"{OPENERS[pick % len(OPENERS)]} {TOPICS[(pick >> 8) % len(TOPICS)]} "
            f"({day.isoformat()} #{i + 1})")


_INDEX: dict[tuple[str, str], Post] = {}


@lru_cache(maxsize=400_000)
def posts_on(cfg: Config, platform: str, account: str, day: date) -> tuple[Post, ...]:
    """The generated posts of one account on one day, in publishing order."""
    rate = cfg.posts_per_day
    phase = u(cfg.seed, "phase", platform, account)
    o = day.toordinal()
    count = math.floor((o + 1) * rate + phase) - math.floor(o * rate + phase)
    minutes = sorted(int(u(cfg.seed, "minute", platform, account, o, i) * 14 * 60)
                     for i in range(count))
    posts = []
    for i, minute in enumerate(minutes):
        at = datetime.combine(day, time(7), UTC) + timedelta(minutes=minute, seconds=i)
        video = u(cfg.seed, "video", platform, account, o, i) < VIDEO_SHARE[platform]
        post = Post(platform, account, post_id(platform, account, at, i), at,
                    text_for(platform, account, day, i, cfg.seed), video)
        _INDEX[(platform, post.id)] = post
        posts.append(post)
    return tuple(posts)


def generated_posts(cfg: Config, platform: str, account: str, start: date, end: date
                    ) -> list[Post]:
    """Generated posts published start..end (inclusive, never after today), oldest first."""
    last = min(end, cfg.day())
    found: list[Post] = []
    day = start
    while day <= last:
        found.extend(posts_on(cfg, platform, account, day))
        day += timedelta(days=1)
    return found


def remember(post: Post) -> None:
    _INDEX[(post.platform, post.id)] = post


def find_post(platform: str, post_id: str) -> Post | None:
    """A post served or published earlier in this process, by its platform id."""
    return _INDEX.get((platform, post_id))


@lru_cache(maxsize=400_000)
def _boost(seed: int, platform: str, post_id: str) -> float:
    """How much better or worse than the account's average a post does."""
    return 0.4 + 1.2 * u(seed, "boost", platform, post_id)


def post_series(cfg: Config, post: Post, key: str, day: date, scale: float) -> int | None:
    """A post's daily figure `key`; None before it was published or for posts published
    through the API (the platform has no figures for them yet)."""
    age = (day - post.day).days
    if age < 0 or not post.generated:
        return None
    if age >= POST_ACTIVE_DAYS:
        return 0
    boost = _boost(cfg.seed, post.platform, post.id)
    noise = 0.8 + 0.4 * u(cfg.seed, post.platform, post.id, key, day.toordinal())
    base = audience(cfg, post.platform, post.account) * scale * boost
    return int(base * POST_DECAY ** age * WEEKLY[day.weekday()] * noise)


@lru_cache(maxsize=400_000)
def post_lifetime(cfg: Config, post: Post, key: str, scale: float, as_of: date) -> int | None:
    """A post's lifetime total of `key` as of a day: the sum of its daily figures."""
    if not post.generated:
        return None
    last = min(as_of, post.day + timedelta(days=POST_ACTIVE_DAYS - 1))
    total, day = 0, post.day
    while day <= last:
        total += post_series(cfg, post, key, day, scale) or 0
        day += timedelta(days=1)
    return total


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    post_id: str
    author: str
    text: str
    created_at: datetime


def said(cfg: Config, at: datetime, *key: object) -> str:
    """What someone writes at `at`: during the spike mostly a complaint."""
    pick = h(cfg.seed, "said", *key)
    if cfg.in_spike(at) and u(cfg.seed, "angry", *key) < SPIKE_SHARE:
        return NEGATIVE[pick % len(NEGATIVE)]
    return COMMENTS[pick % len(COMMENTS)]


_COMMENTS: dict[str, Comment] = {}
# The account answers some comments itself, in the platform's own app, hours later.
ANSWERS = ("Grazie mille! ☕", "Thank you so much!", "Ti abbiamo scritto in privato 🙏",
           "We've sent you a DM", "Certo! Trovi tutto sul nostro sito.")
ANSWERED_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class Answer:
    id: str
    text: str
    created_at: datetime


def answer_of(cfg: Config, comment: Comment) -> Answer | None:
    """The account's own reply to a comment, if it gave one (and it is not in the future)."""
    if u(cfg.seed, "answered", comment.id) >= ANSWERED_SHARE:
        return None
    at = comment.created_at + timedelta(minutes=20 + int(u(cfg.seed, "answer-at",
                                                           comment.id) * 600))
    if at > cfg.now():
        return None
    pick = h(cfg.seed, "answer", comment.id)
    return Answer(f"a{pick % 10 ** 17:017d}", ANSWERS[pick % len(ANSWERS)], at)


def comments_of(cfg: Config, post: Post) -> list[Comment]:
    """A generated post's comments, oldest first; none yet on posts published via the API
    and none from the future. Posts of the two days before the negative spike get more
    during it."""
    if not post.generated:
        return []
    now = cfg.now()
    times = [(i, post.published_at + timedelta(minutes=7 + i * 53))
             for i in range(h(cfg.seed, "comments", post.platform, post.id) % 37)]
    spike = cfg.spike()
    if spike is not None and spike[0] - timedelta(days=2) <= post.published_at < spike[1]:
        step = (spike[1] - spike[0]) / SPIKE_COMMENTS
        times += [(100 + i, max(spike[0] + step * (i + 0.5),
                                post.published_at + timedelta(minutes=3)))
                  for i in range(SPIKE_COMMENTS)]
    found = []
    for i, at in sorted(times, key=lambda item: (item[1], item[0])):
        if at > now:
            break
        pick = h(cfg.seed, "comment", post.id, i)
        tail = post.id.rsplit(":", 1)[-1]
        # Numeric platforms get 18-digit ids (int64, as TikTok sends them); others post_i.
        number = str(10 ** 17 + h(cfg.seed, "comment-id", post.id, i) % (9 * 10 ** 17))
        comment = Comment(number if tail.isdigit() else f"{tail}_{i}", post.id,
                          f"fan{pick % 9000 + 1000}", said(cfg, at, post.id, i), at)
        _COMMENTS[comment.id] = comment
        found.append(comment)
    return found


def find_comment(comment_id: str) -> Comment | None:
    """A generated comment served earlier in this process, by its id."""
    return _COMMENTS.get(comment_id)
