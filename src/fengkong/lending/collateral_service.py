"""Collateral in the books: items and valuations per loan, LTV at end of day (and on every new
valuation), margin calls opened, met, marked unmet and cured by `collateral.review_collateral`.

An unmet call is a risk trigger: a draw's credit line is frozen (the line rule
`freeze_on_unmet_margin_call`); any other loan is flagged `margin_call_unmet` in the collections
queue until the LTV is restored. Every change is audited; an opened call notifies the borrower.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.lending.collateral import (
    CollateralItem,
    CollateralPosition,
    CollateralType,
    MarginCall,
    MarginEvent,
    MarginEventKind,
    Valuation,
    collateral_type,
    review_collateral,
)
from fengkong.lending.eod_lines import COUNTED_AS
from fengkong.lending.line import Action, LineSignals, apply_actions, line_actions
from fengkong.lending.records import LoanStage
from fengkong.lending.servicing import (
    SYSTEM,
    ServicingServices,
    contact_for_loan,
    require_loan,
    require_text,
)
from fengkong.lending.servicing_ports import ServicingUnitOfWork

if TYPE_CHECKING:
    from fengkong.lending.records import LoanRecord

FLAG = "margin_call_unmet"


@dataclass(frozen=True, slots=True)
class CollateralView:
    loan_id: str
    items: tuple[CollateralItem, ...]
    descriptions: Mapping[str, str]
    calls: tuple[MarginCall, ...]
    ltv: Decimal
    lending_value: Decimal


def _value(value: int) -> Fen:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid((FieldError(("value",), f"must be fen ≥ 0: {value!r}"),))
    return Fen(value)


def _outstanding(record: LoanRecord) -> Fen:
    return record.state.principal_outstanding if record.stage is LoanStage.ACTIVE else Fen(0)


def add_collateral(
    loan_id: str,
    type: CollateralType | str,
    value: int,
    svc: ServicingServices,
    *,
    valued_on: date | None = None,
    source: str = "appraisal",
    description: str = "",
    haircut: Decimal | None = None,
    actor: str = SYSTEM,
) -> CollateralView:
    """Pledge an item with its first valuation (a top-up when the loan already has some)."""
    kind = collateral_type(type)
    amount = _value(value)
    on = valued_on or svc.clock.business_date()
    item = CollateralItem(
        new_id("col", svc.clock),
        kind,
        svc.config.haircuts[kind] if haircut is None else haircut,
        (Valuation(on, amount, require_text(source, "source", 120)),),
    )
    with svc.uow() as uow:
        record = require_loan(uow, loan_id)
        now = svc.clock.now()
        uow.servicing.add_collateral_item(loan_id, item, description.strip()[:400], now)
        uow.audit.append(
            at=now,
            actor=actor,
            action="collateral.added",
            subject_type="loan",
            subject_id=loan_id,
            payload={
                "item_id": item.item_id,
                "type": kind.value,
                "haircut": str(item.haircut),
                "value_fen": int(amount),
                "valued_on": on.isoformat(),
            },
        )
        events = _review(uow, record, svc.clock.business_date(), svc).events
        uow.commit()
    _notify(events, svc)
    return collateral_of(loan_id, svc)


def revalue_collateral(
    item_id: str,
    value: int,
    svc: ServicingServices,
    *,
    valued_on: date | None = None,
    source: str = "appraisal",
    actor: str = SYSTEM,
) -> CollateralView:
    """A newer valuation of an item (history is never rewritten); the LTV is reviewed at once."""
    amount = _value(value)
    on = valued_on or svc.clock.business_date()
    with svc.uow() as uow:
        loan_id: str | None = uow.servicing.collateral_loan(item_id)
        if loan_id is None:
            raise NotFound(f"no collateral item {item_id!r}")
        items = {i.item_id: i for i in uow.servicing.collateral_items(loan_id)}
        last = items[item_id].valuations[-1].on if items[item_id].valuations else None
        if last is not None and on <= last:
            raise Conflict(f"item {item_id} already has a valuation on or after {on}")
        valuation = Valuation(on, amount, require_text(source, "source", 120))
        now = svc.clock.now()
        uow.servicing.add_valuation(item_id, valuation, now)
        uow.audit.append(
            at=now,
            actor=actor,
            action="collateral.valued",
            subject_type="loan",
            subject_id=loan_id,
            payload={"item_id": item_id, "value_fen": int(amount), "valued_on": on.isoformat()},
        )
        record = require_loan(uow, loan_id)  # an item's loan is there: a foreign key holds it
        events = _review(uow, record, svc.clock.business_date(), svc).events
        uow.commit()
    _notify(events, svc)
    return collateral_of(loan_id, svc)


def collateral_of(loan_id: str, svc: ServicingServices) -> CollateralView:
    from fengkong.lending.collateral import loan_to_value

    with svc.uow() as uow:
        record = require_loan(uow, loan_id)
        items = tuple(uow.servicing.collateral_items(loan_id))
        descriptions = uow.servicing.collateral_descriptions(loan_id)
        calls = tuple(uow.servicing.margin_calls(loan_id))
    on = svc.clock.business_date()
    return CollateralView(
        loan_id,
        items,
        descriptions,
        calls,
        loan_to_value(_outstanding(record), items, on),
        sum((i.lending_value(on) for i in items), Decimal(0)),
    )


@dataclass(frozen=True, slots=True)
class _Reviewed:
    events: list[tuple[MarginEvent, LoanRecord]]  # with the loan record, to notify after commit
    line_actions: tuple[Action, ...] = ()  # taken on the draw's line for an unmet call


def _review(
    uow: ServicingUnitOfWork, record: LoanRecord, on: date, svc: ServicingServices
) -> _Reviewed:
    """Review one loan's LTV in the caller's transaction: store the calls, audit the events, and
    act on an unmet call (freeze the draw's line, else flag the loan)."""
    position = CollateralPosition(
        record.loan_id,
        tuple(uow.servicing.collateral_items(record.loan_id)),
        tuple(uow.servicing.margin_calls(record.loan_id)),
    )
    if not position.items:
        return _Reviewed([])
    policy = svc.config.collateral
    review = review_collateral(position, _outstanding(record), on, policy)
    if not review.events:
        return _Reviewed([])
    acted: tuple[Action, ...] = ()
    now = svc.clock.now()
    for call in review.position.calls:
        if call not in position.calls:
            uow.servicing.save_margin_call(record.loan_id, call)
    for event in review.events:
        uow.audit.append(
            at=now,
            actor=SYSTEM,
            action=f"collateral.{event.kind.value}",
            subject_type="loan",
            subject_id=record.loan_id,
            payload={
                "ltv": str(event.ltv),
                "threshold": str(policy.ltv_threshold),
                "deadline": event.deadline.isoformat(),
                "business_date": on.isoformat(),
            },
        )
        if event.kind is MarginEventKind.UNMET:
            acted += _risk_trigger(uow, record, review.position.unmet_margin_calls, on, svc, now)
        elif event.kind in (MarginEventKind.MET, MarginEventKind.CURED):
            from fengkong.lending.collections import set_flag

            set_flag(uow, record.loan_id, FLAG, on, False, svc.lending.config.buckets)
    return _Reviewed([(e, record) for e in review.events], acted)


def _risk_trigger(
    uow: ServicingUnitOfWork,
    record: LoanRecord,
    unmet: int,
    on: date,
    svc: ServicingServices,
    now: datetime,
) -> tuple[Action, ...]:
    """The line actions taken on the draw's line; none when the loan was flagged instead."""
    if record.line_id is not None:
        stored = uow.lending.get_line(record.line_id)
        if stored is not None:
            actions = line_actions(
                stored.line,
                LineSignals(unmet_margin_calls=unmet),
                svc.lending.config.line_rules,
                on,
            )
            if actions:
                uow.lending.save_line(
                    replace(stored, line=apply_actions(stored.line, actions, on)), now
                )
                for action in actions:
                    uow.audit.append(
                        at=now,
                        actor=SYSTEM,
                        action=f"line.{action.kind.value}",
                        subject_type="credit_line",
                        subject_id=record.line_id,
                        payload={
                            "reason": action.reason,
                            "detail": action.detail,
                            "loan_id": record.loan_id,
                            "business_date": on.isoformat(),
                            "notify": "borrower",
                        },
                    )
                return actions
    from fengkong.lending.collections import set_flag

    set_flag(uow, record.loan_id, FLAG, on, True, svc.lending.config.buckets)
    uow.audit.append(
        at=now,
        actor=SYSTEM,
        action="collections.flagged",
        subject_type="loan",
        subject_id=record.loan_id,
        payload={"flag": FLAG, "business_date": on.isoformat()},
    )
    return ()


def _notify(events: list[tuple[MarginEvent, LoanRecord]], svc: ServicingServices) -> None:
    from fengkong.lending.line_notices import notify_line
    from fengkong.lending.reminders import notify

    for event, record in events:
        if event.kind is MarginEventKind.UNMET and record.line_id is not None:
            # the draw's line may have been frozen for it: its borrower is told now
            notify_line(record.line_id, event.on, svc)
        if event.kind is not MarginEventKind.OPENED:
            continue
        with svc.uow() as uow:
            contact = contact_for_loan(uow, record, svc.config)
        notify(
            svc,
            subject_type="loan",
            subject_id=record.loan_id,
            kind="margin_call",
            on=event.on,
            contact=contact,
            params={
                "loan_id": record.loan_id,
                "ltv": f"{event.ltv:.4f}" if event.ltv.is_finite() else "∞",
                "threshold": str(svc.config.collateral.ltv_threshold),
                "deadline": event.deadline.isoformat(),
            },
        )


def collateral_step(day: date, svc: ServicingServices) -> Mapping[str, int]:
    """Review the LTV of every loan holding collateral. Lines frozen (closed, reduced) for an
    unmet call count under end of day's own totals (`lines_frozen`…), which they add to."""
    counts = {"margin_calls_opened": 0, "margin_calls_unmet": 0, "margin_calls_closed": 0}
    counts.update(dict.fromkeys(COUNTED_AS.values(), 0))
    with svc.uow() as uow:
        loan_ids = uow.servicing.loans_with_collateral()
    for loan_id in loan_ids:
        with svc.uow() as uow:
            record = uow.lending.get_loan(loan_id)
            if record is None or record.stage is LoanStage.PENDING_DISBURSEMENT:
                continue
            reviewed = _review(uow, record, day, svc)
            uow.commit()
        events = reviewed.events
        for action in reviewed.line_actions:
            counts[COUNTED_AS[action.kind]] += 1
        for event, _ in events:
            if event.kind is MarginEventKind.OPENED:
                counts["margin_calls_opened"] += 1
            elif event.kind is MarginEventKind.UNMET:
                counts["margin_calls_unmet"] += 1
            else:
                counts["margin_calls_closed"] += 1
        _notify(events, svc)
    return counts
