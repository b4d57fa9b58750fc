"""`coso emulator` serves every platform on its port, with the seed, date and faults given."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from api.emulator import token_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served():
    processes = []

    def start(*args: str, env: dict[str, str] | None = None) -> str:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "emulator", "--port", str(port), *args],
            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{url}/_emulator/stats", timeout=1)
                return url
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()
                time.sleep(0.05)
        raise AssertionError("coso emulator did not start")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def test_the_command_serves_the_pinned_day_and_injected_faults(served):
    url = served("--today", "2026-03-01", "--seed", "5",
                 "--fault", '{"kind": "500", "platform": "x", "count": 1}',
                 env={"COSO_EMULATOR_FAULTS": '[{"kind": "429", "platform": "tiktok"}]'})
    stats = httpx.get(f"{url}/_emulator/stats").json()
    assert stats["config"]["today"] == "2026-03-01" and stats["config"]["seed"] == 5
    assert {f["kind"] for f in stats["faults_pending"]} == {"500", "429"}
    auth = {"Authorization": f"Bearer {token_for('x', '42')}"}
    first = httpx.get(f"{url}/x/2/users/42", params={"user.fields": "public_metrics"},
                      headers=auth)
    second = httpx.get(f"{url}/x/2/users/42", params={"user.fields": "public_metrics"},
                       headers=auth)
    assert first.status_code == 500 and second.status_code == 200
    assert second.headers["date"].startswith("Sun, 01 Mar 2026")


def test_a_bad_fault_is_refused_with_a_message():
    result = subprocess.run([sys.executable, "-m", "api.cli", "emulator", "--fault",
                             '{"kind": "boom"}'], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "kind must be one of" in result.stderr and "Traceback" not in result.stderr
