"""Every lending event maps to balanced journal entries, and a loan's receivables in those
entries equal what its state says is outstanding, over random loans, days and payments."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from hypothesis import given
from hypothesis import strategies as st

from fengkong.ledger.accounts import AccountKey
from fengkong.ledger.journal import balances, check_ledger
from fengkong.lending.accrual import accrue
from fengkong.lending.loan import Disbursed, LoanState
from fengkong.lending.posting import entries_for
from fengkong.lending.waterfall import apply_repayment
from lending.servicing_helpers import loans


@given(loans(), st.lists(st.tuples(st.integers(1, 60), st.integers(1, 200_000)), max_size=6))
def test_postings_balance_and_match_the_state(
    state: LoanState, steps: list[tuple[int, int]]
) -> None:
    numbers = count()
    ids = lambda: f"je{next(numbers)}"  # noqa: E731
    first = Disbursed(state.terms.disbursed_on, state.terms.principal, state.terms.principal, 0)
    fee = sum(p.instalment.fee for p in state.positions)
    first = Disbursed(first.on, first.principal, first.paid_out, fee)  # type: ignore[arg-type]
    entries = list(entries_for(state.loan_id, (first,), key="d", new_entry_id=ids))
    on = state.accrued_through
    for n, (days, amount) in enumerate(steps):
        on += timedelta(days=days)
        moved = accrue(state, on)
        state = moved.state
        entries += entries_for(state.loan_id, moved.events, key=f"a{n}", new_entry_id=ids)
        if state.status.value == "active":
            paid = apply_repayment(state, amount, on, f"r{n}")
            state = paid.state
            entries += entries_for(state.loan_id, paid.events, key=f"r{n}", new_entry_id=ids)
    assert check_ledger(entries) == ()
    held = balances(entries)
    left = state.outstanding
    for code, amount in (("1303", left.principal), ("113201", left.interest), ("122101", left.fee)):
        assert held.get(AccountKey(code, state.loan_id), 0) == amount
    assert held.get(AccountKey("113202", state.loan_id), 0) == left.penalty
    assert held.get(AccountKey("224101", state.loan_id), 0) == state.unapplied_credit
