"""Lending use cases: offer, accept (book + contract), disburse, repay, reverse, settle, restructure,
and credit lines. Each use case is one unit of work: the loan's new state, its journal entries and
the audit record commit together, or nothing does.

Concurrency: a loan row carries a `revision`; saving a loan read at an older revision raises
`StaleLoan` and the use case starts over (at most `LendingConfig.retries` times) with a fresh
read, so two requests never both apply to the same state. Money-moving requests carry an
idempotency key stored under a unique constraint with the hash of the request: the same key and
body answer with the stored result, the same key with another body is a `Conflict`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.money import CURRENCY, Fen, format_fen
from fengkong.core.uow import UnitOfWork
from fengkong.ledger.accounts import AccountKey
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.approval import OfficerDecisionReader, settled
from fengkong.lending.catalogue import (
    CASH_LOAN,
    CREDIT_LINE,
    DEFAULT_PRODUCTS,
    catalogue_errors,
)
from fengkong.lending.contract import Contract, ContractParty, render_contract
from fengkong.lending.delinquency import (
    DEFAULT_BUCKETS,
    DEFAULT_CLASSIFICATION,
    DEFAULT_WRITE_OFF,
    ClassificationRules,
    Delinquency,
    LoanClass,
    Tier,
    WriteOffPolicy,
    delinquency,
)
from fengkong.lending.disbursement import booked_schedule, disburse_booked
from fengkong.lending.line import (
    DEFAULT_LINE_RULES,
    CreditLine,
    LineRules,
    LineStatus,
    sync_draw,
)
from fengkong.lending.line import close as close_line_state
from fengkong.lending.line import draw as draw_line
from fengkong.lending.line import freeze as freeze_line_state
from fengkong.lending.line import open_line as open_line_state
from fengkong.lending.line import reduce as reduce_line_state
from fengkong.lending.line import relimit as relimit_line_state
from fengkong.lending.line import unfreeze as unfreeze_line_state
from fengkong.lending.loan import (
    Disbursed,
    LoanState,
    LoanStatus,
    MoneyEvent,
    RepaymentApplied,
    Transition,
    book_loan,
    positive_amount,
)
from fengkong.lending.payment import PaymentChannel, PayoutStatus
from fengkong.lending.posting import (
    entries_for,
    provision_entry,
    refuse_deducted_fee,
    reserve_entry,
    share,
)
from fengkong.lending.product import (
    Product,
    ProductKind,
)
from fengkong.lending.quote import Quote, quote
from fengkong.lending.restructure import extend_term, reamortise
from fengkong.lending.schedule import Instalment
from fengkong.lending.waterfall import (
    DEFAULT_SETTLEMENT,
    DEFAULT_WATERFALL,
    SettlementQuote,
    SettlementRule,
    Waterfall,
    apply_repayment,
    settle,
    settlement_quote,
)
from fengkong.lending.waterfall import reverse_repayment as reverse_repayment_state
from fengkong.onboarding.application import PersonalDataVault
from fengkong.onboarding.party import PartyTokens, masked_party
from fengkong.scoring.artifact import canonical_json, sha256_hex

SYSTEM = "system:lending"
NO_FEN = Fen(0)
MAX_KEY_LENGTH = 100


# ---- configuration ----------------------------------------------------------------------------

# PBoC 《银行贷款损失准备计提指引》: specific provisions of 2 / 25 / 50 / 100 % on special-mention,
# substandard, doubtful and loss loans, and a general provision of about 1 % on the rest.
DEFAULT_PROVISION_RATES: Mapping[LoanClass, Decimal] = {
    LoanClass.NORMAL: Decimal("0.01"),
    LoanClass.SPECIAL_MENTION: Decimal("0.02"),
    LoanClass.SUBSTANDARD: Decimal("0.25"),
    LoanClass.DOUBTFUL: Decimal("0.50"),
    LoanClass.LOSS: Decimal("1"),
}


@dataclass(frozen=True, slots=True)
class LendingConfig:
    """Everything lending is configured by; the integrator maps settings onto it."""

    # The catalogue: each code@version once (`lending.catalogue`); a clash is refused.
    products: tuple[Product, ...] = DEFAULT_PRODUCTS
    # What a decision made without a price is offered (the configured rate card prices it).
    offer_product: str = "cash_loan"
    offer_product_version: int | None = 1
    # (lowest score, annual rate), highest first; the first band a score reaches prices it.
    rate_card: tuple[tuple[int, Decimal], ...] = (
        (570, Decimal("0.10")),
        (550, Decimal("0.13")),
        (0, Decimal("0.16")),
    )
    apr_cap: Decimal = Decimal("0.24")
    waterfall: Waterfall = DEFAULT_WATERFALL
    settlement: SettlementRule = DEFAULT_SETTLEMENT
    buckets: tuple[Tier, ...] = DEFAULT_BUCKETS
    classification: ClassificationRules = DEFAULT_CLASSIFICATION
    write_off: WriteOffPolicy = DEFAULT_WRITE_OFF
    provision_rates: Mapping[LoanClass, Decimal] = field(
        default_factory=lambda: dict(DEFAULT_PROVISION_RATES)
    )
    reserve_rate: Decimal = Decimal("0.015")  # 一般风险准备: 1.5 % of the principal lent
    line_rules: LineRules = DEFAULT_LINE_RULES
    payout_attempts: int = 3
    retries: int = 5
    eod_chunk: int = 500
    # Quiet loans (`lending.quiet`) are closed a batch at a time, this many per transaction.
    eod_quiet: bool = True
    eod_quiet_chunk: int = 50_000
    lender_name: str = "Fengkong Lending"

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if self.payout_attempts < 1:
            errors.append(FieldError(("payout_attempts",), "must be ≥ 1"))
        if self.eod_chunk < 1:
            errors.append(FieldError(("eod_chunk",), "must be ≥ 1"))
        if self.eod_quiet_chunk < 1:
            errors.append(FieldError(("eod_quiet_chunk",), "must be ≥ 1"))
        if set(self.provision_rates) != set(LoanClass):
            errors.append(FieldError(("provision_rates",), "need a rate for every loan class"))
        if not self.rate_card:
            errors.append(FieldError(("rate_card",), "at least one band"))
        errors.extend(catalogue_errors(self.products))
        if errors:
            raise Invalid(tuple(errors))

    def product(self, code: str, version: int | None = None) -> Product:
        found = [p for p in self.products if p.code == code]
        if version is not None:
            found = [p for p in found if p.version == version]
        if not found:
            raise NotFound(f"no product {code!r}" + (f" v{version}" if version else ""))
        return max(found, key=lambda p: p.version)

    def rate_for(self, score: int | None) -> Decimal:
        for min_score, rate in self.rate_card:
            if score is not None and score >= min_score:
                return rate
        return self.rate_card[-1][1]

    def provision_rate(self, loan_class: LoanClass) -> Decimal:
        return self.provision_rates[loan_class]


# ---- records and errors -----------------------------------------------------------------------


class LoanStage(StrEnum):
    PENDING_DISBURSEMENT = "pending_disbursement"
    ACTIVE = "active"
    SETTLED = "settled"
    WRITTEN_OFF = "written_off"
    CANCELLED = "cancelled"  # the payout failed every attempt: the booking was reversed


@dataclass(frozen=True, slots=True)
class LoanRecord:
    """A stored loan: the pure state plus what servicing keeps beside it. `revision` is the row
    version checked on save; `allowance` and `reserve` are what is provisioned for this loan."""

    loan_id: str
    state: LoanState
    stage: LoanStage
    booked_on: date
    amount: Fen  # what the borrower asked for and receives
    application_id: str | None = None
    line_id: str | None = None
    acceptance_key: str | None = None
    allowance: Fen = NO_FEN
    reserve: Fen = NO_FEN
    eod_date: date | None = None
    days_past_due: int = 0
    bucket: str = "M0"
    loan_class: LoanClass = LoanClass.NORMAL
    revision: int = 0


@dataclass(frozen=True, slots=True)
class PayoutRecord:
    payout_id: str
    loan_id: str
    idempotency_key: str
    amount: Fen
    status: PayoutStatus
    attempts: int = 0
    reference: str | None = None
    last_error: str | None = None


class RepaymentKind(StrEnum):
    REPAYMENT = "repayment"
    SETTLEMENT = "settlement"


@dataclass(frozen=True, slots=True)
class RepaymentRecord:
    repayment_id: str
    loan_id: str
    idempotency_key: str
    request_hash: str
    kind: RepaymentKind
    amount: Fen
    business_date: date
    status: str  # "applied" or "reversed"
    entry_ids: tuple[str, ...]
    result: Mapping[str, Any]
    reversal_key: str | None = None
    reversal_request_hash: str | None = None


@dataclass(frozen=True, slots=True)
class LineRecord:
    line: CreditLine
    idempotency_key: str
    request_hash: str
    revision: int = 0
    application_id: str | None = None  # the application it was opened on: its borrower


@dataclass(frozen=True, slots=True)
class DrawRecord:
    loan_id: str
    line_id: str
    idempotency_key: str
    request_hash: str
    amount: Fen
    terms: int
    drawn_on: date


class StaleLoan(Conflict):
    """The loan changed since it was read; the use case retries from a fresh read."""


class DuplicateKey(Conflict):
    """A unique key (idempotency key, application) was taken by a concurrent request."""


class NotApproved(Conflict):
    pass


class LoanNotFound(NotFound):
    pass


class LineNotFound(NotFound):
    pass


class OfferOverCap(Conflict):
    pass


# ---- ports ------------------------------------------------------------------------------------


class LendingRepository(Protocol):
    def add_loan(self, record: LoanRecord, now: datetime) -> None: ...
    def get_loan(self, loan_id: str) -> LoanRecord | None: ...
    def loan_for_application(self, application_id: str) -> LoanRecord | None: ...
    def save_loan(self, record: LoanRecord, now: datetime) -> LoanRecord: ...
    def save_loans(self, records: Sequence[LoanRecord], now: datetime) -> None: ...
    def set_instalments(self, loan_id: str, instalments: Sequence[Instalment]) -> None: ...
    def instalments(self, loan_id: str) -> tuple[Instalment, ...]: ...
    def add_contract(self, contract: Contract, now: datetime) -> None: ...
    def contract(self, loan_id: str) -> Contract | None: ...
    def payout_by_key(self, key: str) -> PayoutRecord | None: ...
    def payouts_for_loan(self, loan_id: str) -> tuple[PayoutRecord, ...]: ...
    def save_payout(self, payout: PayoutRecord, now: datetime) -> None: ...
    def repayment_by_key(self, key: str) -> RepaymentRecord | None: ...
    def get_repayment(self, repayment_id: str) -> RepaymentRecord | None: ...
    def add_repayment(self, record: RepaymentRecord, now: datetime) -> None: ...
    def save_repayment(self, record: RepaymentRecord) -> None: ...
    def repayment_and_loan(
        self, key: str, loan_id: str
    ) -> tuple[RepaymentRecord | None, LoanRecord | None]: ...
    def record_repayment(
        self,
        entries: Sequence[JournalEntry],
        request_hash: str,
        loan: LoanRecord,
        repayment: RepaymentRecord,
        now: datetime,
    ) -> LoanRecord: ...
    def add_line(self, record: LineRecord, now: datetime) -> None: ...
    def get_line(self, line_id: str) -> LineRecord | None: ...
    def line_by_key(self, key: str) -> LineRecord | None: ...
    def save_line(self, record: LineRecord, now: datetime) -> LineRecord: ...
    def add_draw(self, record: DrawRecord, now: datetime) -> None: ...
    def draw_by_key(self, key: str) -> DrawRecord | None: ...
    def post_entries(
        self, entries: Sequence[JournalEntry], request_hash: str, posted_at: datetime
    ) -> None: ...
    # end of day
    def loans_for_eod(
        self, business_date: date, partition: int, partitions: int, after: str, limit: int
    ) -> list[LoanRecord]: ...
    def count_loans_for_eod(self, business_date: date) -> int: ...
    def quiet_loans_for_eod(
        self,
        business_date: date,
        partition: int,
        partitions: int,
        after: str,
        limit: int,
        loan_class: LoanClass,
        bucket: str,
    ) -> Any: ...
    def save_quiet_loans(self, moved: Any, on: date, now: datetime) -> Any: ...
    def post_quiet_journal(self, journal: Any, request_hash: str, posted_at: datetime) -> None: ...
    def worst_dpd_on_line(self, line_id: str) -> int: ...
    def eod_run(self, business_date: date) -> Mapping[str, Any] | None: ...
    def last_completed_eod(self) -> date | None: ...
    def start_eod(self, business_date: date, now: datetime) -> None: ...
    def finish_eod(
        self, business_date: date, now: datetime, summary: Mapping[str, Any]
    ) -> None: ...
    def eod_progress(self, business_date: date, partition: int) -> Mapping[str, Any] | None: ...
    def all_eod_progress(self, business_date: date) -> list[Mapping[str, Any]]: ...
    def save_eod_progress(self, progress: Mapping[str, Any]) -> None: ...


class Journal(Protocol):
    def post(
        self, entry: JournalEntry, request_hash: str, posted_at: datetime
    ) -> tuple[JournalEntry, bool]: ...
    def get(self, entry_id: str) -> JournalEntry | None: ...
    def balances(self, loan_id: str | None = None) -> dict[AccountKey, int]: ...
    def entries(self) -> Iterator[JournalEntry]: ...


class Audit(Protocol):
    def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        payload: Mapping[str, object] | None = None,
    ) -> Any: ...


class ApplicationReader(Protocol):
    def get(self, application_id: str) -> Any: ...


class DecisionReader(Protocol):
    def for_application(self, application_id: str) -> Any: ...


class PolicyBundleReader(Protocol):
    def get(self, sha256: str) -> dict[str, Any] | None: ...


class LendingUnitOfWork(UnitOfWork, Protocol):
    @property
    def lending(self) -> LendingRepository: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def audit(self) -> Audit: ...
    @property
    def applications(self) -> ApplicationReader: ...
    @property
    def decisions(self) -> DecisionReader: ...
    @property
    def policy_bundles(self) -> PolicyBundleReader: ...
    @property
    def officer_decisions(self) -> OfficerDecisionReader: ...


@dataclass(frozen=True, slots=True)
class LendingServices:
    uow: Callable[[], LendingUnitOfWork]
    clock: Clock
    channel: PaymentChannel
    config: LendingConfig = field(default_factory=LendingConfig)
    # Masks the borrower's name and ID number into the contract; without one (tests that seed
    # applications with no real ciphertext) the contract names the application only.
    vault: PersonalDataVault | None = None


# ---- helpers --------------------------------------------------------------------------------

_T = TypeVar("_T")


def _retrying(svc: LendingServices, attempt: Callable[[], _T]) -> _T:
    """Run `attempt` again after a lost optimistic-locking or unique-key race."""
    for _ in range(svc.config.retries - 1):
        try:
            return attempt()
        except (StaleLoan, DuplicateKey):
            continue
    return attempt()


def request_hash(document: Mapping[str, object]) -> str:
    return sha256_hex(canonical_json(dict(document)))


def check_key(key: str, loc: str = "idempotency_key") -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise Invalid((FieldError((loc,), f"required, 1-{MAX_KEY_LENGTH} characters"),))
    return key.strip()


def check_currency(currency: str) -> None:
    if currency != CURRENCY:
        raise Invalid(
            (FieldError(("currency",), f"only {CURRENCY} is accepted, not {currency!r}"),)
        )


def _load(uow: LendingUnitOfWork, loan_id: str) -> LoanRecord:
    record = uow.lending.get_loan(loan_id)
    if record is None:
        raise LoanNotFound(f"no loan {loan_id!r}")
    return record


def _require_stage(record: LoanRecord, stage: LoanStage, action: str) -> None:
    if record.stage is not stage:
        raise Conflict(f"cannot {action}: loan {record.loan_id} is {record.stage.value}")


def stage_of(state: LoanState) -> LoanStage:
    return {
        LoanStatus.ACTIVE: LoanStage.ACTIVE,
        LoanStatus.SETTLED: LoanStage.SETTLED,
        LoanStatus.WRITTEN_OFF: LoanStage.WRITTEN_OFF,
    }[state.status]


def aged(state: LoanState, config: LendingConfig) -> Delinquency:
    """The loan's DPD, bucket and class as of the date its state is accrued through, under the
    configured buckets and classification: what is stored, shown and acted on."""
    return delinquency(state, config.buckets, config.classification)


def with_state(record: LoanRecord, state: LoanState, config: LendingConfig) -> LoanRecord:
    """The record holding `state`, its stage and its delinquency columns (`aged`)."""
    now = aged(state, config)
    return replace(
        record,
        state=state,
        stage=stage_of(state),
        days_past_due=now.days_past_due,
        bucket=now.bucket,
        loan_class=now.loan_class,
    )


def target_allowance(state: LoanState, loan_class: LoanClass, config: LendingConfig) -> Fen:
    """The allowance a loan of this class should carry: its rate of everything outstanding."""
    if state.status is not LoanStatus.ACTIVE:
        return Fen(0)
    return share(state.outstanding.total, config.provision_rate(loan_class))


@dataclass(frozen=True, slots=True)
class Provisioned:
    record: LoanRecord
    entries: tuple[JournalEntry, ...]


def provision_to_target(
    record: LoanRecord, on: date, key: str, new_entry_id: Callable[[], str], config: LendingConfig
) -> Provisioned:
    """Top the allowance up (or release it) to its target for the record's class, and take the
    general reserve back when the loan has closed."""
    entries: list[JournalEntry] = []
    target = target_allowance(record.state, record.loan_class, config)
    moved = provision_entry(
        record.loan_id,
        on,
        target - record.allowance,
        f"{key}:provision",
        new_entry_id(),
        f"allowance to {record.loan_class.value}",
    )
    if moved is not None:
        entries.append(moved)
    reserve_target = (
        share(record.state.terms.principal, config.reserve_rate)
        if record.state.status is LoanStatus.ACTIVE
        else Fen(0)
    )
    drawn = reserve_entry(
        on, reserve_target - record.reserve, f"{key}:reserve", new_entry_id(), record.loan_id
    )
    if drawn is not None:
        entries.append(drawn)
    return Provisioned(replace(record, allowance=target, reserve=reserve_target), tuple(entries))


def _post(
    uow: LendingUnitOfWork, entries: Sequence[JournalEntry], request: str, now: datetime
) -> tuple[str, ...]:
    for entry in entries:
        uow.journal.post(entry, request, now)
    return tuple(e.entry_id for e in entries)


# ---- offers and booking -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Offer:
    application_id: str
    product: Product
    quote: Quote
    score: int | None
    approved_by: str = "system:decision"  # or "officer:<name>" after a referral
    decision_id: str | None = None  # the decision offered: automatic, or the officer's


def _offer(uow: LendingUnitOfWork, application_id: str, svc: LendingServices) -> Offer:
    application = uow.applications.get(application_id)
    decision = uow.decisions.for_application(application_id)
    if application is None or decision is None:
        raise NotFound(f"no application {application_id!r}")
    decision = settled(decision, uow.officer_decisions)
    if decision.outcome == "refer":
        raise NotApproved(f"application {application_id} is referred and awaits an officer")
    if decision.outcome != "approve" or decision.approved_amount is None:
        raise NotApproved(f"application {application_id} was not approved ({decision.outcome})")
    product, rate, term = _priced_by(uow, decision, svc)
    offer = quote(
        product,
        Fen(decision.approved_amount),
        term or application.term_months,
        rate,
        svc.clock.business_date(),
    )
    if offer.apr > svc.config.apr_cap:
        raise OfferOverCap(
            f"the offer's APR {offer.apr} is over the cap {svc.config.apr_cap}; not offered"
        )
    return Offer(
        application_id, product, offer, decision.score, decision.decided_by, decision.decision_id
    )


def _priced_by(
    uow: LendingUnitOfWork, decision: Any, svc: LendingServices
) -> tuple[Product, Decimal, int | None]:
    """The product, rate and term the decision's policy priced; decisions made without a price
    fall back to the configured rate card."""
    if decision.annual_rate is not None and decision.policy_sha256 is not None:
        stored = uow.policy_bundles.get(decision.policy_sha256)
        if stored is not None:
            from fengkong.decision.bundle import PolicyBundle

            policy = PolicyBundle.from_dict(stored, decision.policy_sha256).compile()
            return policy.product, Decimal(decision.annual_rate), decision.term_months
    product = svc.config.product(svc.config.offer_product, svc.config.offer_product_version)
    return product, svc.config.rate_for(decision.score), None


def _contract_party(
    uow: LendingUnitOfWork, application_id: str, svc: LendingServices
) -> ContractParty | None:
    """The borrower as the contract names them: masked name and resident ID number."""
    if svc.vault is None:
        return None
    application = uow.applications.get(application_id)
    masked = masked_party(
        PartyTokens(
            application.id_number_bidx,
            application.name_enc,
            application.id_number_enc,
            application.phone_enc,
        ),
        svc.vault,
    )
    return ContractParty(name=masked.name, id_number=masked.id_number)


def quote_offer(application_id: str, svc: LendingServices) -> Offer:
    """The schedule, APR and total cost of the loan an approved application can accept."""
    with svc.uow() as uow:
        return _offer(uow, application_id, svc)


@dataclass(frozen=True, slots=True)
class LoanView:
    record: LoanRecord
    schedule: tuple[Instalment, ...]
    contract: Contract | None
    delinquency: Delinquency  # the same answer the record's stored columns hold
    payouts: tuple[PayoutRecord, ...] = ()


def _view(uow: LendingUnitOfWork, record: LoanRecord, config: LendingConfig) -> LoanView:
    return LoanView(
        record,
        uow.lending.instalments(record.loan_id),
        uow.lending.contract(record.loan_id),
        aged(record.state, config),
        uow.lending.payouts_for_loan(record.loan_id),
    )


def get_loan(loan_id: str, svc: LendingServices) -> LoanView:
    with svc.uow() as uow:
        return _view(uow, _load(uow, loan_id), svc.config)


def accept_offer(
    application_id: str, idempotency_key: str, svc: LendingServices, actor: str = SYSTEM
) -> LoanView:
    """Book the offered loan and its contract; the payout is `disburse`'s job."""
    key = check_key(idempotency_key)

    def attempt() -> LoanView:
        with svc.uow() as uow:
            existing = uow.lending.loan_for_application(application_id)
            if existing is not None:
                if existing.acceptance_key != key:
                    raise Conflict(f"application {application_id} is already accepted")
                return _view(uow, existing, svc.config)
            offer = _offer(uow, application_id, svc)
            refuse_deducted_fee(offer.product)
            today = svc.clock.business_date()
            loan_id = new_id("loan", svc.clock)
            booked = book_loan(loan_id, offer.product, offer.quote, today)
            contract = render_contract(
                loan_id,
                offer.quote,
                today,
                borrower_ref=application_id,
                borrower=_contract_party(uow, application_id, svc),
                lender=svc.config.lender_name,
            )
            record = with_state(
                LoanRecord(
                    loan_id=loan_id,
                    state=booked.state,
                    stage=LoanStage.PENDING_DISBURSEMENT,
                    booked_on=today,
                    amount=offer.quote.amount,
                    application_id=application_id,
                    acceptance_key=key,
                ),
                booked.state,
                svc.config,
            )
            record = replace(record, stage=LoanStage.PENDING_DISBURSEMENT)
            now = svc.clock.now()
            uow.lending.add_loan(record, now)
            uow.lending.set_instalments(loan_id, offer.quote.schedule)
            uow.lending.add_contract(contract, now)
            uow.audit.append(
                at=now,
                actor=actor,
                action="loan.booked",
                subject_type="loan",
                subject_id=loan_id,
                payload={
                    "application_id": application_id,
                    "decision_id": offer.decision_id,
                    "approved_by": offer.approved_by,
                    "product": f"{offer.product.code}@{offer.product.version}",
                    "amount_fen": int(offer.quote.amount),
                    "principal_fen": int(offer.quote.principal),
                    "annual_rate": str(offer.quote.annual_rate),
                    "apr": str(offer.quote.apr),
                    "total_cost_fen": int(offer.quote.total_cost),
                    "terms": len(offer.quote.schedule),
                    "contract_template": contract.template_version,
                    "contract_sha256": contract.sha256,
                },
            )
            uow.commit()
            return _view(uow, record, svc.config)

    return _retrying(svc, attempt)


