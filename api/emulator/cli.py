"""`coso emulator`: serve the platform emulator in the foreground."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer


def emulator(
    host: Annotated[str, typer.Option(metavar="HOST", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to bind.")] = 8765,
    seed: Annotated[int | None, typer.Option(
        metavar="N", help="Seed of the generated data (default: COSO_EMULATOR_SEED, else 1).")
    ] = None,
    today: Annotated[str | None, typer.Option(
        metavar="YYYY-MM-DD", help="Pin the emulator's date (default: COSO_EMULATOR_TODAY, "
                                   "else today).")] = None,
    fault: Annotated[list[str] | None, typer.Option(
        metavar="JSON",
        help='A fault to inject, e.g. \'{"kind": "429", "platform": "x", "count": 3, '
             '"retry_after": 1}\'; repeatable, added to COSO_EMULATOR_FAULTS\'s.')] = None,
) -> None:
    """Serve the platform emulator for the demo and tests.

    It answers as Facebook, Instagram, LinkedIn, X, YouTube and TikTok do; point
    COSO_PLATFORM_BASE_URL at it.
    """
    import os

    from api.emulator.server import config_from_env, faults_from_json, serve

    try:
        pinned = date.fromisoformat(today) if today else None
        config = config_from_env(seed=seed, today=pinned)
        faults = faults_from_json(os.environ.get("COSO_EMULATOR_FAULTS"))
        for raw in fault or []:
            faults += faults_from_json(raw)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"emulator on http://{host}:{port} (seed {config.seed}, today "
               f"{config.day()}); set COSO_PLATFORM_BASE_URL=http://{host}:{port}", err=True)
    serve(host, port, config, faults)
