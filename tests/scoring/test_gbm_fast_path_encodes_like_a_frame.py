"""`GBMModel.encode_row` gives the same float matrix as the batch encoder on a one-row object
frame, whatever Python or numpy type a value arrives as, or the same error."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.scoring.gbm import GBMModel


@cache
def model() -> GBMModel:
    rng = np.random.default_rng(3)
    n = 400
    X = pd.DataFrame(
        {
            "amount": rng.normal(5000, 2000, n),
            "terms": rng.integers(3, 36, n),
            "region": rng.choice(["north", "south", "east"], n),
            "grade": rng.choice([1, 2, 3], n),  # numbers declared categorical
        }
    )
    y = (rng.random(n) < 0.3).astype(int)
    return GBMModel(n_estimators=10, categorical_features=("region", "grade")).fit(X, y)


numbers = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.integers(-5, 5).map(np.int64),
    st.floats(-1e6, 1e6).map(np.float32),
    st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.sampled_from(["12.5", "7", "inf", "", "north", " 3 "]),
)
categories = st.one_of(
    st.none(),
    st.sampled_from(["north", "south", "east", "west", "", "1", "2"]),
    st.sampled_from([1, 2, 3, 4, 1.0, 2.5, float("nan"), True, np.int64(2), Decimal(3)]),
)


def _frame_encoding(row: dict[str, object]) -> np.ndarray | str:
    frame = pd.DataFrame({n: pd.Series([row.get(n)], dtype=object) for n in row})
    try:
        return model()._encode(frame)
    except Invalid as exc:
        return str(exc)


def _row_encoding(row: dict[str, object]) -> np.ndarray | str:
    try:
        return model().encode_row(row)
    except Invalid as exc:
        return str(exc)


@given(amount=numbers, terms=numbers, region=categories, grade=categories)
def test_row_encoding_equals_frame_encoding(
    amount: object, terms: object, region: object, grade: object
) -> None:
    row = {"amount": amount, "terms": terms, "region": region, "grade": grade}
    expected = _frame_encoding(row)
    got = _row_encoding(row)
    if isinstance(expected, str):
        assert got == expected
    else:
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, expected)  # NaN equals NaN here


def test_absent_key_is_missing() -> None:
    got = model().encode_row({"amount": 1.0, "region": "north"})
    assert np.isnan(got[0, 1]) and np.isnan(got[0, 3])
    assert got[0, 0] == 1.0 and got[0, 2] == model().categories_["region"].index("north")