# ---- disbursement -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Disbursement:
    loan_id: str
    payout: PayoutRecord
    stage: LoanStage


def disburse(
    loan_id: str, idempotency_key: str, svc: LendingServices, actor: str = SYSTEM
) -> Disbursement:
    """Pay a booked loan out through the channel. The payout is stored (pending) before the
    channel is called, each failed attempt is recorded, and after `payout_attempts` failures the
    booking is reversed (the loan is cancelled): a payout is never lost in between."""
    key = check_key(idempotency_key)
    payout = _start_payout(loan_id, key, svc, actor)
    if payout.status is not PayoutStatus.PENDING:
        with svc.uow() as uow:
            return Disbursement(loan_id, payout, _load(uow, loan_id).stage)
    while True:
        result = svc.channel.payout(payout.payout_id, loan_id, payout.amount)
        payout = replace(
            payout,
            attempts=payout.attempts + 1,
            reference=result.reference or None,
            last_error=result.error or None,
        )
        if result.succeeded:
            return _complete_payout(payout, svc, actor)
        if payout.attempts >= svc.config.payout_attempts:
            return _fail_payout(payout, svc, actor)
        with svc.uow() as uow:
            uow.lending.save_payout(payout, svc.clock.now())
            uow.commit()


def _start_payout(loan_id: str, key: str, svc: LendingServices, actor: str) -> PayoutRecord:
    def attempt() -> PayoutRecord:
        with svc.uow() as uow:
            record = _load(uow, loan_id)
            existing = uow.lending.payout_by_key(key)
            if existing is not None:
                if existing.loan_id != loan_id:
                    raise Conflict(f"idempotency key {key!r} was used for another loan")
                return existing
            _require_stage(record, LoanStage.PENDING_DISBURSEMENT, "disburse")
            pending = [p for p in uow.lending.payouts_for_loan(loan_id) if p.status == "pending"]
            if pending:
                return pending[0]  # a payout interrupted earlier: carry on with it
            payout = PayoutRecord(
                payout_id=new_id("po", svc.clock),
                loan_id=loan_id,
                idempotency_key=key,
                amount=record.amount,
                status=PayoutStatus.PENDING,
            )
            now = svc.clock.now()
            uow.lending.save_payout(payout, now)
            uow.audit.append(
                at=now,
                actor=actor,
                action="payout.requested",
                subject_type="loan",
                subject_id=loan_id,
                payload={"payout_id": payout.payout_id, "amount_fen": int(payout.amount)},
            )
            uow.commit()
            return payout

    return _retrying(svc, attempt)


