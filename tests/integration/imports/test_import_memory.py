"""Imports stream: peak Python memory for 40,000 rows is about that for 4,000."""

from __future__ import annotations

import tracemalloc
from datetime import date, timedelta

import pytest

from domain.enums import Platform
from domain.imports import Entity, RawRow, import_rows
from domain.models import ChannelMetric
from tests.factories import make_brand, make_channel

pytestmark = pytest.mark.storage

METRICS = ("impressions", "reach", "reactions", "comments", "clicks")


def generated(count: int):
    """`count` distinct daily channel metric rows, made as they are read (never all at once)."""
    first = date(2000, 1, 1)
    for k in range(count):
        day, metric = divmod(k, len(METRICS))
        yield RawRow(k + 2, {"channel": "@acme", "day": (first + timedelta(days=day)).isoformat(),
                             "metric": METRICS[metric], "value": str(k % 1000)})


async def peak(brand_id: int, count: int) -> int:
    await ChannelMetric.delete(force=True)
    tracemalloc.start()
    try:
        summary = await import_rows(Entity.METRICS, brand_id, generated(count), actor_id=None,
                                    source_name="generated", chunk_size=500)
        used = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary.inserted == count and summary.ok
    return used


async def test_peak_memory_does_not_grow_with_the_file():
    brand = await make_brand()
    await make_channel(brand, handle="@acme", platform=Platform.INSTAGRAM)
    small = await peak(brand.id, 4_000)
    big = await peak(brand.id, 40_000)
    assert big < small * 1.5, (small, big)
