"""Builders for the lending service tests (no tests here): a migrated database or the in-memory
unit of work's store (`Books`, either), an approved application seeded without a model, the
wired services, and the ledger checks every step runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from fakes import MemoryStore, MemoryUnitOfWork
from fengkong.core.clock import FakeClock
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.lending_tables import loans as loan_rows
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy_products import POLICY_PRODUCTS
from fengkong.decision.record import DecisionRecord
from fengkong.ledger.accounts import AccountKey
from fengkong.ledger.journal import balances, check_ledger, trial_balance
from fengkong.lending.config import LendingConfig
from fengkong.lending.payment import PaymentChannel, SimulatedGateway
from fengkong.lending.records import LoanRecord
from fengkong.lending.services import LendingServices
from fengkong.onboarding.application import PersonalDataVault, StoredApplication

START = date(2026, 3, 2)

# Where a use case's books are kept: a migrated database, or the in-memory unit of work's store.
Books = Database | MemoryStore


def unit_of_work(books: Books) -> Callable[[], Any]:
    """A new unit of work on `books` at each call."""
    if isinstance(books, MemoryStore):
        return lambda: MemoryUnitOfWork(books)
    return lambda: SqlUnitOfWork(books)


def new_clock(day: date = START) -> FakeClock:
    return FakeClock(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))


def migrated(url: str) -> Database:
    db = Database(url)
    upgrade(db)
    return db


def lending_services(
    db: Books,
    clock: FakeClock,
    channel: PaymentChannel | None = None,
    config: LendingConfig | None = None,
) -> LendingServices:
    return LendingServices(
        uow=unit_of_work(db),
        clock=clock,
        channel=channel or SimulatedGateway(),
        config=config or LendingConfig(),
        policy_products=POLICY_PRODUCTS,
    )


def seed_approved(
    db: Books,
    clock: FakeClock,
    *,
    amount: int = 1_000_000,
    terms: int = 12,
    score: int | None = 600,
    outcome: Outcome = Outcome.APPROVE,
    vault: PersonalDataVault | None = None,
    pd: str | None = "0.05",
    region: str | None = None,
    industry: str | None = None,
) -> str:
    """An application and its decision, stored as the decision service would store them. With
    the services' `vault`, the applicant's data are real tokens (the contract masks them)."""
    application_id = new_id("app", clock)

    def token(field: str, clear: str) -> str:
        return "x" if vault is None else vault.encrypt(field, clear)

    with unit_of_work(db)() as uow:
        uow.applications.add(
            StoredApplication(
                id=application_id,
                received_at=clock.now(),
                product="cash_loan",
                amount=Fen(amount),
                term_months=terms,
                purpose="test",
                monthly_income=Fen(1_000_000),
                name_enc=token("name", "张三"),
                id_number_enc=token("id_number", "110105199003071239"),
                id_number_bidx=new_id("b", clock),
                phone_enc=token("phone", "13800138000"),
                phone_bidx=new_id("b", clock),
                region=region,
                industry=industry,
            )
        )
        uow.decisions.add(
            DecisionRecord(
                id=new_id("dec", clock),
                application_id=application_id,
                decided_at=clock.now(),
                outcome=outcome,
                score=score,
                pd=pd,
                approved_amount=Fen(amount) if outcome is Outcome.APPROVE else None,
                reasons=(),
                policy_version="test",
                model_version=None,
                model_sha256=None,
                inputs={},
                features={},
                input_hash="0" * 64,
            )
        )
        uow.commit()
    return application_id


def ledger_snapshot(db: Books) -> tuple[int, int]:
    """(journal entries, postings): what must not move when a request is refused."""
    if isinstance(db, MemoryStore):
        posted = [p.entry for p in db.tables.journal.values()]
        return len(posted), sum(len(e.postings) for e in posted)
    with db.engine.connect() as conn:
        entries = conn.execute(sa.text("select count(*) from journal_entries")).scalar_one()
        postings = conn.execute(sa.text("select count(*) from journal_postings")).scalar_one()
    return int(entries), int(postings)


def assert_books_balance(db: Books) -> None:
    """Trial balance agrees, stored balances equal the postings, every check passes, and each
    loan's receivables in the ledger equal what its state says is outstanding."""
    with unit_of_work(db)() as uow:
        entries = list(uow.journal.entries())
        stored = uow.journal.balances()
        loans = all_loans(db, uow)
    assert trial_balance(entries).is_balanced
    assert check_ledger(entries) == ()
    derived = balances(entries)
    assert {k: v for k, v in stored.items() if v} == {k: v for k, v in derived.items() if v}
    for record in loans:
        left = record.state.outstanding
        expected = {
            "1303": left.principal,
            "113201": left.interest,
            "122101": left.fee,
            "113202": left.penalty,
        }
        if record.stage.value in ("active", "settled"):
            for code, amount in expected.items():
                assert stored.get(AccountKey(code, record.loan_id), 0) == amount, (code, record)
            assert (
                stored.get(AccountKey("224101", record.loan_id), 0) == record.state.unapplied_credit
            )
            assert stored.get(AccountKey("1304", record.loan_id), 0) == record.allowance
        elif record.stage.value == "written_off":
            for code in expected:
                assert stored.get(AccountKey(code, record.loan_id), 0) == 0
            assert stored.get(AccountKey("1304", record.loan_id), 0) == 0
    reserve = sum(r.reserve for r in loans)
    assert stored.get(AccountKey("4102", None), 0) == reserve


def all_loans(db: Books, uow: Any) -> list[LoanRecord]:
    """Every stored loan, read in `uow` (no lending port lists them all)."""
    if isinstance(db, MemoryStore):
        ids = list(uow.lending.tables.loans)
    else:
        ids = [r.id for r in uow.lending.session.execute(sa.select(loan_rows.c.id))]
    return [uow.lending.get_loan(i) for i in ids]


RATE = Decimal("0.10")


def open_books(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Books]:
    """The books `request.param` names ("memory", "sqlite" or "postgresql"), for a fixture."""
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "sqlite":
        db = migrated(f"sqlite:///{tmp_path / 'l.db'}")
    else:
        db = migrated(request.getfixturevalue("postgres_url"))
    yield db
    db.dispose()


def fresh_books(like: Books, tmp_path: Path, name: str) -> Books:
    """Other, empty books of the same kind as `like` (SQLite for a database)."""
    if isinstance(like, MemoryStore):
        return MemoryStore()
    return migrated(f"sqlite:///{tmp_path / name}.db")
