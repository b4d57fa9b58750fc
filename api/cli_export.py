"""`coso export posts|metrics|campaigns`: a brand's calendar with KPIs, metrics or campaigns."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, BinaryIO, NoReturn

import typer

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t"}


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def export(
    # Hidden from the help's argument list (which would print a type, `<str>`): the
    # usage line and the docstring name it.
    entity: Annotated[str, typer.Argument(metavar="posts|metrics|campaigns", hidden=True)],
    brand: Annotated[str, typer.Option(metavar="SLUG", help="The brand's slug.")],
    from_: Annotated[str | None, typer.Option(
        "--from", metavar="DAY", help="First day, e.g. 2026-10-01 (optional for campaigns).")
    ] = None,
    to: Annotated[str | None, typer.Option(
        metavar="DAY", help="Last day (included), e.g. 2026-10-31 (optional for campaigns).")
    ] = None,
    format: Annotated[str | None, typer.Option(
        "--format", metavar="csv|ndjson|xlsx",
        help="The file type (default: from --out's extension, else csv).")] = None,
    out: Annotated[Path | None, typer.Option(
        metavar="FILE", help="File to write (default: standard output; xlsx needs a file).")
    ] = None,
    excel: Annotated[bool, typer.Option(
        "--excel", help="CSV for Excel: start with a UTF-8 byte order mark.")] = False,
    delimiter: Annotated[str, typer.Option(
        metavar="SEP",
        help="CSV separator: ',' or ';' (Italian and other decimal-comma Excels) or 'tab'.")
    ] = ",",
    workspace: Annotated[str | None, typer.Option(
        metavar="SLUG", help="Workspace slug, when two workspaces have a brand with this slug.")
    ] = None,
) -> None:
    """Export a brand's posts, daily metrics or campaigns.

    posts: those scheduled in the period, with their KPIs; metrics: the period's daily
    metrics; campaigns: those running in the period (all of them without --from and --to).

    The file imports back with `coso import` (the KPI and provenance columns are skipped).
    Cells a spreadsheet would run as formulas get a leading ' in CSV and XLSX.
    """
    from api.cli import errors, fail, run
    from domain.exports.service import OPEN_PERIOD, ExportEntity
    from domain.exports.writers import ExportFormat, ExportTooLarge

    kind = _choice("the entity", entity, ExportEntity)
    if kind not in OPEN_PERIOD and (from_ is None or to is None):
        fail(f"an export of {kind.value} needs --from and --to")
    start, end = _day("--from", from_), _day("--to", to)
    if start is not None and end is not None and end < start:
        fail("--to is before --from")
    fmt = _format(format, out)
    if fmt is ExportFormat.XLSX and out is None:
        fail("xlsx is a binary file: give --out FILE.xlsx")
    if delimiter not in DELIMITERS:
        fail(f"--delimiter is ',', ';' or 'tab', not {delimiter!r}")
    if (excel or delimiter != ",") and fmt is not ExportFormat.CSV:
        fail("--excel and --delimiter apply to csv only")
    if out is not None and out.is_dir():
        fail(f"{out} is a folder: give a file name")

    async def work() -> tuple[dict[str, Any], int]:
        row = await _brand(brand, workspace)
        return row, await _write(kind, row, start, end, fmt, out, DELIMITERS[delimiter], excel)

    try:
        found, count = run(work)
    except BrokenPipeError:
        _reader_gone()
    except ExportTooLarge as error:
        fail(str(error), code=1)
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror or error}", code=1)
    bounds = (("from", start), ("to" if start else "until", end))
    period = "".join(f" {word} {day}" for word, day in bounds if day is not None)
    where = f" to {out}" if out is not None else ""
    errors.print(f"exported {count} {kind.value} of {found['slug']}{period}{where}",
                 highlight=False)


def _reader_gone() -> NoReturn:
    """`coso export … | head`: the reader has all it wanted, so stop without a word, as cat
    does; exit 141, the status of a process a closed pipe stops, as cat's would be."""
    # Python flushes stdout once more at exit and would print that error too.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(128 + signal.SIGPIPE)


def _choice(what: str, value: str, allowed: Any) -> Any:
    from api.cli import fail

    try:
        return allowed(value.strip().lower())
    except ValueError:
        fail(f"{what} is one of {', '.join(allowed)}, not {value!r}")


def _day(option: str, value: str | None) -> date | None:
    from api.cli import fail

    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option} must be a day like 2026-10-31, not {value!r}")


def _format(value: str | None, out: Path | None) -> Any:
    from domain.exports.writers import ExportFormat

    if value is not None:
        return _choice("--format", value, ExportFormat)
    suffix = out.suffix.lower().lstrip(".") if out is not None else ""
    return {"ndjson": ExportFormat.NDJSON, "jsonl": ExportFormat.NDJSON,
            "xlsx": ExportFormat.XLSX}.get(suffix, ExportFormat.CSV)


async def _brand(slug: str, workspace: str | None) -> dict[str, Any]:
    from api.cli import fail
    from domain.models import Brand

    query = Brand.select(Brand.id, Brand.slug, Brand.timezone, Brand.currency).where(
        Brand.slug == slug)
    if workspace is not None:
        query = query.where(Brand.workspace.slug == workspace)
    found = await query
    if not found:
        fail(f"no brand with slug {slug!r}" + (f" in {workspace!r}" if workspace else ""))
    if len(found) > 1:
        fail(f"several workspaces have a brand {slug!r}: add --workspace SLUG")
    return found[0]


async def _write(kind: Any, brand: dict[str, Any], start: date | None, end: date | None,
                 fmt: Any, out: Path | None, delimiter: str, bom: bool) -> int:
    """Stream into a temporary file beside `out`, renamed over it only once complete."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from api.cli import errors
    from domain.exports.service import export

    with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                  TextColumn("{task.completed:,} rows"), TimeElapsedColumn(),
                  console=errors, transient=True,
                  disable=not errors.is_terminal) as bar:  # else it leaves an empty line
        task = bar.add_task(f"exporting {kind.value}", total=None)

        def progress(rows: int) -> None:
            if rows % 1000 == 0:
                bar.update(task, completed=rows)

        if out is None:
            stdout: BinaryIO = sys.stdout.buffer
            return await export(kind, brand, start, end, fmt, stdout, delimiter=delimiter,
                                bom=bom, progress=progress)
        folder = out.resolve().parent
        fd, partial = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as stream:
                count = await export(kind, brand, start, end, fmt, stream,
                                     delimiter=delimiter, bom=bom, progress=progress)
            os.replace(partial, out)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return count
