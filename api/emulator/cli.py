"""`coso emulator`: serve the platform emulator in the foreground."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer


def emulator(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8765,
    seed: Annotated[int | None, typer.Option(
        help="Seed of the generated data [COSO_EMULATOR_SEED, default 1].")] = None,
    today: Annotated[str | None, typer.Option(
        help="Pin the emulator's date, YYYY-MM-DD [COSO_EMULATOR_TODAY].")] = None,
    fault: Annotated[list[str] | None, typer.Option(
        help='A fault to inject, as JSON, e.g. \'{"kind": "429", "platform": "x", '
             '"count": 3, "retry_after": 1}\'; repeatable [COSO_EMULATOR_FAULTS].')] = None,
) -> None:
    """Serve the social platforms' emulator (Facebook, Instagram, LinkedIn, X, YouTube,
    TikTok) for the demo and tests; point COSO_PLATFORM_BASE_URL at it."""
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