def _complete_payout(payout: PayoutRecord, svc: LendingServices, actor: str) -> Disbursement:
    def attempt() -> Disbursement:
        with svc.uow() as uow:
            record = _load(uow, payout.loan_id)
            if record.stage is not LoanStage.PENDING_DISBURSEMENT:
                stored = uow.lending.payout_by_key(payout.idempotency_key) or payout
                return Disbursement(record.loan_id, stored, record.stage)
            today = svc.clock.business_date()
            # The loan as booked, never a product looked up again by its code: the schedule
            # runs from the day the money leaves, rebuilt from the booked terms and fee when
            # that is not the booking day. The whole amount is paid out: a fee deducted from
            # the payout is refused at booking (`refuse_deducted_fee`).
            booked = disburse_booked(record.state, today, record.amount)
            if today != record.booked_on:
                uow.lending.set_instalments(record.loan_id, booked_schedule(booked.state))
            disbursed = next(e for e in booked.events if isinstance(e, Disbursed))
            key = f"loan:{record.loan_id}:disburse"
            ids = lambda: new_id("je", svc.clock)  # noqa: E731
            entries = list(entries_for(record.loan_id, booked.events, key=key, new_entry_id=ids))
            updated = with_state(record, booked.state, svc.config)
            provisioned = provision_to_target(updated, today, key, ids, svc.config)
            entries += provisioned.entries
            now = svc.clock.now()
            request = request_hash({"op": "disburse", "payout_id": payout.payout_id})
            entry_ids = _post(uow, entries, request, now)
            done = replace(payout, status=PayoutStatus.SUCCEEDED)
            uow.lending.save_payout(done, now)
            saved = uow.lending.save_loan(replace(provisioned.record, booked_on=today), now)
            uow.audit.append(
                at=now,
                actor=actor,
                action="loan.disbursed",
                subject_type="loan",
                subject_id=record.loan_id,
                payload={
                    "payout_id": payout.payout_id,
                    "reference": payout.reference,
                    "attempts": payout.attempts,
                    "principal_fen": int(disbursed.principal),
                    "paid_out_fen": int(disbursed.paid_out),
                    "allowance_fen": int(saved.allowance),
                    "reserve_fen": int(saved.reserve),
                    "rescheduled": today != record.booked_on,
                    "entries": list(entry_ids),
                },
            )
            uow.commit()
            return Disbursement(record.loan_id, done, saved.stage)

    return _retrying(svc, attempt)


