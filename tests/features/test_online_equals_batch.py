"""One feature definition: computing features one application at a time gives exactly what the
batch computation gives for all of them."""

import random
from datetime import date

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import yuan_to_fen
from fengkong.demo import application_body
from fengkong.features.application import (
    APPLICATION_FEATURES,
    NUMERIC_PROFILE_FIELDS,
    PROFILE_FIELDS,
)
from fengkong.onboarding.validators import validate_resident_id


def _records(german: pd.DataFrame) -> list[dict[str, object]]:
    as_of = date(2026, 3, 2)
    rng = random.Random(7)
    records = []
    for _, row in german.iterrows():
        body = application_body(row, as_of, rng)
        records.append(
            {
                "amount_fen": yuan_to_fen(body["amount"]),
                "term_months": body["term_months"],
                "purpose": body["purpose"],
                "monthly_income_fen": 800_000,
                "birth_date": validate_resident_id(
                    body["applicant"]["id_number"], as_of
                ).birth_date,
                "as_of": as_of,
                **body["profile"],
            }
        )
    return records


def test_online_rows_equal_the_batch(german: pd.DataFrame) -> None:
    records = _records(german)
    batch = APPLICATION_FEATURES.compute_batch(APPLICATION_FEATURES.frame(records))
    online = [APPLICATION_FEATURES.compute_online(r) for r in records]
    assert batch.to_dicts() == online


def test_age_comes_from_the_birth_date_and_matches_the_data(german: pd.DataFrame) -> None:
    features = APPLICATION_FEATURES.compute_batch(APPLICATION_FEATURES.frame(_records(german)))
    assert features["age_in_years"].to_list() == german["age_in_years"].astype(float).to_list()
    assert features["credit_amount"].to_list() == german["credit_amount"].astype(float).to_list()


_TEXT = st.one_of(st.none(), st.text(max_size=12))
_SMALL = st.one_of(st.none(), st.integers(0, 20))


@st.composite
def _record(draw: st.DrawFn) -> dict[str, object]:
    record: dict[str, object] = {
        "amount_fen": draw(st.one_of(st.none(), st.integers(0, 10**12))),
        "term_months": draw(st.one_of(st.none(), st.integers(1, 360))),
        "purpose": draw(_TEXT),
        "monthly_income_fen": draw(st.integers(0, 10**10)),
        "birth_date": draw(st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2030, 12, 31)))),
        "as_of": draw(st.dates(date(2000, 1, 1), date(2040, 12, 31))),
    }
    for name in PROFILE_FIELDS:
        record[name] = draw(_SMALL if name in NUMERIC_PROFILE_FIELDS else _TEXT)
    return record


@given(_record())
def test_plain_python_online_equals_the_polars_expressions(record: dict[str, object]) -> None:
    """Every feature carries its computation in plain Python too; on any record, missing values
    and leap-day birthdays included, it gives what the Polars expressions give for that row."""
    assert all(f.online is not None for f in APPLICATION_FEATURES.features)
    online = APPLICATION_FEATURES.compute_online(record)
    expected = APPLICATION_FEATURES.compute_online_polars(record)
    assert online == expected
    assert [type(v) for v in online.values()] == [type(v) for v in expected.values()]
