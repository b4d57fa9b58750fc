"""The columns an export adds after the import columns: read-only, so an import skips them."""

from __future__ import annotations

from domain.rules.metric_catalog import CANONICAL_METRICS, Level

POST_TOTALS = tuple(name for name, m in CANONICAL_METRICS.items() if m.allowed_on(Level.POST))
"""The period's total of every post-level canonical metric."""
POST_RATIOS = ("engagement_rate", "engagement_rate_by_impressions", "ctr", "roas")
POST_MONEY = ("cpm", "cpc", "cpa")
POST_KPIS = ("engagement", *POST_TOTALS, *POST_RATIOS, *POST_MONEY, "currency")
"""What the period's metrics say about each post."""
METRIC_PROVENANCE = ("source_kind", "source_name", "source_version", "fetched_at")
"""Where each value came from and when it was read; an import records its own."""

UNREFERENCED_PREFIX = "coso:"
"""`coso:<id>` names a post or campaign made in Coso (it has no ref) in an export's ref or
post column; an import reads it back as that row of the brand, and no imported row may take
such a ref."""

READ_ONLY: dict[str, tuple[str, ...]] = {"posts": POST_KPIS, "metrics": METRIC_PROVENANCE}
"""Per import entity (its value), the export columns an import skips."""
