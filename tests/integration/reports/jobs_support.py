"""Shared by the report job, schedule, mail and API tests: settings, a brand, an SMTP server."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from api.reports.mailer import SmtpConfig
from api.reports.sandbox import Limits
from api.reports.storage import Storage
from domain.settings import get_settings

SUPPORT_MODULE = __name__
# Generous: the machine is shared, and these limits are not what the tests measure.
TEST_LIMITS = Limits(seconds=120, memory_mb=1536)


def report_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *,
                    redis: bool = True) -> Iterator[Storage]:
    """For a fixture: files under a temporary folder (its Storage is yielded); without
    `redis`, no REDIS_URL, so jobs run as tasks of this process (embedded mode)."""
    monkeypatch.setenv("COSO_STORAGE_DIR", str(tmp_path / "files"))
    monkeypatch.setenv("COSO_REPORT_TIME_LIMIT", str(TEST_LIMITS.seconds))
    monkeypatch.setenv("COSO_REPORT_MEMORY_MB", str(TEST_LIMITS.memory_mb))
    if not redis:
        monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield Storage.default()
    get_settings.cache_clear()  # monkeypatch restores the environment after this


# --- hostile work for the sandbox (module-level, so the child process can import it) -----


def echo(value: Any) -> Any:
    return value


def spin(*_: Any) -> None:
    while True:
        pass


def sleep_forever(*_: Any) -> None:
    time.sleep(3600)


def hog(*_: Any) -> bytes:
    chunks = []
    while True:
        chunks.append(bytearray(64 * 1024 * 1024))


def crash(*_: Any) -> None:
    os._exit(3)


def explode(*_: Any) -> None:
    raise ValueError("template said no")


# --- a real SMTP server on localhost -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """What the local SMTP server received: one envelope per message."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def parsed(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default)  # type: ignore[misc]
                for _, _, raw in self.messages]


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    @property
    def config(self) -> SmtpConfig:
        return SmtpConfig(host="127.0.0.1", port=self.port, sender="reports@agency.example",
                          timeout=10)

    def start(self) -> SmtpServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def smtp_server() -> Iterator[SmtpServer]:
    """For a fixture: a running local SMTP server, stopped afterwards."""
    server = SmtpServer().start()
    yield server
    server.stop()
