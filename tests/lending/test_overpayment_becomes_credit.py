"""A payment beyond what is due is held as credit (溢缴款) and used when the next instalment falls
due; paying the last instalment settles the loan."""

from datetime import date

from fengkong.lending.loan import CreditApplied, LoanStatus
from fengkong.lending.waterfall import apply_credit, apply_repayment
from lending.servicing_helpers import loan


def test_overpayment_waits_for_the_next_due_date() -> None:
    paid = apply_repayment(loan(), 100_000, date(2025, 2, 15), "r1").state
    assert paid.unapplied_credit == 100_000 - 88_849
    assert paid.positions[1].paid.total == 0
    before_due = apply_credit(paid, date(2025, 3, 14))
    assert not any(isinstance(e, CreditApplied) for e in before_due.events)
    on_due = apply_credit(before_due.state, date(2025, 3, 15))
    (used,) = [e for e in on_due.events if isinstance(e, CreditApplied)]
    assert used.allocation.applied == 100_000 - 88_849
    assert on_due.state.unapplied_credit == 0
    assert on_due.state.positions[1].outstanding.total == 88_849 - 11_151


def test_paying_every_instalment_settles_and_keeps_the_excess() -> None:
    state = loan(principal=300_000, terms=3)
    for number, position in enumerate(state.positions):
        state = apply_repayment(
            state, position.instalment.total + 5, position.due, f"r{number}"
        ).state
    assert state.status is LoanStatus.SETTLED
    assert state.closed_on == state.positions[-1].due
    assert state.unapplied_credit == 15
