"""Log format choice, request ids and metric labels: pure rules of the observability code."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

import api.observability as observability
from domain import logs
from tests.logcapture import captured_logs


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
    with captured_logs() as stream:
        with structlog.contextvars.bound_contextvars(request_id="abcd1234"):
            logging.getLogger("some.library").warning("disk %s full", "/var")
            structlog.get_logger("coso.test").info("done", rows=3)
        logging.getLogger("weasyprint").info("Step 2 - chatter")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "disk /var full" and first["level"] == "warning"
    assert first["logger"] == "some.library" and first["request_id"] == "abcd1234"
    assert second == {**second, "event": "done", "rows": 3, "request_id": "abcd1234",
                      "logger": "coso.test"}


async def test_a_failed_job_logs_its_traceback_with_the_request_id():
    from prometheus_client import REGISTRY

    from domain.jobs import RetryLater, run_job

    async def broken(ctx, report_id):
        raise RuntimeError(f"renderer crashed on {report_id}")

    async def later(ctx):
        raise RetryLater(5, "platform busy")

    def runs(outcome: str) -> float:
        return REGISTRY.get_sample_value("coso_job_runs_total",
                                         {"job": "test_job", "outcome": outcome}) or 0

    before = runs("failed"), runs("retried")
    with captured_logs() as stream:
        with pytest.raises(RuntimeError):
            await run_job("test_job", broken, {"job_id": "t:1", "job_try": 2}, 7,
                          request_id="req-abcdef01")
        with pytest.raises(RetryLater):
            await run_job("test_job", later, {"job_id": "t:2", "job_try": 1})
    failed, retried = (json.loads(line) for line in stream.getvalue().splitlines())
    assert failed["event"] == "job failed" and failed["request_id"] == "req-abcdef01"
    assert (failed["job"], failed["job_id"], failed["job_try"]) == ("test_job", "t:1", 2)
    assert failed["exception"].startswith("Traceback") and "crashed on 7" in failed["exception"]
    assert retried["event"] == "job retried" and "request_id" not in retried
    assert (runs("failed"), runs("retried")) == (before[0] + 1, before[1] + 1)


def test_the_console_format_reads_as_text_and_never_shows_local_variables():
    with captured_logs("console") as stream:
        token_value = "s3cr3t-token"  # a local of the failing frame
        try:
            raise ValueError("bad " + token_value[:2])
        except ValueError:
            structlog.get_logger("coso.test").exception("it failed", brand="acme")
    text = stream.getvalue()
    assert "it failed" in text and "brand=acme" in text and "Traceback" in text
    assert "ValueError: bad s3" in text and "s3cr3t-token" not in text
    assert not text.lstrip().startswith("{")