def _fail_payout(payout: PayoutRecord, svc: LendingServices, actor: str) -> Disbursement:
    def attempt() -> Disbursement:
        with svc.uow() as uow:
            record = _load(uow, payout.loan_id)
            failed = replace(payout, status=PayoutStatus.FAILED)
            now = svc.clock.now()
            uow.lending.save_payout(failed, now)
            saved = uow.lending.save_loan(replace(record, stage=LoanStage.CANCELLED), now)
            if record.line_id is not None:
                _release_draw(uow, record.line_id, record.loan_id, now)
            uow.audit.append(
                at=now,
                actor=actor,
                action="loan.disbursement_failed",
                subject_type="loan",
                subject_id=record.loan_id,
                payload={
                    "payout_id": payout.payout_id,
                    "attempts": payout.attempts,
                    "error": payout.last_error,
                    "outcome": "booking reversed; no money moved",
                },
            )
            uow.commit()
            return Disbursement(record.loan_id, failed, saved.stage)

    return _retrying(svc, attempt)


# ---- repayments ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepaymentPosted:
    repayment_id: str
    loan_id: str
    amount: Fen
    kind: RepaymentKind
    business_date: date
    status: str
    allocated: Mapping[str, int]  # by component
    to_credit: Fen
    loan_stage: LoanStage
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "repayment_id": self.repayment_id,
            "loan_id": self.loan_id,
            "amount_fen": int(self.amount),
            "kind": self.kind.value,
            "business_date": self.business_date.isoformat(),
            "status": self.status,
            "allocated": dict(self.allocated),
            "to_credit_fen": int(self.to_credit),
            "loan_stage": self.loan_stage.value,
        }

    @classmethod
    def of(cls, record: RepaymentRecord, replayed: bool) -> RepaymentPosted:
        r = record.result
        return cls(
            repayment_id=record.repayment_id,
            loan_id=record.loan_id,
            amount=record.amount,
            kind=record.kind,
            business_date=record.business_date,
            status=record.status,
            allocated=dict(r["allocated"]),
            to_credit=Fen(r["to_credit_fen"]),
            loan_stage=LoanStage(r["loan_stage"]),
            replayed=replayed,
        )


