"""Scorecard defaults a credit officer can defend: every numeric feature's bins are monotone in
risk (the direction chosen from the data), sentinel codes the profile finds get a bin of their
own, and a value training never saw (missing, special, unseen category) takes the worst
observed risk, not a neutral one. The settings used are recorded with the model."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.lab import train_model
from fengkong.scoring.lab_result import TrainingResult
from fengkong.scoring.points import MISSING, SPECIAL
from fengkong.scoring.scorecard import ScorecardModel
from lender_files import lender_file


@pytest.fixture(scope="module")
def result() -> TrainingResult:
    return train_model(lender_file(1200, seed=7), "bad", kind="scorecard")


def _monotone(rates: list[float]) -> bool:
    pairs = list(itertools.pairwise(rates))
    return all(a <= b for a, b in pairs) or all(a >= b for a, b in pairs)


def test_numeric_bins_are_monotone_in_risk(result: TrainingResult) -> None:
    sc = result.scorecard
    assert sc is not None and result.params["model"]["missing_risk"] == "worst"
    assert result.params["model"]["monotonic_trend"] == "auto_asc_desc"
    numeric = [ch for ch in sc.characteristics if ch.dtype == "numerical"]
    assert numeric
    for ch in numeric:
        rates = [b.event_rate for b in ch.bins if b.kind == "range"]
        points = [b.points for b in ch.bins if b.kind == "range"]
        assert _monotone(rates) and _monotone([float(p) for p in points]), ch.name


def test_sentinels_get_a_bin_of_their_own(result: TrainingResult) -> None:
    codes = result.params["model"]["special_codes"]
    assert codes["delinq_2yrs"] == [96.0, 98.0] and codes["days_employed"] == [365243.0]
    sc = result.scorecard
    assert sc is not None
    delinq = next(ch for ch in sc.characteristics if ch.name == "delinq_2yrs")
    special = delinq.bins[delinq.special_index]
    assert special.count > 0
    assert delinq.bin_index(98) == delinq.bin_index(96.0) == delinq.special_index
    # the codes are not magnitudes: no range bin starts beyond the real counts
    assert all(s < 96 for s in delinq.splits)


def test_what_training_never_saw_takes_the_worst_observed_risk(result: TrainingResult) -> None:
    sc = result.scorecard
    assert sc is not None
    for ch in sc.characteristics:
        seen = [b for b in ch.bins if b.count > 0]
        worst = min(b.points for b in seen)
        for b in ch.bins:
            if b.kind in (MISSING, SPECIAL) and b.count == 0:
                assert b.points == worst, ch.name
    grades = next(ch for ch in sc.characteristics if ch.dtype == "categorical")
    unseen = grades.bins[grades.bin_index("never seen")]
    if unseen.count == 0:
        assert unseen.points == min(b.points for b in grades.bins if b.count > 0)


def test_neutral_missing_risk_is_a_choice_and_a_bad_value_is_refused() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    y = (rng.random(600) < 1 / (1 + np.exp(-2 * x))).astype(int)
    X = pd.DataFrame({"x": x})
    neutral = ScorecardModel(min_iv=0.0).fit(X, y)  # the estimator's own default
    worst = ScorecardModel(missing_risk="worst", min_iv=0.0).fit(X, y)
    ch_n, ch_w = neutral.scorecard_.characteristics[0], worst.scorecard_.characteristics[0]
    assert ch_n.bins[ch_n.missing_index].woe == 0.0
    assert ch_w.bins[ch_w.missing_index].points == min(b.points for b in ch_w.bins if b.count)
    with pytest.raises(Invalid, match="missing_risk"):
        ScorecardModel(missing_risk="hopeful").fit(X, y)  # type: ignore[arg-type]


def test_a_trend_named_for_one_feature_leaves_the_others_monotone() -> None:
    frame = lender_file(800, seed=8)
    config = {"scorecard": {"monotonic_trend": {"annual_inc": "auto"}}}
    result = train_model(frame, "bad", kind="scorecard", config=config)
    trends = result.params["model"]["monotonic_trend"]
    assert trends["annual_inc"] == "auto" and trends["delinq_2yrs"] == "auto_asc_desc"


def test_ordered_categories_are_binned_in_their_order(result: TrainingResult) -> None:
    sc = result.scorecard
    assert sc is not None
    orders = result.params["model"]["ordinal"]
    assert orders["grade"] == list("ABCDEFG") and orders["emp_length"][-1] == "10+ years"
    for ch in sc.characteristics:
        if ch.name not in orders:
            continue
        order = orders[ch.name]
        runs = [b.categories for b in ch.bins if b.kind == "categories"]
        assert [c for run in runs for c in run] == order, ch.name  # runs of neighbours, in order
        rates = [b.event_rate for b in ch.bins if b.kind == "categories"]
        assert _monotone(rates), ch.name
        assert ch.bin_index("Z9") == ch.missing_index  # never seen: the missing bin


def test_an_ordinal_order_must_be_a_list_of_categories() -> None:
    X = pd.DataFrame({"g": list("ABAB" * 50)})
    y = np.tile([0, 1, 0, 0], 50)
    with pytest.raises(Invalid, match="ordinal"):
        ScorecardModel(ordinal={"g": "AB"}).fit(X, y)
    with pytest.raises(Invalid, match="not columns"):
        ScorecardModel(ordinal={"h": ["A", "B"]}).fit(X, y)
