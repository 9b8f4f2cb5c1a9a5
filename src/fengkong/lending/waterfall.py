"""Repayments: the waterfall (还款顺序), unapplied credit, early settlement and reversal.

A repayment dated `on` first accrues the loan through `on`, then pays what has fallen due by
then (instalments due on or before `on`) in the configured order; what is left is held as
unapplied credit (溢缴款), never applied to instalments not yet due. `apply_credit` uses that
credit when later instalments fall due; `settle` pays everything off early at the amount
`settlement_quote` gives.

A repayment is undone by `reverse_repayment`: only the latest one, and only while nothing but
accrual has happened since. The state before it is restored exactly and, if the loan has
accrued past the repayment's date meanwhile, those days are accrued again as if it had never
been paid, so penalty interest and late fees the payment had avoided are charged after all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fengkong.core.errors import Conflict, FieldError, IntegrityBroken, Invalid, NotFound
from fengkong.core.money import HALF_UP, Fen, to_fen
from fengkong.lending.accrual import accrue
from fengkong.lending.loan import (
    Allocation,
    AllocationLine,
    AppliedRepayment,
    Component,
    Components,
    CreditApplied,
    FeeCharged,
    FeeKind,
    InstalmentPosition,
    InterestAccrued,
    LoanState,
    LoanStatus,
    MoneyEvent,
    PenaltyAccrued,
    RepaymentApplied,
    RepaymentReversed,
    ReversedRepayment,
    Transition,
    positive_amount,
    require_active,
    require_not_backdated,
)

DEFAULT_ORDER = (Component.PENALTY, Component.FEE, Component.INTEREST, Component.PRINCIPAL)


class WaterfallStyle(StrEnum):
    BY_INSTALMENT = "by_instalment"  # 按期次: the oldest instalment in full, then the next
    BY_COMPONENT = "by_component"  # 按科目: one component over all instalments, then the next


@dataclass(frozen=True, slots=True)
class Waterfall:
    """The order a payment settles debts in; instalments always oldest first."""

    order: tuple[Component, ...] = DEFAULT_ORDER
    style: WaterfallStyle = WaterfallStyle.BY_INSTALMENT

    def __post_init__(self) -> None:
        if sorted(self.order) != sorted(Component) or len(self.order) != len(Component):
            allowed = ", ".join(c.value for c in Component)
            raise Invalid((FieldError(("order",), f"must name each of {allowed} exactly once"),))
        if not isinstance(self.style, WaterfallStyle):
            raise Invalid((FieldError(("style",), f"unknown waterfall style {self.style!r}"),))


DEFAULT_WATERFALL = Waterfall()


class SettlementInterest(StrEnum):
    ACCRUED_TO_DATE = "accrued_to_date"  # interest up to the settlement date only
    CURRENT_PERIOD = "current_period"  # the whole interest of the period it falls in


@dataclass(frozen=True, slots=True)
class SettlementRule:
    """A product's early-settlement terms (提前结清)."""

    interest: SettlementInterest = SettlementInterest.ACCRUED_TO_DATE
    prepayment_fee_rate: Decimal = Decimal(0)  # of the principal repaid early, HALF_UP

    def __post_init__(self) -> None:
        rate = self.prepayment_fee_rate
        if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate < 1:
            raise Invalid(
                (FieldError(("prepayment_fee_rate",), f"must be a Decimal in [0, 1): {rate!r}"),)
            )


DEFAULT_SETTLEMENT = SettlementRule()


@dataclass(frozen=True, slots=True)
class SettlementQuote:
    """What it takes to close the loan on `on`. `payable` is `total` less the unapplied credit."""

    on: date
    principal: Fen
    interest: Fen
    fee: Fen
    penalty: Fen
    prepayment_fee: Fen
    credit: Fen

    @property
    def total(self) -> Fen:
        return Fen(self.principal + self.interest + self.fee + self.penalty + self.prepayment_fee)

    @property
    def payable(self) -> Fen:
        return Fen(max(0, self.total - self.credit))


class UnknownRepayment(NotFound):
    pass


class DuplicateRepayment(Conflict):
    pass


# ---- the allocation itself -------------------------------------------------------------------


