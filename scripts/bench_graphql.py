#!/usr/bin/env python
"""How fast our GraphQL API serves a big nested read, against raw graphql-core and orjson.

    .venv/bin/python scripts/bench_graphql.py [--database-url URL] [--sqlite] [--profile]

Seeds one brand (1,000 posts on 4 channels, 30 days of 4 daily metrics = 120,000
post_metric rows) into a dedicated database that it drops and re-creates
(`coso_bench` on the local PostgreSQL by default; a `sqlite:///` URL works too), then
times, in this one process and on the same data:

* ours: `context_for("Bearer <token>")` (token check + access) and `schema.execute(...)`
  of QUERY, a fresh context (fresh DataLoaders) every iteration, like one HTTP request
  minus the HTTP layer and the JSON encoding of the response;
* graphql-core: the same query text run by `graphql.graphql()` over an equivalent SDL
  schema whose resolvers read the same tree, loaded from the database once beforehand
  into plain dicts and lists (no SQL, no auth); its scalars serialize like ours: Decimal
  `value` → `str(Decimal)` ("1234"), Date `day` → ISO string, Post `id` → the same
  base64 relay global id; both results are checked equal before timing;
* orjson: `orjson.dumps` of our result tree (a floor: just writing the output).

Prints median and p95 wall time per query, the ratios ours ÷ graphql-core and
ours ÷ orjson, the SQL statements one request runs, the leaf count, and whether the
target "ours ≤ 1.5 × raw graphql-core" is met. `--profile` then shows where our time goes
(pyinstrument when installed, else cProfile).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/coso_bench"
TARGET_RATIO = 1.5

N_POSTS = 1000
N_CHANNELS = 4
FIRST_DAY = date(2026, 10, 1)
N_DAYS = 30
SEED_METRICS = ("impressions", "reach", "reactions", "clicks")
QUERIED_METRICS = ("impressions", "reach")
PAGE = 100
SLUG = "bench"

QUERY = f"""
query Bench {{
  brand(slug: "{SLUG}") {{
    posts(first: {PAGE}) {{
      edges {{
        node {{
          id
          text
          status
          metrics(from: "{FIRST_DAY.isoformat()}",
                  to: "{(FIRST_DAY + timedelta(days=N_DAYS - 1)).isoformat()}",
                  names: [{", ".join(f'"{m}"' for m in QUERIED_METRICS)}]) {{
            metric
            points {{ day value }}
          }}
        }}
      }}
    }}
  }}
}}
"""

# The reference schema: the subset of ours that QUERY touches, same names and types.
REFERENCE_SDL = """
scalar Date
scalar Decimal

enum PostStatus { DRAFT IN_REVIEW APPROVED SCHEDULED PUBLISHED REJECTED FAILED ARCHIVED }

type Query { brand(slug: String!, workspace: String): Brand }
type Brand { id: ID! slug: String! posts(first: Int, after: String): PostConnection! }
type PostConnection { edges: [PostEdge!]! }
type PostEdge { cursor: String! node: Post! }
type Post {
  id: ID!
  text: String!
  status: PostStatus!
  metrics(from: Date!, to: Date!, names: [String!]): [MetricSeries!]!
}
type MetricSeries { metric: String! points: [MetricPoint!]! }
type MetricPoint { day: Date! value: Decimal! }
"""


# --------------------------------------------------------------------------- database


def recreate_database(url: str) -> None:
    """Drop and create the bench database (PostgreSQL) or delete the file (SQLite)."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from domain.db import recreate_postgres_database

    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"error: refusing to drop database {name!r}: the bench database's name "
                 f"must contain 'bench' (it is dropped and re-created on every run)")
    asyncio.run(recreate_postgres_database(url))


@dataclass
class Seeded:
    token: str
    brand_id: int
    post_ids: list[int]
    metric_rows: int


