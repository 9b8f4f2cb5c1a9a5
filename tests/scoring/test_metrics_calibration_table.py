"""Calibration table: predicted against observed default rate by PD band."""

from __future__ import annotations

import numpy as np
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring import metrics


def test_given_edges_put_each_pd_in_its_band() -> None:
    y = [0, 0, 1, 0, 1, 1]
    pd_ = [0.01, 0.02, 0.04, 0.08, 0.3, 0.6]
    rows = metrics.calibration_table(y, pd_, (0.0, 0.02, 0.05, 0.1, 1.0))
    assert [(r.pd_low, r.pd_high, r.count, r.bads) for r in rows] == [
        (0.0, 0.02, 2, 0),
        (0.02, 0.05, 1, 1),
        (0.05, 0.1, 1, 0),
        (0.1, 1.0, 2, 2),
    ]
    assert rows[3].mean_pd == pytest.approx(0.45)
    assert rows[3].observed_rate == 1.0
    assert rows[3].expected_bads == pytest.approx(0.9)


def test_equal_count_bands_on_a_calibrated_model_track_the_diagonal() -> None:
    rng = np.random.default_rng(11)
    pd_ = rng.uniform(0.01, 0.6, 20_000)
    y = (rng.random(pd_.size) < pd_).astype(int)
    rows = metrics.calibration_table(y, pd_, 5)
    assert [r.count for r in rows] == [4000] * 5
    assert sum(r.expected_bads for r in rows) == pytest.approx(pd_.sum())
    for row in rows:
        assert row.observed_rate == pytest.approx(row.mean_pd, abs=0.03)


def test_empty_bands_are_left_out_and_edges_must_cover() -> None:
    rows = metrics.calibration_table([0, 1], [0.1, 0.2], (0.0, 0.5, 0.9, 1.0))
    assert len(rows) == 1
    with pytest.raises(Invalid, match="cover"):
        metrics.calibration_table([0, 1], [0.1, 0.95], (0.0, 0.5, 0.9))
    with pytest.raises(Invalid, match="increasing"):
        metrics.calibration_table([0, 1], [0.1, 0.2], (0.0, 0.5, 0.5, 1.0))
