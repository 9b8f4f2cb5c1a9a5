"""Servicing over HTTP: guarantors and guarantees, bound cards and debits, collateral, the
collections queue, reminders and line borrowers. Who acts is the authenticated caller, recorded
by audit name (`user:olivia`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from fengkong.api.deps import ActorDep, ContextDep
from fengkong.api.input import InputModel
from fengkong.api.loan_schemas import Reason, YuanIn, yuan
from fengkong.api.routes.loans import PROBLEMS, IdempotencyKey
from fengkong.core.money import yuan_to_fen
from fengkong.lending import (
    autodebit,
    collateral_service,
    collections,
    guarantee,
    reminders,
    servicing_records,
)
from fengkong.lending.blacklist_trigger import bind_line_borrower
from fengkong.lending.collateral import CollateralType
from fengkong.lending.guarantee_rules import Guarantee, GuarantorIdentity, GuarantorKind
from fengkong.lending.servicing import ServicingServices

router = APIRouter(tags=["servicing"])
RESPONSES: dict[int | str, dict[str, Any]] = {k: dict(v) for k, v in PROBLEMS.items()}


def get_servicing(ctx: ContextDep) -> ServicingServices:
    servicing: ServicingServices = ctx.servicing
    return servicing


ServicingDep = Annotated[ServicingServices, Depends(get_servicing)]


def audit_name(actor: ActorDep) -> str:
    return actor.audit_name


WhoDep = Annotated[str, Depends(audit_name)]
Share = Annotated[Decimal, Field(gt=0, le=1, decimal_places=4)]


# ---- guarantees ---------------------------------------------------------------------------------


class GuarantorIn(InputModel):
    kind: Literal["individual", "company"] = "individual"
    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(min_length=1, max_length=40, description="Resident ID, or USCC")
    phone: str | None = Field(default=None, max_length=20)


class GuarantorOut(BaseModel):
    guarantor_id: str
    kind: str


class GroupIn(InputModel):
    name: str = Field(min_length=1, max_length=120)
    members: list[str] = Field(min_length=2)


class GroupOut(BaseModel):
    group_id: str
    name: str
    members: list[str]


class GuaranteeIn(InputModel):
    guarantor_id: str | None = None
    group_id: str | None = None
    share: Share
    cap: YuanIn | None = None
    borrower_member: str | None = None


class GuaranteeOut(BaseModel):
    guarantee_id: str
    loan_id: str
    guarantor_id: str
    group_id: str | None
    share: str
    cap: str | None
    status: str
    called_on: date | None
    amount_called: str
    amount_paid: str

    @classmethod
    def of(cls, g: Guarantee) -> GuaranteeOut:
        return cls(
            guarantee_id=g.guarantee_id,
            loan_id=g.loan_id,
            guarantor_id=g.guarantor_id,
            group_id=g.group_id,
            share=str(g.share),
            cap=None if g.cap is None else yuan(g.cap),
            status=g.status.value,
            called_on=g.called_on,
            amount_called=yuan(g.amount_called),
            amount_paid=yuan(g.amount_paid),
        )


class ExposureOut(BaseModel):
    guarantor_id: str
    total: str
    loans: list[dict[str, str]]


class AmountIn(InputModel):
    amount: YuanIn = Field(gt=0)


@router.post("/v1/guarantors", status_code=status.HTTP_201_CREATED, responses=RESPONSES)
def register_guarantor(body: GuarantorIn, svc: ServicingDep, who: WhoDep) -> GuarantorOut:
    """Register (or find) a guarantor; the identity is sealed by the vault, never stored clear."""
    g = guarantee.register_guarantor(
        GuarantorIdentity(GuarantorKind(body.kind), body.name, body.id_number, body.phone),
        svc,
        actor=who,
    )
    return GuarantorOut(guarantor_id=g.guarantor_id, kind=g.kind.value)


@router.get("/v1/guarantors/{guarantor_id}/exposure", responses=RESPONSES)
def exposure(guarantor_id: str, svc: ServicingDep) -> ExposureOut:
    e = guarantee.guarantor_exposure(guarantor_id, svc)
    return ExposureOut(
        guarantor_id=e.guarantor_id,
        total=yuan(e.total),
        loans=[
            {"loan_id": x.loan_id, "outstanding": yuan(x.outstanding), "exposure": yuan(x.amount)}
            for x in e.lines
        ],
    )


@router.post("/v1/guarantee-groups", status_code=status.HTTP_201_CREATED, responses=RESPONSES)
def create_group(body: GroupIn, svc: ServicingDep, who: WhoDep) -> GroupOut:
    group = guarantee.create_group(body.name, body.members, svc, actor=who)
    return GroupOut(group_id=group.group_id, name=group.name, members=list(group.members))


@router.post(
    "/v1/loans/{loan_id}/guarantees", status_code=status.HTTP_201_CREATED, responses=RESPONSES
)
def add_guarantee(
    loan_id: str, body: GuaranteeIn, svc: ServicingDep, who: WhoDep
) -> list[GuaranteeOut]:
    """A guarantor's guarantee, or a 联保 group's (every member but the borrower)."""
    from fengkong.core.errors import FieldError, Invalid

    if (body.guarantor_id is None) == (body.group_id is None):
        raise Invalid((FieldError(("guarantor_id",), "give guarantor_id or group_id"),))
    if body.guarantor_id is not None:
        cap = None if body.cap is None else int(yuan_to_fen(body.cap))
        made: tuple[Guarantee, ...] = (
            guarantee.add_guarantee(
                loan_id, body.guarantor_id, body.share, svc, cap=cap, actor=who
            ),
        )
    else:
        assert body.group_id is not None
        made = guarantee.add_group_guarantee(
            loan_id, body.group_id, body.share, svc, borrower_member=body.borrower_member, actor=who
        )
    return [GuaranteeOut.of(g) for g in made]


@router.get("/v1/loans/{loan_id}/guarantees", responses=RESPONSES)
def list_guarantees(loan_id: str, svc: ServicingDep) -> list[GuaranteeOut]:
    return [GuaranteeOut.of(g) for g in guarantee.guarantees_for_loan(loan_id, svc)]


@router.post(
    "/v1/guarantees/{guarantee_id}/payments",
    status_code=status.HTTP_201_CREATED,
    responses=RESPONSES,
)
def guarantor_payment(
    guarantee_id: str, body: AmountIn, key: IdempotencyKey, svc: ServicingDep, who: WhoDep
) -> dict[str, object]:
    """代偿: the guarantor pays through the normal repayment path."""
    paid = guarantee.pay_as_guarantor(
        guarantee_id, int(yuan_to_fen(body.amount)), key, svc, actor=who
    )
    return {
        "guarantee_id": guarantee_id,
        "repayment_id": paid.repayment.repayment_id,
        "amount": yuan(paid.repayment.amount),
        "amount_paid": yuan(paid.amount_paid),
        "loan_status": paid.repayment.loan_stage.value,
    }


# ---- cards and debits ---------------------------------------------------------------------------


class CardIn(InputModel):
    card_number: str = Field(min_length=12, max_length=40)


class CardOut(BaseModel):
    loan_id: str
    card: str = Field(description="Masked")
    status: str


@router.put("/v1/loans/{loan_id}/card", responses=RESPONSES)
def bind_card(loan_id: str, body: CardIn, svc: ServicingDep, who: WhoDep) -> CardOut:
    card = autodebit.bind_card(loan_id, body.card_number, svc, actor=who)
    return CardOut(loan_id=loan_id, card=card.display, status=card.status.value)


@router.delete("/v1/loans/{loan_id}/card", responses=RESPONSES)
def unbind_card(loan_id: str, svc: ServicingDep, who: WhoDep) -> CardOut:
    card = autodebit.unbind_card(loan_id, svc, actor=who)
    return CardOut(loan_id=loan_id, card=card.display, status=card.status.value)


@router.get("/v1/loans/{loan_id}/debits", responses=RESPONSES)
def list_debits(loan_id: str, svc: ServicingDep) -> list[dict[str, object]]:
    return [
        {
            "attempt_id": a.attempt_id,
            "due_date": a.due_date.isoformat(),
            "attempt": a.attempt,
            "business_date": a.business_date.isoformat(),
            "amount": yuan(a.amount),
            "status": a.status.value,
            "reference": a.reference,
            "error": a.error,
            "repayment_id": a.repayment_id,
        }
        for a in autodebit.debit_attempts(loan_id, svc)
    ]


@router.get("/v1/loans/{loan_id}/reminders", responses=RESPONSES)
def list_reminders(loan_id: str, svc: ServicingDep) -> list[dict[str, object]]:
    return [
        {
            "reminder_id": r.reminder_id,
            "kind": r.kind,
            "business_date": r.business_date.isoformat(),
            "language": r.language,
            "channel": r.channel,
            "status": r.status,
        }
        for r in reminders.reminders_for(loan_id, svc)
    ]


# ---- collateral ---------------------------------------------------------------------------------


class CollateralIn(InputModel):
    type: CollateralType
    value: YuanIn = Field(ge=0)
    valued_on: date | None = None
    source: str = Field(default="appraisal", min_length=1, max_length=120)
    description: str = Field(default="", max_length=400)
    haircut: Decimal | None = Field(default=None, ge=0, lt=1)


class ValuationIn(InputModel):
    value: YuanIn = Field(ge=0)
    valued_on: date | None = None
    source: str = Field(default="appraisal", min_length=1, max_length=120)


class CollateralOut(BaseModel):
    loan_id: str
    ltv: str
    lending_value: str
    items: list[dict[str, object]]
    margin_calls: list[dict[str, object]]

    @classmethod
    def of(cls, v: collateral_service.CollateralView) -> CollateralOut:
        return cls(
            loan_id=v.loan_id,
            ltv=str(v.ltv) if v.ltv.is_finite() else "Infinity",
            lending_value=yuan(int(v.lending_value)),
            items=[
                {
                    "item_id": i.item_id,
                    "type": i.type.value,
                    "haircut": str(i.haircut),
                    "description": v.descriptions.get(i.item_id, ""),
                    "valuations": [
                        {"on": x.on.isoformat(), "value": yuan(x.value), "source": x.source}
                        for x in i.valuations
                    ],
                }
                for i in v.items
            ],
            margin_calls=[
                {
                    "opened_on": c.opened_on.isoformat(),
                    "deadline": c.deadline.isoformat(),
                    "ltv_at_open": str(c.ltv_at_open),
                    "status": c.status.value,
                    "closed_on": None if c.closed_on is None else c.closed_on.isoformat(),
                }
                for c in v.calls
            ],
        )


@router.post(
    "/v1/loans/{loan_id}/collateral", status_code=status.HTTP_201_CREATED, responses=RESPONSES
)
def add_collateral(
    loan_id: str, body: CollateralIn, svc: ServicingDep, who: WhoDep
) -> CollateralOut:
    return CollateralOut.of(
        collateral_service.add_collateral(
            loan_id,
            body.type,
            int(yuan_to_fen(body.value)),
            svc,
            valued_on=body.valued_on,
            source=body.source,
            description=body.description,
            haircut=body.haircut,
            actor=who,
        )
    )


@router.post("/v1/collateral/{item_id}/valuations", responses=RESPONSES)
def revalue(item_id: str, body: ValuationIn, svc: ServicingDep, who: WhoDep) -> CollateralOut:
    return CollateralOut.of(
        collateral_service.revalue_collateral(
            item_id,
            int(yuan_to_fen(body.value)),
            svc,
            valued_on=body.valued_on,
            source=body.source,
            actor=who,
        )
    )


@router.get("/v1/loans/{loan_id}/collateral", responses=RESPONSES)
def read_collateral(loan_id: str, svc: ServicingDep) -> CollateralOut:
    return CollateralOut.of(collateral_service.collateral_of(loan_id, svc))


# ---- collections --------------------------------------------------------------------------------


class CaseOut(BaseModel):
    loan_id: str
    status: str
    opened_on: date
    days_past_due: int
    bucket: str
    overdue: str
    score: int | None
    pd: str | None
    flags: list[str]

    @classmethod
    def of(cls, c: servicing_records.CollectionCase) -> CaseOut:
        return cls(
            loan_id=c.loan_id,
            status=c.status.value,
            opened_on=c.opened_on,
            days_past_due=c.days_past_due,
            bucket=c.bucket,
            overdue=yuan(c.overdue),
            score=c.score,
            pd=None if c.pd is None else str(c.pd),
            flags=list(c.flags),
        )


class ActionIn(InputModel):
    kind: Literal["call", "sms", "visit", "legal"]
    note: Reason


class PromiseIn(InputModel):
    amount: YuanIn = Field(gt=0)
    promised_on: date


@router.get("/v1/collections")
def queue(
    svc: ServicingDep,
    status_: Annotated[Literal["open", "closed"], Query(alias="status")] = "open",
    limit: int = 100,
) -> list[CaseOut]:
    """Delinquent loans, riskiest first: bucket, then PD or score, then overdue amount."""
    cases = collections.collection_queue(
        svc, status=servicing_records.CaseStatus(status_), limit=max(1, min(limit, 1000))
    )
    return [CaseOut.of(c) for c in cases]


@router.get("/v1/collections/{loan_id}", responses=RESPONSES)
def read_case(loan_id: str, svc: ServicingDep) -> dict[str, object]:
    view = collections.get_case(loan_id, svc)
    return {
        "case": CaseOut.of(view.case).model_dump(mode="json"),
        "actions": [
            {"kind": a.kind.value, "note": a.note, "officer": a.officer, "on": a.business_date}
            for a in view.actions
        ],
        "promises": [
            {
                "promise_id": p.promise_id,
                "amount": yuan(p.amount),
                "promised_on": p.promised_on,
                "status": p.status.value,
                "paid": yuan(p.paid),
            }
            for p in view.promises
        ],
    }


@router.post(
    "/v1/collections/{loan_id}/actions", status_code=status.HTTP_201_CREATED, responses=RESPONSES
)
def act(loan_id: str, body: ActionIn, svc: ServicingDep, who: WhoDep) -> dict[str, object]:
    done = collections.record_action(loan_id, body.kind, body.note, who, svc)
    return {"action_id": done.action_id, "kind": done.kind.value, "on": done.business_date}


@router.post(
    "/v1/collections/{loan_id}/promises", status_code=status.HTTP_201_CREATED, responses=RESPONSES
)
def promise(loan_id: str, body: PromiseIn, svc: ServicingDep, who: WhoDep) -> dict[str, object]:
    made = collections.record_promise(
        loan_id, int(yuan_to_fen(body.amount)), body.promised_on, who, svc
    )
    return {"promise_id": made.promise_id, "status": made.status.value}


# ---- line borrowers -----------------------------------------------------------------------------


class BorrowerIn(InputModel):
    application_id: str | None = None
    id_number: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=20)
    bank_card: str | None = Field(default=None, max_length=40)
    language: Literal["zh-CN", "en"] | None = None


@router.put("/v1/lines/{line_id}/borrower", responses=RESPONSES)
def bind_borrower(
    line_id: str, body: BorrowerIn, svc: ServicingDep, who: WhoDep
) -> dict[str, object]:
    """Whose line it is, by blind index: what the end-of-day black-list check looks for."""
    bound = bind_line_borrower(
        line_id,
        svc,
        application_id=body.application_id,
        id_number=body.id_number,
        phone=body.phone,
        bank_card=body.bank_card,
        language=body.language,
        actor=who,
    )
    return {
        "line_id": line_id,
        "keys": [
            k
            for k, v in (
                ("id_number", bound.id_number_bidx),
                ("phone", bound.phone_bidx),
                ("bank_card", bound.bank_card_bidx),
            )
            if v
        ],
        "language": bound.language,
    }
