"""Log format choice, request ids and metric labels: pure rules of the observability code."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

import api.observability as observability
from domain import logs


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_format_is_console_on_a_terminal_else_json():
    assert logs.resolve_format("", Terminal()) == "console"
    assert logs.resolve_format(None, io.StringIO()) == "json"
    assert logs.resolve_format("json", Terminal()) == "json"
    assert logs.resolve_format("console", io.StringIO()) == "console"
    with pytest.raises(ValueError, match="COSO_LOG_FORMAT must be one of json, console"):
        logs.resolve_format("xml")


@pytest.mark.parametrize(("given", "kept"), [
    ("abcd1234", True), ("req-2026.12.05:0001_a", True), ("a" * 128, True),
    ("short", False), ("a" * 129, False), ("-leading-dash", False), ("has space 123", False),
    ('quote"injection', False), ("new\nline-12345", False), ("", False), (None, False),
])
def test_a_request_id_is_kept_only_when_well_formed(given, kept):
    result = logs.request_id_from(given)
    assert (result == given) is kept
    if not kept:
        assert len(result) == 32 and int(result, 16) >= 0


def test_operation_labels_are_bounded(monkeypatch):
    monkeypatch.setattr(observability, "_operation_labels", set())
    monkeypatch.setattr(observability, "MAX_OPERATION_LABELS", 2)
    assert observability.operation_label("query", None) == "query"
    assert observability.operation_label("query", "A") == "query A"
    assert observability.operation_label("mutation", "B") == "mutation B"
    assert observability.operation_label("query", "C") == "query other"  # past the cap
    assert observability.operation_label("query", "A") == "query A"  # still known
    assert observability.operation_label("query", "bad name!") == "query other"


def test_library_lines_are_json_with_the_bound_request_id():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    try:
        logs.configure("json", "INFO", stream=stream)
        with structlog.contextvars.bound_contextvars(request_id="abcd1234"):
            logging.getLogger("some.library").warning("disk %s full", "/var")
            structlog.get_logger("coso.test").info("done", rows=3)
        logging.getLogger("weasyprint").info("Step 2 - chatter")
    finally:
        root.handlers[:], root.level = saved
        structlog.reset_defaults()
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "disk /var full" and first["level"] == "warning"
    assert first["logger"] == "some.library" and first["request_id"] == "abcd1234"
    assert second == {**second, "event": "done", "rows": 3, "request_id": "abcd1234",
                      "logger": "coso.test"}
