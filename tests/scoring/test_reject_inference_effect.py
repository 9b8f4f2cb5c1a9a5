"""Reject inference: fuzzy augmentation weights each reject by P(bad)/P(good); parcelling draws
bads at an inflated band rate; the effect is measured and reported."""

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.lab import train_model
from fengkong.scoring.reject import fuzzy_augmentation, parcelling

TARGET = "creditability"


def test_fuzzy_enters_each_reject_twice_with_complementary_weights() -> None:
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    rejects = pd.DataFrame({"a": [4.0, 5.0]})
    out = fuzzy_augmentation(X, [0, 1, 0], rejects, [0.2, 0.9])
    assert len(out.X) == 7 and out.y.tolist() == [0, 1, 0, 1, 1, 0, 0]
    assert out.weight.tolist() == pytest.approx([1, 1, 1, 0.2, 0.9, 0.8, 0.1])
    assert out.X["a"].tolist() == [1, 2, 3, 4, 5, 4, 5]


def test_parcelling_inflates_the_band_bad_rate() -> None:
    rng = np.random.default_rng(1)
    p_acc = rng.random(5000)
    y_acc = (rng.random(5000) < p_acc * 0.4).astype(int)
    X = pd.DataFrame({"a": p_acc})
    p_rej = rng.random(20000)
    rejects = pd.DataFrame({"a": p_rej})
    plain = parcelling(X, y_acc, p_acc, rejects, p_rej, factor=1.0)
    inflated = parcelling(X, y_acc, p_acc, rejects, p_rej, factor=2.0)
    plain_rate = plain.y[5000:].mean()
    assert plain_rate == pytest.approx(y_acc.mean(), abs=0.02)
    assert inflated.y[5000:].mean() == pytest.approx(2 * plain_rate, rel=0.1)
    assert (inflated.weight == 1).all()


@pytest.mark.parametrize("method", ["fuzzy", "parcelling"])
def test_effect_is_reported(german: pd.DataFrame, method: str) -> None:
    accepted, declined = german.iloc[:800], german.iloc[800:].drop(columns=TARGET)
    result = train_model(
        accepted, TARGET, rejects=declined, config={"reject_inference": {"method": method}}
    )
    effect = result.reject
    assert effect is not None and effect.method == method and effect.n_rejects == 200
    assert 0.5 < effect.auc_before < 1 and 0.5 < effect.auc_after < 1
    assert effect.approval_rate_before == pytest.approx(0.8, abs=0.01)
    assert 0 < effect.approval_rate_after < 1
    assert result.metrics["reject_inference"]["auc_after"] == effect.auc_after


def test_gbm_refuses_fuzzy_and_rejects_need_the_features(german: pd.DataFrame) -> None:
    accepted, declined = german.iloc[:800], german.iloc[800:].drop(columns=TARGET)
    with pytest.raises(Invalid, match="parcelling"):
        train_model(accepted, TARGET, kind="gbm", rejects=declined)
    with pytest.raises(Invalid, match="missing feature columns"):
        train_model(accepted, TARGET, rejects=declined.drop(columns="purpose"))