def allocate_payment(
    positions: tuple[InstalmentPosition, ...], amount: Fen, waterfall: Waterfall
) -> Allocation:
    """Split `amount` over what is outstanding on `positions` (oldest first); the rest is credit."""
    ordered = sorted(positions, key=lambda p: (p.due, p.number))
    if waterfall.style is WaterfallStyle.BY_INSTALMENT:
        pairs = [(p, c) for p in ordered for c in waterfall.order]
    else:
        pairs = [(p, c) for c in waterfall.order for p in ordered]
    left = amount
    lines: list[AllocationLine] = []
    for position, component in pairs:
        if left == 0:
            break
        take = min(left, position.outstanding.get(component))
        if take > 0:
            lines.append(AllocationLine(position.number, component, Fen(take)))
            left = Fen(left - take)
    return Allocation(tuple(lines), to_credit=left)


def apply_allocation(
    positions: tuple[InstalmentPosition, ...], allocation: Allocation
) -> tuple[InstalmentPosition, ...]:
    paid: dict[int, Components] = {}
    for line in allocation.lines:
        paid[line.instalment] = paid.get(line.instalment, Components()).add(
            line.component, line.amount
        )
    return tuple(
        replace(p, paid=p.paid.plus(paid[p.number])) if p.number in paid else p for p in positions
    )


def _closed_if_paid_off(state: LoanState, on: date) -> LoanState:
    if all(p.is_closed for p in state.positions):
        return replace(state, status=LoanStatus.SETTLED, closed_on=on)
    return state


def _check_new_repayment(state: LoanState, repayment_id: str) -> None:
    if not repayment_id:
        raise Invalid((FieldError(("repayment_id",), "required"),))
    if any(r.repayment_id == repayment_id for r in state.repayments):
        raise DuplicateRepayment(f"repayment {repayment_id} is already applied")


def _remember(
    before: LoanState, after: LoanState, repayment_id: str, amount: Fen, events: list[MoneyEvent]
) -> LoanState:
    record = AppliedRepayment(
        repayment_id=repayment_id,
        on=after.accrued_through,
        amount=amount,
        events=tuple(events),
        revision_after=before.revision + 1,
        prior_positions=before.positions,
        prior_credit=before.unapplied_credit,
    )
    return replace(after, revision=record.revision_after, repayments=(*after.repayments, record))


# ---- repayments --------------------------------------------------------------------------------


def apply_repayment(
    state: LoanState,
    amount: int,
    on: date,
    repayment_id: str,
    waterfall: Waterfall = DEFAULT_WATERFALL,
) -> Transition:
    """Apply cash received on `on` to what is due, by `waterfall`; any excess becomes credit."""
    require_active(state, "take a repayment")
    require_not_backdated(state, on, "take a repayment")
    cash = positive_amount(amount)
    _check_new_repayment(state, repayment_id)
    accrued = accrue(state, on)
    before = accrued.state
    allocation = allocate_payment(before.due_positions(on), cash, waterfall)
    after = replace(
        before,
        positions=apply_allocation(before.positions, allocation),
        unapplied_credit=Fen(before.unapplied_credit + allocation.to_credit),
    )
    after = _closed_if_paid_off(after, on)
    events: list[MoneyEvent] = [RepaymentApplied(on, repayment_id, cash, allocation)]
    return Transition(
        _remember(before, after, repayment_id, cash, events), (*accrued.events, *events)
    )


def apply_credit(
    state: LoanState, on: date, waterfall: Waterfall = DEFAULT_WATERFALL
) -> Transition:
    """Use unapplied credit on what has fallen due by `on` (the end-of-day job calls this)."""
    require_active(state, "apply credit")
    require_not_backdated(state, on, "apply credit")
    accrued = accrue(state, on)
    before = accrued.state
    if before.unapplied_credit == 0:
        return accrued
    allocation = allocate_payment(before.due_positions(on), before.unapplied_credit, waterfall)
    if allocation.applied == 0:
        return accrued
    after = replace(
        before,
        positions=apply_allocation(before.positions, allocation),
        unapplied_credit=allocation.to_credit,
        revision=before.revision + 1,
    )
    used = Allocation(allocation.lines)
    return Transition(_closed_if_paid_off(after, on), (*accrued.events, CreditApplied(on, used)))


