"""A booked loan as an immutable value, and the money movements its transitions produce.

`LoanState` holds the contract terms, one `InstalmentPosition` per instalment (what has been
charged and paid on it, by component) and the status. Every transition is a pure function
returning a new state plus the events the ledger posts, in order; nothing here touches storage.

Conventions, stated once:
- "Charged" is what the ledger holds as receivable: principal from disbursement; scheduled fee
  parts from disbursement (they are billed in full then); contract interest only as it accrues;
  late fees and penalty interest when charged. A payment can only settle what is charged, so a
  receivable account can never go negative.
- An instalment's outstanding amount is charged − paid, component by component, never negative.
- Transitions dated `on` first accrue the loan through `on` (see `accrual.accrue`); a transition
  dated before the date the loan is accrued through is refused: backdating would need the
  penalty already charged on later days to be recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.lending.daycount import DayCount
from fengkong.lending.product import LateFee, Product
from fengkong.lending.quote import Quote
from fengkong.lending.schedule import Instalment, InterestBasis, RepaymentMethod

NO_FEN = Fen(0)


class LoanStatus(StrEnum):
    ACTIVE = "active"
    SETTLED = "settled"  # 结清
    WRITTEN_OFF = "written_off"  # 核销


class Component(StrEnum):
    """The parts of a debt the repayment waterfall (还款顺序) pays, in the default order."""

    PENALTY = "penalty"  # 罚息
    FEE = "fee"  # 费用
    INTEREST = "interest"  # 利息
    PRINCIPAL = "principal"  # 本金


class FeeKind(StrEnum):
    LATE = "late"  # 滞纳金: once per instalment still unpaid after the grace days
    PREPAYMENT = "prepayment"  # 提前还款手续费


@dataclass(frozen=True, slots=True)
class Components:
    """An amount per component, in fen."""

    principal: Fen = NO_FEN
    interest: Fen = NO_FEN
    fee: Fen = NO_FEN
    penalty: Fen = NO_FEN

    @property
    def total(self) -> Fen:
        return Fen(self.principal + self.interest + self.fee + self.penalty)

    def get(self, component: Component) -> Fen:
        value: Fen = getattr(self, component.value)
        return value

    def add(self, component: Component, amount: int) -> Components:
        return replace(self, **{component.value: Fen(self.get(component) + amount)})

    def plus(self, other: Components) -> Components:
        return Components(
            Fen(self.principal + other.principal),
            Fen(self.interest + other.interest),
            Fen(self.fee + other.fee),
            Fen(self.penalty + other.penalty),
        )

    def minus(self, other: Components) -> Components:
        return Components(
            Fen(self.principal - other.principal),
            Fen(self.interest - other.interest),
            Fen(self.fee - other.fee),
            Fen(self.penalty - other.penalty),
        )


NOTHING = Components()


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """The contract: what was lent, at what prices, under which conventions."""

    principal: Fen
    annual_rate: Decimal
    penalty_annual_rate: Decimal  # 罚息利率, on overdue principal
    day_count: DayCount
    interest_basis: InterestBasis
    repayment_method: RepaymentMethod
    grace_days: int
    late_fee: LateFee
    disbursed_on: date
    product_code: str = ""
    product_version: int = 0


@dataclass(frozen=True, slots=True)
class InstalmentPosition:
    """One instalment and where it stands.

    `interest_waived` is scheduled interest that will never accrue (early settlement, or the
    unearned part of a period cut short by a restructuring). `penalty_base` is the exact running
    sum of overdue principal × year fraction (fen-years); the penalty charged is that times the
    penalty rate, rounded HALF_UP, so daily penalties add up without losing fractions of a fen.
    """

    instalment: Instalment
    period_start: date
    charged: Components
    paid: Components = NOTHING
    interest_waived: Fen = NO_FEN
    penalty_base: Fraction = Fraction(0)
    late_fee_charged: bool = False

    @property
    def number(self) -> int:
        return self.instalment.number

    @property
    def due(self) -> date:
        return self.instalment.due

    @property
    def outstanding(self) -> Components:
        return self.charged.minus(self.paid)

    @property
    def interest_to_accrue(self) -> Fen:
        """Scheduled interest still to be recognised by accrual."""
        return Fen(self.instalment.interest - self.interest_waived - self.charged.interest)

    @property
    def scheduled_unpaid(self) -> Fen:
        """Principal, scheduled interest (accrued or not) and fees still unpaid: what makes an
        instalment past due once its date has passed. Penalty interest alone does not."""
        left = self.outstanding
        interest = self.instalment.interest - self.interest_waived - self.paid.interest
        return Fen(left.principal + interest + left.fee)

    @property
    def is_closed(self) -> bool:
        """Fully paid and nothing left to accrue on it."""
        return self.outstanding.total == 0 and self.interest_to_accrue == 0


# ---- events: the money movements the ledger posts --------------------------------------------


@dataclass(frozen=True, slots=True)
class Disbursed:
    """放款. Ledger: Dr principal receivable `principal`; Cr cash `paid_out`; Cr fee income
    `fee_retained` (principal − paid_out: a fee deducted from the payout or financed into the
    principal); Dr fee receivable / Cr fee income `fee_receivable` (fees spread over the
    instalments, billed now and collected through the waterfall)."""

    on: date
    principal: Fen
    paid_out: Fen
    fee_receivable: Fen

    @property
    def fee_retained(self) -> Fen:
        return Fen(self.principal - self.paid_out)


@dataclass(frozen=True, slots=True)
class InterestAccrued:
    """计提利息. Ledger: Dr interest receivable / Cr interest income."""

    on: date
    instalment: int
    amount: Fen


@dataclass(frozen=True, slots=True)
class PenaltyAccrued:
    """计提罚息. Ledger: Dr penalty receivable / Cr penalty income."""

    on: date
    instalment: int
    amount: Fen


@dataclass(frozen=True, slots=True)
class FeeCharged:
    """A late or prepayment fee billed. Ledger: Dr fee receivable / Cr fee income."""

    on: date
    instalment: int
    kind: FeeKind
    amount: Fen


@dataclass(frozen=True, slots=True)
class AllocationLine:
    instalment: int
    component: Component
    amount: Fen


@dataclass(frozen=True, slots=True)
class Allocation:
    """Where a sum went: per instalment and component, and what was left as unapplied credit."""

    lines: tuple[AllocationLine, ...]
    to_credit: Fen = NO_FEN

    @property
    def applied(self) -> Fen:
        return Fen(sum(line.amount for line in self.lines))

    @property
    def total(self) -> Fen:
        return Fen(self.applied + self.to_credit)

    def by_component(self) -> Components:
        totals = NOTHING
        for line in self.lines:
            totals = totals.add(line.component, line.amount)
        return totals


@dataclass(frozen=True, slots=True)
class RepaymentApplied:
    """还款 (cash received). Ledger (`journal.repayment`): Dr cash `amount`; Cr penalty, fee,
    interest and principal receivable by `allocation.by_component()`; Cr unapplied
    `allocation.to_credit`."""

    on: date
    repayment_id: str
    amount: Fen
    allocation: Allocation
    settlement: bool = False


@dataclass(frozen=True, slots=True)
class CreditApplied:
    """溢缴款冲抵: unapplied credit used on what is due. Ledger: Dr unapplied `allocation.applied`;
    Cr the receivables by `allocation.by_component()`."""

    on: date
    allocation: Allocation


@dataclass(frozen=True, slots=True)
class RepaymentReversed:
    """冲正. Ledger: the reversal (`journal.reversal`) of every entry posted for `undone`, which
    are the events the repayment produced (its accruals before it are not undone)."""

    on: date
    repayment_id: str
    undone: tuple[MoneyEvent, ...]


@dataclass(frozen=True, slots=True)
class WrittenOff:
    """核销. Ledger (`journal.write_off`): the receivables in `written_off`, against the
    allowance held for the loan and then write-off loss."""

    on: date
    written_off: Components
    reason: str


@dataclass(frozen=True, slots=True)
class Restructured:
    """展期 / re-amortisation. No money moves (arrears stay owed as they were); recorded so the
    audit log and the classification see it."""

    on: date
    record: Restructuring


MoneyEvent = (
    Disbursed
    | InterestAccrued
    | PenaltyAccrued
    | FeeCharged
    | RepaymentApplied
    | CreditApplied
    | RepaymentReversed
    | WrittenOff
    | Restructured
)


# ---- records kept on the state ---------------------------------------------------------------


class RestructureKind(StrEnum):
    EXTENSION = "extension"  # 展期: the maturity moves out
    REAMORTISATION = "reamortisation"  # 重新摊还: new terms (and possibly rate, method)


@dataclass(frozen=True, slots=True)
class Restructuring:
    on: date
    kind: RestructureKind
    reason: str
    outstanding_principal: Fen
    old_terms: int  # instalments still to fall due before the restructuring
    new_terms: int
    annual_rate: Decimal
    method: RepaymentMethod
    first_new_instalment: int
    # The instalment positions it replaced and the revision it left, as a repayment keeps them:
    # what lets a past date see the loan's schedule before it (`behaviour.positions_as_of`).
    # Empty for a restructuring stored before they were kept.
    prior_positions: tuple[InstalmentPosition, ...] = ()
    revision_after: int = 0


@dataclass(frozen=True, slots=True)
class AppliedRepayment:
    """A repayment (or settlement) as the state remembers it, with enough of the state before
    it to undo it exactly (the loan was active then, or it could not have been repaid).
    `revision_after` proves nothing but accrual has happened since."""

    repayment_id: str
    on: date
    amount: Fen
    events: tuple[MoneyEvent, ...]
    revision_after: int
    prior_positions: tuple[InstalmentPosition, ...]
    prior_credit: Fen


@dataclass(frozen=True, slots=True)
class ReversedRepayment:
    """A repayment undone on a later date (or the same), as history: the repayment as it was
    applied, the day of the reversal and the positions the reversal replaced. What lets a date
    between the two see the loan as that date's end of day did (`behaviour.positions_as_of`)."""

    repayment: AppliedRepayment
    on: date
    prior_positions: tuple[InstalmentPosition, ...]


