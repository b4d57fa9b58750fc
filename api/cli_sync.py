"""`coso worker`, `coso sync` and `coso rekey-tokens`: background work from the command line."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from domain.enums import SyncKind, SyncStatus

REDIS_RETRY_SECONDS = 5


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("sync")(sync)
    app.command("rekey-tokens")(rekey_tokens)


def worker(
    burst: Annotated[bool, typer.Option("--burst", help="Run the queued jobs, then exit.")
                     ] = False,
    concurrency: Annotated[int, typer.Option(min=1, metavar="N",
                                             help="Jobs run at once, per queue.")] = 10,
    cron: Annotated[bool, typer.Option(help="Also plan syncs, publish due posts and send "
                                            "scheduled reports (any number of workers may).")
                    ] = True,
    verbose: Annotated[bool, typer.Option("--verbose", help="Log every job at DEBUG level.")
                       ] = False,
) -> None:
    """Run the background worker: syncs, publishing, reports.

    It takes its jobs from REDIS_URL's queues. Run as many as you like, on as many
    machines: they share the queues.
    """
    import asyncio

    import redis.exceptions

    from api.cli import errors, fail
    from api.jobs.runner import run_workers
    from api.observability import start_worker_metrics
    from api.worker import WORKERS
    from domain.logs import configure as configure_logs
    from domain.settings import get_settings

    if not get_settings().redis_url:
        fail("coso worker needs REDIS_URL (redis://host:6379/0). Without Redis, run "
             "`coso sync` (from cron, every few minutes): it does the same work in-process")
    settings = get_settings()
    try:
        configure_logs(settings.log_format, "DEBUG" if verbose else settings.log_level)
    except ValueError as error:
        fail(str(error))
    start_worker_metrics()
    while True:
        try:
            asyncio.run(run_workers(WORKERS, burst=burst, max_jobs=concurrency, crons=cron))
            return
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) \
                as error:
            # Redis stayed away longer than the client's retries: start over when it is back.
            errors.print(f"[bold yellow]warning:[/] lost Redis ({type(error).__name__}); "
                         f"starting again in {REDIS_RETRY_SECONDS}s", highlight=False)
            time.sleep(REDIS_RETRY_SECONDS)


def _day(option: str, value: str | None) -> date | None:
    from api.cli import fail

    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option} must be a date like 2026-10-31, got {value!r}")


async def _channels(brand: str | None, channel: str | None) -> list[dict[str, Any]]:
    from api.cli import fail
    from domain.models import Brand, Channel

    query = Channel.select(Channel.id, Channel.platform, Channel.handle, Channel.status,
                           Channel.brand.slug.as_alias("brand_slug"))
    if brand is not None:
        brands = await Brand.select(Brand.id).where(Brand.slug == brand)
        if not brands:
            fail(f"no brand with slug {brand!r}")
        query = query.where(Channel.brand.is_in([b["id"] for b in brands]))
    if channel is not None:
        value = channel.strip()
        query = query.where(Channel.id == int(value)) if value.isdigit() \
            else query.where(Channel.handle == value)
    rows = await query.order_by(Channel.id)
    if channel is not None and not rows:
        fail(f"no channel {channel!r}" + (f" in brand {brand!r}" if brand else ""))
    if channel is not None and len({r["brand_slug"] for r in rows}) > 1:
        fail(f"several brands have a channel {channel!r}: add --brand SLUG")
    return rows


def sync(
    brand: Annotated[str | None, typer.Option(metavar="SLUG",
                                              help="Only this brand's channels.")] = None,
    channel: Annotated[str | None, typer.Option(metavar="ID|HANDLE",
                                                help="Only this channel.")] = None,
    from_: Annotated[str | None, typer.Option(
        "--from", metavar="DAY",
        help="First day, e.g. 2026-10-01: sync this window instead of the plan.")] = None,
    to: Annotated[str | None, typer.Option(metavar="DAY",
                                           help="Last day (default: yesterday).")] = None,
    force: Annotated[bool, typer.Option("--force",
                                        help="Also channels synced in the last hours.")
                     ] = False,
    publish: Annotated[bool, typer.Option(help="Also publish the posts that are due.")] = True,
    inbox: Annotated[bool, typer.Option(
        "--inbox", help="Also read new comments, mentions and direct messages into the "
                        "community inbox (Facebook, Instagram).")] = False,
) -> None:
    """Sync connected channels now and publish due posts.

    Without REDIS_URL the jobs run here and the results are shown (run it from cron to keep
    Coso current without a worker); with REDIS_URL they are queued for `coso worker`.
    """
    from api.cli import console, fail, run
    from api.jobs.queues import job_queue
    from domain.models import SyncRun
    from domain.settings import get_settings
    from domain.sync.base import http_client
    from domain.sync.inbox import plan_inbox_syncs
    from domain.sync.jobs import plan_syncs, request_window
    from domain.sync.publish import publish_due_posts
    from domain.sync.windows import Window, window_problems

    start, end = _day("--from", from_), _day("--to", to)
    if end is not None and start is None:
        fail("--to needs --from")
    today = datetime.now(UTC).date()
    if start is not None and end is None:
        end = today - timedelta(days=1)

    async def work() -> tuple[list[dict[str, Any]], list[str]]:
        channels = await _channels(brand, channel)
        notes: list[str] = []
        if start is not None and end is not None:
            for row in channels:
                problems = window_problems(row["platform"], start, end, today)
                if problems:
                    fail(f"{row['handle']}: " + "; ".join(p.message for p in problems))
        newest = await SyncRun.select(SyncRun.id).order_by(SyncRun.id, ascending=False).first()
        since = newest["id"] if newest else 0
        ids = [c["id"] for c in channels] if brand or channel else None
        queue = job_queue()
        async with http_client() as http:
            ctx = {"queue": queue, "http": http, "job_try": 1}
            if start is not None and end is not None:
                for row in channels:
                    if row["status"] != "CONNECTED":
                        notes.append(f"skipped {row['handle']}: {row['status']}")
                        continue
                    await request_window(queue, row["id"], Window(SyncKind.METRICS, start, end))
            else:
                await plan_syncs(ctx, ids, force=force)
            if publish:
                await publish_due_posts(ctx, ids)
            if inbox:
                await plan_inbox_syncs(ctx, ids)
        runs = await SyncRun.select(
            *SyncRun.all_columns(), SyncRun.channel.handle.as_alias("handle"),
        ).where(SyncRun.id > since).order_by(SyncRun.id)
        return runs, notes

    runs, notes = run(work)
    for note in notes:
        console.print(note, highlight=False)
    if not runs:
        console.print("nothing to do: every channel is up to date", highlight=False)
        return
    table = Table(title="Sync runs" + ("" if get_settings().redis_url else " (in-process)"))
    # Fits 80 columns (the width when output is a file or a pipe): days on two lines, the
    # errors under the table rather than in a column too narrow to read.
    for column in ("run", "channel", "kind", "days", "status", "in/new/upd"):
        table.add_column(column, no_wrap=True)
    for r in runs:
        days = f"{r['window_from']}\n{r['window_to']}" if r["window_from"] else "—"
        counts = f"{r['items_in']}/{r['items_inserted']}/{r['items_updated']}"
        table.add_row(str(r["id"]), r["handle"], r["kind"], days, r["status"], counts)
    console.print(table)
    for r in runs:
        if r["error"]:
            console.print(f"run {r['id']} ({r['handle']}): {r['error']}", highlight=False,
                          soft_wrap=True)
    if any(r["status"] == SyncStatus.FAILED for r in runs):
        raise typer.Exit(1)


def rekey_tokens() -> None:
    """Encrypt every channel token again with the newest secret.

    The newest secret is the first of COSO_SECRET_KEY. To rotate: set
    COSO_SECRET_KEY="NEW OLD", run this, then set COSO_SECRET_KEY="NEW".
    """
    from api.cli import console, errors, run
    from domain.services.channels import rekey_tokens as rekey

    done, unreadable = run(rekey)
    console.print(f"re-encrypted the tokens of {done} channels", highlight=False)
    if unreadable:
        errors.print(f"[bold red]error:[/] no configured secret decrypts the tokens of "
                     f"channels {', '.join(map(str, unreadable))}: reconnect them",
                     highlight=False)
        raise typer.Exit(1)
