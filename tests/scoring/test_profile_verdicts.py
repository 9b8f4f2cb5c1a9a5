"""The data profile judges every column of a lender's file: row indexes and ids, constants and
leaking columns are not features; sentinel codes are found; --keep and --exclude override."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.scoring.profile import (
    DataProfile,
    ordinal_order,
    profile_frame,
    screening,
    sentinel_candidates,
)
from lender_files import lender_file


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return lender_file()


def test_each_column_gets_its_verdict_and_reason(frame: pd.DataFrame) -> None:
    profile = profile_frame(frame, "bad")
    verdicts = {c.name: c.verdict for c in profile.columns}
    assert verdicts["Unnamed: 0"] == verdicts["rownames"] == verdicts["id"] == "id"
    assert verdicts["country"] == "constant"
    assert verdicts["recoveries"] == "leakage"
    assert verdicts["bad"] == "target"
    assert set(profile.features) == {
        "grade",
        "sub_grade",
        "emp_length",
        "annual_inc",
        "delinq_2yrs",
        "days_employed",
    }
    assert "AUC" in profile.column("recoveries").reason
    assert profile.column("annual_inc").missing_share == pytest.approx(
        frame["annual_inc"].isna().mean()
    )
    grade = profile.column("grade")
    assert grade.distinct == 7 and grade.iv is not None and grade.iv > 0.1


def test_sentinels_are_found_where_they_sit_far_outside(frame: pd.DataFrame) -> None:
    profile = profile_frame(frame, "bad")
    assert profile.column("delinq_2yrs").sentinels == (96.0, 98.0)
    assert profile.column("days_employed").sentinels == (365243.0,)
    assert profile.column("annual_inc").sentinels == ()
    # 99 in an age column running to 75 is not far outside: it may be a real age
    assert sentinel_candidates(pd.Series([18, 40, 75, 99, 99])) == ()
    assert sentinel_candidates(pd.Series([0.0, 10.5, 300.0, -1.0])) == (-1.0,)


def test_unique_text_counters_and_shuffled_row_numbers_are_ids() -> None:
    rng = np.random.default_rng(1)
    n = 200
    y = rng.integers(0, 2, n)
    data = pd.DataFrame(
        {
            "contract": [f"C{i:05d}" for i in rng.permutation(n)],
            "serial": np.arange(5000, 5000 + n)[::-1],
            "shuffled": rng.permutation(n),
            "amount": rng.normal(5000, 900, n),  # unique per row, but a real magnitude
            "region_id": rng.integers(0, 30, n),  # an id-like name over 30 codes: a category
            "customer_id": rng.permutation(n) * 1000,
            "issue_d": rng.choice(["Jan-2024", "Feb-2024", "Mar-2024"], n),
            "applied": [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
            "y": y,
        }
    )
    verdicts = {c.name: c.verdict for c in profile_frame(data, "y").columns}
    assert verdicts["contract"] == verdicts["serial"] == verdicts["shuffled"] == "id"
    assert verdicts["customer_id"] == "id"
    assert verdicts["amount"] == verdicts["region_id"] == "feature"
    assert verdicts["issue_d"] == verdicts["applied"] == "excluded"


def test_keep_and_exclude_override_and_unknown_names_are_refused(frame: pd.DataFrame) -> None:
    profile = profile_frame(frame, "bad", keep=("rownames",), exclude=("grade",))
    assert profile.column("rownames").verdict == "feature"
    assert profile.column("grade").verdict == "excluded"
    assert "rownames" in profile.features and "grade" not in profile.features
    with pytest.raises(Invalid, match="not columns"):
        profile_frame(frame, "bad", keep=("nope",))
    with pytest.raises(Invalid, match="both kept and excluded"):
        profile_frame(frame, "bad", keep=("grade",), exclude=("grade",))
    with pytest.raises(Invalid, match="no column"):
        profile_frame(frame, "outcome")
    with pytest.raises(Invalid, match="not a binary target"):
        profile_frame(frame, "grade")


def test_the_profile_round_trips_as_plain_data(frame: pd.DataFrame) -> None:
    profile = profile_frame(frame, "bad")
    assert DataProfile.from_dict(profile.as_dict()) == profile


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1)), min_size=4, max_size=60))
def test_screening_auc_matches_the_rank_auc_of_bin_bad_rates(pairs: list[tuple[int, int]]) -> None:
    bins = np.asarray([b for b, _ in pairs], dtype=np.int64)
    y = np.asarray([t for _, t in pairs], dtype=np.int64)
    if y.min() == y.max():
        return
    from sklearn.metrics import roc_auc_score

    rate = pd.Series(y).groupby(bins).mean()
    expected = roc_auc_score(y, rate.loc[bins].to_numpy())
    iv, auc = screening(bins, y)
    assert auc == pytest.approx(max(expected, 1 - expected))
    assert iv >= 0


def test_ordered_categories_are_recognised(frame: pd.DataFrame) -> None:
    profile = profile_frame(frame, "bad")
    assert profile.column("grade").order == tuple("ABCDEFG")
    assert profile.column("sub_grade").order[:6] == ("A1", "A2", "A3", "A4", "A5", "B1")
    assert profile.column("emp_length").order[0] == "< 1 year"
    assert profile.column("emp_length").order[-3:] == ("8 years", "9 years", "10+ years")
    assert profile.orders().keys() == {"grade", "sub_grade", "emp_length"}
    assert ordinal_order(pd.Series(["rent", "own", "mortgage"])) is None
    assert ordinal_order(pd.Series(["1 year", "2 km"])) is None
    assert ordinal_order(pd.Series([1, 2, 3])) is None