@dataclass(frozen=True, slots=True)
class LoanState:
    loan_id: str
    terms: LoanTerms
    positions: tuple[InstalmentPosition, ...]
    accrued_through: date  # the last business date whose accrual is in `positions`
    status: LoanStatus = LoanStatus.ACTIVE
    unapplied_credit: Fen = NO_FEN  # 溢缴款, owed back to the borrower or used on later dues
    revision: int = 0  # counts transitions other than accrual
    repayments: tuple[AppliedRepayment, ...] = ()
    restructurings: tuple[Restructuring, ...] = ()
    closed_on: date | None = None  # settled or written off on
    # History only, not what the loan owes: a reversal restores the state it undid, equal to it.
    reversed_repayments: tuple[ReversedRepayment, ...] = field(default=(), compare=False)

    @property
    def outstanding(self) -> Components:
        """Everything charged and unpaid, summed over the instalments."""
        total = NOTHING
        for position in self.positions:
            total = total.plus(position.outstanding)
        return total

    @property
    def principal_outstanding(self) -> Fen:
        return self.outstanding.principal

    def position(self, number: int) -> InstalmentPosition:
        for position in self.positions:
            if position.number == number:
                return position
        raise Invalid((FieldError(("instalment",), f"loan has no instalment {number}"),))

    def due_positions(self, on: date) -> tuple[InstalmentPosition, ...]:
        """Instalments falling due on or before `on`, oldest first."""
        return tuple(p for p in self.positions if p.due <= on)


