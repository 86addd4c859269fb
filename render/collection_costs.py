"""The Dutch statutory collection costs (WIK, art. 6:96 BW and the Besluit vergoeding voor
buitengerechtelijke incassokosten).

A creditor may charge a consumer collection costs only after a reminder that states the amount
and gives 14 days to pay, and never more than this scale: the costs a video mentions are
computed here, so a designer writes ``{collection_costs}`` instead of a figure that goes stale.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MINIMUM_CENTS = 4_000
MAXIMUM_CENTS = 677_500
# (upper bound of the band in cents, or None for the rest; the share of the band)
_BANDS: tuple[tuple[int | None, Decimal], ...] = (
    (250_000, Decimal("0.15")),
    (500_000, Decimal("0.10")),
    (1_000_000, Decimal("0.05")),
    (20_000_000, Decimal("0.01")),
    (None, Decimal("0.005")),
)


def collection_costs_cents(principal_cents: int) -> int:
    """The most a creditor may charge on a principal of ``principal_cents`` (VAT excluded)."""
    if principal_cents <= 0:
        return 0
    total, lower = Decimal(0), 0
    for upper, share in _BANDS:
        top = principal_cents if upper is None else min(principal_cents, upper)
        if top > lower:
            total += (top - lower) * share
        if upper is None or principal_cents <= upper:
            break
        lower = upper
    cents = int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(max(cents, MINIMUM_CENTS), MAXIMUM_CENTS)


def collection_costs(principal: Decimal) -> Decimal:
    """The same in euros, for a money placeholder."""
    cents = int((principal * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Decimal(collection_costs_cents(cents)) / 100
