"""The A/B comparison: the z-test against scipy and against numbers worked out by hand."""

from __future__ import annotations

import math

import pytest
from scipy.stats import chi2_contingency, norm

from app.stats import (
    compare,
    difference_interval,
    sample_size,
    two_proportion_z,
)


def test_the_z_test_matches_a_hand_computation() -> None:
    # 200 of 1,000 against 250 of 1,000: pooled rate 0.225,
    # standard error sqrt(0.225 * 0.775 * (1/1000 + 1/1000)) = 0.0186748, z = 0.05 / se.
    z, p = two_proportion_z(200, 1000, 250, 1000)
    assert z == pytest.approx(2.677398, abs=1e-6)
    assert p == pytest.approx(0.007420, abs=1e-6)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"),
    [(200, 1000, 250, 1000), (30, 300, 36, 300), (5, 40, 19, 61), (812, 9000, 700, 8800)],
)
def test_the_z_test_agrees_with_scipy(x1: int, n1: int, x2: int, n2: int) -> None:
    z, p = two_proportion_z(x1, n1, x2, n2)
    chi2, p_chi2, _, _ = chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
    assert z**2 == pytest.approx(chi2, rel=1e-9)
    assert p == pytest.approx(p_chi2, rel=1e-9)
    assert p == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)
    assert math.copysign(1, z) == math.copysign(1, x2 / n2 - x1 / n1)


def test_no_data_or_no_variation_is_no_evidence() -> None:
    assert two_proportion_z(0, 0, 3, 10) == (0.0, 1.0)
    assert two_proportion_z(0, 50, 0, 80) == (0.0, 1.0)
    assert two_proportion_z(50, 50, 80, 80) == (0.0, 1.0)
    with pytest.raises(ValueError, match="not a proportion"):
        two_proportion_z(11, 10, 3, 10)


def test_the_interval_and_the_sample_size_match_a_hand_computation() -> None:
    # Wald: 0.05 ± 1.959964 * sqrt(0.2 * 0.8 / 1000 + 0.25 * 0.75 / 1000) = 0.05 ± 0.036536
    low, high = difference_interval(200, 1000, 250, 1000)
    assert low == pytest.approx(0.013464, abs=1e-6)
    assert high == pytest.approx(0.086536, abs=1e-6)
    # 10% against 15%, two-sided 5%, power 80%: the textbook 686 per group
    assert sample_size(0.10, 0.15) == 686
    assert sample_size(0.2, 0.2) is None


def test_a_clear_difference_is_called_significant() -> None:
    result = compare("arrears", 1000, 200, "arrears-firm", 1000, 250)
    assert result.significant
    assert result.p_value == pytest.approx(0.00742, abs=1e-5)
    assert result.sentence.startswith("Significant at the 5% level: “arrears-firm” converts better")
    assert "25.0% against 20.0%" in result.sentence
    assert "+5.0 percentage points" in result.sentence
    assert "95% confidence interval +1.3 to +8.7" in result.sentence
    assert "p = 0.007" in result.sentence
    worse = compare("arrears", 1000, 250, "arrears-firm", 1000, 200)
    assert worse.significant and "converts worse" in worse.sentence


def test_a_small_difference_is_plainly_not_significant_yet() -> None:
    result = compare("arrears", 300, 30, "arrears-firm", 300, 36)
    assert not result.significant
    assert result.p_value == pytest.approx(
        chi2_contingency([[30, 270], [36, 264]], correction=False)[1]
    )
    sentence = result.sentence
    assert sentence.startswith("Not significant yet (p = 0.")
    assert "12.0% against 10.0%" in sentence
    assert "2.0 percentage points can still be chance" in sentence
    assert f"about {sample_size(0.10, 0.12):,} opened links per variant" in sentence


def test_too_few_conversions_are_not_enough_data() -> None:
    result = compare("a", 10, 2, "b", 10, 9)
    assert not result.enough_data and not result.significant
    assert result.sentence.startswith("Not enough data yet to compare")
    assert compare("a", 0, 0, "b", 10, 3).sentence.startswith("No comparison yet")
    same = compare("a", 200, 20, "b", 400, 40)
    assert same.sentence.startswith("Not significant: both variants convert 10.0% so far")


def test_a_split_significance_level_is_stated() -> None:
    result = compare("a", 1000, 200, "b", 1000, 250, alpha=0.025)
    assert result.significant
    assert "at the 2.5% level" in result.sentence
    assert "97.5% confidence interval" in result.sentence
    assert not compare("a", 1000, 200, "b", 1000, 240, alpha=0.025).significant  # p = 0.034
