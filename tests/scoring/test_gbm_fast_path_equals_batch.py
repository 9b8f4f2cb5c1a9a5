"""`LoadedGBM.score(row)` encodes one application straight to LightGBM's float matrix, without a
DataFrame; on 1,000 German credit rows (with unseen categories, NaN, None and absent keys mixed
in) it gives exactly the score, PD and reason codes of `score_frame` over the same rows."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.demo import german_credit
from fengkong.scoring.calibration import Calibrator
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.points import Scaling
from fengkong.scoring.reasons import reason_code
from fengkong.scoring.registry import LoadedGBM


@cache
def loaded() -> tuple[LoadedGBM, pd.DataFrame]:
    frame = german_credit()
    y = (frame.pop("creditability") == "bad").astype(int).to_numpy()
    model = GBMModel(n_estimators=120).fit(frame, y)
    calibrator = Calibrator("platt").fit(model.decision_function(frame), y)
    gbm = LoadedGBM("gbm-v1", "0" * 64, model, calibrator, Scaling())
    rows = frame.copy()
    rows.loc[::5, "purpose"] = "never seen"
    rows.loc[::7, "credit_amount"] = np.nan
    rows.loc[::11, "housing"] = np.nan
    return gbm, rows


def test_one_thousand_rows_one_by_one_equal_the_batch() -> None:
    gbm, rows = loaded()
    records = rows.to_dict("records")
    for i, record in enumerate(records):
        if i % 13 == 0:
            record["age_in_years"] = None
        if i % 17 == 0:
            del record["savings_account_and_bonds"]  # an absent key is a missing value
    as_given = pd.DataFrame(records, columns=rows.columns)
    batch = gbm.score_frame(as_given)
    assert len(records) == 1000
    for i, record in enumerate(records):
        one = gbm.score(record)
        assert one.score == batch.score[i]
        assert one.pd == batch.pd[i]  # bit for bit, not approximately
        codes = [reason_code(c.feature, c.model_kind) for c in one.top_adverse(4)]
        assert codes == [r[i] for r in batch.reasons if r[i]]


def test_infinite_number_is_refused_on_both_paths() -> None:
    gbm, rows = loaded()
    record = rows.iloc[0].to_dict()
    record["credit_amount"] = float("inf")
    with pytest.raises(Invalid, match="finite"):
        gbm.score(record)
    with pytest.raises(Invalid, match="finite"):
        gbm.score_frame(pd.DataFrame([record]))
