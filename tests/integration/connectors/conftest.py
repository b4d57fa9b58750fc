"""Connector tests run against the platform emulator on a free port, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import date

import httpx
import pytest

from api.emulator import Config, token_for
from api.emulator.server import EmulatorServer
from domain.connectors import connector_for
from domain.connectors.base import ChannelAuth, Connector
from domain.connectors.http import RetryPolicy

TODAY = date(2026, 11, 20)  # the emulator's pinned date: data never depends on the clock
SEED = 7
ACCOUNTS = {"facebook": "104857600123", "instagram": "17841400123", "linkedin": "2414183",
            "x": "1700000123", "youtube": "UCemulatorChannel01", "tiktok": "openid-123"}


class Sleeps:
    """An injected sleep that records what a connector asked to wait, and waits nothing
    (or for real, when the test needs the platform's window to pass)."""

    def __init__(self, real: bool = False) -> None:
        self.waits: list[float] = []
        self.real = real

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(seconds if self.real else 0)


@pytest.fixture
def clean_tables() -> None:
    """Connectors never touch the database: nothing to clean after these tests."""


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(Config(seed=SEED, today=TODAY)) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_emulator(emulator: EmulatorServer) -> None:
    emulator.reset()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def auth(platform: str, account: str | None = None, token: str | None = None,
         secret: str = "") -> ChannelAuth:
    account = account or ACCOUNTS[platform]
    return ChannelAuth(platform, account, token or token_for(platform, account, secret))


@pytest.fixture
def connect(emulator: EmulatorServer, client: httpx.AsyncClient, sleeps: Sleeps):
    """connect(platform, **policy) -> the platform's connector pointed at the emulator."""

    def make(platform: str, *, sleep: Sleeps | None = None, **policy: float) -> Connector:
        settings = {"max_retries": 3, "timeout": 5.0, "max_wait": 30.0, **policy}
        return connector_for(platform, client, base=emulator.base(platform),
                             policy=RetryPolicy(**settings), sleep=sleep or sleeps)

    return make


def as_tuples(points) -> list[tuple]:
    return sorted((p.metric, p.day, p.value, p.raw_metric) for p in points)


def expected_tuples(rows) -> list[tuple]:
    return [(r.metric, r.day, r.value, r.raw_metric) for r in rows]
