"""The strategy report's first common mistake reads the inbox's response rate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.enums import ReportFormat, ReportKind
from domain.rules.health_check import Mistake, Verdict
from reporting import build_report, render
from tests.factories import make_brand, make_channel, make_conversation

OCTOBER = datetime(2026, 10, 6, 10, tzinfo=UTC)


async def advertising_only(brand_id: int, *, shows: str | None = None):
    data = await build_report(brand_id, ReportKind.STRATEGY, date(2026, 11, 1),
                              date(2026, 11, 30), today=date(2026, 10, 25))
    assert data.strategy is not None
    if shows is not None:
        page = render(data, ReportFormat.HTML, storage_dir="/nonexistent").content.decode()
        assert shows in page
    return next(f for f in data.strategy.health if f.mistake is Mistake.ADVERTISING_ONLY)


async def test_few_answered_conversations_flag_advertising_only():
    brand = await make_brand()
    channel = await make_channel(brand)
    for i in range(4):
        at = OCTOBER + timedelta(days=i)
        await make_conversation(channel, at=at, first_response_at=(
            at + timedelta(hours=1) if i == 0 else None))
    finding = await advertising_only(brand.id, shows="Response rate")
    assert finding.verdict is Verdict.FLAGGED
    assert finding.get("response_rate") == 0.25


async def test_no_conversations_leave_the_response_rate_out():
    brand = await make_brand()
    await make_channel(brand)
    finding = await advertising_only(brand.id)
    assert finding.get("response_rate") is None and finding.verdict is Verdict.UNKNOWN