@dataclass(frozen=True, slots=True)
class Transition:
    """A new state and the events, in order, that the ledger posts for the change."""

    state: LoanState
    events: tuple[MoneyEvent, ...] = ()


# ---- errors -------------------------------------------------------------------------------------


class LoanNotActive(Conflict):
    pass


class Backdated(Conflict):
    pass


def require_active(state: LoanState, action: str) -> None:
    if state.status is not LoanStatus.ACTIVE:
        raise LoanNotActive(f"cannot {action}: loan {state.loan_id} is {state.status.value}")


def require_not_backdated(state: LoanState, on: date, action: str) -> None:
    if on < state.accrued_through:
        raise Backdated(
            f"cannot {action} on {on}: loan {state.loan_id} is already accrued through "
            f"{state.accrued_through}"
        )


def positive_amount(amount: int, loc: str = "amount") -> Fen:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise Invalid((FieldError((loc,), f"must be a whole number of fen: {amount!r}"),))
    if amount <= 0:
        raise Invalid((FieldError((loc,), f"must be positive: {amount}"),))
    return Fen(amount)


# ---- booking ----------------------------------------------------------------------


def book_loan(loan_id: str, product: Product, quote: Quote, disbursed_on: date) -> Transition:
    """The loan a quote describes, paid out on `disbursed_on` (the quote's start date)."""
    if not loan_id:
        raise Invalid((FieldError(("loan_id",), "required"),))
    if quote.product_code != product.code or quote.product_version != product.version:
        raise Invalid((FieldError(("quote",), "the quote is for another product version"),))
    if not quote.schedule or quote.schedule[0].due <= disbursed_on:
        raise Invalid((FieldError(("disbursed_on",), "must be before the first due date"),))
    terms = LoanTerms(
        principal=quote.principal,
        annual_rate=quote.annual_rate,
        penalty_annual_rate=product.penalty_annual_rate(quote.annual_rate),
        day_count=product.day_count,
        interest_basis=product.interest_basis,
        repayment_method=product.repayment_method,
        grace_days=product.grace_days,
        late_fee=product.late_fee,
        disbursed_on=disbursed_on,
        product_code=product.code,
        product_version=product.version,
    )
    state = LoanState(
        loan_id=loan_id,
        terms=terms,
        positions=positions_for(quote.schedule, disbursed_on),
        accrued_through=disbursed_on,
    )
    fee_receivable = Fen(sum(i.fee for i in quote.schedule))
    return Transition(
        state, (Disbursed(disbursed_on, quote.principal, quote.disbursed, fee_receivable),)
    )


def positions_for(schedule: tuple[Instalment, ...], start: date) -> tuple[InstalmentPosition, ...]:
    """Fresh positions: principal and scheduled fee charged, interest still to accrue."""
    positions: list[InstalmentPosition] = []
    period_start = start
    for instalment in schedule:
        positions.append(
            InstalmentPosition(
                instalment=instalment,
                period_start=period_start,
                charged=Components(principal=instalment.principal, fee=instalment.fee),
            )
        )
        period_start = instalment.due
    return tuple(positions)
