"""What servicing asks of storage: one narrow repository per use case (auto-debit, reminders,
collections, collateral, guarantees, and line borrowers with the black list), the units of work
that carry them, and `ServicingUnitOfWork`, the lending unit of work that also carries all of
servicing. `db.servicing_repository.SqlServicingRepository` implements `ServicingRepository`,
and `db.uow.SqlUnitOfWork` is a `ServicingUnitOfWork`.

Restructuring a loan needs no servicing storage: it is a lending use case over
`lending.ports.LendingBook`, and `lending.restructure` holds its pure rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from fengkong.lending.collateral import CollateralItem, MarginCall, Valuation
from fengkong.lending.ports import LendingUnitOfWork
from fengkong.lending.records import LoanRecord
from fengkong.lending.servicing_records import (
    BlacklistHit,
    BoundCard,
    CaseStatus,
    CollectionAction,
    CollectionCase,
    DebitAttempt,
    LineBorrower,
    PromiseToPay,
    ReminderRecord,
)
from fengkong.onboarding.application import StoredApplication

if TYPE_CHECKING:
    # The records live beside the use cases that make them, and those use cases import their
    # ports from here: the record modules are named for the type checker only.
    from fengkong.lending.guarantee_rules import Guarantee, GuaranteeGroup, Guarantor
    from fengkong.lending.servicing_records import (
        BoundCard,
        CaseStatus,
        CollectionAction,
        CollectionCase,
        DebitAttempt,
        PromiseToPay,
        ReminderRecord,
    )


# ---- records of the black-list trigger -------------------------------------------------------


# ---- look-ups every servicing use case shares ----------------------------------------------------


class LoanReader(Protocol):
    def get_loan(self, loan_id: str) -> LoanRecord | None: ...


class LoanLookup(Protocol):
    """Enough of a unit of work to find the loan a request names."""

    @property
    def lending(self) -> LoanReader: ...


class ApplicationLookup(Protocol):
    def get(self, application_id: str) -> StoredApplication | None: ...


class LineBorrowerReader(Protocol):
    def line_borrower(self, line_id: str) -> LineBorrower | None: ...


class ContactLookup(Protocol):
    """Enough of a unit of work to find how to reach a loan's borrower."""

    @property
    def applications(self) -> ApplicationLookup: ...
    @property
    def servicing(self) -> LineBorrowerReader: ...


# ---- one repository per use case ----------------------------------------------------------------


class AutoDebitRepository(Protocol):
    """Bound cards and debit attempts (`lending.autodebit`)."""

    def card(self, loan_id: str) -> BoundCard | None: ...
    def bind_card(self, card: BoundCard, now: datetime) -> None: ...
    def attempt(self, loan_id: str, due: date, number: int) -> DebitAttempt | None: ...
    def attempts_for_loan(self, loan_id: str) -> Sequence[DebitAttempt]: ...
    def pending_attempts(self) -> Sequence[DebitAttempt]: ...
    def add_attempt(self, a: DebitAttempt, now: datetime) -> None: ...
    def save_attempt(self, a: DebitAttempt, now: datetime) -> None: ...
    def debit_candidates(self, day: date, due_dates: Sequence[date]) -> Sequence[str]: ...


class ReminderRepository(Protocol):
    """Reminders sent, at most one per subject, kind and date (`lending.reminders`)."""

    def reminder(
        self, subject_type: str, subject_id: str, kind: str, on: date
    ) -> ReminderRecord | None: ...
    def add_reminder(self, r: ReminderRecord, now: datetime) -> bool: ...
    def finish_reminder(
        self, reminder_id: str, status: str, error: str | None, now: datetime
    ) -> None: ...
    def reminders_for(self, subject_id: str) -> Sequence[ReminderRecord]: ...
    def lines_acted_on(self, day: date) -> Sequence[str]:
        """The lines a rule acted on (or an officer reinstated) last on `day`: whose borrowers
        the line notice step tells (`lending.line_notices`)."""
        ...

    def instalments_due_on(self, due: date) -> Sequence[tuple[str, int]]: ...
    def loans_with_dpd(self, days: Sequence[int]) -> Sequence[str]: ...


