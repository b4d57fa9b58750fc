"""`captured_logs()`: this process's logs configured as `coso serve` does, into a string."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator

import structlog

from domain import logs


@contextlib.contextmanager
def captured_logs(fmt: str = "json") -> Iterator[io.StringIO]:
    """Every logger `domain.logs.configure` touches is put back as it was afterwards."""
    names = [None, *logs.dict_config(fmt)["loggers"]]
    saved = {name: (logger.handlers[:], logger.level, logger.propagate, logger.disabled)
             for name in names for logger in [logging.getLogger(name)]}
    stream = io.StringIO()
    try:
        logs.configure(fmt, "INFO", stream=stream)
        yield stream
    finally:
        for name, (handlers, level, propagate, disabled) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate, logger.disabled = propagate, disabled
        structlog.reset_defaults()
