"""`Scorecard.score_batch` gives, row for row, the points of `Scorecard.score` whatever form a
categorical column arrives in: numpy object array, list, pandas Series (Arrow string, object or
category dtype), `pd.Categorical`, Polars String, Categorical or Enum. Missing values, unseen
categories and numbers in a categorical column included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.scoring.points import Characteristic, Scorecard
from fengkong.scoring.train import TrainedScorecard

ColumnKind = Callable[[list[Any]], Any]

KINDS: dict[str, ColumnKind] = {
    "numpy object": lambda v: np.asarray(v, dtype=object),
    "list": list,
    "pandas str": lambda v: pd.Series(v, dtype="str"),
    "pandas object": lambda v: pd.Series(v, dtype=object),
    "pandas category": lambda v: pd.Series(v, dtype=object).astype("category"),
    "pd.Categorical": lambda v: pd.Categorical(pd.Series(v, dtype=object)),
    "polars String": lambda v: pl.Series(v, dtype=pl.String),
    "polars Categorical": lambda v: pl.Series(v, dtype=pl.String).cast(pl.Categorical),
    "polars Enum": lambda v: pl.Series(v, dtype=pl.String).cast(
        pl.Enum(sorted({x for x in v if x is not None}))
    ),
}
STRING_ONLY = {"pandas str", "polars String", "polars Categorical", "polars Enum"}


def _plain(values: list[Any]) -> list[Any]:
    """None for every missing value (pandas turns None into NaN in a text column)."""
    return [None if isinstance(v, float) and v != v else v for v in values]


def _categorical(sc: Scorecard) -> tuple[Characteristic, ...]:
    return tuple(ch for ch in sc.characteristics if ch.dtype == "categorical")


def _values(ch: Characteristic) -> st.SearchStrategy[Any]:
    known = sorted(c for b in ch.bins for c in b.categories)
    return st.one_of(
        st.sampled_from(known),
        st.sampled_from(["never seen", "", known[0].upper()]),
        st.none(),
    )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_column_kind_scores_as_row_by_row(
    kind: str, trained: TrainedScorecard, german: pd.DataFrame
) -> None:
    sc = trained.model.scorecard_
    rows = german.drop(columns="creditability").copy()
    for ch in _categorical(sc):
        column = rows[ch.name].astype(object)
        column.iloc[::7] = None
        column.iloc[3::11] = "never seen"
        rows[ch.name] = column
    records = rows.to_dict("records")
    expected = [sc.score(r).score for r in records]
    columns = {
        ch.name: KINDS[kind](_plain(rows[ch.name].tolist()))
        if ch.dtype == "categorical"
        else rows[ch.name].to_numpy()
        for ch in sc.characteristics
    }
    assert sc.score_batch(columns).tolist() == expected


@settings(max_examples=25)
@given(data=st.data())
def test_random_categorical_values_score_alike_in_every_kind(
    data: st.DataObject, trained: TrainedScorecard, german: pd.DataFrame
) -> None:
    sc = trained.model.scorecard_
    n = data.draw(st.integers(1, 30))
    rows = german.drop(columns="creditability").iloc[:n].copy()
    for ch in _categorical(sc):
        rows[ch.name] = data.draw(st.lists(_values(ch), min_size=n, max_size=n))
    expected = [sc.score(r).score for r in rows.to_dict("records")]
    for kind, make in KINDS.items():
        columns = {
            ch.name: make(_plain(rows[ch.name].tolist()))
            if ch.dtype == "categorical"
            else rows[ch.name].to_numpy()
            for ch in sc.characteristics
        }
        assert sc.score_batch(columns).tolist() == expected, kind


def test_numbers_in_a_categorical_column_are_read_as_their_text(
    trained: TrainedScorecard,
) -> None:
    sc = trained.model.scorecard_
    ch = _categorical(sc)[0]
    # A column of numbers, declared categorical: str(value) is what the bins hold.
    fake = Characteristic(
        name="grade",
        dtype="categorical",
        bins=tuple(
            b.__class__(
                label=b.label,
                points=b.points,
                woe=b.woe,
                count=b.count,
                event_rate=b.event_rate,
                categories=tuple(str(i) for i, _ in enumerate(b.categories, start=10 * k)),
                kind=b.kind,
            )
            for k, b in enumerate(ch.bins)
        ),
        coefficient=ch.coefficient,
        iv=ch.iv,
    )
    card = Scorecard((fake,), sc.scaling)
    mixed = [0, 10, 20, None, 999, "10", 10.0, True, 1, float("nan")]  # 10.0 is "10.0": unseen
    expected = [card.score({"grade": v}).score for v in mixed]
    assert expected[6] != expected[1]
    for column in (np.asarray(mixed, dtype=object), pd.Series(mixed, dtype=object), mixed):
        assert card.score_batch({"grade": column}).tolist() == expected
    whole = [0, 10, 20, None, 999]
    expected = [card.score({"grade": v}).score for v in whole]
    for typed in (
        pd.Series(whole, dtype=object).astype("category"),
        pl.Series(whole, dtype=pl.Int64),
    ):
        assert card.score_batch({"grade": typed}).tolist() == expected