def _replayed(existing: RepaymentRecord, key: str, hashed: str) -> RepaymentPosted:
    if existing.request_hash != hashed:
        raise Conflict(f"idempotency key {key!r} was already used for a different request")
    return RepaymentPosted.of(existing, replayed=True)


def post_repayment(
    loan_id: str,
    amount: int,
    idempotency_key: str,
    svc: LendingServices,
    *,
    currency: str = CURRENCY,
    actor: str = SYSTEM,
) -> RepaymentPosted:
    """Apply cash received today by the waterfall; the excess is held as unapplied credit."""
    return _take_payment(
        loan_id, amount, idempotency_key, svc, RepaymentKind.REPAYMENT, currency, actor
    )


def settle_loan(
    loan_id: str,
    amount: int,
    idempotency_key: str,
    svc: LendingServices,
    *,
    currency: str = CURRENCY,
    actor: str = SYSTEM,
) -> RepaymentPosted:
    """提前结清 at `settlement_quote`'s payable amount (or more: the excess stays as credit)."""
    return _take_payment(
        loan_id, amount, idempotency_key, svc, RepaymentKind.SETTLEMENT, currency, actor
    )


def _take_payment(
    loan_id: str,
    amount: int,
    idempotency_key: str,
    svc: LendingServices,
    kind: RepaymentKind,
    currency: str,
    actor: str,
) -> RepaymentPosted:
    key = check_key(idempotency_key)
    check_currency(currency)
    if kind is RepaymentKind.REPAYMENT:
        positive_amount(amount)
    elif isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise Invalid((FieldError(("amount",), f"must be fen ≥ 0: {amount!r}"),))
    hashed = request_hash(
        {"op": kind.value, "loan_id": loan_id, "amount": amount, "currency": currency}
    )

    def attempt() -> RepaymentPosted:
        with svc.uow() as uow:
            # Reads in one round trip and writes in another (see `record_repayment`): the
            # journal entries' keys derive from the new repayment id, so they are fresh, and the
            # request's idempotency is the repayment row's unique key, checked here first.
            existing, record = uow.lending.repayment_and_loan(key, loan_id)
            if existing is not None:
                return _replayed(existing, key, hashed)
            if record is None:
                raise LoanNotFound(f"no loan {loan_id!r}")
            _require_stage(record, LoanStage.ACTIVE, f"take a {kind.value}")
            today = svc.clock.business_date()
            repayment_id = new_id("rp", svc.clock)
            if kind is RepaymentKind.REPAYMENT:
                moved = apply_repayment(
                    record.state, amount, today, repayment_id, svc.config.waterfall
                )
            else:
                moved = settle(
                    record.state,
                    amount,
                    today,
                    repayment_id,
                    svc.config.settlement,
                    svc.config.waterfall,
                )
            own = moved.state.repayments[-1].events
            before = moved.events[: len(moved.events) - len(own)]
            ids = lambda: new_id("je", svc.clock)  # noqa: E731
            prefix = f"loan:{loan_id}:rp:{repayment_id}"
            accrued = entries_for(loan_id, before, key=f"{prefix}:pre", new_entry_id=ids)
            paid = entries_for(loan_id, own, key=prefix, new_entry_id=ids)
            updated = with_state(record, moved.state, svc.config)
            extra: tuple[JournalEntry, ...] = ()
            if updated.stage is not LoanStage.ACTIVE:
                provisioned = provision_to_target(updated, today, prefix, ids, svc.config)
                updated, extra = provisioned.record, provisioned.entries
            now = svc.clock.now()
            allocated: dict[str, int] = {}
            to_credit = 0
            for event in own:
                if not isinstance(event, RepaymentApplied):
                    continue
                parts = event.allocation.by_component()
                for name in ("penalty", "fee", "interest", "principal"):
                    allocated[name] = allocated.get(name, 0) + int(getattr(parts, name))
                to_credit += int(event.allocation.to_credit)
            result = RepaymentPosted(
                repayment_id,
                loan_id,
                Fen(amount),
                kind,
                today,
                "applied",
                allocated,
                Fen(to_credit),
                updated.stage,
            )
            stored = RepaymentRecord(
                repayment_id=repayment_id,
                loan_id=loan_id,
                idempotency_key=key,
                request_hash=hashed,
                kind=kind,
                amount=Fen(amount),
                business_date=today,
                status="applied",
                entry_ids=tuple(e.entry_id for e in (*paid, *extra)),
                result=result.as_dict(),
            )
            saved = uow.lending.record_repayment(
                (*accrued, *paid, *extra), hashed, updated, stored, now
            )
            if record.line_id is not None:
                _sync_line(uow, record.line_id, saved.state, now)
            uow.audit.append(
                at=now,
                actor=actor,
                action=f"loan.{kind.value}_posted",
                subject_type="loan",
                subject_id=loan_id,
                payload={**stored.result, "idempotency_key": key},
            )
            uow.commit()
            return result

    return _retrying(svc, attempt)


