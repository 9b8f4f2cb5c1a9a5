"""The `card_account` feature family computes the same values for one account online as for
many in batch, and its derived features mean what their names say on a hand-made account."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from fengkong.features.card_account import CARD_ACCOUNT_FEATURES, INPUT_SCHEMA

ACCOUNT = {
    "LIMIT_BAL": 10000.0,
    "SEX": 2.0,
    "EDUCATION": 1.0,
    "MARRIAGE": 1.0,
    "AGE": 35.0,
    **dict(
        zip(
            ("PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6"),
            (2, 1, 0, -1, -2, -1),
            strict=True,
        )
    ),
    **{f"BILL_AMT{k}": b for k, b in enumerate((5000, 4000, 0, 2000, 1000, 1000), 1)},
    **{f"PAY_AMT{k}": p for k, p in enumerate((400, 0, 2000, 1000, 1000, 0), 1)},
}


def test_derived_features_on_a_hand_made_account() -> None:
    got = CARD_ACCOUNT_FEATURES.compute_online(ACCOUNT)
    assert got["worst_status"] == 2
    assert got["months_late"] == 2 and got["months_paid_in_full"] == 2
    assert got["months_unused"] == 1
    assert got["utilization"] == 0.5 and got["utilization_max"] == 0.5
    assert math.isclose(got["utilization_mean"], 13000 / 6 / 10000)
    assert got["balance_trend"] == 0.4
    assert got["paid_share_latest"] == 0.1  # 400 paid against the 4,000 statement before
    assert got["paid_share_total"] == 4400 / 8000


def test_nothing_billed_gives_no_payment_share() -> None:
    quiet = {**ACCOUNT, **{f"BILL_AMT{k}": 0.0 for k in range(1, 7)}}
    got = CARD_ACCOUNT_FEATURES.compute_online(quiet)
    assert got["paid_share_latest"] is None and got["paid_share_total"] is None


accounts = st.fixed_dictionaries(
    {name: st.one_of(st.none(), st.floats(-1e6, 1e7, allow_nan=False)) for name in INPUT_SCHEMA}
)


@given(st.lists(accounts, min_size=1, max_size=8))
def test_online_equals_batch(records: list[dict[str, float | None]]) -> None:
    batch = CARD_ACCOUNT_FEATURES.compute_batch(CARD_ACCOUNT_FEATURES.frame(records))
    for i, record in enumerate(records):
        assert CARD_ACCOUNT_FEATURES.compute_online(record) == batch.row(i, named=True)
