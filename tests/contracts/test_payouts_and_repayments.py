"""`lending.ports.PayoutStore` and `RepaymentStore`: a payout and a repayment are found by their
idempotency key, stored once per key (`DuplicateKey` otherwise); a payout's save changes its
standing, never what it pays; a repayment's writes (entries, loan, row) land together, refused
whole for a stale loan or a taken key."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.lending_rows import entry, loan, payout, repayment
from contracts.rows import at
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.payment import PayoutStatus


def _booked(backend: Backend, *loan_ids: str) -> None:
    with backend.uow() as uow:
        for loan_id in loan_ids:
            uow.lending.add_loan(loan(loan_id), at(0))
        uow.commit()


def test_a_payout_is_found_by_key_and_its_save_changes_its_standing(backend: Backend) -> None:
    _booked(backend, "loan_1")
    first, second = payout("pay_1"), payout("pay_2", amount=400_000)
    with backend.uow() as uow:
        uow.lending.save_payout(first, at(0))
        uow.lending.save_payout(second, at(1))
        uow.commit()
    paid = replace(
        first, status=PayoutStatus.SUCCEEDED, attempts=2, reference="ref-1", amount=1, loan_id="x"
    )
    with backend.uow() as uow:
        assert uow.lending.payout_by_key("payout:pay_1") == first
        assert uow.lending.payout_by_key("payout:pay_9") is None
        uow.lending.save_payout(paid, at(2))
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.payout_by_key("payout:pay_1") == replace(
            paid, amount=first.amount, loan_id="loan_1"
        )
        assert [p.payout_id for p in uow.lending.payouts_for_loan("loan_1")] == ["pay_1", "pay_2"]
        assert uow.lending.payouts_for_loan("loan_9") == ()


def test_a_payout_key_is_used_once(backend: Backend) -> None:
    _booked(backend, "loan_1")
    with backend.uow() as uow:
        uow.lending.save_payout(payout("pay_1"), at(0))
        uow.commit()
    with backend.uow() as uow, pytest.raises(DuplicateKey):
        uow.lending.save_payout(payout("pay_2", idempotency_key="payout:pay_1"), at(1))


def test_a_repayment_lands_with_its_entries_and_its_loan(backend: Backend) -> None:
    _booked(backend, "loan_1")
    with backend.uow() as uow:
        stored, read = uow.lending.repayment_and_loan("repay:rep_1", "loan_1")
        assert stored is None and read is not None
        saved = uow.lending.record_repayment(
            [entry("je_rep_1")], "h" * 64, replace(read, days_past_due=0), repayment(), at(1)
        )
        assert saved.revision == read.revision + 1
        uow.commit()
    with backend.uow() as uow:
        stored, read = uow.lending.repayment_and_loan("repay:rep_1", "loan_1")
        assert stored == repayment() == uow.lending.get_repayment("rep_1")
        assert read == saved
        assert uow.journal.get("je_rep_1") == entry("je_rep_1")
        assert uow.lending.get_repayment("rep_9") is None
        assert uow.lending.repayment_and_loan("repay:rep_9", "loan_9") == (None, None)


@pytest.mark.parametrize("refusal", ["stale loan", "taken key"])
def test_a_refused_repayment_writes_nothing(backend: Backend, refusal: str) -> None:
    _booked(backend, "loan_1")
    with backend.uow() as uow:
        read = uow.lending.get_loan("loan_1")
        uow.lending.record_repayment([entry("je_1")], "h", read, repayment("rep_1"), at(1))
        uow.commit()
    with backend.uow() as uow:
        if refusal == "stale loan":
            again, error = repayment("rep_2"), StaleLoan
        else:
            read = uow.lending.get_loan("loan_1")
            again, error = repayment("rep_2", idempotency_key="repay:rep_1"), DuplicateKey
        with pytest.raises(error):
            uow.lending.record_repayment([entry("je_2")], "h", read, again, at(2))
    with backend.uow() as uow:
        assert uow.lending.get_repayment("rep_2") is None
        assert uow.journal.get("je_2") is None
        assert uow.lending.get_loan("loan_1").revision == 1


def test_a_reversal_changes_the_repayment_and_its_key_is_used_once(backend: Backend) -> None:
    _booked(backend, "loan_1")
    with backend.uow() as uow:
        read = uow.lending.get_loan("loan_1")
        saved = uow.lending.record_repayment([entry("je_1")], "h", read, repayment("rep_1"), at(1))
        uow.lending.record_repayment([entry("je_2")], "h", saved, repayment("rep_2"), at(1))
        uow.commit()
    reversed_ = replace(
        repayment("rep_1"),
        status="reversed",
        result={"status": "reversed"},
        reversal_key="reverse:1",
        reversal_request_hash="r" * 64,
        amount=1,
    )
    with backend.uow() as uow:
        uow.lending.save_repayment(reversed_)
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.get_repayment("rep_1") == replace(reversed_, amount=10_000)
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.lending.save_repayment(replace(repayment("rep_2"), reversal_key="reverse:1"))
        uow.commit()


def test_entries_posted_in_bulk_are_new_ones(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.lending.post_entries([entry("je_1"), entry("je_2")], "h", at(0))
        uow.lending.post_entries([], "h", at(0))
        uow.commit()
    with backend.uow() as uow:
        assert [e.entry_id for e in uow.journal.entries()] == ["je_1", "je_2"]
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.lending.post_entries([replace(entry("je_1"), entry_id="je_3")], "h", at(1))
        uow.commit()


def test_of_two_payouts_under_one_key_the_second_is_refused(backend: Backend) -> None:
    if backend.name == "sqlite":
        pytest.skip("SQLite serialises transactions: they cannot interleave")
    _booked(backend, "loan_1")
    with backend.uow() as first, backend.uow() as second:
        assert second.lending.payout_by_key("payout:pay_1") is None
        first.lending.save_payout(payout("pay_1"), at(0))
        first.commit()
        # The database refuses at the insert, the fake at the commit (its unique index is a
        # table of its own): the same error either way, which the use cases retry.
        with pytest.raises(DuplicateKey):
            second.lending.save_payout(payout("pay_2", idempotency_key="payout:pay_1"), at(0))
            second.commit()
    with backend.uow() as uow:
        assert [p.payout_id for p in uow.lending.payouts_for_loan("loan_1")] == ["pay_1"]
