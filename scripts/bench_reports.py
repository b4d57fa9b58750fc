#!/usr/bin/env python
"""How long a 12-page ROI report takes, stage by stage, against WeasyPrint's own render.

    .venv/bin/python scripts/bench_reports.py [--database-url URL] [--runs N]

Seeds the demo agency (domain.demo.seed_demo, a fixed day, plus two October campaigns for
the Italian brand so its report runs to 12 pages) into a throwaway database:
`coso_bench_reports` on the local PostgreSQL by default, dropped and re-created; a
`sqlite:///` URL works too. Then renders the Italian brand's ROI report for October 2026
as a PDF, timing in this one process:

* gathering: `build_report` (every query, the KPIs, the summary);
* charts: the matplotlib SVGs;
* templating: Jinja2 into the final HTML;
* WeasyPrint: `HTML(...).render()` and `write_pdf()` of that HTML, with our fetcher:
  WeasyPrint's own render of the same HTML, the reference.

Prints the median of `--runs` warm runs (after one cold run that compiles templates and
loads fonts), pages per second, the share of time outside WeasyPrint with the target
"our pipeline adds ≤ 20% on top of WeasyPrint", the whole report against ≤ 3 s, and peak
memory (the process's maxrss, and tracemalloc's peak of one extra traced run) against
≤ 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/coso_bench_reports"
TODAY = date(2026, 11, 20)
START, END = date(2026, 10, 1), date(2026, 10, 31)
TARGET_OVERHEAD = 0.20
TARGET_SECONDS = 3.0
TARGET_MB = 300
STAGES = ("gathering", "charts", "templating", "weasyprint")
EXTRA_CAMPAIGNS = 2


def prepare_database(url: str) -> None:
    """Point Piccolo at a fresh database before anything imports the engine."""
    if urlparse(url).scheme.startswith("postgres"):
        from domain.db import recreate_postgres_database

        asyncio.run(recreate_postgres_database(url))
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = url


async def seed() -> int:
    from domain.db import open_pool
    from domain.demo import IT, seed_demo
    from domain.migrate import migrate
    from domain.models import Brand

    await migrate()
    await open_pool(max_size=2)
    await seed_demo(TODAY)
    row = await Brand.select(Brand.id).where(Brand.slug == IT).first()
    assert row is not None
    await more_campaigns(row["id"])
    return row["id"]


async def more_campaigns(brand_id: int) -> None:
    """More October campaigns, each taking some of the month's campaign-free posts,
    so the report runs to 12 pages as a busy brand's would."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from domain.enums import CampaignObjective, CampaignStatus
    from domain.models import Campaign, Post

    posts = await Post.select(Post.id).where(
        Post.brand == brand_id, Post.campaign.is_null(),
        Post.published_at >= datetime(2026, 9, 25, tzinfo=UTC),
        Post.published_at < datetime(2026, 11, 1, tzinfo=UTC)).order_by(Post.id)
    objectives = list(CampaignObjective)
    for i in range(EXTRA_CAMPAIGNS):
        campaign = Campaign(
            brand=brand_id, name=f"Campagna autunno {i + 1}", objective=objectives[i % 6],
            status=CampaignStatus.COMPLETED, starts_on=date(2026, 9, 20 + i),
            ends_on=date(2026, 10, 20 + i), planned_budget=Decimal(500 + 100 * i),
            production_cost=Decimal(300 + 50 * i), currency="EUR",
            kpi_targets=[{"kpi": "engagement_rate", "target": 0.04},
                         {"kpi": "ctr", "target": 0.008}])
        await campaign.save()
        ids = [p["id"] for p in posts[i::EXTRA_CAMPAIGNS]]
        if ids:
            await Post.update({Post.campaign: campaign.id}).where(Post.id.is_in(ids))


def one_run(brand_id: int, loop: asyncio.AbstractEventLoop) -> tuple[dict[str, float], int, int]:
    from domain.enums import ReportFormat, ReportKind
    from reporting import build_report
    from reporting.render import html_to_pdf, render_html
    from reporting.safety import AssetFetcher
    from reporting.views import ReportView

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    data = loop.run_until_complete(build_report(brand_id, ReportKind.ROI, START, END))
    t1 = time.perf_counter()
    charts = ReportView(data).charts()
    t2 = time.perf_counter()
    html = render_html(data, ReportFormat.PDF, charts=charts, storage_dir=REPO_ROOT / "var")
    t3 = time.perf_counter()
    pdf, pages = html_to_pdf(html, fetcher=AssetFetcher(REPO_ROOT / "var"))
    t4 = time.perf_counter()
    times.update(gathering=t1 - t0, charts=t2 - t1, templating=t3 - t2, weasyprint=t4 - t3)
    return times, pages, len(pdf)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    prepare_database(args.database_url)

    loop = asyncio.new_event_loop()
    print(f"seeding the demo agency into {args.database_url} …", flush=True)
    brand_id = loop.run_until_complete(seed())

    cold, pages, size = one_run(brand_id, loop)
    runs = [one_run(brand_id, loop)[0] for _ in range(args.runs)]
    median = {stage: statistics.median(r[stage] for r in runs) for stage in STAGES}
    whole = sum(median.values())
    ours = whole - median["weasyprint"]
    overhead = ours / median["weasyprint"]

    tracemalloc.start()
    one_run(brand_id, loop)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\nROI report, {pages} pages, {size / 1024:.0f} KiB PDF; median of {args.runs} "
          f"warm runs (cold run: {sum(cold.values()):.2f} s)")
    for stage in STAGES:
        print(f"  {stage:<11} {median[stage] * 1000:8.1f} ms  {median[stage] / whole:6.1%}")
    print(f"  {'whole':<11} {whole * 1000:8.1f} ms  → {pages / whole:.1f} pages/s")
    print(f"\nours (gathering + charts + templating) ÷ WeasyPrint = {overhead:.1%} "
          f"(target ≤ {TARGET_OVERHEAD:.0%}: {verdict(overhead <= TARGET_OVERHEAD)})")
    print(f"whole report {whole:.2f} s (target ≤ {TARGET_SECONDS:.0f} s: "
          f"{verdict(whole <= TARGET_SECONDS)})")
    print(f"peak memory: maxrss {maxrss_mb:.0f} MB, Python allocations "
          f"{traced_peak / 2**20:.0f} MB (target ≤ {TARGET_MB} MB: "
          f"{verdict(maxrss_mb <= TARGET_MB)})")
    loop.close()


if __name__ == "__main__":
    main()
