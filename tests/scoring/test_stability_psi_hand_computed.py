"""PSI equals the hand-computed Σ (a − e)·ln(a / e), with empty bins raised to PSI_EPSILON."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.scoring import stability


def test_psi_of_a_hand_computed_example() -> None:
    # Cut points 10 and 20 give three bins: (-inf, 10], (10, 20], (20, inf).
    expected = [5] * 5 + [15] * 3 + [25] * 2  # shares 0.5, 0.3, 0.2
    actual = [5] * 3 + [15] * 3 + [25] * 4  # shares 0.3, 0.3, 0.4
    by_hand = (0.3 - 0.5) * math.log(0.3 / 0.5) + 0 + (0.4 - 0.2) * math.log(0.4 / 0.2)
    assert by_hand == pytest.approx(0.2408, abs=1e-4)
    assert stability.psi(expected, actual, (10, 20)) == pytest.approx(by_hand, abs=1e-12)
    rows = stability.stability_table(expected, actual, (10, 20))
    assert [r.expected_count for r in rows] == [5, 3, 2]
    assert [r.actual_count for r in rows] == [3, 3, 4]


def test_empty_bin_counts_with_epsilon() -> None:
    expected = [5, 5, 15, 15]  # shares 0.5, 0.5, 0 (third bin empty)
    actual = [5, 15, 25, 25]  # shares 0.25, 0.25, 0.5
    eps = stability.PSI_EPSILON
    by_hand = (0.25 - 0.5) * math.log(0.25 / 0.5) * 2 + (0.5 - eps) * math.log(0.5 / eps)
    assert stability.psi(expected, actual, (10, 20)) == pytest.approx(by_hand, abs=1e-12)


def test_full_edges_work_as_cut_points() -> None:
    expected = [0.05, 0.15, 0.25, 0.35]
    actual = [0.05, 0.05, 0.25, 0.35]
    with_ends = stability.psi(expected, actual, (0.0, 0.1, 0.2, 1.0))
    inner_only = stability.psi(expected, actual, (0.1, 0.2))
    assert with_ends == pytest.approx(inner_only)


def test_quantile_bins_come_from_the_expected_sample() -> None:
    rng = np.random.default_rng(5)
    expected = rng.normal(size=10_000)
    rows = stability.stability_table(expected, rng.normal(size=5_000), bins=10)
    assert len(rows) == 10
    assert all(r.expected_share == pytest.approx(0.1, abs=1e-3) for r in rows)
    assert stability.psi(expected, rng.normal(size=5_000)) < 0.01
    assert stability.psi(expected, rng.normal(loc=0.5, size=5_000)) > 0.1


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 20), min_size=1, max_size=50),
    st.lists(st.integers(0, 20), min_size=1, max_size=50),
)
def test_psi_is_zero_on_itself_and_never_negative(a: list[int], b: list[int]) -> None:
    assert stability.psi(a, a, bins=5) == pytest.approx(0.0, abs=1e-15)
    assert stability.psi(a, b, bins=5) >= 0.0
