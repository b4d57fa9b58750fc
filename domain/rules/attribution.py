"""Why a figure moved: its change between two periods split over members (channels, posts).

Additive figures (reach, engagement, spend): a member's contribution is its value after
minus its value before; a member missing in a period adds nothing to that period's total,
so it adds nothing there either. The contributions sum to the change of the total.

Ratios R = N / D (engagement rate, CTR, CPM…): with member i's share of the denominator
w = d_i / D and its own rate r = n_i / d_i, R = Σ w·r. Member i's contribution is

    c_i = (n1_i / D1 − n0_i / D0) − (w1_i − w0_i) · R̄,        R̄ = (R0 + R1) / 2

which sums to R1 − R0 (the shares sum to 1 in both periods, so the second terms cancel).
It is split into a rate effect, w̄_i · (r1_i − r0_i) with w̄ the mean share (the member's
own rate moved), and a mix effect, the rest, equal to (w1_i − w0_i) · (r̄_i − R̄) (the
member's weight moved, towards a rate above or below the average). A member without a
rate in one period (no denominator then) has no rate effect: all of its contribution is
mix. A numerator a member does not report adds nothing, as in the totals.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from domain.rules.kpis import _CTX, ratio

Key = Hashable


@dataclass(frozen=True, slots=True)
class Contribution:
    key: Key
    before: Decimal | None  # the member's own value (its rate, for a ratio)
    after: Decimal | None
    contribution: Decimal
    rate_effect: Decimal | None  # ratios only
    mix_effect: Decimal | None


@dataclass(frozen=True, slots=True)
class Attribution:
    """The total before and after, its change, and each member's part of the change
    (empty when the change is unknown: a side with no data, or a zero denominator)."""

    before: Decimal | None
    after: Decimal | None
    change: Decimal | None
    members: tuple[Contribution, ...]


def _sum(values: list[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def additive(members: Mapping[Key, tuple[Decimal | None, Decimal | None]]) -> Attribution:
    """Members' (before, after) values of an additive figure."""
    before = _sum([b for b, _ in members.values()])
    after = _sum([a for _, a in members.values()])
    if before is None or after is None:
        return Attribution(before, after, None, ())
    zero = Decimal(0)
    parts = tuple(Contribution(k, b, a, (a or zero) - (b or zero), None, None)
                  for k, (b, a) in members.items())
    return Attribution(before, after, after - before, parts)


Parts = tuple[Decimal | None, Decimal | None]  # (numerator, denominator) of one period


def ratio_change(members: Mapping[Key, tuple[Parts, Parts]], scale: int = 1) -> Attribution:
    """Members' ((n0, d0), (n1, d1)) of a ratio scale·N/D; see the module's docstring."""
    zero, k = Decimal(0), Decimal(scale)

    def total(side: int, part: int) -> Decimal | None:
        return _sum([m[side][part] for m in members.values()])

    n0, d0, n1, d1 = total(0, 0), total(0, 1), total(1, 0), total(1, 1)
    r0, r1 = ratio(n0, d0), ratio(n1, d1)
    before = None if r0 is None else r0 * k
    after = None if r1 is None else r1 * k
    if r0 is None or r1 is None or d0 is None or d1 is None:
        return Attribution(before, after, None, ())
    mean = _CTX.divide(r0 + r1, Decimal(2))
    parts = []
    for key, ((a0, b0), (a1, b1)) in members.items():
        w0, w1 = _CTX.divide(b0 or zero, d0), _CTX.divide(b1 or zero, d1)
        own0 = ratio(a0 or zero, b0) if b0 else None
        own1 = ratio(a1 or zero, b1) if b1 else None
        share = _CTX.divide(a1 or zero, d1) - _CTX.divide(a0 or zero, d0)
        contribution = share - (w1 - w0) * mean
        rate = zero
        if own0 is not None and own1 is not None:
            rate = _CTX.divide(w0 + w1, Decimal(2)) * (own1 - own0)
        parts.append(Contribution(
            key, None if own0 is None else own0 * k, None if own1 is None else own1 * k,
            contribution * k, rate * k, (contribution - rate) * k))
    return Attribution(before, after, r1 * k - r0 * k, tuple(parts))


def largest(attribution: Attribution, n: int) -> tuple[Contribution, ...]:
    """The n members whose contributions are largest in size, largest first (ties by key
    as text, so the order is stable)."""
    return tuple(sorted(attribution.members,
                        key=lambda c: (-abs(c.contribution), str(c.key)))[:n])
