"""The stores lending's use cases run on, declared here and implemented in `db`.

Each use case names the narrow repository it needs (`LoanBook` to book, `PayoutStore` to pay
out, `RepaymentStore` to take and reverse payments, `LineStore` for credit lines, `EodStore` for
end of day) and a unit of work listing only what it touches. `LendingBook` and
`LendingUnitOfWork` are every one of them at once: what the wiring supplies, since one SQL
repository (`db.lending_repository.SqlLendingRepository`) serves them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, Protocol, overload

from fengkong.access.approvals import ApprovalUnitOfWork
from fengkong.audit.port import AuditAppender
from fengkong.core.uow import UnitOfWork
from fengkong.ledger.accounts import AccountKey
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.approval import DecisionReader, OfficerDecisionReader
from fengkong.lending.behaviour import BehaviourScore
from fengkong.lending.collateral import CollateralItem
from fengkong.lending.contract import Contract
from fengkong.lending.delinquency import LoanClass
from fengkong.lending.guarantee_rules import Guarantee
from fengkong.lending.product import Product
from fengkong.lending.quiet import QuietJournal
from fengkong.lending.records import (
    DrawRecord,
    LineRecord,
    LoanRecord,
    PayoutRecord,
    RepaymentRecord,
)
from fengkong.lending.schedule import Instalment
from fengkong.lending.secured_offer import SecuredOffer
from fengkong.lending.use_of_funds import FundUse, Receipt
from fengkong.onboarding.application import StoredApplication

if TYPE_CHECKING:
    import polars as pl


# ---- loans ------------------------------------------------------------------------------------


class LoanReader(Protocol):
    def get_loan(self, loan_id: str) -> LoanRecord | None: ...


class LoanFile(LoanReader, Protocol):
    """What a loan's view reads beside the record: schedule, contract and payouts."""

    def instalments(self, loan_id: str) -> tuple[Instalment, ...]: ...
    def contract(self, loan_id: str) -> Contract | None: ...
    def payouts_for_loan(self, loan_id: str) -> tuple[PayoutRecord, ...]: ...


class LoanWriter(LoanReader, Protocol):
    def lock_loan(self, loan_id: str) -> LoanRecord | None:
        """The stored loan, locked until the transaction ends: a money operation reads its loan
        this way, so concurrent ones on one loan wait their turn instead of failing on a stale
        revision (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write lock, taken when every
        transaction begins, already serialises them)."""
        ...

    def save_loan(self, record: LoanRecord, now: datetime) -> LoanRecord: ...
    def set_instalments(self, loan_id: str, instalments: Sequence[Instalment]) -> None: ...


class LineBook(Protocol):
    """The credit lines a draw's loan keeps in step with."""

    def get_line(self, line_id: str) -> LineRecord | None: ...
    def lock_line(self, line_id: str) -> LineRecord | None:
        """The stored line, locked until the transaction ends (as `LoanWriter.lock_loan`). A use
        case that locks both locks the loan first: one order everywhere, so no deadlock."""
        ...

    def save_line(self, record: LineRecord, now: datetime) -> LineRecord: ...


class LoanBook(LoanFile, LoanWriter, Protocol):
    """Origination: book an accepted offer with its schedule and contract."""

    def add_loan(self, record: LoanRecord, now: datetime) -> None: ...
    def loan_for_application(self, application_id: str) -> LoanRecord | None: ...
    def add_contract(self, contract: Contract, now: datetime) -> None: ...


class PayoutStore(LoanFile, LoanWriter, LineBook, Protocol):
    """Disbursement: the payouts of a booked loan, and the draw a failed payout releases."""

    def payout_by_key(self, key: str) -> PayoutRecord | None: ...
    def save_payout(self, payout: PayoutRecord, now: datetime) -> None: ...


class RepaymentStore(LoanFile, LoanWriter, LineBook, Protocol):
    """Repayment, settlement, reversal and restructuring of a running loan."""

    def repayment_and_loan(
        self, key: str, loan_id: str
    ) -> tuple[RepaymentRecord | None, LoanRecord | None]:
        """The loan, locked as `lock_loan` does, then the repayment stored under `key` (read
        after the lock, so a concurrent retry's committed repayment is seen)."""
        ...

    def record_repayment(
        self,
        entries: Sequence[JournalEntry],
        request_hash: str,
        loan: LoanRecord,
        repayment: RepaymentRecord,
        now: datetime,
    ) -> LoanRecord: ...
    def get_repayment(self, repayment_id: str) -> RepaymentRecord | None: ...
    def save_repayment(self, record: RepaymentRecord) -> None: ...


class LineStore(LoanFile, LineBook, Protocol):
    """Credit lines: open, change, and book a draw as its own loan."""

    def add_line(self, record: LineRecord, now: datetime) -> None: ...
    def line_by_key(self, key: str) -> LineRecord | None: ...
    def add_draw(self, record: DrawRecord, now: datetime) -> None: ...
    def draw_by_key(self, key: str) -> DrawRecord | None: ...
    def add_loan(self, record: LoanRecord, now: datetime) -> None: ...
    def set_instalments(self, loan_id: str, instalments: Sequence[Instalment]) -> None: ...


