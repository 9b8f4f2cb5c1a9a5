"""Both reports state the split, the chosen settings, the AUC's bootstrap interval, the
train / validation / test gap, ECE and Hosmer–Lemeshow; the GBM's adds feature importance and
draws its score as the scorecard does (points, higher = lower risk)."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fengkong.scoring.lab import train_model
from fengkong.scoring.metrics import auc
from fengkong.scoring.report import render_html

TARGET = "creditability"


@pytest.mark.parametrize("kind", ["scorecard", "gbm"])
def test_report_states_validation_and_calibration(german: pd.DataFrame, kind: str) -> None:
    result = train_model(german, TARGET, kind=kind)  # type: ignore[arg-type]
    text = render_html(result, title="v1")
    for section in ("validation", "calibration", "importance", "gains"):
        assert f'<section id="{section}">' in text
    test = result.metrics["test"]
    for needle in ("AUC 95% CI", "HL p-value", "ECE", "train − test", "1,000 resamples"):
        assert needle in text
    assert test["auc_ci"]["low"] < test["auc"] < test["auc_ci"]["high"]
    assert test["hosmer_lemeshow"]["dof"] == test["hosmer_lemeshow"]["groups"] - 2
    assert 0 <= test["ece"] < 0.2
    sizes = result.params["validation"]["samples"]
    assert f"<td>{sizes['test']['rows']}</td>" in text
    assert not re.search(r"(src|href)\s*=|https?://|<script|<link|@import", text)


def test_gbm_report_orients_its_score_as_the_scorecard(german: pd.DataFrame) -> None:
    result = train_model(german, TARGET, kind="gbm")
    test = result.sample("test")
    # Points: higher is safer, so the AUC of -points as risk equals that of the log-odds.
    assert auc(test.y, -test.points) == pytest.approx(auc(test.y, test.score))
    assert np.corrcoef(test.points, test.score)[0, 1] < 0
    gains = result.metrics["test"]["gains"]
    assert gains[0]["score_high"] <= gains[-1]["score_low"]  # riskiest band: the lowest points
    assert gains[0]["bad_rate"] > gains[-1]["bad_rate"]
    importance = result.metrics["importance"]
    assert {r["feature"] for r in importance} == set(result.features)
    shap = [r["mean_abs_shap"] for r in importance]
    assert shap == sorted(shap, reverse=True)
    text = render_html(result, title="v1")
    assert "mean |SHAP|" in text and "share of split gain" in text
    assert text.count("<svg") == 6  # ROC, KS, distribution, reliability, two importance bars
    assert "higher = lower risk" in text
    assert importance[0]["feature"] in text


def test_report_of_a_registered_scorecard_writes_one_file(
    german: pd.DataFrame, tmp_path: Path
) -> None:
    from fengkong.scoring.report import write_html

    result = train_model(german, TARGET)
    path = write_html(tmp_path / "r.html", result)
    assert path.read_text(encoding="utf-8").count("<section") >= 10
