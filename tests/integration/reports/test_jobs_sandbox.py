"""The render sandbox and the file store: limits hold, the loop stays free, writes are whole."""

from __future__ import annotations

import asyncio

import pytest

from api.reports.sandbox import Limits, SandboxError, run_limited
from api.reports.storage import Storage, StorageError, report_filename
from tests.integration.reports.jobs_support import SUPPORT_MODULE as SUPPORT

SMALL = Limits(seconds=3, memory_mb=1536)


async def test_result_comes_back_from_the_child():
    value = {"text": "ok", "bytes": b"%PDF" * 100_000}
    assert await run_limited(f"{SUPPORT}:echo", value, limits=SMALL) == value


async def test_an_exception_becomes_failed_with_its_message():
    with pytest.raises(SandboxError) as raised:
        await run_limited(f"{SUPPORT}:explode", limits=SMALL)
    assert raised.value.code == "FAILED" and "template said no" in str(raised.value)


@pytest.mark.parametrize("work", ["spin", "sleep_forever"])
async def test_runaway_work_is_stopped_and_the_loop_keeps_running(work):
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    try:
        with pytest.raises(SandboxError) as raised:
            await run_limited(f"{SUPPORT}:{work}", limits=Limits(seconds=1, memory_mb=1536))
    finally:
        beat.cancel()
    assert raised.value.code == "TIMEOUT"
    # The loop served other tasks all along: the child never blocked it.
    assert ticks > 3


async def test_memory_hog_is_stopped_at_its_cap():
    with pytest.raises(SandboxError) as raised:
        await run_limited(f"{SUPPORT}:hog", limits=Limits(seconds=20, memory_mb=700))
    assert raised.value.code == "MEMORY"


async def test_a_crashing_child_is_reported():
    with pytest.raises(SandboxError) as raised:
        await run_limited(f"{SUPPORT}:crash", limits=SMALL)
    assert raised.value.code == "CRASHED" and "exit code 3" in str(raised.value)


async def test_a_bad_render_does_not_spoil_the_next():
    with pytest.raises(SandboxError):
        await run_limited(f"{SUPPORT}:crash", limits=SMALL)
    assert await run_limited(f"{SUPPORT}:echo", 7, limits=SMALL) == 7


def test_storage_writes_whole_files_and_refuses_foreign_keys(tmp_path):
    storage = Storage(tmp_path)
    assert storage.write("reports/1/2.pdf", b"first") == 5
    assert storage.write("reports/1/2.pdf", b"second version") == 14
    assert storage.read("reports/1/2.pdf") == b"second version"
    assert [p.name for p in (tmp_path / "reports/1").iterdir()] == ["2.pdf"]  # no temp left
    for key in ("../x.pdf", "/etc/passwd", "reports/../../x", "a//b", "", ".hidden",
                "reports/1/2.pdf\n", "reports\\1"):
        with pytest.raises(StorageError):
            storage.path(key)
        assert not storage.exists(key)
    with pytest.raises(StorageError):
        storage.read("reports/9/9.pdf")


def test_download_file_names_are_plain_ascii():
    from datetime import date

    assert report_filename("acme", "ROI", date(2026, 10, 1), date(2026, 10, 31),
                           "PDF") == "acme-roi-2026-10.pdf"
    assert report_filename('Caffè "x"\r\n;', "STRATEGY", date(2026, 10, 3), date(2026, 10, 9),
                           "HTML") == "caff-x-strategy-20261003-20261009.html"


async def test_large_results_arrive_whole_under_uvloop_too():
    """uvicorn runs uvloop, whose add_reader makes the pipe non-blocking: the read that
    follows must still wait for every byte of a result far larger than the pipe buffer."""
    import uvloop

    payload = bytes(range(256)) * 8192  # 2 MiB

    async def under_uvloop() -> bytes:
        return await run_limited(f"{SUPPORT}:echo", payload, limits=SMALL)

    assert await asyncio.to_thread(uvloop.run, under_uvloop()) == payload
