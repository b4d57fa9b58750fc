"""Runs CPU-heavy work on untrusted input (rendering) in a child process with hard limits.

Each call gets a fresh child, forked from a server that has the renderer imported already,
so a start costs milliseconds. The child caps its own address space and CPU time with
`setrlimit`, so the kernel stops a runaway render even if this process is gone; the
parent kills it at the wall-clock limit. The event loop only waits on a pipe.
"""

from __future__ import annotations

import asyncio
import importlib
import math
import multiprocessing
import os
import resource
import signal
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from domain.settings import get_settings

# Imported once by the fork server, so each child starts with the renderer loaded.
PRELOAD = ["api.reports.sandbox", "api.reports.jobs", "reporting"]
MAX_CONCURRENT = 2  # one render per core of the reference machine


@dataclass(frozen=True, slots=True)
class Limits:
    seconds: float
    memory_mb: int

    @classmethod
    def from_settings(cls) -> Limits:
        settings = get_settings()
        return cls(seconds=settings.report_time_limit, memory_mb=settings.report_memory_mb)


class SandboxError(RuntimeError):
    """The work did not finish: TIMEOUT, MEMORY, CRASHED or FAILED (it raised)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


_context: Any = None
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())


def _mp_context() -> Any:
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _context = context
    return _context


def _slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(MAX_CONCURRENT)
    return _slots[loop]


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _child(conn: Connection, target: str, args: tuple[Any, ...], limits: Limits) -> None:
    """The child's whole life: limit itself, run `target(*args)`, send back the outcome."""
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = max(1, math.ceil(limits.seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    signal.alarm(cpu + 2)  # an orphan stuck off-CPU dies too
    try:
        outcome: tuple[Any, ...] = ("ok", _resolve(target)(*args))
    except MemoryError:
        outcome = ("error", "MEMORY", f"ran out of its {limits.memory_mb} MiB")
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as data
        outcome = ("error", "FAILED", f"{type(exc).__name__}: {exc}"[:1000])
    try:
        conn.send(outcome)
    except MemoryError:
        conn.send(("error", "MEMORY", f"ran out of its {limits.memory_mb} MiB"))
    finally:
        conn.close()


async def run_limited(target: str, *args: Any, limits: Limits | None = None) -> Any:
    """`target(*args)` (a `module:function` name) in a limited child; SandboxError if it fails."""
    limits = limits or Limits.from_settings()
    async with _slot():
        return await _run(target, args, limits)


async def _run(target: str, args: tuple[Any, ...], limits: Limits) -> Any:
    context = _mp_context()
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(writer, target, args, limits), daemon=True)
    try:
        # The first start launches the fork server (it imports the renderer): off the loop.
        await asyncio.to_thread(process.start)
    finally:
        writer.close()  # the child holds the only write end now: EOF when it dies
    try:
        outcome = await asyncio.wait_for(_receive(reader), timeout=limits.seconds)
    except TimeoutError:
        process.kill()
        raise SandboxError("TIMEOUT", f"did not finish within {limits.seconds:g} s") from None
    except EOFError:
        outcome = None
    finally:
        await asyncio.to_thread(process.join, 5)
        if process.exitcode is None:
            process.kill()
            await asyncio.to_thread(process.join)
        reader.close()
    if outcome is None:
        raise _died(process.exitcode, limits)
    if outcome[0] == "ok":
        return outcome[1]
    raise SandboxError(outcome[1], outcome[2])


async def _receive(reader: Connection) -> Any:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(reader.fileno(), wake)
    try:
        await ready
    finally:
        loop.remove_reader(reader.fileno())
    # uvloop's add_reader leaves the pipe non-blocking; the read below must wait for the
    # rest of a message larger than the pipe's buffer.
    os.set_blocking(reader.fileno(), True)
    # Readable: a whole message is on its way (or EOF); the child writes it in one go.
    return await asyncio.to_thread(reader.recv)


def _died(exitcode: int | None, limits: Limits) -> SandboxError:
    if exitcode in (-signal.SIGXCPU, -signal.SIGALRM):
        return SandboxError("TIMEOUT", f"did not finish within {limits.seconds:g} s")
    if exitcode == -signal.SIGKILL:
        return SandboxError("MEMORY", f"was killed, likely past its {limits.memory_mb} MiB")
    return SandboxError("CRASHED", f"the rendering process died (exit code {exitcode})")