def reverse_repayment(
    loan_id: str,
    repayment_id: str,
    idempotency_key: str,
    reason: str,
    svc: LendingServices,
    *,
    actor: str = SYSTEM,
) -> RepaymentPosted:
    """冲正 the latest repayment: its entries are reversed, its effect on the loan undone, and
    penalty or fees it had avoided are charged after all."""
    key = check_key(idempotency_key)
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid((FieldError(("reason",), "a reversal needs a reason"),))
    hashed = request_hash({"op": "reversal", "loan_id": loan_id, "repayment_id": repayment_id})

    def attempt() -> RepaymentPosted:
        with svc.uow() as uow:
            stored = uow.lending.get_repayment(repayment_id)
            if stored is None or stored.loan_id != loan_id:
                raise NotFound(f"loan {loan_id!r} has no repayment {repayment_id!r}")
            if stored.status == "reversed":
                if stored.reversal_key == key and stored.reversal_request_hash == hashed:
                    return RepaymentPosted.of(stored, replayed=True)
                raise Conflict(f"repayment {repayment_id} is already reversed")
            record = _load(uow, loan_id)
            today = svc.clock.business_date()
            moved = reverse_repayment_state(record.state, repayment_id, today)
            originals = [uow.journal.get(entry_id) for entry_id in stored.entry_ids]
            money = [e for e in originals if e is not None and e.kind.value != "provision"]
            money = [e for e in money if e.kind.value != "reserve"]
            ids = lambda: new_id("je", svc.clock)  # noqa: E731
            prefix = f"loan:{loan_id}:rv:{repayment_id}"
            entries = list(
                entries_for(
                    loan_id, moved.events, key=prefix, new_entry_id=ids, reversed_entries=money
                )
            )
            updated = with_state(record, moved.state, svc.config)
            if record.stage is not LoanStage.ACTIVE:  # the repayment had closed the loan
                provisioned = provision_to_target(updated, today, prefix, ids, svc.config)
                updated = provisioned.record
                entries += provisioned.entries
            now = svc.clock.now()
            _post(uow, entries, hashed, now)
            saved = uow.lending.save_loan(updated, now)
            if record.line_id is not None:
                _sync_line(uow, record.line_id, saved.state, now)
            reversed_record = replace(
                stored,
                status="reversed",
                reversal_key=key,
                reversal_request_hash=hashed,
                result={**stored.result, "status": "reversed", "loan_stage": saved.stage.value},
            )
            uow.lending.save_repayment(reversed_record)
            uow.audit.append(
                at=now,
                actor=actor,
                action="loan.repayment_reversed",
                subject_type="loan",
                subject_id=loan_id,
                payload={
                    "repayment_id": repayment_id,
                    "reason": reason.strip(),
                    "entries": [e.entry_id for e in entries],
                },
            )
            uow.commit()
            return RepaymentPosted.of(reversed_record, replayed=False)

    return _retrying(svc, attempt)


