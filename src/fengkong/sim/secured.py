"""Approve-if-secured offers in a simulated run: the applicant offered a loan on condition of
a guarantor or collateral brings one, or walks away. A small business pledges its premises when
the offer takes collateral and they are worth enough; otherwise some applicants bring a relative
or a friend as guarantor (a synthetic person, registered as officers register guarantors), and
the rest walk away. Each step is one of the platform's use cases, safe to repeat on a rerun."""

from __future__ import annotations

from fengkong.bootstrap import Context
from fengkong.core.errors import Conflict, Invalid
from fengkong.decision.record import DecisionRecord
from fengkong.lending.collateral import CollateralType
from fengkong.lending.guarantee import register_guarantor
from fengkong.lending.guarantee_rules import GuarantorIdentity, GuarantorKind
from fengkong.lending.secured_offer import SecurityKind
from fengkong.lending.secured_offers import (
    secure_with_collateral,
    secure_with_guarantor,
    secured_offer_of,
)
from fengkong.sim.conduct import rng_for
from fengkong.sim.identity import identity
from fengkong.sim.model import Applicant

BRINGS_GUARANTOR = 0.55  # of those without collateral enough: the others walk away
GUARANTOR_INCOME = (600_000, 2_500_000)  # fen a month, drawn uniformly


def secure(
    ctx: Context, applicant: Applicant, decision: DecisionRecord, seed: int, actor: str
) -> SecurityKind | None:
    """Register the security the offer asks for, as this applicant would; what completed it,
    or None when they walk away (or what they bring falls short)."""
    svc = ctx.servicing
    view = secured_offer_of(decision.application_id, svc)
    if view.registered is not None:  # an interrupted run of this day registered it (or booked)
        return view.registered.kind
    terms = view.terms
    value = int(applicant.collateral_value)
    least = terms.min_lending_value
    try:
        if (
            SecurityKind.COLLATERAL in terms.accepts
            and value > 0
            and (least is None or value * 0.7 >= least)  # property: a 30 % haircut
        ):
            secure_with_collateral(
                decision.application_id,
                CollateralType.PROPERTY,
                value,
                svc,
                source="simulated appraisal",
                description=f"{applicant.industry} business premises",
                actor=actor,
            )
            return SecurityKind.COLLATERAL
        rng = rng_for(seed, applicant.key, "guarantor")
        if SecurityKind.GUARANTOR not in terms.accepts or rng.random() >= BRINGS_GUARANTOR:
            return None
        who = identity(rng.randint(30, 58), ctx.clock.business_date(), rng)
        guarantor = register_guarantor(
            GuarantorIdentity(GuarantorKind.INDIVIDUAL, who.name, who.id_number, who.phone),
            svc,
            actor=actor,
        )
        income = rng.randint(*GUARANTOR_INCOME)
        secure_with_guarantor(
            decision.application_id, guarantor.guarantor_id, income, svc, actor=actor
        )
        return SecurityKind.GUARANTOR
    except Invalid:
        return None  # short of the requirements: the offer is left to lapse
    except Conflict:
        return None