def _value(post_id: int, metric_index: int, day_index: int) -> Decimal:
    base = 200 + (post_id * 7919 + day_index * 104_729 + metric_index * 31) % 9800
    return Decimal(base // (metric_index + 1))


async def seed(url: str) -> Seeded:
    from domain.enums import Platform, PostStatus, Role, SourceKind
    from domain.models import Brand, Channel, Membership, Post, User, Workspace
    from domain.services.tokens import issue_token

    workspace = Workspace(name="Bench agency", slug="bench-agency")
    await workspace.save()
    user = User(email="bench@example.com", name="Bench user")
    await user.save()
    brand = Brand(workspace=workspace.id, name="Bench brand", slug=SLUG, currency="EUR")
    await brand.save()
    await Membership.insert(Membership(user=user.id, brand=brand.id, role=Role.MANAGER))
    platforms = list(Platform)
    channels = []
    for i in range(N_CHANNELS):
        channel = Channel(brand=brand.id, platform=platforms[i % len(platforms)],
                          handle=f"@bench{i}", name=f"Bench channel {i}")
        await channel.save()
        channels.append(channel.id)
    statuses = list(PostStatus)
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    posts = [
        Post(brand=brand.id, channel=channels[i % N_CHANNELS], status=statuses[i % len(statuses)],
             text=f"Post {i}: autumn launch, day {i % N_DAYS + 1} of the plan #bench",
             media=[{"url": f"https://cdn.example.com/{i}.jpg", "kind": "image", "alt": ""}],
             tags=["bench", f"t{i % 7}"], scheduled_at=start + timedelta(hours=i))
        for i in range(N_POSTS)
    ]
    for chunk in range(0, len(posts), 500):
        await Post.insert(*posts[chunk:chunk + 500])
    post_ids = [r["id"] for r in await Post.select(Post.id).where(Post.brand == brand.id)
                .order_by(Post.id)]

    fetched = datetime.now(UTC)
    columns = ("post", "metric", "day", "value", "currency", "source_kind", "source_name",
               "source_version", "raw_metric", "fetched_at", "note")
    records = [
        (pid, metric, FIRST_DAY + timedelta(days=d), _value(pid, mi, d), None,
         SourceKind.IMPORT.value, "bench", "", metric, fetched, "")
        for pid in post_ids
        for mi, metric in enumerate(SEED_METRICS)
        for d in range(N_DAYS)
    ]
    if url.startswith("sqlite"):
        import sqlite3  # Piccolo has registered its adapters: Decimal → float, date → ISO

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            with conn:
                conn.executemany(
                    f'INSERT INTO post_metric ({", ".join(columns)}) '
                    f'VALUES ({", ".join("?" for _ in columns)})', records)
            conn.execute("ANALYZE")
        finally:
            conn.close()
    else:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            await conn.copy_records_to_table("post_metric", records=records, columns=columns)
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
    # Written around the services for speed, so rolled up here as their writers would.
    from domain.services import rollups

    await rollups.rebuild(rollups.piccolo_sql(), brand.id)
    token = await issue_token(user.id, "bench")
    return Seeded(token, brand.id, post_ids, len(records))


# --------------------------------------------------------------------------- reference


def _global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _parse_date_literal(node: Any, _variables: Any = None) -> date:
    return date.fromisoformat(node.value)


def _parse_decimal_literal(node: Any, _variables: Any = None) -> Decimal:
    return Decimal(node.value)


def _scalar(scalar: Any, output: Callable[[Any], Any], parse: Callable[[Any], Any],
            literal: Callable[..., Any]) -> None:
    """Give a scalar built from SDL its coercions (graphql-core 3.3 names and legacy ones)."""
    scalar.serialize = output
    scalar.parse_value = parse
    scalar.parse_literal = literal
    if hasattr(scalar, "coerce_output_value"):
        scalar.coerce_output_value = output
        scalar.coerce_input_value = parse


async def preload_tree(brand_id: int) -> dict[str, dict[str, Any]]:
    """brand slug → brand dict with its posts (id order) and each post's daily series."""
    from api.graphql.loaders.metrics import exact_decimal
    from domain.models import Brand, Post, PostMetric

    brand = await Brand.select(Brand.id, Brand.slug).where(Brand.id == brand_id).first()
    posts = await Post.select(Post.id, Post.text, Post.status).where(
        Post.brand == brand_id).order_by(Post.id)
    by_post: dict[int, dict[str, list[dict[str, Any]]]] = {p["id"]: {} for p in posts}
    rows = await PostMetric.raw(
        'SELECT m."post", m."metric", m."day", m."value" FROM post_metric m '
        'JOIN post p ON p."id" = m."post" WHERE p."brand" = {} '
        'ORDER BY m."post", m."metric", m."day"', brand_id)
    for row in rows:
        day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(row["day"])
        # Normalised as ours shows it on both engines, so values print alike: "8119".
        by_post[row["post"]].setdefault(row["metric"], []).append(
            {"day": day, "value": exact_decimal(row["value"])})
    for post in posts:
        post["series"] = by_post[post["id"]]
    return {brand["slug"]: {**brand, "posts": posts}}


def reference_schema(tree: dict[str, dict[str, Any]]) -> Any:
    from graphql import build_schema

    schema = build_schema(REFERENCE_SDL)
    _scalar(schema.type_map["Date"], date.isoformat, date.fromisoformat, _parse_date_literal)
    _scalar(schema.type_map["Decimal"], str, Decimal, _parse_decimal_literal)

    def brand(_root: Any, _info: Any, slug: str, workspace: str | None = None) -> Any:
        return tree.get(slug)

    def posts(root: dict, _info: Any, first: int = 20, after: str | None = None) -> Any:
        return {"edges": [{"node": p} for p in root["posts"][:first]]}

    def post_id(root: dict, _info: Any) -> str:
        return _global_id("Post", root["id"])

    def metrics(root: dict, _info: Any, to: date, names: list[str] | None = None,
                **kwargs: Any) -> list[dict[str, Any]]:
        start = kwargs["from"]
        series = root["series"]
        wanted = sorted(set(names)) if names is not None else sorted(series)
        return [
            {"metric": name,
             "points": [p for p in series[name] if start <= p["day"] <= to]}
            for name in wanted if name in series
        ]

    fields = schema.type_map
    fields["Query"].fields["brand"].resolve = brand  # type: ignore[attr-defined]
    fields["Brand"].fields["posts"].resolve = posts  # type: ignore[attr-defined]
    fields["Post"].fields["id"].resolve = post_id  # type: ignore[attr-defined]
    fields["Post"].fields["metrics"].resolve = metrics  # type: ignore[attr-defined]
    return schema


# --------------------------------------------------------------------------- timing


def count_leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(count_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_leaves(v) for v in value)
    return 1


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {a!r:.60} vs {b!r:.60}"
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} vs {sorted(b)}"
        return next((d for k in a if (d := first_difference(a[k], b[k], f"{path}.{k}"))), None)
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b, strict=True))
                     if (d := first_difference(x, y, f"{path}[{i}]"))), None)
    return None if a == b else f"{path}: {a!r:.60} vs {b!r:.60}"


