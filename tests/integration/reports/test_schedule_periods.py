"""Which month a schedule sends and when it is due; month, locale and address parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.reports.schedules import due_period
from domain.services.reports import email_address, locale_name, month_period, previous_month


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 11, 5), (date(2026, 10, 1), date(2026, 10, 31))),
    (date(2026, 1, 1), (date(2025, 12, 1), date(2025, 12, 31))),
    (date(2028, 3, 28), (date(2028, 2, 1), date(2028, 2, 29))),
])
def test_previous_month(today, expected):
    assert previous_month(today) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-10", (date(2026, 10, 1), date(2026, 10, 31))),
    (" 2024-02 ", (date(2024, 2, 1), date(2024, 2, 29))),
])
def test_month_period(text, expected):
    assert month_period(text) == expected


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "1999-12", "2026-1", "26-10", "",
                                  "2026-10-01", "２０２６-10"])
def test_month_period_refuses(text):
    with pytest.raises(ValueError):
        month_period(text)


@pytest.mark.parametrize(("value", "expected"), [
    ("it_IT", "it_IT"), ("it-it", "it_IT"), ("en", "en"), (" pt_BR ", "pt_BR"),
    ("klingon", None), ("", None), ("x" * 30, None), ("it_IT\x00", None),
])
def test_locale_name(value, expected):
    assert locale_name(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (" ceo@acme.example ", "ceo@acme.example"), ("a.b+c@sub.acme.co.uk", "a.b+c@sub.acme.co.uk"),
    ("a@b", None), ("no at sign", None), ("a@b.c\r\nBcc: x@y.z", None), ("a,b@c.de", None),
    ("Name <a@b.cd>", None), ("a@b.c d", None), (f"{'x' * 250}@b.cd", None), ("a@b.", None),
    ("josé@acme.example", None), ("ceo@xn--caf-dma.example", "ceo@xn--caf-dma.example"),
])
def test_email_address(value, expected):
    assert email_address(value) == expected


def _schedule(day: int, tz: str) -> dict:
    return {"day_of_month": day, "brand.timezone": tz}


@pytest.mark.parametrize(("day", "tz", "now", "local_day"), [
    (5, "UTC", datetime(2026, 11, 4, 23, 59, tzinfo=UTC), None),
    (5, "UTC", datetime(2026, 11, 5, 0, 0, tzinfo=UTC), date(2026, 11, 5)),
    (5, "UTC", datetime(2026, 11, 30, 12, 0, tzinfo=UTC), date(2026, 11, 30)),  # late: due
    # 06:00 UTC, when the cron runs, is still the 4th in Hawaii and already the 5th at UTC+14.
    (5, "Pacific/Kiritimati", datetime(2026, 11, 4, 10, 0, tzinfo=UTC), date(2026, 11, 5)),
    (5, "Pacific/Honolulu", datetime(2026, 11, 5, 6, 0, tzinfo=UTC), None),
    (5, "Pacific/Honolulu", datetime(2026, 11, 6, 6, 0, tzinfo=UTC), date(2026, 11, 5)),
    (1, "Europe/Rome", datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),
    (1, "Not/AZone", datetime(2026, 11, 1, 0, 0, tzinfo=UTC), date(2026, 11, 1)),  # as UTC
])
def test_due_period_in_the_brand_s_timezone(day, tz, now, local_day):
    expected = previous_month(local_day) if local_day else None
    assert due_period(_schedule(day, tz), now) == expected