class DrawStore(LineStore, PayoutStore, Protocol):
    """A draw: booked on its line (priced by its borrower's latest behaviour score), then paid
    out."""

    def behaviour_score_of_line(self, line_id: str) -> BehaviourScore | None: ...


# ---- use of funds ----------------------------------------------------------------------------


class FundUseStore(Protocol):
    """A draw's or loan's purpose and payee (`lending.use_of_funds.FundUse`) and its receipts."""

    def get_fund_use(self, loan_id: str) -> FundUse | None: ...
    def add_fund_use(self, use: FundUse, now: datetime) -> None: ...
    def save_fund_use(self, use: FundUse, now: datetime) -> None: ...
    def receipts(self, loan_id: str) -> tuple[Receipt, ...]: ...
    def add_receipt(self, loan_id: str, receipt: Receipt, actor: str, now: datetime) -> None: ...
    def receipts_overdue(self, on: date) -> tuple[FundUse, ...]:
        """Draws on active lines whose receipts were due before `on` and do not cover the
        payout, by line."""
        ...

    def overdue_on_line(self, line_id: str, on: date) -> tuple[FundUse, ...]:
        """The line's draws whose receipts were due before `on` and do not cover the payout."""
        ...


# ---- end of day -------------------------------------------------------------------------------


class EodRun(Protocol):
    """An `eod_runs` row as end of day reads it: `status` ("running" or "done") and the
    `summary` of counts: while running, what the date steps have stored so far
    (`EodStore.add_eod_counts`); once done, the date's totals."""

    @overload
    def __getitem__(self, key: Literal["status"], /) -> str: ...
    @overload
    def __getitem__(self, key: Literal["summary"], /) -> Mapping[str, int]: ...
    @overload
    def __getitem__(self, key: str, /) -> object: ...


class EodProgress(Protocol):
    """An `eod_progress` row: one partition's cursor, chunk count and running `totals`."""

    @overload
    def __getitem__(self, key: Literal["totals"], /) -> Mapping[str, int]: ...
    @overload
    def __getitem__(self, key: str, /) -> object: ...


class EodStore(LoanReader, LineBook, Protocol):
    """End of day: loans a chunk at a time, quiet loans a batch at a time, the run record and
    each partition's progress."""

    def loans_for_eod(
        self, business_date: date, partition: int, partitions: int, after: str, limit: int
    ) -> list[LoanRecord]: ...
    def count_loans_for_eod(self, business_date: date) -> int: ...
    def save_loans(self, records: Sequence[LoanRecord], now: datetime) -> None: ...
    def post_entries(
        self, entries: Sequence[JournalEntry], request_hash: str, posted_at: datetime
    ) -> None: ...
    def quiet_loans_for_eod(
        self,
        business_date: date,
        partition: int,
        partitions: int,
        after: str,
        limit: int,
        loan_class: LoanClass,
        bucket: str,
    ) -> pl.DataFrame: ...
    def save_quiet_loans(self, moved: pl.DataFrame, on: date, now: datetime) -> pl.DataFrame: ...
    def post_quiet_journal(
        self, journal: QuietJournal, request_hash: str, posted_at: datetime
    ) -> None: ...
    def worst_dpd_on_line(self, line_id: str) -> int: ...
    def eod_run(self, business_date: date) -> EodRun | None: ...
    def last_completed_eod(self) -> date | None: ...
    def start_eod(self, business_date: date, now: datetime) -> None: ...
    def add_eod_counts(self, business_date: date, counts: Mapping[str, int]) -> None:
        """Add `counts` to the summary of the date's running run, name by name (a name not yet
        there starts at 0); nothing for a date not started or already done."""
        ...

    def finish_eod(
        self, business_date: date, now: datetime, summary: Mapping[str, int]
    ) -> None: ...
    def eod_progress(self, business_date: date, partition: int) -> EodProgress | None: ...
    def all_eod_progress(self, business_date: date) -> Sequence[EodProgress]: ...
    def save_eod_progress(self, progress: Mapping[str, object]) -> None: ...


class LendingBook(DrawStore, LoanBook, RepaymentStore, EodStore, Protocol):
    """Every lending store at once: what the wiring's repository implements."""


# ---- ledger, audit and what lending reads of applications and decisions -----------------------


class Journal(Protocol):
    def post(
        self, entry: JournalEntry, request_hash: str, posted_at: datetime
    ) -> tuple[JournalEntry, bool]: ...
    def get(self, entry_id: str) -> JournalEntry | None: ...
    def balances(self, loan_id: str | None = None) -> dict[AccountKey, int]: ...
    def entries(self) -> Iterator[JournalEntry]: ...


class ApplicationReader(Protocol):
    def get(self, application_id: str) -> StoredApplication | None: ...


class PolicyBundleReader(Protocol):
    """Stored policy documents by their sha256, as `decision` stored them."""

    def get(self, sha256: str) -> Mapping[str, object] | None: ...