@dataclass
class Timing:
    name: str
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def measure(contenders: dict[str, Callable[[], Awaitable[Any]]], iterations: int,
                  warmup: int) -> dict[str, Timing]:
    """Per-iteration wall times, the contenders interleaved (in a rotating order) so a
    burst of load from other processes hits them all alike instead of one of them."""
    items = list(contenders.items())
    for _ in range(warmup):
        for _name, fn in items:
            await fn()
    gc.collect()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for i in range(iterations):
        for name, fn in items[i % len(items):] + items[:i % len(items)]:
            t0 = time.perf_counter()
            await fn()
            samples[name].append((time.perf_counter() - t0) * 1000)
    return {name: Timing(name, values) for name, values in samples.items()}


# --------------------------------------------------------------------------- main run


async def bench(args: argparse.Namespace, url: str) -> None:
    import graphql
    import orjson
    from rich.console import Console
    from rich.table import Table

    from api.app import context_for
    from api.graphql.schema import schema
    from domain.db import close_pool, open_pool, query_count
    from domain.migrate import migrate
    from domain.settings import get_settings

    console = Console() if sys.stdout.isatty() else Console(width=120)
    engine_name = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    console.rule(f"[bold]{engine_name}[/] {url}")

    t0 = time.perf_counter()
    await migrate()
    migrate_s = time.perf_counter() - t0
    await open_pool(get_settings().db_pool_size)
    try:
        t0 = time.perf_counter()
        seeded = await seed(url)
        seed_s = time.perf_counter() - t0
        console.print(f"migrate {migrate_s:.2f}s; seed {seed_s:.2f}s: {N_POSTS} posts, "
                      f"{N_CHANNELS} channels, {seeded.metric_rows:,} post_metric rows "
                      f"(not part of the timings)")
        authorization = f"Bearer {seeded.token}"

        async def ours() -> Any:
            context = await context_for(authorization)
            result = await schema.execute(QUERY, context_value=context)
            if result.errors:
                raise RuntimeError(f"our query failed: {result.errors}")
            return result.data

        async def ours_context_only() -> Any:
            return await context_for(authorization)

        tree = await preload_tree(seeded.brand_id)
        ref_schema = reference_schema(tree)

        async def reference() -> Any:
            result = await graphql.graphql(ref_schema, QUERY)
            if result.errors:
                raise RuntimeError(f"reference query failed: {result.errors}")
            return result.data

        def reference_sync() -> Any:
            result = graphql.graphql_sync(ref_schema, QUERY)
            if result.errors:
                raise RuntimeError(f"reference query failed: {result.errors}")
            return result.data

        async def reference_sync_async() -> Any:
            return reference_sync()

        # One checked run of each: same answer, then its SQL statements and leaves. A first
        # request marks the new token used (an UPDATE at most once a minute), so the count
        # below is a steady-state request's.
        await ours()
        before = query_count()
        context = await context_for(authorization)
        after_context = query_count()
        result = await schema.execute(QUERY, context_value=context)
        after = query_count()
        if result.errors:
            raise RuntimeError(f"our query failed: {result.errors}")
        data = result.data
        ref_data = await reference()
        if data != ref_data:
            raise RuntimeError(f"the reference answers differently from ours at "
                               f"{first_difference(data, ref_data)}")
        leaves = count_leaves(data)
        payload = orjson.dumps(data)

        async def dump() -> Any:
            return orjson.dumps(data)

        n, w = args.iterations, args.warmup
        load_before = os.getloadavg()[0]
        labels = {
            "ours": "ours: context_for + schema.execute",
            "ctx": "  of which context_for (token + access)",
            "ref": "graphql-core: await graphql() over preloaded dicts",
            "ref_sync": "graphql-core: graphql_sync() over preloaded dicts",
            "orjson": "orjson.dumps(result)",
        }
        timings = await measure({
            labels["ours"]: ours, labels["ctx"]: ours_context_only,
            labels["ref"]: reference, labels["ref_sync"]: reference_sync_async,
            labels["orjson"]: dump,
        }, n, w)
        t = {key: timings[label] for key, label in labels.items()}
        load_after = os.getloadavg()[0]

        table = Table(title=f"{engine_name}: one query = {leaves:,} leaves; {n} interleaved "
                            f"iterations after {w} warm-up")
        table.add_column("implementation")
        table.add_column("median ms", justify="right")
        table.add_column("p95 ms", justify="right")
        table.add_column("ours ÷ this (median)", justify="right")
        table.add_column("ours ÷ this (p95)", justify="right")
        ours_t = t["ours"]
        for key, timing in t.items():
            compare = key in {"ref", "ref_sync", "orjson"}
            table.add_row(
                timing.name, f"{timing.median:.2f}", f"{timing.p95:.2f}",
                f"{ours_t.median / timing.median:.2f}×" if compare else "",
                f"{ours_t.p95 / timing.p95:.2f}×" if compare else "",
            )
        console.print(table)

        summary = Table(show_header=False)
        summary.add_column()
        summary.add_column(justify="right")
        summary.add_row("leaves in the result", f"{leaves:,}")
        summary.add_row("result JSON size (orjson)", f"{len(payload):,} bytes")
        summary.add_row("SQL statements, one request", str(after - before))
        summary.add_row("  in context_for (token, user, access)", str(after_context - before))
        summary.add_row("  in schema.execute", str(after - after_context))
        summary.add_row("ours, µs per leaf (median)", f"{ours_t.median * 1000 / leaves:.1f}")
        summary.add_row("1-min load average before / after timing",
                        f"{load_before:.2f} / {load_after:.2f} ({os.cpu_count()} CPUs)")
        console.print(summary)
        for key, mode in (("ref", "await graphql()"), ("ref_sync", "graphql_sync()")):
            ratio = ours_t.median / t[key].median
            met = ratio <= TARGET_RATIO
            console.print(
                f"[{'green' if met else 'red'}]target ours ≤ {TARGET_RATIO}× raw graphql-core "
                f"{mode}: {'MET' if met else 'NOT MET'} — {ours_t.median:.2f} ms vs "
                f"{t[key].median:.2f} ms = {ratio:.2f}× (median; p95 "
                f"{ours_t.p95 / t[key].p95:.2f}×)[/]")

        if args.profile:
            await profile(ours, args.profile_iterations, console, t["ours"].median)
    finally:
        await close_pool()