def quote_settlement(loan_id: str, svc: LendingServices) -> SettlementQuote:
    with svc.uow() as uow:
        record = _load(uow, loan_id)
    _require_stage(record, LoanStage.ACTIVE, "quote a settlement")
    return settlement_quote(record.state, svc.clock.business_date(), svc.config.settlement)


# ---- restructuring --------------------------------------------------------------------------


def restructure(
    loan_id: str,
    reason: str,
    svc: LendingServices,
    *,
    extra_terms: int | None = None,
    new_terms: int | None = None,
    annual_rate: Decimal | None = None,
    actor: str = SYSTEM,
) -> LoanView:
    """展期 (`extra_terms`) or re-amortisation over `new_terms`, with the reason recorded."""
    if (extra_terms is None) == (new_terms is None):
        raise Invalid((FieldError(("extra_terms",), "give extra_terms or new_terms, not both"),))

    def attempt() -> LoanView:
        with svc.uow() as uow:
            record = _load(uow, loan_id)
            _require_stage(record, LoanStage.ACTIVE, "restructure")
            today = svc.clock.business_date()
            if extra_terms is not None:
                moved = extend_term(record.state, today, extra_terms, reason)
            else:
                assert new_terms is not None
                moved = reamortise(record.state, today, new_terms, reason, annual_rate=annual_rate)
            ids = lambda: new_id("je", svc.clock)  # noqa: E731
            key = f"loan:{loan_id}:rs:{moved.state.revision}"
            entries = entries_for(loan_id, moved.events, key=key, new_entry_id=ids)
            now = svc.clock.now()
            _post(uow, entries, request_hash({"op": "restructure", "key": key}), now)
            saved = uow.lending.save_loan(with_state(record, moved.state, svc.config), now)
            uow.lending.set_instalments(loan_id, [p.instalment for p in moved.state.positions])
            done = moved.state.restructurings[-1]
            uow.audit.append(
                at=now,
                actor=actor,
                action="loan.restructured",
                subject_type="loan",
                subject_id=loan_id,
                payload={
                    "kind": done.kind.value,
                    "reason": done.reason,
                    "outstanding_principal_fen": int(done.outstanding_principal),
                    "old_terms": done.old_terms,
                    "new_terms": done.new_terms,
                    "annual_rate": str(done.annual_rate),
                },
            )
            uow.commit()
            return _view(uow, saved, svc.config)

    return _retrying(svc, attempt)


# ---- credit lines -------------------------------------------------------------------------


def _load_line(uow: LendingUnitOfWork, line_id: str) -> LineRecord:
    record = uow.lending.get_line(line_id)
    if record is None:
        raise LineNotFound(f"no credit line {line_id!r}")
    return record


def _sync_line(uow: LendingUnitOfWork, line_id: str, state: LoanState, now: datetime) -> None:
    record = _load_line(uow, line_id)
    uow.lending.save_line(replace(record, line=sync_draw(record.line, state)), now)


def _release_draw(uow: LendingUnitOfWork, line_id: str, loan_id: str, now: datetime) -> None:
    record = _load_line(uow, line_id)
    line = record.line
    draws = tuple(d for d in line.draws if d.draw_id != loan_id)
    uow.lending.save_line(replace(record, line=replace(line, draws=draws)), now)


def get_line(line_id: str, svc: LendingServices) -> CreditLine:
    with svc.uow() as uow:
        return _load_line(uow, line_id).line


def open_line(
    limit: int,
    annual_rate: Decimal,
    idempotency_key: str,
    svc: LendingServices,
    *,
    product_code: str | None = None,
    application_id: str | None = None,
    actor: str = SYSTEM,
) -> CreditLine:
    """Open a line; with `application_id`, on that approved application, whose applicant is then
    the line's borrower, for a limit up to the approved amount."""
    key = check_key(idempotency_key)
    code = product_code or next(
        (p.code for p in svc.config.products if p.kind is ProductKind.REVOLVING_LINE), ""
    )
    product = svc.config.product(code)
    document: dict[str, object] = {
        "op": "open_line",
        "limit": limit,
        "rate": str(annual_rate),
        "product": code,
    }
    if application_id is not None:
        document["application_id"] = application_id
    hashed = request_hash(document)

    def attempt() -> CreditLine:
        with svc.uow() as uow:
            existing = uow.lending.line_by_key(key)
            if existing is not None:
                if existing.request_hash != hashed:
                    raise Conflict(f"idempotency key {key!r} was already used differently")
                return existing.line
            if application_id is not None:
                _check_line_application(uow, application_id, limit)
            line = open_line_state(
                new_id("line", svc.clock), product, limit, annual_rate, svc.clock.business_date()
            )
            now = svc.clock.now()
            uow.lending.add_line(LineRecord(line, key, hashed, application_id=application_id), now)
            payload: dict[str, object] = {
                "limit_fen": int(line.limit),
                "annual_rate": str(annual_rate),
            }
            if application_id is not None:
                payload["application_id"] = application_id
            uow.audit.append(
                at=now,
                actor=actor,
                action="line.opened",
                subject_type="credit_line",
                subject_id=line.line_id,
                payload=payload,
            )
            uow.commit()
            return line

    return _retrying(svc, attempt)


