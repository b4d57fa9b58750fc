"""Piccolo's configuration: the engine named by `DATABASE_URL` and Coso's one app.

Piccolo reads `DB` from this module when a table first queries. `DB` is made then (a
module `__getattr__`), once, so importing this module reads no setting.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from domain.db import engine_from_url
from domain.settings import get_settings

APP_REGISTRY = AppRegistry(apps=["domain.piccolo_app"])


@cache
def _engine() -> Engine:
    return engine_from_url(get_settings().database_url)


def __getattr__(name: str) -> Any:
    if name == "DB":
        return _engine()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
