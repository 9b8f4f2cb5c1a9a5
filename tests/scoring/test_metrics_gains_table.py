"""Gains table: bands riskiest first, counts add up, capture reaches 100 %, ties stay together."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.scoring import metrics


def test_deciles_of_a_thousand_rows() -> None:
    rng = np.random.default_rng(3)
    score = rng.random(1000)
    y = (rng.random(1000) < score).astype(int)
    rows = metrics.gains_table(y, score)
    assert [r.band for r in rows] == list(range(1, 11))
    assert [r.count for r in rows] == [100] * 10
    assert sum(r.bads for r in rows) == y.sum()
    assert rows[-1].cum_bads_captured == 1.0
    assert rows[-1].cum_lift == pytest.approx(1.0)
    # Riskiest first: band score ranges go down.
    assert all(a.score_low >= b.score_high for a, b in itertools.pairwise(rows))
    top = rows[0]
    assert top.lift == pytest.approx(top.bad_rate / y.mean())
    assert top.lift > 1.5


def test_hand_computed_table() -> None:
    y = [1, 1, 0, 1, 0, 0, 0, 0]
    score = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1]
    rows = metrics.gains_table(y, score, bins=4)
    assert [(r.count, r.bads) for r in rows] == [(2, 2), (2, 1), (2, 0), (2, 0)]
    assert [r.cum_bads_captured for r in rows] == pytest.approx([2 / 3, 1, 1, 1])
    assert rows[0].lift == pytest.approx(1.0 / (3 / 8))
    assert rows[1].cum_goods_share == pytest.approx(1 / 5)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 5)), min_size=2, max_size=80),
    st.integers(1, 12),
)
def test_counts_add_up_and_ties_share_a_band(rows_in: list[tuple[int, int]], bins: int) -> None:
    y = np.array([r[0] for r in rows_in])
    y[0], y[1] = 0, 1
    score = np.array([r[1] for r in rows_in], dtype=float)
    rows = metrics.gains_table(y, score, bins=bins)
    assert 1 <= len(rows) <= bins
    assert sum(r.count for r in rows) == y.size
    assert sum(r.bads for r in rows) == y.sum()
    captured = [r.cum_bads_captured for r in rows]
    assert captured == sorted(captured)
    assert captured[-1] == pytest.approx(1.0)
    # Bands do not overlap, so each distinct score sits in exactly one band.
    for upper, lower in itertools.pairwise(rows):
        assert upper.score_low > lower.score_high