def _check_line_application(uow: LendingUnitOfWork, application_id: str, limit: int) -> None:
    application = uow.applications.get(application_id)
    decision = uow.decisions.for_application(application_id)
    if application is None or decision is None:
        raise NotFound(f"no application {application_id!r}")
    decision = settled(decision, uow.officer_decisions)
    if decision.outcome != "approve" or decision.approved_amount is None:
        raise NotApproved(f"application {application_id} was not approved ({decision.outcome})")
    if limit > decision.approved_amount:
        raise Invalid(
            (
                FieldError(
                    ("limit",),
                    f"above the approved amount {format_fen(Fen(decision.approved_amount))} "
                    f"of application {application_id}",
                ),
            )
        )


@dataclass(frozen=True, slots=True)
class DrawResult:
    line: CreditLine
    loan: LoanView
    disbursement: Disbursement


def draw(
    line_id: str,
    amount: int,
    terms: int,
    idempotency_key: str,
    svc: LendingServices,
    *,
    currency: str = CURRENCY,
    actor: str = SYSTEM,
) -> DrawResult:
    """支用: book the draw as its own loan on its own schedule, then pay it out."""
    key = check_key(idempotency_key)
    check_currency(currency)
    cash = positive_amount(amount)
    hashed = request_hash({"op": "draw", "line_id": line_id, "amount": cash, "terms": terms})

    def attempt() -> str:
        with svc.uow() as uow:
            existing = uow.lending.draw_by_key(key)
            if existing is not None:
                if existing.request_hash != hashed:
                    raise Conflict(f"idempotency key {key!r} was already used differently")
                return existing.loan_id
            line_record = _load_line(uow, line_id)
            refuse_deducted_fee(line_record.line.product)
            today = svc.clock.business_date()
            loan_id = new_id("loan", svc.clock)
            drawn = draw_line(line_record.line, cash, terms, today, loan_id)
            state = drawn.loan.state
            record = replace(
                with_state(
                    LoanRecord(loan_id, state, LoanStage.ACTIVE, today, cash, line_id=line_id),
                    state,
                    svc.config,
                ),
                stage=LoanStage.PENDING_DISBURSEMENT,
            )
            now = svc.clock.now()
            uow.lending.add_loan(record, now)
            uow.lending.set_instalments(loan_id, [p.instalment for p in state.positions])
            uow.lending.save_line(replace(line_record, line=drawn.line), now)
            uow.lending.add_draw(DrawRecord(loan_id, line_id, key, hashed, cash, terms, today), now)
            uow.audit.append(
                at=now,
                actor=actor,
                action="line.drawn",
                subject_type="credit_line",
                subject_id=line_id,
                payload={"loan_id": loan_id, "amount_fen": int(cash), "terms": terms},
            )
            uow.commit()
            return loan_id

    loan_id = _retrying(svc, attempt)
    paid = disburse(loan_id, f"draw:{key}", svc, actor)
    with svc.uow() as uow:
        return DrawResult(
            _load_line(uow, line_id).line, _view(uow, _load(uow, loan_id), svc.config), paid
        )


def change_line(
    line_id: str,
    action: str,
    reason: str,
    svc: LendingServices,
    *,
    officer: str = "",
    new_limit: int | None = None,
    actor: str = SYSTEM,
) -> CreditLine:
    """freeze, unfreeze (officers only: the appeal path), reduce, limit (lower or, by an officer,
    raise) or close a line."""
    today = svc.clock.business_date()

    def apply(line: CreditLine) -> CreditLine:
        if action == "freeze":
            return freeze_line_state(line, reason, today, officer)
        if action == "unfreeze":
            return unfreeze_line_state(line, reason, officer, today)
        if action == "reduce":
            if new_limit is None:
                raise Invalid((FieldError(("new_limit",), "required to reduce a line"),))
            return reduce_line_state(line, new_limit, reason, today, officer)
        if action == "limit":
            if new_limit is None:
                raise Invalid((FieldError(("new_limit",), "required to change a limit"),))
            return relimit_line_state(line, new_limit, reason, today, officer)
        if action == "close":
            return close_line_state(line, reason, today, officer)
        raise Invalid((FieldError(("action",), "one of freeze, unfreeze, reduce, limit, close"),))

    def attempt() -> CreditLine:
        with svc.uow() as uow:
            record = _load_line(uow, line_id)
            changed = apply(record.line)
            now = svc.clock.now()
            uow.lending.save_line(replace(record, line=changed), now)
            uow.audit.append(
                at=now,
                actor=actor if not officer else f"officer:{officer}",
                action=f"line.{action}",
                subject_type="credit_line",
                subject_id=line_id,
                payload={
                    "reason": reason,
                    "limit_before_fen": int(record.line.limit),
                    "limit_after_fen": int(changed.limit),
                    "status": changed.status.value,
                },
            )
            uow.commit()
            return changed

    return _retrying(svc, attempt)


__all__ = [
    "CASH_LOAN",
    "CREDIT_LINE",
    "Disbursement",
    "DrawResult",
    "LendingConfig",
    "LendingServices",
    "LineStatus",
    "LoanRecord",
    "LoanStage",
    "LoanView",
    "MoneyEvent",
    "Offer",
    "RepaymentPosted",
    "Transition",
    "accept_offer",
    "change_line",
    "disburse",
    "draw",
    "get_line",
    "get_loan",
    "open_line",
    "post_repayment",
    "quote_offer",
    "quote_settlement",
    "restructure",
    "reverse_repayment",
    "settle_loan",
]
