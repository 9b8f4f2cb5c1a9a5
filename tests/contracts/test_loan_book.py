"""`lending.ports.LoanBook`: a loan is stored once per id, application and acceptance key; a save
is checked against the revision it read (`StaleLoan` otherwise) and never changes what identifies
the loan; its schedule and contract read back as written."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.lending_rows import contract, loan, schedule
from contracts.rows import at
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.records import LoanStage


def test_a_loan_reads_back_as_booked(backend: Backend) -> None:
    booked = loan("loan_1", stage=LoanStage.PENDING_DISBURSEMENT)
    with backend.uow() as uow:
        uow.lending.add_loan(booked, at(0))
        assert uow.lending.get_loan("loan_1") == booked  # a unit of work reads its own writes
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.get_loan("loan_1") == booked
        assert uow.lending.loan_for_application("app_loan_1") == booked
        assert uow.lending.get_loan("loan_9") is None
        assert uow.lending.loan_for_application("app_9") is None


@pytest.mark.parametrize(
    "clash",
    [
        {"loan_id": "loan_1", "application_id": "app_2", "acceptance_key": "accept:2"},
        {"loan_id": "loan_2", "application_id": "app_loan_1", "acceptance_key": "accept:2"},
        {"loan_id": "loan_2", "application_id": "app_2", "acceptance_key": "accept:loan_1"},
    ],
    ids=["id", "application", "acceptance key"],
)
def test_a_loan_is_booked_once(backend: Backend, clash: dict[str, str]) -> None:
    with backend.uow() as uow:
        uow.lending.add_loan(loan("loan_1"), at(0))
        uow.commit()
    with backend.uow() as uow:
        with pytest.raises(DuplicateKey):
            uow.lending.add_loan(loan(**clash), at(1))
        # The refusal leaves the unit of work usable, as a savepoint does.
        uow.lending.add_loan(loan("loan_3"), at(1))
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.get_loan("loan_3") is not None


def test_a_save_moves_the_revision_and_keeps_what_identifies_the_loan(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.lending.add_loan(loan("loan_1"), at(0))
        uow.commit()
    with backend.uow() as uow:
        read = uow.lending.get_loan("loan_1")
        changed = replace(read, days_past_due=3, bucket="M1", application_id="app_other")
        saved = uow.lending.save_loan(changed, at(1))
        assert saved == replace(changed, revision=1)
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.get_loan("loan_1") == replace(saved, application_id="app_loan_1")
        assert uow.lending.loan_for_application("app_loan_1").revision == 1
        assert uow.lending.loan_for_application("app_other") is None


def test_a_save_from_an_old_revision_is_stale(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.lending.add_loan(loan("loan_1"), at(0))
        uow.commit()
    with backend.uow() as uow:
        read = uow.lending.get_loan("loan_1")
        uow.lending.save_loan(replace(read, days_past_due=1), at(1))
        with pytest.raises(StaleLoan):
            uow.lending.save_loan(replace(read, days_past_due=2), at(1))
    with backend.uow() as uow, pytest.raises(StaleLoan):
        uow.lending.save_loan(loan("loan_9"), at(1))  # no such loan: nothing to save


def test_of_two_saves_from_one_revision_the_second_is_stale(backend: Backend) -> None:
    if backend.name == "sqlite":
        pytest.skip("SQLite serialises transactions: they cannot interleave")
    with backend.uow() as uow:
        uow.lending.add_loan(loan("loan_1"), at(0))
        uow.commit()
    with backend.uow() as first, backend.uow() as second:
        mine, theirs = first.lending.get_loan("loan_1"), second.lending.get_loan("loan_1")
        first.lending.save_loan(replace(mine, days_past_due=1), at(1))
        first.commit()
        # The database refuses at the save, the fake at the commit: both before anything is
        # published, and both with the error the use cases retry.
        with pytest.raises(StaleLoan):
            second.lending.save_loan(replace(theirs, days_past_due=2), at(1))
            second.commit()
    with backend.uow() as uow:
        assert uow.lending.get_loan("loan_1").days_past_due == 1


def test_the_schedule_reads_back_in_order_and_is_replaced_whole(backend: Backend) -> None:
    instalments = schedule()
    with backend.uow() as uow:
        uow.lending.add_loan(loan("loan_1"), at(0))
        uow.lending.set_instalments("loan_1", tuple(reversed(instalments)))
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.instalments("loan_1") == instalments
        assert uow.lending.instalments("loan_9") == ()
        uow.lending.set_instalments("loan_1", instalments[:3])
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.instalments("loan_1") == instalments[:3]


def test_a_loan_has_one_contract(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.lending.add_loan(loan("loan_1"), at(0))
        uow.lending.add_contract(contract("loan_1"), at(0))
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.contract("loan_1") == contract("loan_1")
        assert uow.lending.contract("loan_9") is None
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.lending.add_contract(replace(contract("loan_1"), text="another"), at(1))
        uow.commit()
