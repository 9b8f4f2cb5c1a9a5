"""Collateral (抵质押物): items, their valuation history, loan-to-value and margin calls.

- An item's lending value on a date is its latest valuation on or before that date times
  (1 − haircut); an item not yet valued lends nothing.
- LTV = principal outstanding / Σ lending values, an exact `Decimal` (a ratio, not money);
  infinite when something is owed against no lending value, 0 when nothing is owed.
- `review_collateral` runs on each valuation, repayment or end of day: LTV above the threshold
  opens a margin call (追加保证金通知) with a deadline; LTV back at or under the threshold meets
  it; a call still open after its deadline becomes unmet, which is a risk trigger for the line
  (`LineSignals.unmet_margin_calls`) until the LTV is restored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen

INFINITE_LTV = Decimal("Infinity")


class CollateralType(StrEnum):
    DEPOSIT = "deposit"  # 存单
    GOVERNMENT_BOND = "government_bond"  # 国债
    LISTED_SHARES = "listed_shares"  # 上市公司股票
    PROPERTY = "property"  # 房产
    VEHICLE = "vehicle"  # 车辆
    RECEIVABLES = "receivables"  # 应收账款
    EQUIPMENT = "equipment"  # 设备


def collateral_type(text: CollateralType | str) -> CollateralType:
    """`text` as a collateral type; `Invalid` on the `type` field naming the allowed ones."""
    try:
        return CollateralType(text)
    except ValueError:
        allowed = ", ".join(t.value for t in CollateralType)
        raise Invalid((FieldError(("type",), f"one of {allowed}"),)) from None


# Starting points for configuration, not advice: how far a forced sale may fall short.
DEFAULT_HAIRCUTS: dict[CollateralType, Decimal] = {
    CollateralType.DEPOSIT: Decimal("0.05"),
    CollateralType.GOVERNMENT_BOND: Decimal("0.10"),
    CollateralType.LISTED_SHARES: Decimal("0.50"),
    CollateralType.PROPERTY: Decimal("0.30"),
    CollateralType.VEHICLE: Decimal("0.50"),
    CollateralType.RECEIVABLES: Decimal("0.40"),
    CollateralType.EQUIPMENT: Decimal("0.60"),
}


@dataclass(frozen=True, slots=True)
class Valuation:
    on: date
    value: Fen
    source: str = ""  # appraiser, market price feed…


@dataclass(frozen=True, slots=True)
class CollateralItem:
    item_id: str
    type: CollateralType
    haircut: Decimal
    valuations: tuple[Valuation, ...] = ()  # in date order

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not self.item_id:
            errors.append(FieldError(("item_id",), "required"))
        if not isinstance(self.type, CollateralType):
            errors.append(FieldError(("type",), f"unknown collateral type {self.type!r}"))
        if not isinstance(self.haircut, Decimal) or not 0 <= self.haircut < 1:
            errors.append(
                FieldError(("haircut",), f"must be a Decimal in [0, 1): {self.haircut!r}")
            )
        for index, valuation in enumerate(self.valuations):
            value = valuation.value
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors.append(FieldError(("valuations", index, "value"), "must be fen ≥ 0"))
            if index and valuation.on <= self.valuations[index - 1].on:
                errors.append(FieldError(("valuations", index, "on"), "dates must increase"))
        if errors:
            raise Invalid(tuple(errors))

    def value_on(self, on: date) -> Fen | None:
        latest = None
        for valuation in self.valuations:
            if valuation.on <= on:
                latest = valuation.value
        return latest

    def lending_value(self, on: date) -> Decimal:
        value = self.value_on(on)
        return Decimal(0) if value is None else value * (1 - self.haircut)


def collateral_item(
    item_id: str, type: CollateralType, haircut: Decimal | None = None
) -> CollateralItem:
    """An item with the default haircut of its type unless one is given."""
    return CollateralItem(item_id, type, DEFAULT_HAIRCUTS[type] if haircut is None else haircut)


def revalue(item: CollateralItem, valuation: Valuation) -> CollateralItem:
    """The item with a newer valuation appended (history is never rewritten)."""
    return replace(item, valuations=(*item.valuations, valuation))


def loan_to_value(outstanding: Fen, items: tuple[CollateralItem, ...], on: date) -> Decimal:
    if outstanding == 0:
        return Decimal(0)
    lending = sum((item.lending_value(on) for item in items), Decimal(0))
    return INFINITE_LTV if lending == 0 else outstanding / lending


class MarginCallStatus(StrEnum):
    OPEN = "open"
    MET = "met"  # LTV restored before the deadline
    UNMET = "unmet"  # deadline passed with LTV still too high: a risk trigger
    CURED = "cured"  # LTV restored after the deadline


@dataclass(frozen=True, slots=True)
class MarginCall:
    opened_on: date
    deadline: date
    ltv_at_open: Decimal
    threshold: Decimal
    status: MarginCallStatus = MarginCallStatus.OPEN
    closed_on: date | None = None


@dataclass(frozen=True, slots=True)
class CollateralPolicy:
    ltv_threshold: Decimal = Decimal("0.70")
    cure_days: int = 10  # from the call to its deadline

    def __post_init__(self) -> None:
        if not isinstance(self.ltv_threshold, Decimal) or not self.ltv_threshold > 0:
            raise Invalid((FieldError(("ltv_threshold",), "must be a Decimal > 0"),))
        if self.cure_days < 0:
            raise Invalid((FieldError(("cure_days",), "must be ≥ 0"),))


DEFAULT_COLLATERAL_POLICY = CollateralPolicy()


@dataclass(frozen=True, slots=True)
class CollateralPosition:
    """A loan's (or line's) collateral and its margin calls, oldest first."""

    loan_id: str
    items: tuple[CollateralItem, ...] = ()
    calls: tuple[MarginCall, ...] = ()

    @property
    def open_call(self) -> MarginCall | None:
        for call in self.calls:
            if call.status in (MarginCallStatus.OPEN, MarginCallStatus.UNMET):
                return call
        return None

    @property
    def unmet_margin_calls(self) -> int:
        return sum(1 for call in self.calls if call.status is MarginCallStatus.UNMET)


class MarginEventKind(StrEnum):
    OPENED = "margin_call_opened"
    MET = "margin_call_met"
    UNMET = "margin_call_unmet"  # the risk trigger
    CURED = "margin_call_cured"


@dataclass(frozen=True, slots=True)
class MarginEvent:
    """A risk event for the audit log, reminders and line triggers; no money moves."""

    on: date
    loan_id: str
    kind: MarginEventKind
    ltv: Decimal
    deadline: date


@dataclass(frozen=True, slots=True)
class CollateralReview:
    position: CollateralPosition
    ltv: Decimal
    events: tuple[MarginEvent, ...] = ()


def review_collateral(
    position: CollateralPosition,
    outstanding: Fen,
    on: date,
    policy: CollateralPolicy = DEFAULT_COLLATERAL_POLICY,
) -> CollateralReview:
    """LTV on `on`, and the margin call it opens, meets, marks unmet or cures."""
    ltv = loan_to_value(outstanding, position.items, on)
    call = position.open_call
    above = ltv > policy.ltv_threshold
    if call is None:
        if not above:
            return CollateralReview(position, ltv)
        deadline = on + timedelta(days=policy.cure_days)
        opened = MarginCall(on, deadline, ltv, policy.ltv_threshold)
        event = MarginEvent(on, position.loan_id, MarginEventKind.OPENED, ltv, deadline)
        return CollateralReview(replace(position, calls=(*position.calls, opened)), ltv, (event,))
    if not above:
        late = call.status is MarginCallStatus.UNMET
        status = MarginCallStatus.CURED if late else MarginCallStatus.MET
        kind = MarginEventKind.CURED if late else MarginEventKind.MET
        updated = replace(call, status=status, closed_on=on)
    elif call.status is MarginCallStatus.OPEN and on > call.deadline:
        kind = MarginEventKind.UNMET
        updated = replace(call, status=MarginCallStatus.UNMET)
    else:
        return CollateralReview(position, ltv)
    calls = tuple(updated if c is call else c for c in position.calls)
    event = MarginEvent(on, position.loan_id, kind, ltv, call.deadline)
    return CollateralReview(replace(position, calls=calls), ltv, (event,))
