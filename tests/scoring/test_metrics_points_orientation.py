"""Scorecard points (higher = safer) give the same metrics with `higher_is_riskier=False`,
and thresholds and band limits come back in points."""

from __future__ import annotations

import numpy as np
import pytest

from fengkong.scoring import metrics

RNG = np.random.default_rng(7)
Y = RNG.integers(0, 2, 400)
PD = np.clip(0.3 + 0.25 * Y + RNG.normal(0, 0.2, 400), 0.001, 0.999)
# Points fall as risk rises, as a scorecard with PDO scaling does.
POINTS = 600 - 28.85 * np.log(PD / (1 - PD))


def test_auc_ks_gini_equal_for_points_and_for_their_negation() -> None:
    risk = -POINTS
    assert metrics.auc(Y, POINTS, higher_is_riskier=False) == metrics.auc(Y, risk)
    assert metrics.gini(Y, POINTS, higher_is_riskier=False) == metrics.gini(Y, risk)
    assert metrics.ks(Y, POINTS, higher_is_riskier=False).statistic == pytest.approx(
        metrics.ks(Y, risk).statistic
    )


def test_points_rank_like_the_pd_they_come_from() -> None:
    assert metrics.auc(Y, POINTS, higher_is_riskier=False) == pytest.approx(metrics.auc(Y, PD))
    assert metrics.auc(Y, POINTS) == pytest.approx(1 - metrics.auc(Y, PD))


def test_ks_threshold_is_in_points() -> None:
    result = metrics.ks(Y, POINTS, higher_is_riskier=False)
    assert result.threshold in set(POINTS.tolist())
    safer = result.threshold <= POINTS
    share_goods = np.mean(safer[Y == 0])
    share_bads = np.mean(safer[Y == 1])
    assert share_goods - share_bads == pytest.approx(result.statistic)


def test_gains_table_for_points_lists_the_lowest_points_first() -> None:
    rows = metrics.gains_table(Y, POINTS, higher_is_riskier=False)
    assert rows[0].score_high <= rows[-1].score_low
    assert rows[0].score_low == POINTS.min()
    assert rows[-1].score_high == POINTS.max()


def test_evaluate_on_points_has_no_brier() -> None:
    summary = metrics.evaluate(Y, POINTS, higher_is_riskier=False)
    assert "brier" not in summary
    assert summary["auc"] == pytest.approx(metrics.auc(Y, PD))
