"""The profile's IV, single-column AUC and so its leakage verdict can be measured on the
training part only (`screen_rows`), and `train_model` measures them so: a verdict that decides
what the model learns has not looked at the test part."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fengkong.scoring.lab import train_model
from fengkong.scoring.profile import profile_frame


def _file(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    income = rng.normal(size=n)
    bad = (rng.random(n) < 1 / (1 + np.exp(1.2 + income))).astype(int)
    return pd.DataFrame({"income": income.round(3), "bad": bad})


def test_the_screen_reads_only_the_rows_it_is_given() -> None:
    frame = _file()
    train = np.arange(0, 400, 2)
    # Equal to the outcome on the training rows only, noise on the others.
    rng = np.random.default_rng(2)
    echo = np.where(np.isin(np.arange(400), train), frame["bad"], rng.integers(0, 2, 400))
    frame["collections"] = echo.astype(float)
    everyone = profile_frame(frame, "bad")
    trained_on = profile_frame(frame, "bad", screen_rows=train)
    assert everyone.column("collections").verdict == "feature"
    assert trained_on.column("collections").verdict == "leakage"
    assert trained_on.column("collections").auc == 1.0
    assert trained_on.column("income").iv != everyone.column("income").iv


def test_train_model_profiles_on_its_training_part() -> None:
    frame = _file()
    result = train_model(frame, "bad", kind="scorecard", config={"scorecard": {"param_grid": None}})
    assert result.profile is not None
    expected = profile_frame(frame, "bad", screen_rows=result.split.train)
    assert result.profile == expected
    assert result.profile != profile_frame(frame, "bad")
