"""The SQL repositories a unit of work carries are composed of one store per use case; each
store answers every method of the port its use case declares (`lending.servicing_ports`,
`lending.ports.LendingBook`), and a unit of work opened on a database carries the
composed repositories. mypy checks the signatures; this checks that nothing is lost at run time,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from fengkong.db.database import Database
from fengkong.db.lending_eod import SqlEndOfDay
from fengkong.db.lending_lines import SqlCreditLines
from fengkong.db.lending_loans import SqlLoans
from fengkong.db.lending_repayments import SqlRepayments
from fengkong.db.lending_repository import SqlLendingRepository
from fengkong.db.servicing_borrowers import SqlBorrowerKeys
from fengkong.db.servicing_collateral import SqlCollateral
from fengkong.db.servicing_collections import SqlCollections
from fengkong.db.servicing_debits import SqlDebits
from fengkong.db.servicing_guarantees import SqlGuarantees
from fengkong.db.servicing_reminders import SqlReminders
from fengkong.db.servicing_repository import SqlServicingRepository
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.ports import LendingBook
from fengkong.lending.servicing_ports import (
    AutoDebitRepository,
    BorrowerKeysRepository,
    CollateralRepository,
    CollectionsRepository,
    GuaranteeRepository,
    ReminderRepository,
    ServicingRepository,
)


def methods(port: type) -> set[str]:
    """The public methods a Protocol declares, its bases' included."""
    return {
        name
        for klass in port.__mro__
        if klass.__module__.startswith("fengkong.")
        for name, value in vars(klass).items()
        if callable(value) and not name.startswith("_")
    }


@pytest.mark.parametrize(
    ("store", "port"),
    [
        (SqlDebits, AutoDebitRepository),
        (SqlReminders, ReminderRepository),
        (SqlCollections, CollectionsRepository),
        (SqlCollateral, CollateralRepository),
        (SqlGuarantees, GuaranteeRepository),
        (SqlBorrowerKeys, BorrowerKeysRepository),
        (SqlServicingRepository, ServicingRepository),
        (SqlLendingRepository, LendingBook),
    ],
)
def test_each_store_answers_its_port(store: type, port: type) -> None:
    declared = methods(port)
    assert declared, f"{port.__name__} declares no methods"
    assert declared <= set(dir(store)), sorted(declared - set(dir(store)))


def test_the_ports_of_the_use_cases_make_up_servicing() -> None:
    parts = (
        AutoDebitRepository,
        ReminderRepository,
        CollectionsRepository,
        CollateralRepository,
        GuaranteeRepository,
        BorrowerKeysRepository,
    )
    assert methods(ServicingRepository) == set().union(*(methods(p) for p in parts))


def test_a_unit_of_work_carries_the_composed_repositories(db: Database) -> None:
    with SqlUnitOfWork(db) as uow:
        assert isinstance(uow.servicing, SqlServicingRepository)
        assert isinstance(uow.lending, SqlLendingRepository)
        for store in (SqlLoans, SqlRepayments, SqlCreditLines, SqlEndOfDay):
            assert isinstance(uow.lending, store)
        assert uow.servicing.session is uow.lending.session
        # an empty book answers through every part of both
        assert uow.lending.last_completed_eod() is None
        assert uow.lending.get_line("no-such-line") is None
        assert list(uow.servicing.loans_with_collateral()) == []
        assert uow.servicing.line_borrower("no-such-line") is None
