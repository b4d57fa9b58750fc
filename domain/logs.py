"""Structured logs: structlog over the standard library, JSON or console, with a request id.

Every log line, ours (`structlog.get_logger()`) or a library's (`logging.getLogger()`:
uvicorn, arq, strawberry), goes through one formatter, so all of them carry the values
bound in `structlog.contextvars`: `request_id` for the work of one HTTP request, and
`job`, `job_id`, `job_try` plus the `request_id` of the request that enqueued it for a job.
"""

from __future__ import annotations

import logging
import logging.config
import re
import sys
import uuid
from collections.abc import MutableMapping
from typing import IO, Any

import structlog
from structlog.contextvars import get_contextvars, merge_contextvars
from structlog.stdlib import ProcessorFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy or a client may hand us as its own id: short, printable, no separators that
# would let it forge a log field or a header.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")
FORMATS = ("json", "console")

# Timestamp, level and logger name for lines from both structlog and the stdlib.
_SHARED: list[Any] = [
    merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def request_id_from(header: str | None) -> str:
    """The caller's id when well formed (so a proxy's id joins our lines), else a new one."""
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The request id bound for the work under way (a request, or a job it enqueued)."""
    value = get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


def resolve_format(fmt: str | None, stream: IO[str] | None = None) -> str:
    """`json` or `console`; none given: console for a terminal, else JSON."""
    if fmt in FORMATS:
        return fmt
    if fmt:
        raise ValueError(f"COSO_LOG_FORMAT must be one of {', '.join(FORMATS)}, got {fmt!r}")
    stream = stream or sys.stderr
    return "console" if getattr(stream, "isatty", lambda: False)() else "json"


def _configure_structlog() -> None:
    structlog.configure(
        processors=[*_SHARED, structlog.processors.StackInfoRenderer(),
                    ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,  # tests configure logging late
    )


def formatter(fmt: str = "json") -> logging.Formatter:
    """The one formatter of every handler.

    It also configures structlog: uvicorn applies its `log_config` (see `dict_config`)
    in each worker process it spawns, so this is the hook that reaches them all.
    """
    _configure_structlog()
    if fmt == "json":
        renderer: list[Any] = [structlog.processors.format_exc_info,
                               structlog.processors.JSONRenderer()]
    else:
        colors = sys.stderr.isatty()
        # Never a traceback's local variables: they may hold tokens and personal data.
        tracebacks = (structlog.dev.RichTracebackFormatter(show_locals=False) if colors
                      else structlog.dev.plain_traceback)
        renderer = [structlog.dev.ConsoleRenderer(colors=colors,
                                                  exception_formatter=tracebacks)]
    return ProcessorFormatter(
        processors=[ProcessorFormatter.remove_processors_meta, *renderer],
        foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder(), _drop_color_message],
    )


class OneTraceback(logging.Filter):
    """arq logs a failed job's traceback, and so does our `job failed` line (with the job's
    request id): arq's line keeps its one-line summary."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "arq.worker" and record.exc_info and record.levelno >= logging.ERROR:
            record.exc_info = None
            record.exc_text = None
        return True


def _drop_color_message(_: Any, __: str,
                        event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """uvicorn adds an ANSI-coloured copy of its message as `extra`: not for a log file."""
    event.pop("color_message", None)
    return event


def dict_config(fmt: str, level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for stderr: the root logger and the libraries' loggers
    all propagate to one handler; uvicorn's access log is off (our request line replaces
    it, with the request id)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"coso": {"()": "domain.logs.formatter", "fmt": fmt}},
        "filters": {"one_traceback": {"()": "domain.logs.OneTraceback"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "coso",
                                "stream": "ext://sys.stderr", "filters": ["one_traceback"]}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            **{name: {"handlers": [], "propagate": True}
               for name in ("uvicorn", "uvicorn.error", "arq")},
            "uvicorn.access": {"handlers": [], "propagate": False},
            # Our `graphql error` lines replace strawberry's traceback per client error.
            "strawberry.execution": {"handlers": [], "propagate": False},
            # Progress chatter of each render (the API warms the renderer up too).
            **{name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
        },
    }


def configure(fmt: str | None = None, level: str = "INFO",
              stream: IO[str] | None = None) -> str:
    """Send every log line of this process to `stream` (stderr) in `fmt`; returns the format."""
    fmt = resolve_format(fmt, stream)
    logging.config.dictConfig(dict_config(fmt, level))
    if stream is not None:
        handler = logging.getLogger().handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
    return fmt

