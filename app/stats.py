"""Comparing A/B variants: a two-proportion z-test, said in plain words.

``compare`` takes, per variant, how many opened links there were and how many of them
converted, and answers with the rates, the difference and its confidence interval, the
two-sided p-value and a sentence for operators that says plainly when the difference is not
(yet) significant, and roughly how many opened links it would take to tell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

ALPHA = 0.05
POWER = 0.8
MIN_CELL = 5  # conversions and non-conversions per variant before the normal approximation holds
_NORMAL = NormalDist()


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """(z, two-sided p) for "rate 2 differs from rate 1", with the pooled standard error.

    Equal to a chi-squared test of the 2x2 table without continuity correction (z² = χ²).
    No data or no variation (every link converted, or none) gives (0.0, 1.0).
    """
    _check(x1, n1)
    _check(x2, n2)
    if n1 == 0 or n2 == 0:
        return 0.0, 1.0
    pooled = (x1 + x2) / (n1 + n2)
    error = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if error == 0:
        return 0.0, 1.0
    z = (x2 / n2 - x1 / n1) / error
    return z, min(1.0, 2 * _NORMAL.cdf(-abs(z)))


def difference_interval(
    x1: int, n1: int, x2: int, n2: int, alpha: float = ALPHA
) -> tuple[float, float]:
    """The (1 - alpha) Wald interval of rate 2 - rate 1 (unpooled standard error)."""
    _check(x1, n1)
    _check(x2, n2)
    if n1 == 0 or n2 == 0:
        return -1.0, 1.0
    p1, p2 = x1 / n1, x2 / n2
    error = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    margin = _NORMAL.inv_cdf(1 - alpha / 2) * error
    return max(-1.0, p2 - p1 - margin), min(1.0, p2 - p1 + margin)


def sample_size(p1: float, p2: float, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Opened links per variant needed to detect rates ``p1`` vs ``p2`` (two-sided test);
    None when they are equal (no sample is large enough)."""
    if p1 == p2 or not (0 <= p1 <= 1 and 0 <= p2 <= 1):
        return None
    z_alpha = _NORMAL.inv_cdf(1 - alpha / 2)
    z_beta = _NORMAL.inv_cdf(power)
    mean = (p1 + p2) / 2
    top = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_beta * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return math.ceil(top**2 / (p1 - p2) ** 2)


def _check(x: int, n: int) -> None:
    if n < 0 or x < 0 or x > n:
        raise ValueError(f"{x} conversions out of {n} is not a proportion")


@dataclass(frozen=True)
class Comparison:
    """A variant against the control."""

    control: str
    variant: str
    control_opened: int
    control_converted: int
    variant_opened: int
    variant_converted: int
    alpha: float
    z: float
    p_value: float
    interval: tuple[float, float]  # of variant rate - control rate
    enough_data: bool  # at least MIN_CELL conversions and non-conversions on each side
    needed: int | None  # opened links per variant to detect a difference of this size

    @property
    def control_rate(self) -> float | None:
        return self.control_converted / self.control_opened if self.control_opened else None

    @property
    def variant_rate(self) -> float | None:
        return self.variant_converted / self.variant_opened if self.variant_opened else None

    @property
    def difference(self) -> float:
        return (self.variant_rate or 0.0) - (self.control_rate or 0.0)

    @property
    def significant(self) -> bool:
        return self.enough_data and self.p_value < self.alpha

    @property
    def sentence(self) -> str:
        """The result for operators, in one or two plain sentences."""
        if not self.control_opened or not self.variant_opened:
            return (
                f"No comparison yet: {self._name(self.control)} or {self._name(self.variant)} "
                "has no opened links."
            )
        rates = f"{_percent(self.variant_rate)} against {_percent(self.control_rate)}"
        points = self.difference * 100
        better = "better" if self.difference > 0 else "worse"
        level = f"{self.alpha * 100:.3g}%"
        confidence = f"{(1 - self.alpha) * 100:.3g}%"
        p = _p(self.p_value)
        if not self.enough_data:
            return (
                f"Not enough data yet to compare: {self._name(self.variant)} converts "
                f"{rates} for {self._name(self.control)}, but each variant needs at least "
                f"{MIN_CELL} conversions and {MIN_CELL} opened links without one ({p})."
            )
        if self.significant:
            low, high = (v * 100 for v in self.interval)
            return (
                f"Significant at the {level} level: {self._name(self.variant)} converts "
                f"{better} than {self._name(self.control)}, {rates} (a difference of "
                f"{points:+.1f} percentage points, {confidence} confidence interval {low:+.1f} "
                f"to {high:+.1f}; {p})."
            )
        if self.difference == 0:
            return (
                f"Not significant: both variants convert {_percent(self.control_rate)} so far "
                f"({p}). There is no difference to detect yet."
            )
        needed = (
            f" To show a difference this size, about {self.needed:,} opened links per "
            "variant are needed."
            if self.needed
            else ""
        )
        return (
            f"Not significant yet ({p}): {self._name(self.variant)} converts {rates} for "
            f"{self._name(self.control)}, but a difference of {abs(points):.1f} percentage points "
            f"can still be chance.{needed}"
        )

    @staticmethod
    def _name(label: str) -> str:
        return f"“{label}”"


def compare(
    control: str,
    control_opened: int,
    control_converted: int,
    variant: str,
    variant_opened: int,
    variant_converted: int,
    *,
    alpha: float = ALPHA,
) -> Comparison:
    """Compare ``variant`` with ``control``: opened links and how many of them converted."""
    z, p_value = two_proportion_z(
        control_converted, control_opened, variant_converted, variant_opened
    )
    cells = (
        control_converted,
        control_opened - control_converted,
        variant_converted,
        variant_opened - variant_converted,
    )
    needed = None
    if control_opened and variant_opened:
        needed = sample_size(
            control_converted / control_opened, variant_converted / variant_opened, alpha
        )
    return Comparison(
        control=control,
        variant=variant,
        control_opened=control_opened,
        control_converted=control_converted,
        variant_opened=variant_opened,
        variant_converted=variant_converted,
        alpha=alpha,
        z=z,
        p_value=p_value,
        interval=difference_interval(
            control_converted, control_opened, variant_converted, variant_opened, alpha
        ),
        enough_data=min(cells) >= MIN_CELL,
        needed=needed,
    )


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _p(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"
