"""The loan state codec: a `LoanState` becomes one JSON document, dates as ISO strings, rates as
decimal strings, `penalty_base` (a `Fraction`) as [numerator, denominator], and each instalment
position as a flat list so an end-of-day pass decodes it quickly. A credit line's product,
draws and history are one document too (`line_to_json`; `db.lending_rows` reads it back)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fengkong.core.money import Fen
from fengkong.lending.daycount import DayCount
from fengkong.lending.line import CreditLine
from fengkong.lending.loan import (
    Allocation,
    AllocationLine,
    AppliedRepayment,
    Component,
    Components,
    CreditApplied,
    Disbursed,
    FeeCharged,
    FeeKind,
    InstalmentPosition,
    InterestAccrued,
    LoanState,
    LoanStatus,
    LoanTerms,
    MoneyEvent,
    PenaltyAccrued,
    RepaymentApplied,
    RepaymentReversed,
    Restructured,
    RestructureKind,
    Restructuring,
    ReversedRepayment,
    WrittenOff,
)
from fengkong.lending.product import LateFee
from fengkong.lending.schedule import Instalment, InterestBasis, RepaymentMethod


def _d(value: date) -> str:
    return value.isoformat()


def _date(text: str) -> date:
    return date.fromisoformat(text)


def _components(c: Components) -> list[int]:
    return [int(c.principal), int(c.interest), int(c.fee), int(c.penalty)]


def _components_from(v: Sequence[int]) -> Components:
    return Components(Fen(v[0]), Fen(v[1]), Fen(v[2]), Fen(v[3]))


def _position(p: InstalmentPosition) -> list[Any]:
    i = p.instalment
    return [
        i.number,
        _d(i.due),
        int(i.principal),
        int(i.interest),
        int(i.fee),
        int(i.opening_principal),
        int(i.closing_principal),
        _d(p.period_start),
        _components(p.charged),
        _components(p.paid),
        int(p.interest_waived),
        [p.penalty_base.numerator, p.penalty_base.denominator],
        p.late_fee_charged,
    ]


def _position_from(v: Sequence[Any]) -> InstalmentPosition:
    return InstalmentPosition(
        instalment=Instalment(
            number=v[0],
            due=_date(v[1]),
            principal=Fen(v[2]),
            interest=Fen(v[3]),
            fee=Fen(v[4]),
            opening_principal=Fen(v[5]),
            closing_principal=Fen(v[6]),
        ),
        period_start=_date(v[7]),
        charged=_components_from(v[8]),
        paid=_components_from(v[9]),
        interest_waived=Fen(v[10]),
        penalty_base=Fraction(v[11][0], v[11][1]),
        late_fee_charged=bool(v[12]),
    )


def _allocation(a: Allocation) -> dict[str, Any]:
    return {
        "lines": [[x.instalment, x.component.value, int(x.amount)] for x in a.lines],
        "to_credit": int(a.to_credit),
    }


def _allocation_from(v: Mapping[str, Any]) -> Allocation:
    return Allocation(
        tuple(AllocationLine(n, Component(c), Fen(a)) for n, c, a in v["lines"]),
        Fen(v["to_credit"]),
    )


def _restructuring(r: Restructuring) -> dict[str, Any]:
    return {
        "on": _d(r.on),
        "kind": r.kind.value,
        "reason": r.reason,
        "outstanding_principal": int(r.outstanding_principal),
        "old_terms": r.old_terms,
        "new_terms": r.new_terms,
        "annual_rate": str(r.annual_rate),
        "method": r.method.value,
        "first_new_instalment": r.first_new_instalment,
        "prior_positions": [_position(p) for p in r.prior_positions],
        "revision_after": r.revision_after,
    }


def _restructuring_from(v: Mapping[str, Any]) -> Restructuring:
    return Restructuring(
        on=_date(v["on"]),
        kind=RestructureKind(v["kind"]),
        reason=v["reason"],
        outstanding_principal=Fen(v["outstanding_principal"]),
        old_terms=v["old_terms"],
        new_terms=v["new_terms"],
        annual_rate=Decimal(v["annual_rate"]),
        method=RepaymentMethod(v["method"]),
        first_new_instalment=v["first_new_instalment"],
        # Absent from a restructuring stored before they were kept.
        prior_positions=tuple(_position_from(p) for p in v.get("prior_positions", ())),
        revision_after=v.get("revision_after", 0),
    )


def event_to_json(e: MoneyEvent) -> dict[str, Any]:
    base: dict[str, Any] = {"type": type(e).__name__, "on": _d(e.on)}
    if isinstance(e, Disbursed):
        base.update(
            principal=int(e.principal),
            paid_out=int(e.paid_out),
            fee_receivable=int(e.fee_receivable),
        )
    elif isinstance(e, InterestAccrued | PenaltyAccrued):
        base.update(instalment=e.instalment, amount=int(e.amount))
    elif isinstance(e, FeeCharged):
        base.update(instalment=e.instalment, kind=e.kind.value, amount=int(e.amount))
    elif isinstance(e, RepaymentApplied):
        base.update(
            repayment_id=e.repayment_id,
            amount=int(e.amount),
            allocation=_allocation(e.allocation),
            settlement=e.settlement,
        )
    elif isinstance(e, CreditApplied):
        base.update(allocation=_allocation(e.allocation))
    elif isinstance(e, RepaymentReversed):
        base.update(repayment_id=e.repayment_id, undone=[event_to_json(u) for u in e.undone])
    elif isinstance(e, WrittenOff):
        base.update(written_off=_components(e.written_off), reason=e.reason)
    elif isinstance(e, Restructured):
        base.update(record=_restructuring(e.record))
    return base


def event_from_json(v: Mapping[str, Any]) -> MoneyEvent:
    on = _date(v["on"])
    kind = v["type"]
    if kind == "Disbursed":
        return Disbursed(on, Fen(v["principal"]), Fen(v["paid_out"]), Fen(v["fee_receivable"]))
    if kind == "InterestAccrued":
        return InterestAccrued(on, v["instalment"], Fen(v["amount"]))
    if kind == "PenaltyAccrued":
        return PenaltyAccrued(on, v["instalment"], Fen(v["amount"]))
    if kind == "FeeCharged":
        return FeeCharged(on, v["instalment"], FeeKind(v["kind"]), Fen(v["amount"]))
    if kind == "RepaymentApplied":
        return RepaymentApplied(
            on,
            v["repayment_id"],
            Fen(v["amount"]),
            _allocation_from(v["allocation"]),
            bool(v["settlement"]),
        )
    if kind == "CreditApplied":
        return CreditApplied(on, _allocation_from(v["allocation"]))
    if kind == "RepaymentReversed":
        return RepaymentReversed(
            on, v["repayment_id"], tuple(event_from_json(u) for u in v["undone"])
        )
    if kind == "WrittenOff":
        return WrittenOff(on, _components_from(v["written_off"]), v["reason"])
    if kind == "Restructured":
        return Restructured(on, _restructuring_from(v["record"]))
    raise ValueError(f"unknown event type {kind!r}")


def state_to_json(s: LoanState) -> dict[str, Any]:
    t = s.terms
    return {
        "loan_id": s.loan_id,
        "terms": {
            "principal": int(t.principal),
            "annual_rate": str(t.annual_rate),
            "penalty_annual_rate": str(t.penalty_annual_rate),
            "day_count": t.day_count.value,
            "interest_basis": t.interest_basis.value,
            "repayment_method": t.repayment_method.value,
            "grace_days": t.grace_days,
            "late_fee": [int(t.late_fee.fixed), str(t.late_fee.rate)],
            "disbursed_on": _d(t.disbursed_on),
            "product_code": t.product_code,
            "product_version": t.product_version,
        },
        "positions": [_position(p) for p in s.positions],
        "accrued_through": _d(s.accrued_through),
        "status": s.status.value,
        "unapplied_credit": int(s.unapplied_credit),
        "revision": s.revision,
        "repayments": [_repayment(r) for r in s.repayments],
        "restructurings": [_restructuring(r) for r in s.restructurings],
        "closed_on": None if s.closed_on is None else _d(s.closed_on),
        **(
            {
                "reversed_repayments": [
                    {
                        "repayment": _repayment(r.repayment),
                        "on": _d(r.on),
                        "prior_positions": [_position(p) for p in r.prior_positions],
                    }
                    for r in s.reversed_repayments
                ]
            }
            if s.reversed_repayments
            else {}
        ),
    }


def _repayment(r: AppliedRepayment) -> dict[str, Any]:
    return {
        "repayment_id": r.repayment_id,
        "on": _d(r.on),
        "amount": int(r.amount),
        "events": [event_to_json(e) for e in r.events],
        "revision_after": r.revision_after,
        "prior_positions": [_position(p) for p in r.prior_positions],
        "prior_credit": int(r.prior_credit),
    }


def _repayment_from(r: Mapping[str, Any]) -> AppliedRepayment:
    return AppliedRepayment(
        repayment_id=r["repayment_id"],
        on=_date(r["on"]),
        amount=Fen(r["amount"]),
        events=tuple(event_from_json(e) for e in r["events"]),
        revision_after=r["revision_after"],
        prior_positions=tuple(_position_from(p) for p in r["prior_positions"]),
        prior_credit=Fen(r["prior_credit"]),
    )


def state_from_json(v: Mapping[str, Any]) -> LoanState:
    t = v["terms"]
    return LoanState(
        loan_id=v["loan_id"],
        terms=LoanTerms(
            principal=Fen(t["principal"]),
            annual_rate=Decimal(t["annual_rate"]),
            penalty_annual_rate=Decimal(t["penalty_annual_rate"]),
            day_count=DayCount(t["day_count"]),
            interest_basis=InterestBasis(t["interest_basis"]),
            repayment_method=RepaymentMethod(t["repayment_method"]),
            grace_days=t["grace_days"],
            late_fee=LateFee(Fen(t["late_fee"][0]), Decimal(t["late_fee"][1])),
            disbursed_on=_date(t["disbursed_on"]),
            product_code=t["product_code"],
            product_version=t["product_version"],
        ),
        positions=tuple(_position_from(p) for p in v["positions"]),
        accrued_through=_date(v["accrued_through"]),
        status=LoanStatus(v["status"]),
        unapplied_credit=Fen(v["unapplied_credit"]),
        revision=v["revision"],
        repayments=tuple(_repayment_from(r) for r in v["repayments"]),
        restructurings=tuple(_restructuring_from(r) for r in v["restructurings"]),
        closed_on=None if v["closed_on"] is None else _date(v["closed_on"]),
        # Absent from a state stored before reversals were kept, or that has none.
        reversed_repayments=tuple(
            ReversedRepayment(
                _repayment_from(r["repayment"]),
                _date(r["on"]),
                tuple(_position_from(p) for p in r["prior_positions"]),
            )
            for r in v.get("reversed_repayments", ())
        ),
    )


def line_to_json(line: CreditLine) -> dict[str, Any]:
    return {
        "product": line.product.to_dict(),
        "draws": [[d.draw_id, int(d.principal_outstanding)] for d in line.draws],
        "history": [
            {
                "on": _d(h.on),
                "kind": h.kind.value,
                "reason": h.reason,
                "limit_before": int(h.limit_before),
                "limit_after": int(h.limit_after),
                "officer": h.officer,
            }
            for h in line.history
        ],
    }
