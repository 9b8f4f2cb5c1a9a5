"""`evaluate` returns a flat JSON-able summary that agrees with the single metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fengkong.scoring import metrics


def test_summary_agrees_with_single_metrics() -> None:
    rng = np.random.default_rng(4)
    pd_ = rng.uniform(0.0, 1.0, 500)
    y = (rng.random(500) < pd_).astype(int)
    summary = metrics.evaluate(y, pd_)
    assert json.loads(json.dumps(summary)) == summary
    assert summary["n"] == 500
    assert summary["bads"] == y.sum()
    assert summary["auc"] == metrics.auc(y, pd_)
    assert summary["gini"] == pytest.approx(metrics.gini(y, pd_))
    assert summary["ks"] == metrics.ks(y, pd_).statistic
    assert summary["ks_threshold"] == metrics.ks(y, pd_).threshold
    assert summary["brier"] == pytest.approx(metrics.brier(y, pd_))
    assert summary["top_decile_lift"] == metrics.gains_table(y, pd_)[0].lift


def test_log_odds_get_no_brier() -> None:
    y = np.array([0, 1, 0, 1])
    assert "brier" not in metrics.evaluate(y, [-2.0, 1.0, -1.0, 3.0])
