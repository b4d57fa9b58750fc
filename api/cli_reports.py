"""`coso report`: render one report now, in this process, and save the file."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from domain.enums import ReportFormat, ReportKind, ReportStatus


def _choice(option: str, value: str, allowed: Any) -> Any:
    from api.cli import fail

    try:
        return allowed(value.strip().upper())
    except ValueError:
        fail(f"{option} is one of {', '.join(v.lower() for v in allowed)}, not {value!r}")


def _period(kind: ReportKind, month: str | None) -> tuple[date, date]:
    from api.cli import fail
    from domain.services.reports import month_period
    from reporting.periods import default_period

    if month is None:
        return default_period(kind, date.today())
    try:
        return month_period(month)
    except ValueError as error:
        fail(str(error))


def _target(out: str | None, filename: str) -> Path:
    """`--out` as given; a folder (one that exists, or any path ending in /) gets the name."""
    if not out:
        return Path.cwd() / filename
    path = Path(out).expanduser()
    return path / filename if out.endswith(("/", os.sep)) or path.is_dir() else path


def report(
    brand: Annotated[str, typer.Option(metavar="SLUG", help="The brand's slug.")],
    kind: Annotated[str, typer.Option(metavar="roi|strategy", help="The kind of report.")],
    month: Annotated[str | None, typer.Option(
        metavar="YYYY-MM",
        help="The month, e.g. 2026-10 (default: last month for roi, next for strategy).")
    ] = None,
    format: Annotated[str, typer.Option("--format", metavar="pdf|html", help="The file type.")
                      ] = "pdf",
    locale: Annotated[str | None, typer.Option(
        metavar="LOCALE", help="The language, e.g. it_IT (default: the brand's).")] = None,
    out: Annotated[str | None, typer.Option(
        metavar="PATH", help="File (or folder) to write (default: the report's name, here).")
    ] = None,
    workspace: Annotated[str | None, typer.Option(
        metavar="SLUG", help="Workspace slug, when two workspaces have a brand with this slug.")
    ] = None,
) -> None:
    """Render a brand's report now and save it.

    The report is recorded in Brand.reports like any other; its path is printed.
    """
    from api.cli import errors, fail, run
    from api.reports.jobs import generate
    from api.reports.storage import Storage, report_filename
    from domain.errors import ValidationFailed
    from domain.models import Brand, Report
    from domain.services.reports import NewReport, request_report

    report_kind = _choice("--kind", kind, ReportKind)
    report_format = _choice("--format", format, ReportFormat)
    start, end = _period(report_kind, month)

    async def work() -> tuple[dict[str, Any], bytes, str]:
        query = Brand.select(Brand.id, Brand.slug, Brand.workspace.slug).where(Brand.slug == brand)
        if workspace:
            query = query.where(Brand.workspace.slug == workspace)
        found = await query
        if not found:
            fail(f"no brand with slug {brand!r}" + (f" in {workspace!r}" if workspace else ""))
        if len(found) > 1:
            fail(f"several workspaces have a brand {brand!r}: add --workspace SLUG")
        try:
            row = await request_report(NewReport(
                brand_id=found[0]["id"], kind=report_kind, format=report_format,
                period_start=start, period_end=end, locale=locale), actor_id=None)
        except ValidationFailed as error:
            fail("; ".join(f"{p.field}: {p.message}" for p in error.problems))
        await generate(row["id"])
        done = await Report.select().where(Report.id == row["id"]).first()
        assert done is not None
        if done["status"] != ReportStatus.READY:
            fail(f"report {done['id']} failed: {done['error']}", code=1)
        content = Storage.default().read(done["storage_key"])
        return done, content, report_filename(brand, done["kind"], start, end, done["format"])

    done, content, filename = run(work)
    target = _target(out, filename)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    except OSError as error:
        fail(f"cannot write {target}: {error.strerror or error}", code=1)
    pages = f"{done['pages']} pages, " if done["pages"] else ""
    errors.print(f"report {done['id']}: {done['kind'].lower()} {start} to {end} "
                  f"({done['locale']}), {pages}{len(content):,} bytes", highlight=False)
    typer.echo(str(target))  # alone on stdout, for scripts
