"""The anomaly model goes through the registry like a credit model: a hashed JSON artifact, a
candidate row and an audited registration, an audited promotion, and a champion that loads and
scores as the fitted model did; its signal carries a bilingual reason above the threshold."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fakes import MemoryUnitOfWork
from fengkong.core.clock import FakeClock
from fengkong.core.errors import IntegrityBroken, Unavailable
from fengkong.fraud.anomaly import (
    AnomalyModel,
    anomaly_signal,
    load_anomaly_champion,
    register_anomaly,
)
from fengkong.scoring.promotion import promote_audited

NewUow = Callable[[], MemoryUnitOfWork]


def test_register_promote_load(memory_uow: NewUow, clock: FakeClock, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {"amount_fen": rng.integers(1, 10**6, 500), "age": rng.integers(18, 70, 500)}
    )
    model = AnomalyModel(features=("amount_fen", "age"), n_estimators=20).fit(data)
    with memory_uow() as uow:
        with pytest.raises(Unavailable):
            load_anomaly_champion(uow.models, tmp_path)
        mv = register_anomaly(
            uow.models, uow.audit, tmp_path, model, data=data, actor="test", clock=clock
        )
        promote_audited(uow, mv.version, actor="test", clock=clock)
        uow.commit()
    assert (mv.version, mv.kind) == ("anomaly-v1", "isolation_forest")
    with memory_uow() as uow:
        loaded = load_anomaly_champion(uow.models, tmp_path)
        actions = [r.action for r in uow.audit.for_subject("model", mv.version)]
    assert actions == ["model.registered", "model.promoted"]
    np.testing.assert_array_equal(loaded.score_frame(data), model.anomaly_scores(data))
    assert (
        loaded.score({"amount_fen": 5, "age": 30})
        == model.anomaly_scores(pd.DataFrame({"amount_fen": [5], "age": [30]}))[0]
    )

    artifact = tmp_path / mv.path
    artifact.write_bytes(artifact.read_bytes().replace(b'"threshold"', b'"threshold" '))
    with memory_uow() as uow, pytest.raises(IntegrityBroken):
        load_anomaly_champion(uow.models, tmp_path)


def test_anomaly_signal() -> None:
    calm = anomaly_signal(0.48, 0.62)
    assert dict(calm.features) == {"anomaly.score_permille": 480, "anomaly.outlier": False}
    assert calm.reasons == ()
    odd = anomaly_signal(0.7, 0.62)
    assert odd.features["anomaly.outlier"] is True
    (reason,) = odd.reasons
    assert reason.code == "FRAUD_ANOMALY_OUTLIER"
    assert "0.70" in reason.text_en and "0.70" in reason.text_zh
    with pytest.raises(ValueError):
        anomaly_signal(1.5, 0.6)
