"""The emulator's community traffic besides comments: mentions and direct messages, by the hour.

Deterministic from the seed like the rest of the world: each account is mentioned now and
then and gets a few direct-message threads a day, far more of both (and mostly angry)
during the scripted negative spike (data.Config.spike).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

from api.emulator.data import Config, h, said, u

MENTION_RATE = 0.25  # mentions an hour, outside the spike
SPIKE_MENTIONS = 4  # mentions an hour during the spike
DM_THREADS = 3  # at most this many new threads a day, outside the spike
SPIKE_THREADS = 2  # new threads an hour during the spike
QUESTIONS = ("Hi! Do you ship to Germany?", "Ciao, avete la miscela decaffeinata?",
             "Can I change the address of my order?", "Buongiorno, fate corsi di latte art?",
             "Is the shop open on Sunday?", "Vorrei un regalo aziendale per 40 persone")


@dataclass(frozen=True, slots=True)
class Mention:
    id: str
    author: str
    author_id: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DirectMessage:
    id: str
    thread_id: str
    author: str
    author_id: str
    text: str
    created_at: datetime


def _hours(cfg: Config, start: datetime, end: datetime) -> list[datetime]:
    """Whole UTC hours that start in start..end and not after the emulator's now."""
    first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    last = min(end, cfg.now())
    hours = []
    while first < last:
        hours.append(first)
        first += timedelta(hours=1)
    return hours


def _person(cfg: Config, *key: object) -> tuple[str, str]:
    pick = h(cfg.seed, "person", *key)
    return f"fan{pick % 9000 + 1000}", str(10 ** 15 + pick % (9 * 10 ** 15))


@lru_cache(maxsize=100_000)
def mentions_in_hour(cfg: Config, platform: str, account: str, hour: datetime
                     ) -> tuple[Mention, ...]:
    spiking = cfg.in_spike(hour)
    key = (platform, account, hour.isoformat())
    count = SPIKE_MENTIONS if spiking else int(u(cfg.seed, "mentions", *key) < MENTION_RATE)
    found = []
    for i in range(count):
        at = hour + timedelta(minutes=int(u(cfg.seed, "mention-at", *key, i) * 60))
        author, author_id = _person(cfg, "mention", *key, i)
        number = 10 ** 17 + h(cfg.seed, "mention-id", *key, i) % (9 * 10 ** 17)
        mention_id = f"{author_id}_{number}" if platform == "facebook" else str(number)
        text = f"@{account} " + said(cfg, at, "mention", *key, i)
        found.append(Mention(mention_id, author, author_id, text, at))
    return tuple(sorted(found, key=lambda m: (m.created_at, m.id)))


def mentions_of(cfg: Config, platform: str, account: str, start: datetime, end: datetime
                ) -> list[Mention]:
    """Mentions of an account created in start..end (end excluded), oldest first."""
    return [m for hour in _hours(cfg, start, end)
            for m in mentions_in_hour(cfg, platform, account, hour)
            if start <= m.created_at < end and m.created_at <= cfg.now()]


@lru_cache(maxsize=100_000)
def threads_in_hour(cfg: Config, platform: str, account: str, hour: datetime
                    ) -> tuple[tuple[DirectMessage, ...], ...]:
    """DM threads started in one hour, each its inbound messages oldest first."""
    key = (platform, account, hour.isoformat())
    if cfg.in_spike(hour):
        count = SPIKE_THREADS
    else:  # office hours only, a few a day
        count = int(8 <= hour.hour < 20 and u(cfg.seed, "threads", *key) < DM_THREADS / 12)
    threads = []
    for i in range(count):
        thread_id = f"t_{h(cfg.seed, 'thread', *key, i) % 10 ** 15:015d}"
        author, author_id = _person(cfg, "dm", *key, i)
        start = hour + timedelta(minutes=int(u(cfg.seed, "dm-at", *key, i) * 50))
        spiking = cfg.in_spike(start)
        messages = []
        for j in range(1 + h(cfg.seed, "dm-count", *key, i) % 3):
            at = start + timedelta(minutes=4 * j)
            text = said(cfg, at, "dm", *key, i, j) if spiking or j else \
                QUESTIONS[h(cfg.seed, "question", *key, i) % len(QUESTIONS)]
            messages.append(DirectMessage(f"m_{h(cfg.seed, 'dm-id', *key, i, j):x}", thread_id,
                                          author, author_id, text, at))
        threads.append(tuple(messages))
    return tuple(threads)


def threads_of(cfg: Config, platform: str, account: str, start: datetime, end: datetime
               ) -> list[tuple[DirectMessage, ...]]:
    """DM threads of an account started in start..end, with the messages already sent."""
    now = cfg.now()
    return [tuple(m for m in thread if m.created_at <= now)
            for hour in _hours(cfg, start, end)
            for thread in threads_in_hour(cfg, platform, account, hour)
            if start <= thread[0].created_at < end and thread[0].created_at <= now]


def day_start(cfg: Config, days: int) -> datetime:
    """Midnight UTC `days` before the emulator's today: how far back listings look."""
    return datetime.combine(cfg.day() - timedelta(days=days), time(), UTC)
