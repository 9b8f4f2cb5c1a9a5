"""The anomaly forest served from JSON scores exactly as scikit-learn's IsolationForest does, on
1,000 rows, after a round trip through the artifact; scoring before fit raises."""

import json

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.fraud.anomaly import (
    ANOMALY_FEATURES,
    AnomalyModel,
    Forest,
    NotFittedError,
    feature_matrix,
)


def applications(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "amount_fen": rng.integers(100_000, 5_000_000, n),
            "term_months": rng.choice([3, 6, 12, 24, 36], n),
            "monthly_income_fen": rng.lognormal(13.5, 0.5, n).round(),
            "age": rng.integers(18, 70, n),
            "velocity.device.1h.count": rng.poisson(0.2, n) + 1,
            "link.component_size": rng.geometric(0.7, n),
            "link.ids_sharing_device": rng.poisson(0.1, n) + 1,
        }
    )
    frame.loc[rng.random(n) < 0.1, "velocity.device.1h.count"] = None  # unknown device
    return frame


def test_scores_equal_sklearn_on_1000_rows() -> None:
    train, test = applications(3000, 0), applications(1000, 1)
    model = AnomalyModel(n_estimators=60, max_samples=256, random_state=3).fit(train)
    X = feature_matrix(test, ANOMALY_FEATURES)
    expected = model.sklearn_.score_samples(X)
    artifact = json.loads(json.dumps(model.to_artifact()))
    served = Forest.from_dict(artifact["forest"])
    np.testing.assert_array_equal(served.score_samples(X), expected)
    np.testing.assert_array_equal(model.anomaly_scores(test), -expected)
    assert served.offset == model.sklearn_.offset_


def test_an_isolated_application_scores_higher() -> None:
    train = applications(2000, 5)
    model = AnomalyModel(n_estimators=50, random_state=0).fit(train)
    ordinary = train.iloc[[0]].copy()
    odd = ordinary.assign(
        **{"velocity.device.1h.count": 40, "link.component_size": 60, "amount_fen": 49_000_000}
    )
    assert model.anomaly_scores(odd)[0] > model.anomaly_scores(ordinary)[0]


def test_contract() -> None:
    with pytest.raises(NotFittedError):
        AnomalyModel().anomaly_scores(applications(3, 0))
    with pytest.raises(Invalid):
        AnomalyModel(n_estimators=0).fit(applications(10, 0))
    with pytest.raises(Invalid) as caught:
        AnomalyModel().fit(applications(10, 0).assign(age="old"))
    assert caught.value.errors[0].loc == ("age",)
