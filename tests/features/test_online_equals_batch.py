"""One feature definition: computing features one application at a time gives exactly what the
batch computation gives for all of them."""

import random
from datetime import date

import pandas as pd

from fengkong.core.money import yuan_to_fen
from fengkong.demo import application_body
from fengkong.features.application import APPLICATION_FEATURES
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
