"""Running the emulator: `coso emulator` in the foreground, or a background thread for tests."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Mapping
from datetime import date, datetime
from types import TracebackType
from typing import Any

import httpx
import orjson
import uvicorn

from api.emulator import expected
from api.emulator.app import create_app
from api.emulator.data import Config
from api.emulator.state import Fault, State


def config_from_env(env: Mapping[str, str] | None = None, *, seed: int | None = None,
                    today: date | None = None) -> Config:
    """COSO_EMULATOR_SEED, COSO_EMULATOR_TODAY (YYYY-MM-DD) and COSO_EMULATOR_POSTS_PER_DAY,
    overridden by explicit values."""
    env = os.environ if env is None else env
    defaults = Config()
    return Config(
        seed=seed if seed is not None else int(env.get("COSO_EMULATOR_SEED", defaults.seed)),
        today=today or (date.fromisoformat(env["COSO_EMULATOR_TODAY"])
                        if env.get("COSO_EMULATOR_TODAY") else None),
        posts_per_day=float(env.get("COSO_EMULATOR_POSTS_PER_DAY", defaults.posts_per_day)),
    )


def faults_from_json(text: str | None) -> list[Fault]:
    """Faults from a JSON object or list (COSO_EMULATOR_FAULTS, --fault)."""
    if not text:
        return []
    raw = orjson.loads(text)
    return [Fault.parse(item) for item in (raw if isinstance(raw, list) else [raw])]


def _uvicorn(app: Any, **kwargs: Any) -> uvicorn.Config:
    # The emulator writes its own Date header (its clock may be pinned to another day).
    return uvicorn.Config(app, date_header=False, server_header=False, lifespan="off",
                          log_level="warning", **kwargs)


def serve(host: str, port: int, config: Config, faults: list[Fault]) -> None:
    """Serve the emulator until interrupted."""
    uvicorn.Server(_uvicorn(create_app(config, faults), host=host, port=port)).run()


class EmulatorServer:
    """The emulator on a free local port in a background thread, speaking real HTTP.

    Tests use `url`, the admin helpers (which also go over HTTP) and `expected_*` (which
    compute, in-process, exactly what the emulator serves).
    """

    def __init__(self, config: Config | None = None, host: str = "127.0.0.1") -> None:
        self.app = create_app(config)
        self.host = host
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self._server = uvicorn.Server(_uvicorn(self.app))
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._socket]}, daemon=True,
                                        name="coso-emulator")

    @property
    def state(self) -> State:
        return self.app.state.emulator

    @property
    def config(self) -> Config:
        return self.state.config

    def start(self) -> EmulatorServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._socket.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def base(self, platform: str) -> str:
        """What base_url(platform) is with COSO_PLATFORM_BASE_URL pointing here."""
        return f"{self.url}/{platform}"

    # --- admin, over HTTP ------------------------------------------------------------------

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}/_emulator/{path}",
                                 content=orjson.dumps(body) if body is not None else None,
                                 timeout=10)
        response.raise_for_status()
        return response.json()

    def fault(self, kind: str, **fields: Any) -> int:
        """Inject one fault (see state.Fault for the fields); its id."""
        return self._admin("POST", "faults", {"kind": kind, **fields})["faults"][0]

    def clear_faults(self) -> None:
        self._admin("DELETE", "faults")

    def configure(self, **changes: Any) -> dict[str, Any]:
        return self._admin("POST", "config", changes)

    def reset(self) -> None:
        self._admin("POST", "reset")

    def stats(self) -> dict[str, Any]:
        return self._admin("GET", "stats")

    # --- what it serves, computed in-process -------------------------------------------------

    def expected_channel_metrics(self, platform: str, account: str, start: date, end: date
                                 ) -> list[expected.Row]:
        return expected.channel_metrics(self.state, platform, account, start, end)

    def expected_posts(self, platform: str, account: str, start: date, end: date
                       ) -> list[expected.ExpectedPost]:
        return expected.posts(self.state, platform, account, start, end)

    def expected_inbox(self, platform: str, account: str, since: datetime, until: datetime
                       ) -> set[tuple[str, str, str]]:
        return expected.inbox(self.state, platform, account, since, until)

    def expected_comments(self, platform: str, post_id: str) -> list[expected.Comment]:
        return expected.comments(self.state, platform, post_id)
