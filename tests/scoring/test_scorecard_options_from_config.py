"""Scorecard options reach the estimator from the configuration: monotonic trend per feature,
special codes per feature, categorical binning, IV selection and the correlation filter."""

import itertools

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.lab import train_model
from fengkong.scoring.lab_config import parse_config
from fengkong.scoring.scorecard import ScorecardModel
from fengkong.scoring.train import binary_target, categorical_columns

TARGET = "creditability"


def _rates(model: ScorecardModel, name: str) -> list[float]:
    ch = next(c for c in model.scorecard_.characteristics if c.name == name)
    return [b.event_rate for b in ch.bins if b.kind == "range" and b.count > 0]


@pytest.mark.parametrize(
    ("feature", "trend", "ordered"),
    [
        ("duration_in_month", "ascending", lambda r: all(a <= b for a, b in itertools.pairwise(r))),
        ("age_in_years", "descending", lambda r: all(a >= b for a, b in itertools.pairwise(r))),
    ],
)
def test_trend_per_feature(german: pd.DataFrame, feature: str, trend: str, ordered) -> None:  # type: ignore[no-untyped-def]
    config = parse_config({"scorecard": {"monotonic_trend": {feature: trend}, "min_iv": 0.0}})
    X = german.drop(columns=TARGET)
    model = ScorecardModel(categorical=categorical_columns(X), **config.scorecard).fit(
        X, binary_target(german[TARGET])
    )
    rates = _rates(model, feature)
    assert len(rates) >= 2 and ordered(rates)


@pytest.mark.parametrize("trend", ["peak", "valley", "auto", "auto_asc_desc"])
def test_every_documented_trend_is_accepted(german: pd.DataFrame, trend: str) -> None:
    X = german[["age_in_years", "credit_amount"]]
    model = ScorecardModel(monotonic_trend=trend, min_iv=0.0).fit(  # type: ignore[arg-type]
        X, binary_target(german[TARGET])
    )
    assert model.scorecard_.features


def test_iv_selection_and_correlation_filter(german: pd.DataFrame) -> None:
    X = german.drop(columns=TARGET).assign(duration_copy=german["duration_in_month"])
    y = binary_target(german[TARGET])
    cat = categorical_columns(X)
    loose = ScorecardModel(categorical=cat, min_iv=0.0, max_correlation=1.0).fit(X, y)
    assert {"duration_in_month", "duration_copy"} <= set(loose.iv_)
    strict = ScorecardModel(categorical=cat, min_iv=0.1, max_correlation=0.7).fit(X, y)
    assert all(strict.iv_[n] >= 0.1 for n in strict.selected_)
    assert not {"duration_in_month", "duration_copy"} <= set(strict.selected_)
    assert len(strict.selected_) < len(loose.selected_)


def test_categorical_and_special_codes_through_train_model(german: pd.DataFrame) -> None:
    frame = german.assign(
        credit_amount=german["credit_amount"].where(german.index % 9 != 0, -999.0),
        status_code=german["status_of_existing_checking_account"].astype("category").cat.codes,
    )
    result = train_model(
        frame,
        TARGET,
        config={
            "exclude": ["status_of_existing_checking_account"],
            "scorecard": {
                "special_codes": {"credit_amount": [-999]},
                "categorical": ["status_code"],
                "min_iv": 0.0,
                "max_correlation": 1.0,
            },
        },
    )
    sc = result.scorecard
    assert sc is not None
    amount = next(ch for ch in sc.characteristics if ch.name == "credit_amount")
    assert amount.special_codes == (-999.0,)
    assert amount.bin_index(-999) == amount.special_index
    status = next(ch for ch in sc.characteristics if ch.name == "status_code")
    assert status.dtype == "categorical" and status.bin_index(99) == status.missing_index


def test_transform_gives_the_bins_woe(german: pd.DataFrame) -> None:
    X = german.drop(columns=TARGET)
    model = ScorecardModel(categorical=categorical_columns(X)).fit(X, binary_target(german[TARGET]))
    woe = model.transform(X.iloc[:50])
    assert tuple(woe.columns) == model.selected_
    ch = model.scorecard_.characteristics[0]
    expected = [ch.bins[ch.bin_index(v)].woe for v in X[ch.name].iloc[:50]]
    assert np.allclose(woe[ch.name].to_numpy(), expected)


def test_special_codes_on_a_categorical_feature_are_refused(german: pd.DataFrame) -> None:
    X = german.drop(columns=TARGET)
    with pytest.raises(Invalid, match="special_codes"):
        ScorecardModel(categorical=categorical_columns(X), special_codes={"purpose": [1.0]}).fit(
            X, binary_target(german[TARGET])
        )
