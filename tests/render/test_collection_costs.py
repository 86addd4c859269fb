"""The WIK scale (Besluit vergoeding voor buitengerechtelijke incassokosten) against the
examples the scale is published with, and its minimum and maximum."""

from __future__ import annotations

from decimal import Decimal

import pytest

from render.collection_costs import collection_costs, collection_costs_cents


@pytest.mark.parametrize(
    ("principal", "costs"),
    [
        ("100.00", "40.00"),  # 15 % is 15.00: the minimum of 40 applies
        ("266.67", "40.00"),  # the last amount at the minimum
        ("267.00", "40.05"),
        ("500.00", "75.00"),
        ("1000.00", "150.00"),
        ("2500.00", "375.00"),  # the whole first band
        ("3000.00", "425.00"),  # 375 + 10 % of 500
        ("5000.00", "625.00"),
        ("10000.00", "875.00"),  # 625 + 5 % of 5,000
        ("20000.00", "975.00"),  # 875 + 1 % of 10,000
        ("200000.00", "2775.00"),
        ("1000000.00", "6775.00"),  # 2,775 + 0.5 % of 800,000: exactly the maximum
        ("5000000.00", "6775.00"),
        ("1234.57", "185.19"),  # 185.1855 rounds half up to the cent
    ],
)
def test_the_scale_gives_the_published_amounts(principal: str, costs: str) -> None:
    assert collection_costs(Decimal(principal)) == Decimal(costs)


def test_nothing_owed_means_no_costs() -> None:
    assert collection_costs_cents(0) == 0 and collection_costs_cents(-500) == 0


def test_costs_grow_with_the_principal_and_stay_within_the_bounds() -> None:
    previous = 0
    for cents in range(1, 120_000_000, 99_991):
        costs = collection_costs_cents(cents)
        assert 4_000 <= costs <= 677_500 and costs >= previous
        previous = costs
