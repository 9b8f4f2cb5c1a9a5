"""`train_model` splits 60/20/20 (stratified, seeded) or out of time, and evaluates every
sample plus the score's stability."""

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.lab import train_model
from fengkong.scoring.lab_result import TrainingResult
from fengkong.scoring.split import out_of_time_split, stratified_split

TARGET = "creditability"


@pytest.fixture(scope="module")
def dated(german: pd.DataFrame) -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=len(german), freq="8h")
    return german.assign(applied_at=days.strftime("%Y-%m-%d"))


def test_stratified_split_is_disjoint_seeded_and_keeps_the_bad_rate() -> None:
    y = np.array([1] * 300 + [0] * 700)
    split = stratified_split(y, seed=3)
    parts = [split.train, split.validation, split.test]
    assert [len(p) for p in parts] == [600, 200, 200]
    assert len(np.unique(np.concatenate(parts))) == 1000
    assert all(y[p].mean() == pytest.approx(0.3, abs=0.01) for p in parts)
    assert np.array_equal(stratified_split(y, seed=3).test, split.test)
    assert not np.array_equal(stratified_split(y, seed=4).test, split.test)


def test_out_of_time_split_orders_samples_and_keeps_equal_times_together() -> None:
    times = pd.Series(np.repeat(np.arange(10), 10)[::-1], name="month")
    y = np.tile([0, 1], 50)
    split = out_of_time_split(times, y, validation_size=0.2, test_size=0.2)
    t = times.to_numpy()
    assert t[split.train].max() < t[split.validation].min()
    assert t[split.validation].max() < t[split.test].min()
    assert (len(split.train), len(split.validation), len(split.test)) == (60, 20, 20)
    with pytest.raises(Invalid, match="distinct times"):
        out_of_time_split(pd.Series([1] * 100, name="month"), y)


def test_metrics_of_every_sample_and_stability(german: pd.DataFrame) -> None:
    result = train_model(german, TARGET)
    for name in ("train", "validation", "test"):
        m = result.metrics[name]
        assert 0.6 < m["auc"] < 0.95 and 0 < m["brier"] < 0.25
        assert m["gini"] == pytest.approx(2 * m["auc"] - 1)
        assert len(m["gains"]) >= 5 and m["gains"][-1]["cum_bads_captured"] == pytest.approx(1)
    assert result.metrics["test"]["n"] == 200
    assert 0 <= result.stability.psi_train_test < 0.25
    assert {f for f, _ in result.stability.csi} == set(result.features)
    assert result.stability.psi_by_period == ()


def _oot(dated: pd.DataFrame, kind: str) -> TrainingResult:
    return train_model(dated, TARGET, kind=kind, time_col="applied_at")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["scorecard", "gbm"])
def test_out_of_time_training_reports_psi_by_period(dated: pd.DataFrame, kind: str) -> None:
    result = _oot(dated, kind)
    assert result.split.method == "out_of_time"
    assert "applied_at" not in result.features
    periods = [p for p, _, _ in result.stability.psi_by_period]
    assert periods == sorted(periods) and len(periods) == 11  # Jan..Nov 2024
    assert sum(n for _, n, _ in result.stability.psi_by_period) == len(dated)
    assert result.metrics["test"]["auc"] > 0.6
    pd_ = result.sample("test").pd
    assert ((pd_ > 0) & (pd_ < 1)).all()


def test_bad_target_and_unknown_columns_are_refused(german: pd.DataFrame) -> None:
    with pytest.raises(Invalid, match="no column"):
        train_model(german, "outcome")
    with pytest.raises(Invalid, match="single class"):
        train_model(german.assign(creditability="good"), TARGET)
    with pytest.raises(Invalid, match="not columns"):
        train_model(german, TARGET, config={"features": ["nope"]})
