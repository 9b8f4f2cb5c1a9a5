"""Origination needs only its own narrow unit of work (`lending.ports.OriginationUnitOfWork`):
an offer is quoted and booked on in-memory fakes, with no database and no decision package.

    application   amount      terms  decision  score  rate card
    app-1         10,000.00   12     approve   600    10 % (score ≥ 570)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Self

import pytest

from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.lending.contract import Contract
from fengkong.lending.errors import NotApproved
from fengkong.lending.origination import accept_offer, get_loan, quote_offer
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.ports import LoanFileUnitOfWork, OriginationUnitOfWork
from fengkong.lending.records import LoanRecord, LoanStage, PayoutRecord
from fengkong.lending.schedule import Instalment
from fengkong.lending.services import Services
from fengkong.onboarding.application import StoredApplication


@dataclass(frozen=True)
class Decided:
    """A decision as lending reads it (`lending.approval.DecisionOnFile`)."""

    id: str
    application_id: str
    outcome: str
    approved_amount: Fen | None
    score: int | None
    annual_rate: str | None = None
    term_months: int | None = None
    policy_sha256: str | None = None


@dataclass
class Loans:
    loans: dict[str, LoanRecord] = field(default_factory=dict)
    schedules: dict[str, tuple[Instalment, ...]] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)

    def get_loan(self, loan_id: str) -> LoanRecord | None:
        return self.loans.get(loan_id)

    def loan_for_application(self, application_id: str) -> LoanRecord | None:
        return next((r for r in self.loans.values() if r.application_id == application_id), None)

    def add_loan(self, record: LoanRecord, now: datetime) -> None:
        self.loans[record.loan_id] = record

    def save_loan(self, record: LoanRecord, now: datetime) -> LoanRecord:
        self.loans[record.loan_id] = record
        return record

    def set_instalments(self, loan_id: str, instalments: Sequence[Instalment]) -> None:
        self.schedules[loan_id] = tuple(instalments)

    def instalments(self, loan_id: str) -> tuple[Instalment, ...]:
        return self.schedules.get(loan_id, ())

    def add_contract(self, contract: Contract, now: datetime) -> None:
        self.contracts[contract.loan_id] = contract

    def contract(self, loan_id: str) -> Contract | None:
        return self.contracts.get(loan_id)

    def payouts_for_loan(self, loan_id: str) -> tuple[PayoutRecord, ...]:
        return ()


@dataclass
class Applications:
    stored: dict[str, StoredApplication]

    def get(self, application_id: str) -> StoredApplication | None:
        return self.stored.get(application_id)


@dataclass
class Decisions:
    stored: dict[str, Decided]

    def for_application(self, application_id: str) -> Decided | None:
        return self.stored.get(application_id)


class NoOfficer:
    def for_application(self, application_id: str) -> None:
        return None


class NoBundles:
    def get(self, sha256: str) -> Mapping[str, object] | None:
        return None


@dataclass
class AuditTrail:
    actions: list[str] = field(default_factory=list)

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        payload: Mapping[str, object] | None = None,
    ) -> object:
        self.actions.append(action)
        return None


@dataclass
class FakeOrigination:
    """Holds its state across transactions; `commit` only counts (nothing is staged)."""

    lending: Loans
    applications: Applications
    decisions: Decisions
    audit: AuditTrail = field(default_factory=AuditTrail)
    officer_decisions: NoOfficer = field(default_factory=NoOfficer)
    policy_bundles: NoBundles = field(default_factory=NoBundles)
    commits: int = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1


def _application(application_id: str) -> StoredApplication:
    return StoredApplication(
        id=application_id,
        received_at=datetime(2026, 3, 2, 2, tzinfo=UTC),
        product="cash_loan",
        amount=Fen(1_000_000),
        term_months=12,
        purpose="consumption",
        monthly_income=Fen(2_000_000),
        name_enc="x",
        id_number_enc="x",
        id_number_bidx="x",
        phone_enc="x",
        phone_bidx="x",
    )


def _services(outcome: str = "approve") -> tuple[FakeOrigination, Services[FakeOrigination]]:
    uow = FakeOrigination(
        Loans(),
        Applications({"app-1": _application("app-1")}),
        Decisions({"app-1": Decided("dec-1", "app-1", outcome, Fen(1_000_000), 600)}),
    )
    clock = FakeClock(date(2026, 3, 2))
    return uow, Services(lambda: uow, clock, SimulatedGateway())


def test_an_offer_is_quoted_and_booked_on_fakes() -> None:
    uow, svc = _services()
    narrow: Services[OriginationUnitOfWork] = svc  # the fake is all origination needs
    offer = quote_offer("app-1", narrow)
    assert (offer.quote.amount, offer.quote.annual_rate, offer.score) == (
        1_000_000,
        Decimal("0.10"),
        600,
    )
    assert len(offer.quote.schedule) == 12
    assert sum(i.principal for i in offer.quote.schedule) == offer.quote.principal

    view = accept_offer("app-1", "accept-1", narrow)
    assert view.record.stage is LoanStage.PENDING_DISBURSEMENT
    assert view.schedule == offer.quote.schedule
    assert view.contract is not None and view.contract.loan_id == view.record.loan_id
    assert uow.audit.actions == ["loan.booked"]
    assert uow.commits == 1

    reader: Services[LoanFileUnitOfWork] = svc
    assert get_loan(view.record.loan_id, reader).record == view.record
    # the same key answers with the loan booked; another key is refused
    assert accept_offer("app-1", "accept-1", narrow).record == view.record
    with pytest.raises(Conflict):
        accept_offer("app-1", "accept-2", narrow)


def test_a_declined_application_has_no_offer() -> None:
    _, svc = _services("decline")
    with pytest.raises(NotApproved):
        quote_offer("app-1", svc)
