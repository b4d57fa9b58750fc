"""An import meets a metric row another transaction stores while it writes (PostgreSQL)."""

from __future__ import annotations

import asyncio
import io
import os
from datetime import date
from decimal import Decimal

import asyncpg
import pytest

from domain.imports import Entity, import_rows
from domain.imports.readers import csv_rows
from domain.models import ChannelMetric
from tests.factories import make_brand, make_channel

pytestmark = pytest.mark.skipif(not os.environ["DATABASE_URL"].startswith("postgres"),
                                reason="row locks between two PostgreSQL sessions")

FILE = ("channel;day;metric;value\n"
        "@acme;2026-10-01;reach;10\n"
        "@acme;2026-10-02;reach;20\n")


async def test_a_row_stored_meanwhile_is_updated_not_refused():
    brand = await make_brand(currency="EUR")
    channel = await make_channel(brand, handle="@acme")
    other = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        # Another session (a metrics sync) stores the second row and holds it uncommitted:
        # the import's INSERT of the new rows waits on it, then finds it stored.
        writer = other.transaction()
        await writer.start()
        await other.execute(
            "INSERT INTO channel_metric (channel, metric, day, value, source_kind, source_name,"
            " source_version, raw_metric, note, fetched_at) VALUES ($1, 'reach', $2, 5, "
            "'API', 'sync', '', '', '', now())", channel.id, date(2026, 10, 2))
        task = asyncio.ensure_future(import_rows(
            Entity.METRICS, brand.id, csv_rows(io.BytesIO(FILE.encode())), actor_id=None,
            source_name="m.csv"))
        for _ in range(1000):  # until the import waits on the other session's row
            waiting = await other.fetchval(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()")
            if waiting or task.done():
                break
            await asyncio.sleep(0.01)
        assert not task.done()
        await writer.commit()
        summary = await task
    finally:
        await other.close()
    assert summary.ok and summary.written, summary.problems
    assert (summary.inserted, summary.updated, summary.unchanged) == (1, 1, 0)
    rows = await ChannelMetric.select(ChannelMetric.day, ChannelMetric.value,
                                      ChannelMetric.source_kind).order_by(ChannelMetric.day)
    assert rows == [
        {"day": date(2026, 10, 1), "value": Decimal("10.0000"), "source_kind": "IMPORT"},
        {"day": date(2026, 10, 2), "value": Decimal("20.0000"), "source_kind": "IMPORT"}]
