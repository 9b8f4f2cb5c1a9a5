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


def test_behaviour_features_on_a_hand_made_account() -> None:
    # statuses 2, 1, 0, -1, -2, -1; statements 5000, 4000, 0, 2000, 1000, 1000;
    # payments 400, 0, 2000, 1000, 1000, 0 (each settles the statement after it in the list)
    got = CARD_ACCOUNT_FEATURES.compute_online(ACCOUNT)
    assert got["recent_worst_status"] == 2 and got["months_since_late"] == 1
    assert got["months_revolving"] == 1
    # shares: 400/4000, none (nothing billed), 2000/2000, 1000/1000, 1000/1000
    assert got["paid_share_min"] == 0.1
    assert math.isclose(got["paid_share_mean"], (0.1 + 1 + 1 + 1) / 4)
    assert got["months_statement_paid"] == 4  # 0 paid against 0 billed counts as settled
    assert got["months_nothing_paid"] == 0
    assert math.isclose(got["utilization_change"], (5000 - 13000 / 6) / 10000)
    assert got["unpaid_latest"] == 0.36
    assert math.isclose(got["paid_per_limit"], 4400 / 6 / 10000)
    assert got["headroom"] == 5000


def test_new_charges_on_a_hand_made_account() -> None:
    # statement k = statement k+1 - payment k + new charges k, over the 10,000 limit
    got = CARD_ACCOUNT_FEATURES.compute_online(ACCOUNT)
    assert math.isclose(got["spend1"], (5000 - 4000 + 400) / 10000)
    assert got["spend2"] == 0.4  # 4,000 charged on an empty card, nothing paid
    assert got["spend3"] == 0  # the 2,000 statement paid off, nothing new
    assert math.isclose(got["spend4"], (2000 - 1000 + 1000) / 10000)
    assert math.isclose(got["spend5"], (1000 - 1000 + 1000) / 10000)
    assert math.isclose(got["spend_mean"], (1400 + 4000 + 0 + 2000 + 1000) / 5 / 10000)


def test_new_charges_are_missing_without_a_limit_or_a_payment() -> None:
    no_limit = CARD_ACCOUNT_FEATURES.compute_online({**ACCOUNT, "LIMIT_BAL": 0.0})
    assert all(no_limit[f"spend{k}"] is None for k in range(1, 6))
    assert no_limit["spend_mean"] is None
    got = CARD_ACCOUNT_FEATURES.compute_online({**ACCOUNT, "PAY_AMT1": None})
    assert got["spend1"] is None and got["spend2"] == 0.4
    assert math.isclose(got["spend_mean"], (4000 + 0 + 2000 + 1000) / 4 / 10000)


def test_months_since_late_when_never_late_or_only_long_ago() -> None:
    never = {**ACCOUNT, **{s: -1.0 for s in ("PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5")}}
    never["PAY_6"] = 0.0
    assert CARD_ACCOUNT_FEATURES.compute_online(never)["months_since_late"] == 7
    long_ago = {**never, "PAY_5": 3.0}
    got = CARD_ACCOUNT_FEATURES.compute_online(long_ago)
    assert got["months_since_late"] == 5 and got["recent_worst_status"] == -1


def test_statement_with_nothing_paid_is_counted() -> None:
    skipped = {**ACCOUNT, "PAY_AMT1": 0.0}
    got = CARD_ACCOUNT_FEATURES.compute_online(skipped)
    assert got["months_nothing_paid"] == 1 and got["paid_share_min"] == 0.0


def test_nothing_billed_gives_no_payment_share() -> None:
    quiet = {**ACCOUNT, **{f"BILL_AMT{k}": 0.0 for k in range(1, 7)}}
    got = CARD_ACCOUNT_FEATURES.compute_online(quiet)
    assert got["paid_share_latest"] is None and got["paid_share_total"] is None
    assert got["paid_share_min"] is None and got["paid_share_mean"] is None


def test_crossed_statuses_on_a_hand_made_account() -> None:
    # statuses 2, 1, 0 …; utilization 5000/10000; 400 paid against the 4,000 statement before
    got = CARD_ACCOUNT_FEATURES.compute_online(ACCOUNT)
    assert got["status_pair"] == "2 / 1"
    assert got["status_trio"] == "2 / 1 / 0"
    assert got["status_by_utilization"] == "2 / 50-90%"
    assert got["status_by_paid_share"] == "2 / 5-20%"
    assert got["status_pair_by_paid_share"] == "2 / 1 / 5-20%"


def test_crossed_statuses_group_the_latest_and_the_unbilled() -> None:
    very_late = {**ACCOUNT, "PAY_0": 8.0, "PAY_2": 7.0, "PAY_3": 6.0, "BILL_AMT2": 0.0}
    got = CARD_ACCOUNT_FEATURES.compute_online(very_late)
    assert got["status_pair"] == "3 / 3" and got["status_trio"] == "2 / 2 / 2"
    assert got["status_by_paid_share"] == "3 / nothing billed"
    in_credit = {**ACCOUNT, "PAY_0": -1.0, "BILL_AMT1": -50.0, "PAY_AMT1": 4000.0}
    got = CARD_ACCOUNT_FEATURES.compute_online(in_credit)
    assert got["status_by_utilization"] == "-1 / credit"
    assert got["status_by_paid_share"] == "-1 / in full"


def test_crossed_status_is_missing_when_a_status_is() -> None:
    got = CARD_ACCOUNT_FEATURES.compute_online({**ACCOUNT, "PAY_2": None})
    assert got["status_pair"] is None and got["status_trio"] is None
    assert got["status_by_utilization"] == "2 / 50-90%"
    no_limit = CARD_ACCOUNT_FEATURES.compute_online({**ACCOUNT, "LIMIT_BAL": 0.0})
    assert no_limit["status_by_utilization"] is None
    unknown_payment = CARD_ACCOUNT_FEATURES.compute_online({**ACCOUNT, "PAY_AMT1": None})
    assert unknown_payment["status_by_paid_share"] is None


def test_crossed_features_are_the_categorical_ones() -> None:
    assert CARD_ACCOUNT_FEATURES.categorical == (
        "status_pair",
        "status_trio",
        "status_by_utilization",
        "status_by_paid_share",
        "status_pair_by_paid_share",
    )


accounts = st.fixed_dictionaries(
    {name: st.one_of(st.none(), st.floats(-1e6, 1e7, allow_nan=False)) for name in INPUT_SCHEMA}
)


@given(st.lists(accounts, min_size=1, max_size=8))
def test_online_equals_batch(records: list[dict[str, float | None]]) -> None:
    batch = CARD_ACCOUNT_FEATURES.compute_batch(CARD_ACCOUNT_FEATURES.frame(records))
    for i, record in enumerate(records):
        assert CARD_ACCOUNT_FEATURES.compute_online(record) == batch.row(i, named=True)


def test_online_equals_batch_covers_every_feature() -> None:
    online = CARD_ACCOUNT_FEATURES.compute_online(ACCOUNT)
    assert tuple(online) == CARD_ACCOUNT_FEATURES.names
    assert {"spend1", "spend5", "spend_mean"} <= set(online)
    assert CARD_ACCOUNT_FEATURES.version == "4"
