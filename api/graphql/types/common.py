"""Small value types shared by several object types: money, periods, KPI targets."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import strawberry
from babel.numbers import get_currency_precision
from strawberry.scalars import JSON

from api.graphql.errors import PublicError

MAX_PERIOD_DAYS = 731


@strawberry.type(description="An exact amount of money in an ISO 4217 currency.")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal | None, currency: str) -> Money | None:
        """Rounded to the currency's minor unit (2 for EUR, 0 for JPY), as Babel knows it."""
        if amount is None:
            return None
        places = Decimal(1).scaleb(-get_currency_precision(currency))
        return cls(amount=Decimal(amount).quantize(places, ROUND_HALF_EVEN), currency=currency)


@strawberry.type
class KpiTarget:
    kpi: str
    target: float

    @classmethod
    def from_json(cls, items: Any) -> list[KpiTarget]:
        return [cls(kpi=i["kpi"], target=float(i["target"])) for i in items or []]


@strawberry.input
class KpiTargetInput:
    kpi: str
    target: float


EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)
"""Periods lie between these: a day before, a month after or a year earlier must exist."""


def check_period(start: date, end: date) -> None:
    """Reject reversed, oversized or out-of-calendar windows before any query runs."""
    for name, day in (("from", start), ("to", end)):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise PublicError(f"{name} must be between {EARLIEST_DAY} and {LATEST_DAY}",
                              code="OUT_OF_RANGE", field=name)
    if end < start:
        raise PublicError("to must not be before from", code="BAD_RANGE", field="to")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise PublicError(f"a period spans at most {MAX_PERIOD_DAYS} days",
                          code="RANGE_TOO_LONG", field="to")


__all__ = ["JSON", "KpiTarget", "KpiTargetInput", "Money", "check_period"]
