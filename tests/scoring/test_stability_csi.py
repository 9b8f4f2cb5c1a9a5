"""CSI of numeric and categorical features, with bins for unseen categories and missing values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring import stability


def test_categorical_csi_by_hand() -> None:
    train = ["rent"] * 5 + ["own"] * 5
    test = ["rent"] * 3 + ["own"] * 5 + ["free"] * 2
    rows = stability.csi_table(train, test)
    assert [r.bin for r in rows] == ["own", "rent", stability.OTHER_BIN, stability.MISSING_BIN]
    assert [r.actual_count for r in rows] == [5, 3, 2, 0]
    eps = stability.PSI_EPSILON
    by_hand = (
        (0.5 - 0.5) * 0 + (0.3 - 0.5) * math.log(0.3 / 0.5) + (0.2 - eps) * math.log(0.2 / eps)
    )
    assert stability.csi(train, test) == pytest.approx(by_hand, abs=1e-12)


def test_pandas_categorical_and_missing_values() -> None:
    train = pd.Series(["a", "b", None, "a"], dtype="category")
    test = pd.Series(["a", None, None, "b"], dtype="category")
    rows = {r.bin: r for r in stability.csi_table(train, test)}
    assert rows[stability.MISSING_BIN].expected_count == 1
    assert rows[stability.MISSING_BIN].actual_count == 2
    assert stability.csi(train, train) == 0.0


def test_numeric_csi_with_missing_values() -> None:
    rng = np.random.default_rng(2)
    train = rng.normal(size=5000)
    test = rng.normal(size=5000)
    assert stability.csi(train, test) < 0.01
    test_with_gaps = test.copy()
    test_with_gaps[:1500] = np.nan
    rows = stability.csi_table(train, test_with_gaps)
    assert rows[-1].bin == stability.MISSING_BIN
    assert rows[-1].actual_count == 1500
    assert stability.csi(train, test_with_gaps) > 0.25


def test_numeric_and_categorical_do_not_mix() -> None:
    with pytest.raises(Invalid, match="same kind"):
        stability.csi([1.0, 2.0, 3.0], ["a", "b", "c"])