# ---- early settlement ------------------------------------------------------------------------


def _current_period(state: LoanState, on: date) -> InstalmentPosition | None:
    """The instalment whose period `on` falls in (the first one not yet due)."""
    for position in state.positions:
        if position.due > on and position.period_start < on:
            return position
    return None


def _first_not_due(state: LoanState, on: date) -> InstalmentPosition:
    """Where a prepayment fee is billed: the first instalment not yet due, else the last."""
    for position in state.positions:
        if position.due > on:
            return position
    return state.positions[-1]


def _prepayment_fee(state: LoanState, on: date, rule: SettlementRule) -> Fen:
    early_principal = sum(p.outstanding.principal for p in state.positions if p.due > on)
    return to_fen(early_principal * rule.prepayment_fee_rate, HALF_UP)


def settlement_quote(
    state: LoanState, on: date, rule: SettlementRule = DEFAULT_SETTLEMENT
) -> SettlementQuote:
    """Outstanding principal, interest accrued to `on` (or the whole current period, by
    `rule`), fees and penalty charged, and the prepayment fee, less the unapplied credit."""
    require_active(state, "quote a settlement")
    require_not_backdated(state, on, "quote a settlement")
    accrued = accrue(state, on).state
    outstanding = accrued.outstanding
    interest = outstanding.interest
    current = _current_period(accrued, on)
    if rule.interest is SettlementInterest.CURRENT_PERIOD and current is not None:
        interest = Fen(interest + current.interest_to_accrue)
    return SettlementQuote(
        on=on,
        principal=outstanding.principal,
        interest=interest,
        fee=outstanding.fee,
        penalty=outstanding.penalty,
        prepayment_fee=_prepayment_fee(accrued, on, rule),
        credit=accrued.unapplied_credit,
    )


class SettlementShort(Invalid):
    pass


def settle(
    state: LoanState,
    amount: int,
    on: date,
    repayment_id: str,
    rule: SettlementRule = DEFAULT_SETTLEMENT,
    waterfall: Waterfall = DEFAULT_WATERFALL,
) -> Transition:
    """提前结清: close the loan with `amount` cash plus its unapplied credit; interest not yet
    earned is waived, and what `amount` pays beyond the quote stays as credit."""
    require_active(state, "settle")
    require_not_backdated(state, on, "settle")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise Invalid((FieldError(("amount",), f"must be fen ≥ 0: {amount!r}"),))
    cash = Fen(amount)
    _check_new_repayment(state, repayment_id)
    quote = settlement_quote(state, on, rule)
    if cash < quote.payable:
        raise SettlementShort(
            (
                FieldError(
                    ("amount",),
                    f"settling on {on} takes {quote.payable} fen; {cash} fen is short "
                    f"by {quote.payable - cash}",
                ),
            )
        )
    accrued = accrue(state, on)
    before = accrued.state
    events: list[MoneyEvent] = []
    positions = list(before.positions)
    current = _current_period(before, on)
    fee = _prepayment_fee(before, on, rule)
    fee_on = _first_not_due(before, on).number
    for index, position in enumerate(positions):
        charged = position.charged
        if (
            rule.interest is SettlementInterest.CURRENT_PERIOD
            and current is not None
            and position.number == current.number
            and position.interest_to_accrue > 0
        ):
            events.append(InterestAccrued(on, position.number, position.interest_to_accrue))
            charged = replace(charged, interest=Fen(charged.interest + position.interest_to_accrue))
        if fee > 0 and position.number == fee_on:
            events.append(FeeCharged(on, position.number, FeeKind.PREPAYMENT, fee))
            charged = replace(charged, fee=Fen(charged.fee + fee))
        waived = Fen(position.instalment.interest - charged.interest)
        positions[index] = replace(position, charged=charged, interest_waived=waived)
    everything = tuple(positions)
    credit = before.unapplied_credit
    if credit > 0:
        from_credit = allocate_payment(everything, credit, waterfall)
        everything = apply_allocation(everything, from_credit)
        credit = from_credit.to_credit
        if from_credit.applied > 0:
            events.append(CreditApplied(on, Allocation(from_credit.lines)))
    if cash > 0:
        from_cash = allocate_payment(everything, cash, waterfall)
        everything = apply_allocation(everything, from_cash)
        credit = Fen(credit + from_cash.to_credit)
        events.append(RepaymentApplied(on, repayment_id, cash, from_cash, settlement=True))
    after = replace(before, positions=everything, unapplied_credit=credit)
    after = _closed_if_paid_off(after, on)
    if after.status is not LoanStatus.SETTLED:
        raise IntegrityBroken(f"settlement of {state.loan_id} left a debt: {after.outstanding}")
    return Transition(
        _remember(before, after, repayment_id, cash, events), (*accrued.events, *events)
    )


