"""/v1/applications/{id}/security: an approve-if-secured offer (需提供担保后批准) as it stands, and
the collateral or guarantor registered against it to complete it. The offer is accepted as any
other (`POST /v1/loans/offers/{id}/accept`), which answers 409 while the security is missing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from fengkong.access.permissions import Permission
from fengkong.api.deps import ActorDep, ContextDep
from fengkong.api.input import InputModel
from fengkong.api.loan_schemas import YuanIn, yuan
from fengkong.api.routes.servicing import RESPONSES, ServicingDep, WhoDep
from fengkong.core.money import yuan_to_fen
from fengkong.lending.collateral import CollateralType
from fengkong.lending.ownership import own_application
from fengkong.lending.secured_offers import (
    SecuredOfferView,
    secure_with_collateral,
    secure_with_guarantor,
    secured_offer_of,
)

router = APIRouter(prefix="/v1/applications", tags=["applications"])


class CollateralSecurityIn(InputModel):
    kind: Literal["collateral"]
    type: CollateralType
    value: YuanIn = Field(ge=0, description="The valuation, yuan")
    valued_on: date | None = None
    source: str = Field(default="appraisal", min_length=1, max_length=120)
    description: str = Field(default="", max_length=400)
    haircut: Decimal | None = Field(default=None, ge=0, lt=1)


class GuarantorSecurityIn(InputModel):
    kind: Literal["guarantor"]
    guarantor_id: str = Field(
        min_length=1, max_length=40, description="Registered with POST /v1/guarantors"
    )
    monthly_income: YuanIn = Field(description="The guarantor's stated monthly income, yuan")


SecurityIn = Annotated[CollateralSecurityIn | GuarantorSecurityIn, Field(discriminator="kind")]


class SecuredOfferOut(BaseModel):
    application_id: str
    decision_id: str = Field(
        description="The decision the offer follows: the automatic one, or the officer's that "
        "approved a referral on condition of security"
    )
    status: str = Field(description="awaiting, completed, expired or booked")
    expires_on: date = Field(description="The last day it can be secured and accepted")
    lapsed_on: date | None = Field(
        None, description="The business date end of day wrote down its lapse, once it did"
    )
    condition: dict[str, Any] = Field(description="What the offer is conditional on")
    registered: dict[str, Any] | None = Field(description="The security registered, if any")

    @classmethod
    def of(cls, v: SecuredOfferView) -> SecuredOfferOut:
        t = v.terms
        condition = {
            "requirement": t.requirement,
            "code": t.code,
            "text_en": t.text_en,
            "text_zh": t.text_zh,
            "accepts": [k.value for k in t.accepts],
            "amount": yuan(t.amount),
            "why": t.why,
            "min_collateral_lending_value": None
            if t.min_lending_value is None
            else yuan(t.min_lending_value),
            "max_ltv": None if t.max_ltv is None else str(t.max_ltv),
            "guarantor_kinds": list(t.guarantor_kinds),
            "guarantor_min_monthly_income": None
            if t.guarantor_min_income is None
            else yuan(t.guarantor_min_income),
            "guarantor_max_exposure": None
            if t.guarantor_max_exposure is None
            else yuan(t.guarantor_max_exposure),
        }
        registered: dict[str, Any] | None = None
        r = v.registered
        if r is not None:
            registered = {
                "kind": r.kind.value,
                "registered_at": r.registered_at.isoformat(),
                "registered_by": r.registered_by,
                "loan_id": r.loan_id,
            }
            if r.collateral is not None:
                c = r.collateral
                registered |= {
                    "type": c.type.value,
                    "value": yuan(c.value),
                    "haircut": str(c.haircut),
                    "lending_value": yuan(c.lending_value),
                    "valued_on": c.valued_on.isoformat(),
                }
            if r.guarantor is not None:
                registered |= {
                    "guarantor_id": r.guarantor.guarantor_id,
                    "monthly_income": yuan(r.guarantor.monthly_income),
                }
        return cls(
            application_id=v.application_id,
            decision_id=v.decision_id,
            status=v.status.value,
            expires_on=v.expires_on,
            lapsed_on=v.lapsed_on,
            condition=condition,
            registered=registered,
        )


@router.get("/{application_id}/security", responses=RESPONSES)
def read_security(
    application_id: str, svc: ServicingDep, ctx: ContextDep, actor: ActorDep
) -> SecuredOfferOut:
    """What an approve-if-secured offer asks for, until when, and what was registered."""
    own_application(ctx.lending, actor, Permission.APPLICATIONS_READ, application_id)
    return SecuredOfferOut.of(secured_offer_of(application_id, svc))


@router.post("/{application_id}/security", status_code=status.HTTP_201_CREATED, responses=RESPONSES)
def register_security(
    application_id: str, body: SecurityIn, svc: ServicingDep, who: WhoDep
) -> SecuredOfferOut:
    """Register the collateral or the guarantor that completes an approve-if-secured offer:
    422 when collateral is below the minimum or the guarantor short of the requirements, 409
    when the offer lapsed, is already secured, or is not conditional on security."""
    if isinstance(body, CollateralSecurityIn):
        view = secure_with_collateral(
            application_id,
            body.type,
            int(yuan_to_fen(body.value)),
            svc,
            valued_on=body.valued_on,
            source=body.source,
            description=body.description,
            haircut=body.haircut,
            actor=who,
        )
    else:
        view = secure_with_guarantor(
            application_id,
            body.guarantor_id,
            int(yuan_to_fen(body.monthly_income)),
            svc,
            actor=who,
        )
    return SecuredOfferOut.of(view)
