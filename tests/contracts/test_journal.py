"""The journal: an entry is posted once per idempotency key, a retry answers with the entry
posted, the same key for another request is a `Conflict`; balances come from the postings."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.conftest import Backend
from contracts.rows import at
from fengkong.core.errors import Conflict
from fengkong.ledger.accounts import AccountKey
from fengkong.ledger.journal import JournalEntry
from fengkong.ledger.loan_entries import accrual, disbursement

DAY = date(2026, 3, 2)


def _lent(entry_id: str, loan_id: str, principal: int, key: str) -> JournalEntry:
    return disbursement(
        entry_id=entry_id,
        business_date=DAY,
        loan_id=loan_id,
        principal=principal,
        origination_fee=100,
        idempotency_key=key,
    )


def test_an_entry_is_posted_once_per_key(backend: Backend) -> None:
    lent = _lent("jrn_1", "loan_1", 500_000, "disburse:loan_1")
    with backend.uow() as uow:
        assert uow.journal.post(lent, "h1", at(0)) == (lent, True)
        uow.commit()
    with backend.uow() as uow:
        again = _lent("jrn_2", "loan_1", 500_000, "disburse:loan_1")
        assert uow.journal.post(again, "h1", at(1)) == (lent, False)
        with pytest.raises(Conflict, match="different request"):
            uow.journal.post(again, "h2", at(1))
        uow.commit()
    with backend.uow() as uow:
        assert uow.journal.get("jrn_1") == lent
        assert uow.journal.get("jrn_2") is None
        assert list(uow.journal.entries()) == [lent]


def test_entries_in_posting_order_and_balances_from_postings(backend: Backend) -> None:
    one = _lent("jrn_b", "loan_1", 500_000, "k1")
    two = _lent("jrn_a", "loan_2", 200_000, "k2")
    interest = accrual(
        entry_id="jrn_c", business_date=DAY, loan_id="loan_1", interest=1_500, idempotency_key="k3"
    )
    with backend.uow() as uow:
        uow.journal.post(interest, "h3", at(2))
        uow.journal.post(one, "h1", at(0))
        uow.journal.post(two, "h2", at(0))
        uow.commit()
    with backend.uow() as uow:
        assert [e.entry_id for e in uow.journal.entries()] == ["jrn_a", "jrn_b", "jrn_c"]
        everything = uow.journal.balances()
        loan_1 = uow.journal.balances("loan_1")
    assert loan_1 == {k: v for k, v in everything.items() if k.loan_id == "loan_1"}
    assert sum(v for k, v in everything.items() if k.loan_id is None) != 0  # cash moved
    receivable = {k: v for k, v in loan_1.items() if v > 0}
    assert sum(receivable.values()) == 500_000 + 100 + 1_500
    assert all(isinstance(k, AccountKey) for k in everything)


def test_an_uncommitted_posting_is_gone(backend: Backend) -> None:
    lent = _lent("jrn_1", "loan_1", 500_000, "k1")
    with backend.uow() as uow:
        uow.journal.post(lent, "h1", at(0))
    with backend.uow() as uow:
        assert uow.journal.get("jrn_1") is None
        assert uow.journal.post(lent, "h1", at(0)) == (lent, True)
