"""The scorecard as one SQL expression scores, inside SQLite and DuckDB, exactly as
`Scorecard.score_batch` does: missing values, special codes and unseen categories included."""

import sqlite3

import duckdb
import numpy as np
import pandas as pd
import pytest

from fengkong.scoring.export import to_sql
from fengkong.scoring.points import Scorecard
from fengkong.scoring.scorecard import ScorecardModel
from fengkong.scoring.train import binary_target, categorical_columns

TARGET = "creditability"


@pytest.fixture(scope="module")
def awkward(german: pd.DataFrame) -> tuple[Scorecard, pd.DataFrame]:
    """A scorecard with special codes, trained on rows with gaps; scored on rows holding
    NaN, None, a special code and categories never seen in training."""
    frame = german.copy()
    frame.loc[::17, "credit_amount"] = np.nan
    frame.loc[::23, "duration_in_month"] = -1.0  # a special code: "not reported"
    frame.loc[::29, "purpose"] = None
    X = frame.drop(columns=TARGET)
    model = ScorecardModel(
        categorical=categorical_columns(X),
        special_codes={"duration_in_month": [-1.0]},
        min_iv=0.0,
        max_correlation=1.0,
    ).fit(X, binary_target(frame[TARGET]))
    rows = X.copy()
    rows.loc[::7, "status_of_existing_checking_account"] = "never seen"
    rows.loc[::11, "credit_history"] = None
    rows.loc[::13, "age_in_years"] = np.nan
    return model.scorecard_, rows


def test_sqlite_scores_equal_score_batch(awkward: tuple[Scorecard, pd.DataFrame]) -> None:
    sc, rows = awkward
    expected = sc.score_batch({n: rows[n].to_numpy() for n in sc.features})
    with sqlite3.connect(":memory:") as conn:
        rows.reset_index(drop=True).to_sql("applications", conn, index_label="row_id")
        got = conn.execute(
            f"SELECT {to_sql(sc, 'a')} FROM applications AS a ORDER BY row_id"
        ).fetchall()
    assert [g[0] for g in got] == expected.tolist()


def test_duckdb_scores_equal_score_batch(awkward: tuple[Scorecard, pd.DataFrame]) -> None:
    sc, rows = awkward
    expected = sc.score_batch({n: rows[n].to_numpy() for n in sc.features})
    applications = rows.reset_index(drop=True).assign(row_id=range(len(rows)))
    conn = duckdb.connect()
    conn.register("applications", applications)
    got = conn.execute(f"SELECT {to_sql(sc)} AS score FROM applications ORDER BY row_id").fetchall()
    assert [g[0] for g in got] == expected.tolist()


def test_the_scorecard_exercises_every_bin_kind(awkward: tuple[Scorecard, pd.DataFrame]) -> None:
    sc, _ = awkward
    duration = next(ch for ch in sc.characteristics if ch.name == "duration_in_month")
    assert duration.special_codes == (-1.0,)
    assert duration.bins[duration.special_index].count > 0
    sql = to_sql(sc)
    assert sql.count("CASE") == len(sc.characteristics) and "IS NULL" in sql
