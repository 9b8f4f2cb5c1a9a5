"""Once an anomaly model is promoted, every decision carries its score as a fact and a feature."""

from __future__ import annotations

import numpy as np
import pandas as pd

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.decision.service import submit_application
from fengkong.fraud.anomaly import ANOMALY_FEATURES, AnomalyModel, register_anomaly
from fengkong.scoring.promotion import promote_audited


def _decide(context: Context):  # type: ignore[no-untyped-def]
    request = ApplicationIn.model_validate(body()).to_request(context.clock.business_date())
    return submit_application(request, context.decisions)


def test_no_anomaly_model_no_anomaly_fact(context: Context) -> None:
    assert "anomaly.score_permille" not in _decide(context).facts


def test_a_promoted_anomaly_model_scores_every_application(context: Context) -> None:
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        rng.integers(0, 50, size=(400, len(ANOMALY_FEATURES))), columns=list(ANOMALY_FEATURES)
    )
    data["amount_fen"] = rng.integers(100_000, 5_000_000, size=400)
    model = AnomalyModel(n_estimators=20).fit(data)
    with context.uow() as uow:
        version = register_anomaly(
            uow.models,
            uow.audit,
            context.artifacts_dir,
            model,
            data=data,
            actor="test",
            clock=context.clock,
        )
        promote_audited(uow, version.version, actor="test", clock=context.clock)
        uow.commit()
    decision = _decide(context)
    score = decision.facts["anomaly.score_permille"]
    assert isinstance(score, int) and 0 < score <= 1000
    assert decision.features["anomaly.outlier"] in (True, False)
