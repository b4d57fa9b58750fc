"""`coso rollups verify|rebuild`: check the metric rollups against the raw rows, or redo them."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from api.cli_export import _brand


def register(app: typer.Typer) -> None:
    from api.cli import PLAIN_HELP

    rollups_app = typer.Typer(help="Check or rebuild the metric rollups.", **PLAIN_HELP)
    rollups_app.command("verify", short_help="Check the rollups against the raw rows.")(verify)
    rollups_app.command("rebuild", short_help="Compute the rollups again.")(rebuild)
    app.add_typer(rollups_app, name="rollups")


Brand = Annotated[str | None, typer.Option(metavar="SLUG", help="Only this brand's rollups.")]
Workspace = Annotated[str | None, typer.Option(
    metavar="SLUG", help="Workspace slug, when two workspaces have a brand with this slug.")]


async def _brand_id(brand: str | None, workspace: str | None) -> int | None:
    return None if brand is None else (await _brand(brand, workspace))["id"]


def verify(
    brand: Brand = None,
    sample: Annotated[int | None, typer.Option(
        metavar="N", min=1, help="Check N random (channel, day, week or month) buckets "
                                 "instead of all of them.")] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the random sample.")] = 0,
    workspace: Workspace = None,
) -> None:
    """Compute rollups again from the raw metric rows and report every difference.

    Exit code 1 when a rollup differs from its raw rows: run `coso rollups rebuild`.
    """
    from api.cli import console, run
    from domain.services import rollups

    async def work() -> tuple[int, list[Any]]:
        return await rollups.verify(rollups.piccolo_sql(), await _brand_id(brand, workspace),
                                    sample, seed)

    checked, differences = run(work)
    for d in differences[:50]:
        console.print(f"differs: {d.key}: stored {d.stored}, from raw rows {d.expected}",
                      highlight=False, soft_wrap=True)
    if len(differences) > 50:
        console.print(f"… and {len(differences) - 50} more", highlight=False)
    console.print(f"{checked} buckets checked, {len(differences)} differences", highlight=False)
    if differences:
        raise typer.Exit(1)


def rebuild(brand: Brand = None, workspace: Workspace = None) -> None:
    """Compute the rollups again from the raw metric rows (one transaction per run)."""
    from api.cli import console, run
    from domain.db import write_transaction
    from domain.services import rollups

    async def work() -> int:
        async with write_transaction():
            return await rollups.rebuild(rollups.piccolo_sql(),
                                         await _brand_id(brand, workspace))

    channels = run(work)
    console.print(f"rollups rebuilt for {channels} channels", highlight=False)
