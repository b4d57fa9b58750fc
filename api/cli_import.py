"""`coso import posts|campaigns|metrics FILE`: a progress bar, a summary, a rejects file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from domain.errors import Problem
from domain.imports import (
    Entity,
    Format,
    ImportFileError,
    ImportSummary,
    MappingError,
    RawRow,
    RowReader,
    detect_format,
    import_rows,
    load_mapping,
    open_rows,
)

SHOWN_PROBLEMS = 20
REJECT_COLUMNS = ("_line", "_errors")


def register(app: typer.Typer) -> None:
    app.command("import")(import_file)


def import_file(
    # Hidden from the help's argument list (which would print types, `<str>` `<path>`): the
    # usage line and the docstring name them.
    entity: Annotated[str, typer.Argument(metavar="posts|campaigns|metrics", hidden=True)],
    file: Annotated[Path, typer.Argument(metavar="FILE", hidden=True)],
    brand: Annotated[str, typer.Option(metavar="SLUG", help="The brand's slug.")],
    format: Annotated[str | None, typer.Option(
        "--format", metavar="csv|ndjson|xlsx",
        help="The file type (default: from the file's extension).")] = None,
    mapping: Annotated[Path | None, typer.Option(
        metavar="FILE", help="JSON or CSV file renaming the file's columns to Coso's.")
    ] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid",
        help="Write the valid rows and reject the others (default: one bad row, nothing "
             "written).")] = False,
    rejects: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Where to write refused rows (default: FILE's name + .rejects).")
    ] = None,
    actor: Annotated[str | None, typer.Option(
        metavar="EMAIL", help="E-mail of the user the audit log names as importer.")] = None,
    encoding: Annotated[str, typer.Option(metavar="NAME",
                                          help="Text encoding of CSV/NDJSON files.")
                        ] = "utf-8",
    max_errors: Annotated[int, typer.Option(metavar="N", help="Problems reported at most.")
                          ] = 100,
    workspace: Annotated[str | None, typer.Option(
        metavar="SLUG", help="Workspace slug, when two workspaces have a brand with this slug.")
    ] = None,
) -> None:
    """Import posts, campaigns or daily metrics into a brand.

    FILE is CSV, NDJSON or XLSX; its rows are upserted on their key.

    Exit code 0: every row imported; 1: rows were refused (see the rejects file); 2: the
    command itself was wrong (unknown brand, missing file, bad mapping).
    """
    from api.cli import console, errors, fail, run

    try:
        kind = Entity(entity.strip().lower())
    except ValueError:
        fail(f"import posts, campaigns or metrics, not {entity!r}")
    if max_errors < 1:
        fail("--max-errors must be 1 or more")
    if not file.is_file():
        fail(f"no file {file}")
    fmt = _format(format, file)
    renames = None
    if mapping is not None:
        try:
            renames = load_mapping(mapping, kind)
        except MappingError as error:
            fail(str(error))
    out = _RejectsFile(rejects or file.with_name(f"{file.stem}.rejects{file.suffix}"), fmt)

    async def work() -> ImportSummary:
        brand_id = await _brand_id(brand, workspace)
        actor_id = await _actor_id(actor) if actor else None
        with open_rows(file, fmt, encoding=encoding) as reader, _bar(reader) as bar:
            out.columns = [c for c in reader.columns if c not in REJECT_COLUMNS]
            out.delimiter = reader.delimiter
            return await import_rows(
                kind, brand_id, reader, actor_id=actor_id, source_name=file.name,
                mapping=renames, skip_invalid=skip_invalid, max_errors=max_errors,
                progress=bar, on_reject=out.write)

    try:
        summary = run(work)
    except ImportFileError as error:
        fail(f"{file.name}: {error}", code=1)
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror or error}")
    finally:
        out.close()
    console.print(_summary_table(summary, file.name))
    if summary.problems:
        errors.print(_problems_table(summary))
    if out.rows:
        errors.print(f"{out.rows} refused row(s) written to [bold]{out.path}[/] with their line "
                     "and errors: fix them there and import that file again", highlight=False)
    if summary.problem_count and not summary.written:
        how = "" if summary.aborted else " (or import with --skip-invalid)"
        errors.print(f"[bold red]nothing was written[/]: fix the file and import it again{how}",
                     highlight=False)
    raise typer.Exit(0 if summary.ok else 1)


def _format(value: str | None, file: Path) -> Format:
    from api.cli import fail

    if value is not None:
        try:
            return Format(value.strip().lower())
        except ValueError:
            fail(f"--format is csv, ndjson or xlsx, not {value!r}")
    found = detect_format(file)
    if found is None:
        fail(f"cannot tell the format of {file.name} from its extension: add --format")
    return found


async def _brand_id(slug: str, workspace: str | None) -> int:
    from api.cli import fail
    from domain.models import Brand

    query = Brand.select(Brand.id).where(Brand.slug == slug)
    if workspace is not None:
        query = query.where(Brand.workspace.slug == workspace)
    found = await query
    if len(found) != 1:
        fail(f"several workspaces have a brand {slug!r}: add --workspace SLUG" if found else
             f"no brand with slug {slug!r}" + (f" in {workspace!r}" if workspace else ""))
    return found[0]["id"]


async def _actor_id(email: str) -> int:
    from api.cli import fail
    from domain.models import User

    user = await User.select(User.id).where(User.email == email.strip().lower()).first()
    if user is None:
        fail(f"no user with e-mail {email!r}")
    return user["id"]


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        rate = rows / task.elapsed if task.elapsed else 0
        return Text(f"{rows:,} rows  {rate:,.0f} rows/s", style="progress.data.speed")


class _bar:
    """The progress bar, driven by bytes read (CSV, NDJSON) or rows (XLSX)."""

    def __init__(self, reader: RowReader) -> None:
        from api.cli import errors

        self.reader = reader
        self.progress = Progress(TextColumn("importing"), BarColumn(), TaskProgressColumn(),
                                 _RowsPerSecond(), TimeElapsedColumn(), console=errors)
        self.task = self.progress.add_task(
            "import", total=reader.total_bytes or reader.total_rows or None, rows=0)
        self.shown = 0.0

    def __call__(self, rows: int) -> None:
        now = time.monotonic()
        if now - self.shown < 0.1:  # redrawing per chunk would cost more than the chunk
            return
        self.shown = now
        done = self.reader.bytes_read if self.reader.total_bytes else rows
        self.progress.update(self.task, completed=done, rows=rows)

    def __enter__(self) -> _bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.progress.update(self.task, completed=self.progress.tasks[0].total or 0)
        self.progress.stop()


class _RejectsFile:
    """Refused rows in the input's format with `_line` and `_errors`; opened on the first."""

    def __init__(self, path: Path, fmt: Format) -> None:
        self.path = path
        self.fmt = fmt
        self.columns: list[str] = []
        self.delimiter = ","
        self.rows = 0
        self._stream: IO[bytes] | None = None
        self._writer: Any = None

    def write(self, row: RawRow, problems: list[Problem]) -> None:
        if self._writer is None:
            from domain.exports.writers import ExportFormat, open_writer

            self._stream = open(self.path, "wb")  # noqa: SIM115 - closed in close()
            self._writer = open_writer(ExportFormat(self.fmt.value), self._stream,
                                       [*self.columns, *REJECT_COLUMNS],
                                       delimiter=self.delimiter, sheet="rejects")
        errors = "; ".join(f"{p.field}: {p.message}" if p.field else p.message
                           for p in problems)
        self._writer.write([*(row.values.get(c) for c in self.columns), row.line, errors])
        self.rows += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def _summary_table(summary: ImportSummary, name: str) -> Table:
    title = f"{summary.entity} from {name}"
    table = Table(title=title, show_header=False, min_width=len(title))  # title on one line
    table.add_column("what")
    table.add_column("rows", justify="right")
    for label, value in (("inserted", summary.inserted), ("updated", summary.updated),
                         ("unchanged", summary.unchanged), ("rejected", summary.rejected)):
        table.add_row(label, f"{value:,}")
    return table


def _problems_table(summary: ImportSummary) -> Table:
    shown = summary.problems[:SHOWN_PROBLEMS]
    more = summary.problem_count - len(shown)
    table = Table(title="problems" + (f" (first {len(shown)} of {summary.problem_count})"
                                      if more else ""))
    for column in ("line", "column", "code", "message"):
        table.add_column(column, overflow="fold", justify="right" if column == "line" else "left")
    for problem in shown:
        table.add_row(str(problem.line or ""), problem.field or "", problem.code,
                      problem.message)
    return table
