"""Roll rates: from each bucket at one month's end to each state at the next, by count of loans
present at both; settled and written-off loans are states of their own."""

from __future__ import annotations

import pytest

from fengkong.sim.portfolio_curves import (
    average_roll_rates,
    bucket_floor,
    bucket_ladder,
    forward_rolls_by_month,
    roll_rates,
)
from fengkong.sim.stats import LoanSnapshot, RunStats


def snap(loan_id: str, status: str, dpd: int, bucket: str) -> LoanSnapshot:
    return LoanSnapshot(loan_id, "2027-01", status, dpd, bucket, 10_000, 10_000)


def run(snapshots: dict[str, list[LoanSnapshot]]) -> RunStats:
    return RunStats(
        seed=1, scenario="base", policy="p", model=None, start="2027-01-01", snapshots=snapshots
    )


#            Jan      Feb       Mar          Apr
# a          C        M1        M2           C
# b          C        C         C            C
# c          C        C         settled      settled
# d          –        C         M2           written_off
ROLLS = {
    "2027-01": [
        snap("a", "active", 0, "C"),
        snap("b", "active", 0, "C"),
        snap("c", "active", 0, "C"),
    ],
    "2027-02": [
        snap("a", "active", 12, "M1"),
        snap("b", "active", 0, "C"),
        snap("c", "active", 0, "C"),
        snap("d", "active", 0, "C"),
    ],
    "2027-03": [
        snap("a", "active", 42, "M2"),
        snap("b", "active", 0, "C"),
        snap("c", "settled", 0, "C"),
        snap("d", "active", 33, "M2"),
    ],
    "2027-04": [
        snap("a", "active", 0, "C"),
        snap("b", "active", 0, "C"),
        snap("c", "settled", 0, "C"),
        snap("d", "written_off", 90, "M3"),
    ],
}


def test_one_of_three_current_loans_rolls_to_m1() -> None:
    assert roll_rates(run(ROLLS), "2027-01", "2027-02") == {"C": {"C": 2 / 3, "M1": 1 / 3}}


def test_settled_and_written_off_loans_are_states_of_their_own() -> None:
    stats = run(ROLLS)
    assert roll_rates(stats, "2027-02", "2027-03") == {
        "C": {"C": 1 / 3, "M2": 1 / 3, "settled": 1 / 3},
        "M1": {"M2": 1.0},
    }
    # c, settled in March, is no source in April; d's write-off is.
    assert roll_rates(stats, "2027-03", "2027-04") == {
        "C": {"C": 1.0},
        "M2": {"C": 0.5, "written_off": 0.5},
    }


def test_the_average_pools_the_counts_of_every_consecutive_pair() -> None:
    rates = average_roll_rates(run(ROLLS))
    # C: 3 loans Jan→Feb (C, C, M1), 3 Feb→Mar (C, settled, M2), 1 Mar→Apr (C)
    assert rates["C"] == pytest.approx({"C": 4 / 7, "M1": 1 / 7, "M2": 1 / 7, "settled": 1 / 7})
    assert rates["M1"] == {"M2": 1.0}
    assert rates["M2"] == {"C": 0.5, "written_off": 0.5}
    assert list(rates) == ["C", "M1", "M2"]


def test_forward_rolls_by_month() -> None:
    assert forward_rolls_by_month(run(ROLLS)) == {
        "C→M1": [("2027-02", 1 / 3), ("2027-03", 0.0), ("2027-04", 0.0)],
        "M1→M2": [("2027-03", 1.0)],
        "M2→M3": [("2027-04", 0.0)],  # d's last bucket puts M3 on the ladder
    }


def test_month_ends_a_month_apart_only_are_paired() -> None:
    stats = run({"2027-01": ROLLS["2027-01"], "2027-03": ROLLS["2027-03"]})
    assert average_roll_rates(stats) == {}
    assert roll_rates(stats, "2027-01", "2027-03") == {
        "C": {"C": 1 / 3, "M2": 1 / 3, "settled": 1 / 3}
    }


def test_the_platform_buckets_roll_from_m3_to_m3_plus() -> None:
    stats = run(
        {
            "2027-05": [snap("x", "active", 80, "M3"), snap("y", "active", 80, "M3")],
            "2027-06": [snap("x", "active", 110, "M3+"), snap("y", "active", 0, "M0")],
        }
    )
    assert bucket_ladder(stats) == ["M0", "M3", "M3+"]
    assert roll_rates(stats, "2027-05", "2027-06") == {"M3": {"M0": 0.5, "M3+": 0.5}}
    assert forward_rolls_by_month(stats)["M3→M3+"] == [("2027-06", 0.5)]
    # M3+ starts where M3 ends (91 days); the M7+ of a ladder without M7 starts at 181
    assert bucket_floor("M3+", ["M0", "M1", "M2", "M3", "M3+"]) == 91
    assert bucket_floor("M7+", ["C", "M1", "M6", "M7+"]) == 181
    assert bucket_floor("settled", ["M0"]) is None
