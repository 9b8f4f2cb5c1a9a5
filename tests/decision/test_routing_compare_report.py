"""The champion/challenger report from a small table of outcomes.

application  champion  challenger
a1           approve   approve
a2           approve   decline     ← swap out
a3           decline   approve     ← swap in
a4           decline   decline
a5           refer     approve     ← swap in
a6           approve   -           (split mode: champion only)
a7           -         decline     (split mode: challenger only)
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fengkong.decision.routing import compare

CHAMPION = {
    "a1": "approve",
    "a2": "approve",
    "a3": "decline",
    "a4": "decline",
    "a5": "refer",
    "a6": "approve",
}
CHALLENGER = {
    "a1": "approve",
    "a2": "decline",
    "a3": "approve",
    "a4": "decline",
    "a5": "approve",
    "a7": "decline",
}


def test_the_small_table() -> None:
    report = compare(CHAMPION, CHALLENGER)
    assert (report.champion.n, report.champion.approved) == (6, 3)
    assert (report.challenger.n, report.challenger.approved) == (6, 3)
    assert report.champion.approval_rate == 0.5
    assert report.paired == 5
    assert (report.swap_in, report.swap_out) == (2, 1)
    assert report.agreement == {
        ("approve", "approve"): 1,
        ("approve", "decline"): 1,
        ("decline", "approve"): 1,
        ("decline", "decline"): 1,
        ("refer", "approve"): 1,
    }
    assert report.agreement_rate == 2 / 5
    doc = report.as_dict()
    assert doc["swap_in"] == 2 and len(doc["agreement"]) == 5  # type: ignore[arg-type]


def test_nothing_to_compare() -> None:
    report = compare({}, {})
    assert report.champion.approval_rate is None and report.agreement_rate is None


OUTCOMES = st.sampled_from(("approve", "decline", "refer"))
TABLES = st.dictionaries(st.text(min_size=1, max_size=4), OUTCOMES, max_size=40)


@given(champion=TABLES, challenger=TABLES)
def test_the_matrix_accounts_for_every_paired_application(
    champion: dict[str, str], challenger: dict[str, str]
) -> None:
    report = compare(champion, challenger)
    assert sum(report.agreement.values()) == report.paired
    paired_champion_approvals = sum(
        1 for a in champion.keys() & challenger.keys() if champion[a] == "approve"
    )
    paired_challenger_approvals = sum(
        1 for a in champion.keys() & challenger.keys() if challenger[a] == "approve"
    )
    # The approval count moves by exactly the swap sets.
    assert (
        paired_challenger_approvals - paired_champion_approvals == report.swap_in - report.swap_out
    )