class PolicyProducts(Protocol):
    """The product a stored policy document offers. `decision` compiles policies and implements
    this; lending asks it instead of importing `decision` (which sits above lending)."""

    def product_of(self, bundle: Mapping[str, object], sha256: str) -> Product: ...


class SecuredOfferStore(Protocol):
    """Security registered against approve-if-secured offers (`lending.secured_offers`), and
    the hand-over to the loan when such an offer is booked."""

    def get(self, application_id: str) -> SecuredOffer | None: ...
    def add(self, offer: SecuredOffer, now: datetime) -> None: ...
    def booked(self, application_id: str, loan_id: str, now: datetime) -> None: ...
    def pledge_collateral(
        self, loan_id: str, item: CollateralItem, description: str, now: datetime
    ) -> None: ...
    def add_guarantee(self, g: Guarantee, now: datetime) -> None: ...
    def open_offers(self) -> tuple[str, ...]:
        """The applications whose offer is conditional on security (the automatic decision's
        approve_secured, or an officer's conditional approval) neither booked nor lapsed."""
        ...

    def lapse(self, application_id: str, decision_id: str, on: date, now: datetime) -> None:
        """Write down that the application's conditional offer lapsed on business date `on`."""
        ...

    def lapsed_on(self, application_id: str) -> date | None: ...


# ---- units of work, one per use case ----------------------------------------------------------


class LoanFileUnitOfWork(UnitOfWork, Protocol):
    @property
    def lending(self) -> LoanFile: ...


class OriginationUnitOfWork(UnitOfWork, Protocol):
    @property
    def lending(self) -> LoanBook: ...
    @property
    def audit(self) -> AuditAppender: ...
    @property
    def applications(self) -> ApplicationReader: ...
    @property
    def decisions(self) -> DecisionReader: ...
    @property
    def officer_decisions(self) -> OfficerDecisionReader: ...
    @property
    def policy_bundles(self) -> PolicyBundleReader: ...
    @property
    def secured_offers(self) -> SecuredOfferStore: ...


class DisbursementUnitOfWork(UnitOfWork, Protocol):
    @property
    def lending(self) -> PayoutStore: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def audit(self) -> AuditAppender: ...
    @property
    def funds(self) -> FundUseStore: ...
    @property
    def applications(self) -> ApplicationReader: ...


class FundsBook(LoanFile, LoanWriter, LineBook, Protocol):
    """What receipts read and change of lending: the loan (locked, so that two receipts for one
    payout are checked one after the other), and its line when a freeze for missing receipts
    is lifted."""


class FundsUnitOfWork(UnitOfWork, Protocol):
    """Receipts after a payout: the loan and its line, the use of funds, the audit."""

    @property
    def lending(self) -> FundsBook: ...
    @property
    def funds(self) -> FundUseStore: ...
    @property
    def audit(self) -> AuditAppender: ...


class RepaymentUnitOfWork(UnitOfWork, Protocol):
    @property
    def lending(self) -> RepaymentStore: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def audit(self) -> AuditAppender: ...


class LineUnitOfWork(UnitOfWork, Protocol):
    @property
    def lending(self) -> LineStore: ...
    @property
    def audit(self) -> AuditAppender: ...
    @property
    def applications(self) -> ApplicationReader: ...
    @property
    def decisions(self) -> DecisionReader: ...
    @property
    def officer_decisions(self) -> OfficerDecisionReader: ...


class DrawUnitOfWork(LineUnitOfWork, DisbursementUnitOfWork, Protocol):
    @property
    def lending(self) -> DrawStore: ...


class EodUnitOfWork(UnitOfWork, Protocol):
    @property
    def lending(self) -> EodStore: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def audit(self) -> AuditAppender: ...


class LoanChangeUnitOfWork(RepaymentUnitOfWork, ApprovalUnitOfWork, Protocol):
    """A write-off or restructure under maker-checker: the repayment use cases' stores and the
    approval requests (`lending.loan_changes`)."""


class LendingUnitOfWork(
    OriginationUnitOfWork,
    DrawUnitOfWork,
    LoanChangeUnitOfWork,
    EodUnitOfWork,
    LoanFileUnitOfWork,
    Protocol,
):
    """Every use case's unit of work at once: what the wiring supplies."""

    @property
    def lending(self) -> LendingBook: ...


__all__ = [
    "ApplicationReader",
    "DisbursementUnitOfWork",
    "DrawStore",
    "DrawUnitOfWork",
    "EodProgress",
    "EodRun",
    "EodStore",
    "EodUnitOfWork",
    "FundUseStore",
    "FundsBook",
    "FundsUnitOfWork",
    "Journal",
    "LendingBook",
    "LendingUnitOfWork",
    "LineBook",
    "LineStore",
    "LineUnitOfWork",
    "LoanBook",
    "LoanFile",
    "LoanFileUnitOfWork",
    "LoanReader",
    "LoanWriter",
    "OriginationUnitOfWork",
    "PayoutStore",
    "PolicyBundleReader",
    "PolicyProducts",
    "RepaymentStore",
    "RepaymentUnitOfWork",
    "SecuredOfferStore",
]
