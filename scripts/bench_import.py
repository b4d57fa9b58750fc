#!/usr/bin/env python
"""How fast `coso import` writes big files, against the fastest bulk write of the same rows.

    .venv/bin/python scripts/bench_import.py [--posts 100000] [--metrics 1000000]
        [--engine postgres|sqlite|both] [--database-url URL] [--no-memory]

Generates a posts CSV (100,000 posts on 4 channels) and a metrics CSV (1,000,000 daily
post metric rows: 5 metrics x 10 days x 20,000 posts), streamed to temporary files. Then,
for each engine, in one process per engine (a fresh database: `coso_bench_import` on the
local PostgreSQL, re-created; a temporary SQLite file):

* floor: the same rows, already typed in memory, written into the same empty table in
  one go: asyncpg `copy_records_to_table` (PostgreSQL), stdlib `sqlite3.executemany` in
  one transaction (SQLite). No parsing, no checks, no upsert: the fastest write there is.
* ours: `import_rows` reading the file (CSV parsing, column mapping, cell parsing, every
  check, duplicate keys, staging, the set-based upsert, the audit row) into the emptied
  table; then the same file again, which must change nothing.
* memory: peak traced Python memory (tracemalloc) importing the first 10% of the metrics
  file and then all of it; flat means the two peaks are about the same.

Prints seconds, rows/s, ours / floor against the targets (PostgreSQL <= 1.5x, SQLite <=
1.3x) and the memory peaks.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/coso_bench_import"
TARGETS = {"postgres": 1.5, "sqlite": 1.3}
STAGES = ("read", "certify", "wait_read", "rows", "lookups", "stage", "wait_stage", "write",
          "rollups", "analyze")
"""ImportSummary.seconds, in the order a chunk meets them."""
CHANNELS = (("instagram", "@bench-ig"), ("facebook", "@bench-fb"), ("linkedin", "@bench-li"),
            ("x", "@bench-x"))
FORMATS = ("TEXT", "IMAGE", "VIDEO", "CAROUSEL")
PILLARS = ("INFORMATIVE", "OPINION", "PROMOTIONAL")
METRICS = ("impressions", "reach", "reactions", "comments", "clicks")
DAYS = 10
FIRST_DAY = date(2026, 9, 1)
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def post_row(i: int) -> tuple[str, str, str, str, str, str, str, datetime]:
    """Post i as the file has it: ref, platform, handle, text, format, pillar, tags, when."""
    platform, handle = CHANNELS[i % len(CHANNELS)]
    return (f"P{i:07d}", platform, handle, f"Post {i}: la novità della settimana #{i % 97}",
            FORMATS[i % len(FORMATS)], PILLARS[i % len(PILLARS)],
            "caffè, autunno" if i % 3 == 0 else "", START + timedelta(minutes=i))


def metric_row(k: int) -> tuple[int, str, date, int]:
    """Metric row k: post index, metric, day, value (5 metrics x DAYS days per post)."""
    per_post = len(METRICS) * DAYS
    post, rest = divmod(k, per_post)
    day, metric = divmod(rest, len(METRICS))
    return post + 1, METRICS[metric], FIRST_DAY + timedelta(days=day), (k * 7919) % 5000


def write_files(folder: Path, posts: int, metrics: int) -> dict[str, Path]:
    paths = {"posts": folder / "posts.csv", "metrics": folder / "metrics.csv",
             "metrics_10pc": folder / "metrics_10pc.csv"}
    with paths["posts"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["ref", "platform", "channel", "text", "format", "pillar", "tags",
                      "scheduled_at"])
        for i in range(1, posts + 1):
            row = post_row(i)
            out.writerow([*row[:7], row[7].isoformat()])
    for name, count in (("metrics", metrics), ("metrics_10pc", metrics // 10)):
        with paths[name].open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["channel", "platform", "post", "day", "metric", "value"])
            for k in range(count):
                post, metric, day, value = metric_row(k)
                platform, handle_ = CHANNELS[post % len(CHANNELS)]
                out.writerow([handle_, platform, f"P{post:07d}", day.isoformat(), metric, value])
    return paths


# --- one engine, in its own process ---------------------------------------------------------


async def bench_engine(engine: str, url: str, paths: dict[str, Path], posts: int,
                       metrics: int, memory: bool) -> dict[str, Any]:
    from domain.db import close_pool, open_pool
    from domain.migrate import migrate

    await migrate()
    await open_pool(max_size=2)
    try:
        return await _bench(engine, url, paths, posts, metrics, memory)
    finally:
        await close_pool()


async def _bench(engine: str, url: str, paths: dict[str, Path], posts: int, metrics: int,
                 memory: bool) -> dict[str, Any]:
    from domain.imports import Entity, import_rows, open_rows
    from domain.models import Brand, Channel, Post, User, Workspace

    workspace = (await Workspace.insert(Workspace(name="Bench", slug="bench")))[0]["id"]
    brand_id = (await Brand.insert(Brand(workspace=workspace, name="Bench", slug="bench",
                                         locale="it_IT", timezone="Europe/Rome")))[0]["id"]
    user = (await User.insert(User(email="bench@example.com", name="Bench")))[0]["id"]
    channel_ids = {}
    for platform, handle in CHANNELS:
        row = await Channel.insert(Channel(brand=brand_id, platform=platform, handle=handle))
        channel_ids[handle] = row[0]["id"]
    results: dict[str, Any] = {"engine": engine, "steps": []}
    now = datetime.now(UTC)

    stages: dict[str, float] = {}

    async def ours(entity: Entity, path: Path, expect: str, count: int) -> float:
        started = time.perf_counter()
        with open_rows(path) as reader:
            summary = await import_rows(entity, brand_id, reader, actor_id=user,
                                        source_name=path.name)
        took = time.perf_counter() - started
        got = {"inserted": summary.inserted, "unchanged": summary.unchanged}[expect]
        assert summary.ok and got == count, summary
        stages.clear()
        stages.update(summary.seconds)
        return took

    # Posts: floor, then ours twice.
    post_columns = ["brand", "ref", "channel", "text", "format", "pillar", "media_type",
                    "media", "tags", "scheduled_at", "status", "created_by", "created_at",
                    "updated_at"]
    post_records = []
    for i in range(1, posts + 1):
        ref, _, handle, text, fmt, pillar, tags, when = post_row(i)
        tag_list = json.dumps([t.strip() for t in tags.split(",")] if tags else [],
                              ensure_ascii=False)
        post_records.append((brand_id, ref, channel_ids[handle], text, fmt, pillar, "OWNED",
                             "[]", tag_list, when, "DRAFT", user, now, now))
    floor = await _floor(engine, url, "post", post_columns, post_records)
    await _empty("post")
    staged = [[i + 2, r[1], r[2], None, r[3], r[4], r[5], "OWNED", "[]", r[8], r[9], "DRAFT",
               None, None, "", None] for i, r in enumerate(post_records)]
    del post_records
    from domain.imports.posts import POSTS

    sql_only = await _sql_only(POSTS, staged, {"brand": brand_id, "created_by": user,
                                               "created_at": now, "updated_at": now})
    del staged
    await _empty("post")
    first = await ours(Entity.POSTS, paths["posts"], "inserted", posts)
    first_stages = dict(stages)
    again = await ours(Entity.POSTS, paths["posts"], "unchanged", posts)
    results["steps"].append({"what": f"{posts:,} posts", "rows": posts, "floor": floor,
                             "sql_only": sql_only, "ours": first, "again": again,
                             "stages": first_stages})

    # Metrics on the imported posts.
    ids = {r["ref"]: r["id"] for r in await Post.select(Post.ref, Post.id)}
    metric_columns = ["post", "metric", "day", "value", "currency", "source_kind",
                      "source_name", "source_version", "raw_metric", "fetched_at", "note"]
    metric_records = []
    for k in range(metrics):
        post, metric, day, value = metric_row(k)
        metric_records.append((ids[f"P{post:07d}"], metric, day, Decimal(value), None, "IMPORT",
                               "metrics.csv", "", "", now, ""))
    del ids
    floor = await _floor(engine, url, "post_metric", metric_columns, metric_records)
    await _empty("post_metric")
    staged = [[k + 2, r[0], r[1], r[2], int(r[3]), None, "", ""]
              for k, r in enumerate(metric_records)]
    del metric_records
    from domain.imports.metrics import POST_METRICS

    sql_only = await _sql_only(POST_METRICS, staged, {
        "source_kind": "IMPORT", "source_name": "metrics.csv", "source_version": "",
        "fetched_at": now})
    del staged
    await _empty("post_metric")
    first = await ours(Entity.METRICS, paths["metrics"], "inserted", metrics)
    first_stages = dict(stages)
    again = await ours(Entity.METRICS, paths["metrics"], "unchanged", metrics)
    results["steps"].append({"what": f"{metrics:,} daily metrics", "rows": metrics,
                             "floor": floor, "sql_only": sql_only, "ours": first,
                             "again": again, "stages": first_stages})

    if memory:
        peaks = {}
        for name, count in (("metrics_10pc", metrics // 10), ("metrics", metrics)):
            await _empty("post_metric")
            tracemalloc.start()
            await ours(Entity.METRICS, paths[name], "inserted", count)
            peaks[count] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        results["memory"] = peaks
    return results


async def _sql_only(target: Any, records: list[list[Any]], fixed: dict[str, Any]) -> float:
    """Seconds for the import's own SQL on rows already parsed and checked: staged in chunks
    as `import_rows` stages them, then the one set-based write into the empty table. What
    no faster parsing can take off `ours`."""
    from domain.imports.run import CHUNK_SIZE
    from domain.imports.store import open_store, write

    started = time.perf_counter()
    async with open_store() as store:
        name = await store.create_staging(target)
        for start in range(0, len(records), CHUNK_SIZE):
            assert await store.stage(name, target, records[start:start + CHUNK_SIZE])
        async with write(store):
            inserted, _ = await store.upsert(name, target, frozenset(target.field_names()),
                                              fixed)
        await store.drop(name)
    took = time.perf_counter() - started
    assert inserted == len(records), inserted
    return took


async def _empty(table: str) -> None:
    from domain.db import engine

    db = engine()
    if db.engine_type == "postgres":
        await db.run_ddl(f'TRUNCATE "{table}" RESTART IDENTITY CASCADE')
    else:
        await db.run_ddl(f'DELETE FROM "{table}"')


async def _floor(engine: str, url: str, table: str, columns: list[str],
                 records: list[tuple[Any, ...]]) -> float:
    """Seconds to write `records` into the empty `table` the fastest way the engine has."""
    if engine == "postgres":
        from domain.db import current_connection, write_transaction

        async with write_transaction():
            started = time.perf_counter()
            await current_connection().copy_records_to_table(
                table, records=records, columns=columns)
            took = time.perf_counter() - started
        return took
    import sqlite3

    import piccolo.engine.sqlite  # noqa: F401 - the same value adapters Coso writes with

    path = url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        marks = ", ".join("?" * len(columns))
        names = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
        started = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany(sql, records)
        connection.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        connection.close()


def child(args: argparse.Namespace) -> None:
    from domain.db import recreate_postgres_database

    if args.engine == "postgres":
        asyncio.run(recreate_postgres_database(args.database_url))
    paths = {k: Path(v) for k, v in json.loads(args.paths).items()}
    result = asyncio.run(bench_engine(args.engine, args.database_url, paths, args.posts,
                                      args.metrics, not args.no_memory))
    if args.engine == "postgres":
        asyncio.run(recreate_postgres_database(args.database_url, create=False))
    print("RESULT " + json.dumps(result, default=str))


# --- the parent: files, one child per engine, the report ----------------------------------


def report(result: dict[str, Any]) -> None:
    engine = result["engine"]
    target = TARGETS[engine]
    floor_name = "copy_records_to_table" if engine == "postgres" else "sqlite3.executemany"
    print(f"\n{engine}: floor = {floor_name} of the same rows, already typed in memory, into "
          "the same empty table (same indexes and foreign keys), no checks")
    staging = ("COPY into a TEMP table" if engine == "postgres"
               else "one INSERT per chunk from JSON into a TEMP table")
    print(f"  ours = import_rows from the CSV file: reading, parsing, every check, {staging}, "
          "then the set-based write and the audit row; again = the same file, nothing changes")
    print("  sql only = the same staging and set-based write on rows already parsed: what "
          "no faster parsing can take off ours")
    print(f"  {'rows':>24}  {'floor s':>8}  {'sql only s':>10}  {'ours s':>8}  "
          f"{'ours rows/s':>11}  {'sql only/floor':>14}  {'ours/floor':>10}  {'target':>6}  "
          f"{'again s':>8}")
    for step in result["steps"]:
        ratio = step["ours"] / step["floor"]
        print(f"  {step['what']:>24}  {step['floor']:8.2f}  {step['sql_only']:10.2f}  "
              f"{step['ours']:8.2f}  {step['rows'] / step['ours']:11,.0f}  "
              f"{step['sql_only'] / step['floor']:13.2f}x  {ratio:9.2f}x  "
              f"{'met' if ratio <= target else 'MISSED':>6}  {step['again']:8.2f}")
    print("  ours, stage by stage (seconds; a thread reads and certifies a block ahead while "
          "the event loop checks the rest row by row and stages, so they overlap):")
    for step in result["steps"]:
        seconds = step.get("stages", {})
        print(f"  {step['what']:>24}  " + "  ".join(
            f"{name} {seconds[name]:.2f}" for name in STAGES if name in seconds))
    if "memory" in result:
        peaks = {int(k): v for k, v in result["memory"].items()}
        small, big = sorted(peaks)
        print(f"  peak traced memory: {peaks[small] / 2**20:.1f} MiB for {small:,} rows, "
              f"{peaks[big] / 2**20:.1f} MiB for {big:,} rows "
              f"({peaks[big] / peaks[small]:.2f}x for {big // small}x the rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--metrics", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="PostgreSQL database to drop and re-create for the run")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    per_post = len(METRICS) * DAYS
    if args.metrics > args.posts * per_post:
        parser.error(f"--metrics needs at most {per_post} rows per post")
    with tempfile.TemporaryDirectory(prefix="coso-bench-import-") as folder:
        started = time.perf_counter()
        paths = write_files(Path(folder), args.posts, args.metrics)
        print(f"generated {args.posts:,} posts and {args.metrics:,} metric rows in "
              f"{time.perf_counter() - started:.1f}s "
              f"({sum(p.stat().st_size for p in paths.values()) / 2**20:.0f} MiB of CSV)")
        engines = ("postgres", "sqlite") if args.engine == "both" else (args.engine,)
        for engine in engines:
            url = args.database_url if engine == "postgres" else (
                f"sqlite:///{Path(folder) / 'bench.db'}")
            command = [sys.executable, __file__, "--child", "--engine", engine,
                       "--database-url", url, "--posts", str(args.posts),
                       "--metrics", str(args.metrics),
                       "--paths", json.dumps({k: str(v) for k, v in paths.items()})]
            if args.no_memory:
                command.append("--no-memory")
            env = {**os.environ, "DATABASE_URL": url}
            done = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True,
                                  text=True, check=False)
            lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
            if done.returncode or not lines:
                print(f"{engine}: the run failed\n{done.stdout}\n{done.stderr}")
                sys.exit(1)
            report(json.loads(lines[-1].removeprefix("RESULT ")))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    main()
