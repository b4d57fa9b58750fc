"""The OAuth tests' world: the platform emulator, Coso reached at http://coso.test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.emulator.server import EmulatorServer
from domain.settings import get_settings
from tests.api.oauth.support import PUBLIC


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def platforms(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[
        EmulatorServer]:
    """The emulator for every platform call, Coso reached at http://coso.test."""
    emulator.reset()
    for name, value in {"COSO_PLATFORM_BASE_URL": emulator.url, "COSO_PUBLIC_URL": PUBLIC,
                        "COSO_HTTP_TIMEOUT": "5", "COSO_SYNC_MAX_RETRIES": "1",
                        "COSO_SYNC_MAX_WAIT": "1", "COSO_BACKFILL_DAYS": "7"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield emulator
    monkeypatch.undo()
    get_settings.cache_clear()