# ---- reversal ----------------------------------------------------------------------------------


def reverse_repayment(state: LoanState, repayment_id: str, on: date) -> Transition:
    """Undo the latest repayment (or settlement), booked on `on`."""
    records = state.repayments
    if not any(r.repayment_id == repayment_id for r in records):
        raise UnknownRepayment(f"loan {state.loan_id} has no repayment {repayment_id}")
    record = records[-1]
    if record.repayment_id != repayment_id:
        raise Conflict(
            f"repayment {repayment_id} is not the latest on loan {state.loan_id}; "
            f"reverse {record.repayment_id} first"
        )
    if record.revision_after != state.revision:
        raise Conflict(
            f"loan {state.loan_id} has changed since repayment {repayment_id} "
            "(credit applied, restructured or written off); it can no longer be reversed"
        )
    if on < record.on:
        raise Invalid(
            (FieldError(("on",), f"a reversal cannot precede the repayment {record.on}"),)
        )
    if state.status is LoanStatus.ACTIVE:
        require_not_backdated(state, on, "reverse a repayment")
    prior = replace(
        state,
        positions=record.prior_positions,
        unapplied_credit=record.prior_credit,
        status=LoanStatus.ACTIVE,
        closed_on=None,
        accrued_through=record.on,
        revision=record.revision_after - 1,
        repayments=records[:-1],
        reversed_repayments=(
            *state.reversed_repayments,
            ReversedRepayment(record, on, state.positions),
        ),
    )
    replay = accrue(prior, max(on, state.accrued_through)).state
    catch_up = _catch_up(state, replay, record.events, on)
    return Transition(replay, (RepaymentReversed(on, repayment_id, record.events), *catch_up))


def _catch_up(
    current: LoanState, replay: LoanState, undone: tuple[MoneyEvent, ...], on: date
) -> tuple[MoneyEvent, ...]:
    """What the replay charged that the books (current, less what the reversal undoes) lack."""
    undone_charges: dict[int, Components] = {}
    for event in undone:
        if isinstance(event, InterestAccrued | PenaltyAccrued | FeeCharged):
            component = {
                InterestAccrued: Component.INTEREST,
                PenaltyAccrued: Component.PENALTY,
                FeeCharged: Component.FEE,
            }[type(event)]
            undone_charges[event.instalment] = undone_charges.get(
                event.instalment, Components()
            ).add(component, event.amount)
    booked = {
        p.number: p.charged.minus(undone_charges.get(p.number, Components()))
        for p in current.positions
    }
    events: list[MoneyEvent] = []
    for position in replay.positions:
        gap = position.charged.minus(booked[position.number])
        if min(gap.principal, gap.interest, gap.fee, gap.penalty) < 0 or gap.principal != 0:
            raise IntegrityBroken(
                f"replaying loan {current.loan_id} without a repayment charged less: {gap}"
            )
        if gap.interest:
            events.append(InterestAccrued(on, position.number, gap.interest))
        if gap.fee:
            events.append(FeeCharged(on, position.number, FeeKind.LATE, gap.fee))
        if gap.penalty:
            events.append(PenaltyAccrued(on, position.number, gap.penalty))
    return tuple(events)


__all__ = [
    "DEFAULT_ORDER",
    "DEFAULT_SETTLEMENT",
    "DEFAULT_WATERFALL",
    "DuplicateRepayment",
    "SettlementInterest",
    "SettlementQuote",
    "SettlementRule",
    "SettlementShort",
    "UnknownRepayment",
    "Waterfall",
    "WaterfallStyle",
    "allocate_payment",
    "apply_allocation",
    "apply_credit",
    "apply_repayment",
    "reverse_repayment",
    "settle",
    "settlement_quote",
]