_AREAS = (  # (path fragment, area), first match wins
    ("/api/graphql/loaders/", "ours: api/graphql/loaders"),
    ("/api/graphql/types/", "ours: api/graphql/types"),
    ("/api/", "ours: api (other)"),
    ("/domain/", "ours: domain"),
    ("/site-packages/graphql/", "graphql-core"),
    ("/site-packages/strawberry/", "strawberry"),
    ("/site-packages/asyncpg/", "asyncpg"),
    ("/site-packages/aiosqlite/", "aiosqlite"),
    ("/site-packages/piccolo/", "piccolo"),
    ("/asyncio/", "asyncio loop (incl. waiting on the database)"),
    ("selectors.py", "asyncio loop (incl. waiting on the database)"),
)


def _area(path: str | None) -> str:
    for fragment, area in _AREAS:
        if path and fragment in path:
            return area
    return "other (stdlib, builtins, this script)"


async def profile(fn: Callable[[], Awaitable[Any]], iterations: int, console: Any,
                  measured_ms: float) -> None:
    """Where one request's wall time goes: self time by area, top functions, and the time
    inside a few of our own functions (pyinstrument if installed, else cProfile)."""
    from rich.table import Table

    console.rule(f"profile of ours, {iterations} requests")
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None  # noqa: N806
    if Profiler is None:
        import cProfile
        import pstats

        console.print("pyinstrument is not installed: cProfile (inflates per-call costs)")
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(iterations):
            await fn()
        prof.disable()
        pstats.Stats(prof).strip_dirs().sort_stats("tottime").print_stats(25)
        return

    # async_mode disabled: sample the thread whatever it runs, the event loop's waits
    # on the database included, so the numbers add up to wall time.
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    for _ in range(iterations):
        await fn()
    session = profiler.stop()
    root = session.root_frame()
    if root is None:
        return
    by_area: dict[str, float] = {}
    by_function: dict[tuple[str, str], float] = {}
    inclusive: dict[str, float] = {}
    watched = {"context_for", "load_series", "_collect", "_level_rows", "load",
               "build_connection", "from_row", "period_value", "dispatch_batch",
               "parse", "validate", "execute"}
    stack = [(root, frozenset())]
    while stack:
        frame, seen = stack.pop()
        if frame.is_synthetic:  # "[self]" and the like: already in the parent's self time
            continue
        self_time = frame.total_self_time
        area = _area(frame.file_path)
        by_area[area] = by_area.get(area, 0.0) + self_time
        where = f"{Path(frame.file_path).name}:{frame.line_no}" if frame.file_path else ""
        key = (frame.function, where)
        by_function[key] = by_function.get(key, 0.0) + self_time
        label = f"{frame.function} ({where})"
        if frame.function in watched and label not in seen:
            inclusive[label] = inclusive.get(label, 0.0) + frame.time
            seen = seen | {label}
        stack.extend((child, seen) for child in frame.children)
    per = 1000 / iterations

    def ms_table(title: str, rows: list[tuple[str, float]], total: float) -> Table:
        table = Table(title=title)
        table.add_column("")
        table.add_column("share", justify="right")
        table.add_column("ms per request, profiled", justify="right")
        table.add_column("≈ ms at the measured median", justify="right")
        for name, seconds in rows:
            table.add_row(name, f"{seconds / total:.1%}", f"{seconds * per:.2f}",
                          f"{seconds / total * measured_ms:.2f}")
        return table

    total = root.time
    console.print(f"wall time profiled: {total * per:.2f} ms per request ({iterations} "
                  f"requests, 1 ms sampling) against {measured_ms:.2f} ms measured: the "
                  f"profiler slows every call, so read the shares")
    console.print(ms_table("self time by area", sorted(by_area.items(), key=lambda kv: -kv[1]),
                           total))
    top = sorted(by_function.items(), key=lambda kv: -kv[1])[:20]
    console.print(ms_table("top 20 functions by self time",
                           [(f"{fn_name}  {where}", t) for (fn_name, where), t in top], total))
    console.print(ms_table("inclusive time of some functions",
                           sorted(inclusive.items(), key=lambda kv: -kv[1])[:15], total))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help=f"dedicated database, DROPPED and re-created (default {DEFAULT_URL})")
    parser.add_argument("--sqlite", action="store_true",
                        help="also run the benchmark on a temporary SQLite file")
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--profile", action="store_true",
                        help="profile ours after timing (pyinstrument if installed, else cProfile)")
    parser.add_argument("--profile-iterations", type=int, default=20)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    url = args.database_url
    recreate_database(url)
    # Before anything imports `domain`: Piccolo builds its engine from DATABASE_URL.
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(REPO_ROOT))
    asyncio.run(bench(args, url))
    if args.sqlite and not url.startswith("sqlite"):
        # Piccolo's engine is fixed per process: SQLite runs in a child process.
        folder = tempfile.mkdtemp(prefix="coso-bench-")
        try:
            child = [sys.executable, __file__, "--database-url",
                     f"sqlite:///{folder}/coso_bench.db", "--iterations", str(args.iterations),
                     "--warmup", str(args.warmup)]
            if args.profile:
                child += ["--profile", "--profile-iterations", str(args.profile_iterations)]
            subprocess.run(child, check=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