class CollectionsRepository(Protocol):
    """The collections queue, officers' actions and promises to pay (`lending.collections`)."""

    def cases(self, status: CaseStatus) -> Sequence[CollectionCase]: ...
    def get_case(self, loan_id: str) -> CollectionCase | None: ...
    def save_case(self, c: CollectionCase) -> None: ...
    def delinquent_loans(
        self, min_dpd: int
    ) -> Sequence[tuple[str, int | None, Decimal | None]]: ...
    def add_action(self, a: CollectionAction, now: datetime) -> None: ...
    def actions_for(self, loan_id: str) -> Sequence[CollectionAction]: ...
    def add_promise(self, p: PromiseToPay, now: datetime) -> None: ...
    def save_promise(self, p: PromiseToPay) -> None: ...
    def promises_for(self, loan_id: str) -> Sequence[PromiseToPay]: ...
    def open_promises(self) -> Sequence[PromiseToPay]: ...
    def repaid_between(self, loan_id: str, start: date, end: date) -> int: ...


class CollateralRepository(Protocol):
    """Collateral items, their valuations and margin calls (`lending.collateral_service`)."""

    def add_collateral_item(
        self, loan_id: str, item: CollateralItem, description: str, now: datetime
    ) -> None: ...
    def add_valuation(self, item_id: str, v: Valuation, now: datetime) -> None: ...
    def collateral_loan(self, item_id: str) -> str | None: ...
    def collateral_items(self, loan_id: str) -> Sequence[CollateralItem]: ...
    def collateral_descriptions(self, loan_id: str) -> Mapping[str, str]: ...
    def margin_calls(self, loan_id: str) -> Sequence[MarginCall]: ...
    def save_margin_call(self, loan_id: str, call: MarginCall) -> None: ...
    def loans_with_collateral(self) -> Sequence[str]: ...


class GuaranteeRepository(Protocol):
    """Guarantors, joint-guarantee groups, guarantees and guarantors' payments
    (`lending.guarantee`)."""

    def guarantor_by_identity(self, kind: str, bidx: str) -> Guarantor | None: ...
    def get_guarantor(self, guarantor_id: str) -> Guarantor | None: ...
    def add_guarantor(self, g: Guarantor, now: datetime) -> None: ...
    def add_group(self, group: GuaranteeGroup, now: datetime) -> None: ...
    def get_group(self, group_id: str) -> GuaranteeGroup | None: ...
    def add_guarantee(self, g: Guarantee, now: datetime) -> None: ...
    def save_guarantee(self, g: Guarantee, now: datetime) -> None: ...
    def get_guarantee(self, guarantee_id: str) -> Guarantee | None: ...
    def guarantees_for_loan(self, loan_id: str) -> Sequence[Guarantee]: ...
    def guarantees_of(self, guarantor_id: str) -> Sequence[Guarantee]: ...
    def loans_with_live_guarantees(self, min_dpd: int) -> Sequence[str]: ...
    def settled_loans_with_live_guarantees(self) -> Sequence[str]: ...
    def guarantor_payment(self, repayment_id: str) -> str | None: ...
    def add_guarantor_payment(
        self,
        repayment_id: str,
        guarantee_id: str,
        key: str,
        amount: int,
        business_date: date,
        now: datetime,
    ) -> None: ...


class BorrowerKeysRepository(LineBorrowerReader, Protocol):
    """Whose line it is, and what the black list has done to lines (`lending.servicing`)."""

    def bind_line_borrower(self, b: LineBorrower, now: datetime) -> None: ...
    def new_blacklist_hits(self, at: datetime) -> Sequence[BlacklistHit]: ...
    def add_blacklist_action(
        self, hit: BlacklistHit, action: str, day: date, now: datetime
    ) -> None: ...


class ServicingRepository(
    AutoDebitRepository,
    ReminderRepository,
    CollectionsRepository,
    CollateralRepository,
    GuaranteeRepository,
    BorrowerKeysRepository,
    Protocol,
):
    """All of servicing's storage, as one unit of work carries it."""


# ---- units of work ------------------------------------------------------------------------------


class CollectionsUnitOfWork(LendingUnitOfWork, Protocol):
    @property
    def servicing(self) -> CollectionsRepository: ...


class GuaranteeUnitOfWork(LendingUnitOfWork, Protocol):
    @property
    def servicing(self) -> GuaranteeRepository: ...


class ServicingUnitOfWork(LendingUnitOfWork, Protocol):
    """The lending unit of work with servicing's storage on it; a use case opens one per
    transaction (`ServicingServices.uow`) and only it commits."""

    @property
    def applications(self) -> ApplicationLookup: ...
    @property
    def servicing(self) -> ServicingRepository: ...
