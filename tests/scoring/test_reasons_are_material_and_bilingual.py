"""Reasons mean something: only characteristics that cost more than the model's materiality
floor, at most four, most points lost first; a GBM's codes are `GB_`, a scorecard's `SC_`;
texts in English and Chinese with the bin written in each language; never an id or a row index
(they are not features), online and in batch alike."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.clock import FakeClock
from fengkong.features.definition import FeatureSet
from fengkong.scoring.lab import register_result, train_model
from fengkong.scoring.lab_config import TrainingConfig
from fengkong.scoring.points import DEFAULT_REASON_FLOOR, Bin, Contribution, ScoreResult
from fengkong.scoring.reasons import (
    bin_texts,
    is_model_reason,
    model_reasons,
    reason_code,
)
from fengkong.scoring.registry import ModelStatus, ModelVersion, load_model
from lender_files import lender_file

IDS = {"Unnamed: 0", "rownames", "id"}
NO_LABELS = FeatureSet("none", "0", (), {})


class Models:
    def __init__(self) -> None:
        self.rows: dict[str, ModelVersion] = {}

    def add(self, model: ModelVersion) -> None:
        self.rows[model.version] = model

    def get(self, version: str) -> ModelVersion | None:
        return self.rows.get(version)

    def list(self, name: str | None = None) -> list[ModelVersion]:
        return list(self.rows.values())

    def champion(self, name: str) -> ModelVersion | None:
        return None

    def challenger(self, name: str) -> ModelVersion | None:
        return None

    def set_status(self, version: str, status: ModelStatus) -> None:
        raise NotImplementedError


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return lender_file(600, seed=5)


@pytest.mark.parametrize("kind", ["scorecard", "gbm"])
def test_reasons_are_material_capped_ordered_and_never_an_id(
    frame: pd.DataFrame, kind: str, tmp_path: Path
) -> None:
    result = train_model(frame, "bad", kind=kind, config=TrainingConfig(reason_floor=8.0))  # type: ignore[arg-type]
    clock = FakeClock(datetime(2026, 1, 5, tzinfo=UTC))
    version = register_result(result, Models(), tmp_path, name="lender", clock=clock)
    assert version.params["reasons"] == {"floor_points": 8.0, "max": 4}
    loaded = load_model(version, tmp_path)
    assert loaded.reason_floor == 8.0
    rows = frame.drop(columns="bad").head(60)
    batch = loaded.score_frame(rows)
    prefix = "GB_" if kind == "gbm" else "SC_"
    id_codes = {reason_code(n, kind) for n in IDS}  # type: ignore[arg-type]
    some_filtered = False
    for i, row in enumerate(rows.to_dict("records")):
        one = loaded.score(row)
        top = one.top_adverse()
        assert len(top) <= 4 and all(c.points_lost > 8.0 for c in top)
        assert [c.points_lost for c in top] == sorted((c.points_lost for c in top), reverse=True)
        some_filtered |= any(0 < c.points_lost <= 8.0 for c in one.contributions)
        codes = [reason_code(c.feature, c.model_kind) for c in top]
        assert codes == [b[i] for b in batch.reasons if b[i]]
        assert all(c.startswith(prefix) and is_model_reason(c) for c in codes)
        assert not set(codes) & id_codes
        for reason in model_reasons(top, NO_LABELS):
            assert "lowered the score" in reason.text_en and "使评分降低" in reason.text_zh
            assert " to " not in reason.text_zh and "missing" not in reason.text_zh
    assert some_filtered  # the floor left out small costs that used to be reasons


def test_the_default_floor_is_recorded() -> None:
    assert TrainingConfig().reason_floor == DEFAULT_REASON_FLOOR > 0


def _bin(**kw: object) -> Bin:
    fields: dict[str, object] = {"label": "x", "points": 10, "woe": 0.0, "count": 1}
    return Bin(**{**fields, "event_rate": 0.1, **kw})  # type: ignore[arg-type]


def test_bin_labels_are_written_in_each_language() -> None:
    assert bin_texts(_bin(lower=3000.0, upper=4000.0)) == ("3,000 to 4,000", "3,000 至 4,000")
    assert bin_texts(_bin(upper=25.5)) == ("below 25.5", "低于 25.5")
    assert bin_texts(_bin(lower=12000.0)) == ("12,000 or more", "12,000 及以上")
    assert bin_texts(_bin(kind="missing")) == ("missing", "缺失")
    cats = _bin(label="A, B", categories=("A", "B"), kind="categories")
    assert bin_texts(cats) == ("A, B", "A, B")
    gbm = Contribution("annual_inc", "missing", 0, 9, model_kind="gbm")
    (reason,) = model_reasons((gbm,), NO_LABELS)
    assert reason.code == "GB_ANNUAL_INC"
    assert reason.text_zh == "annual_inc（缺失）使评分降低 9 分"
    assert reason.text_en == "annual_inc (missing) lowered the score by 9 points"
    amount = Contribution("annual_inc", "12500.0", 0, 7, model_kind="gbm")
    grade = Contribution("grade", "E", 0, 6, model_kind="gbm")
    texts = [r.text_zh for r in model_reasons((amount, grade), NO_LABELS)]
    assert texts == ["annual_inc（12,500）使评分降低 7 分", "grade（E）使评分降低 6 分"]


def test_codes_of_any_column_name() -> None:
    assert reason_code("Unnamed: 0") == "SC_UNNAMED_0"
    assert reason_code("收入[年], 元", "gbm") == "GB_收入_年_元"
    assert is_model_reason("SC_AGE") and is_model_reason("GB_AGE")
    assert not is_model_reason("SCORE_BELOW_THRESHOLD")


@given(
    st.lists(st.integers(-5, 60), min_size=1, max_size=12),
    st.floats(0, 30, allow_nan=False),
)
def test_top_adverse_keeps_only_material_costs(lost: list[int], floor: float) -> None:
    contributions = tuple(Contribution(f"f{i}", "b", 0, v) for i, v in enumerate(lost))
    top = ScoreResult(600, 0.1, contributions, floor).top_adverse()
    material = sorted((v for v in lost if v > floor and v > 0), reverse=True)
    assert [c.points_lost for c in top] == material[:4]
    assert np.all(np.diff([c.points_lost for c in top]) <= 0)
