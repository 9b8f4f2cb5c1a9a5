"""The registry stores a scorecard or a GBM (with its calibrator) as a hashed artifact, and the
loaded model of either kind scores one row as the batch path does, with reasons."""

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, IntegrityBroken
from fengkong.scoring.lab import register_result, train_model
from fengkong.scoring.lab_result import TrainingResult
from fengkong.scoring.reasons import reason_code
from fengkong.scoring.registry import (
    ModelStatus,
    ModelVersion,
    load_champion,
    load_model,
    promote,
)

TARGET = "creditability"


class MemoryModels:
    def __init__(self) -> None:
        self.rows: dict[str, ModelVersion] = {}

    def add(self, model: ModelVersion) -> None:
        self.rows[model.version] = model

    def get(self, version: str) -> ModelVersion | None:
        return self.rows.get(version)

    def list(self, name: str | None = None) -> list[ModelVersion]:
        return [m for m in self.rows.values() if name is None or m.name == name]

    def champion(self, name: str) -> ModelVersion | None:
        return next((m for m in self.list(name) if m.status == ModelStatus.CHAMPION), None)

    def set_status(self, version: str, status: ModelStatus) -> None:
        from dataclasses import replace

        self.rows[version] = replace(self.rows[version], status=status)


@pytest.fixture(scope="module", params=["scorecard", "gbm"])
def result(request: pytest.FixtureRequest, german: pd.DataFrame) -> TrainingResult:
    return train_model(german, TARGET, kind=request.param)


def _rows(german: pd.DataFrame) -> pd.DataFrame:
    rows = german.drop(columns=TARGET).iloc[:200].copy()
    rows.loc[::5, "purpose"] = "never seen"
    rows.loc[::7, "credit_amount"] = np.nan
    return rows


def test_one_row_equals_the_batch(
    result: TrainingResult, german: pd.DataFrame, tmp_path: Path
) -> None:
    repo = MemoryModels()
    clock = FakeClock(datetime(2026, 3, 2, tzinfo=UTC))
    version = register_result(result, repo, tmp_path, name="application", clock=clock)
    assert version.kind == result.kind and version.metrics["test"]["auc"] > 0.6
    loaded = load_model(version, tmp_path)
    rows = _rows(german)
    batch = loaded.score_frame(rows)
    for i, record in enumerate(rows.to_dict("records")):
        one = loaded.score(record)
        assert one.score == batch.score[i]
        assert one.pd == pytest.approx(batch.pd[i], rel=1e-12)
        codes = [reason_code(c.feature, c.model_kind) for c in one.top_adverse(4)]
        assert codes == [r[i] for r in batch.reasons if r[i]]
    riskier = batch.pd[np.argsort(batch.score)]
    assert riskier[0] >= riskier[-1]  # lower score, higher PD
    report = (tmp_path / version.path).with_name(f"{version.version}.report.html")
    assert report.exists()


def test_sidecars_hash_and_champion(result: TrainingResult, tmp_path: Path) -> None:
    repo = MemoryModels()
    clock = FakeClock(datetime(2026, 3, 2, tzinfo=UTC))
    version = register_result(result, repo, tmp_path, name="application", clock=clock)
    artifact = tmp_path / version.path
    sidecars = [artifact.with_name(f"{version.version}{s}") for s in (".points.csv", ".sql")]
    assert all(p.exists() for p in sidecars) == (result.kind == "scorecard")
    promote(repo, version.version)
    if result.kind == "gbm":
        with pytest.raises(Conflict, match="not a scorecard"):
            load_champion(repo, tmp_path, "application")
    else:
        assert load_champion(repo, tmp_path, "application").calibrator is not None
    artifact.write_bytes(artifact.read_bytes().replace(b'"version"', b'"versio\\u006e"', 1))
    with pytest.raises(IntegrityBroken):
        load_model(version, tmp_path)
