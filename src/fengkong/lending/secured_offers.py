"""Approve-if-secured offers as use cases: where an offer stands, registering the collateral or
the guarantor that completes it (audited), and the check and hand-over `origination` makes when
the offer is accepted: refused (`Conflict`, saying what is missing) until the security is
registered, refused once lapsed, and on booking the security goes to the loan — the collateral as
the loan's first item (`collateral_service` reviews its LTV from then on), the guarantor as a
guarantee of the whole loan (`guarantee` calls it when the loan falls past due).

The guarantor is registered first with `guarantee.register_guarantor` (its identity sealed as
an application's); the rules are in `lending.secured_offer`.

The condition is the automatic decision's (approve_secured) or, on a referral, the officer's who
approved it on condition of security (`decision.officer`). End of day writes down, audited, the
lapse of the offers neither secured and accepted by their last date (`lapse_step`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from fengkong.core.clock import BUSINESS_TZ, Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.lending.approval import conditional
from fengkong.lending.collateral import CollateralItem, CollateralType, Valuation, collateral_type
from fengkong.lending.errors import SecuredOfferLapsed
from fengkong.lending.guarantee_rules import Guarantee, exposure_of
from fengkong.lending.ports import OriginationUnitOfWork
from fengkong.lending.records import LoanStage
from fengkong.lending.secured_offer import (
    SECURED,
    PledgedCollateral,
    PledgedGuarantor,
    SecuredOffer,
    SecuredStatus,
    SecurityKind,
    SecurityTerms,
    check_collateral,
    check_guarantor,
    expires_on,
    terms_of,
)
from fengkong.lending.servicing import SYSTEM, ServicingServices, require_text
from fengkong.lending.servicing_ports import ServicingUnitOfWork


@dataclass(frozen=True, slots=True)
class SecuredOfferView:
    """A conditional offer as it stands: what it asks, until when, and what was registered."""

    application_id: str
    decision_id: str  # the automatic decision, or the officer's that approved a referral
    terms: SecurityTerms
    status: SecuredStatus
    expires_on: date
    registered: SecuredOffer | None = None
    lapsed_on: date | None = None  # the business date end of day wrote the lapse down


@dataclass(frozen=True, slots=True)
class _Condition:
    """The decision an offer is conditional under: the automatic one (approve_secured), or the
    officer's approval of a referral on condition of security."""

    application_id: str
    decision_id: str
    decided_at: datetime
    terms: SecurityTerms


def _conditional(uow: OriginationUnitOfWork, application_id: str) -> _Condition:
    decision = uow.decisions.for_application(application_id)
    if decision is None:
        raise NotFound(f"no application {application_id!r}")
    outcome, offer = str(decision.outcome), decision.offer
    decision_id, decided_at = decision.id, decision.decided_at
    if outcome == "refer":
        officer = uow.officer_decisions.for_application(application_id)
        if officer is not None and conditional(officer.offer):
            outcome, offer = SECURED, officer.offer
            decision_id, decided_at = officer.id, officer.decided_at
    condition = None if offer is None else offer.get("security")
    if outcome != SECURED or not isinstance(condition, Mapping):
        raise Conflict(
            f"application {application_id} has no offer conditional on security ({outcome})"
        )
    return _Condition(application_id, decision_id, decided_at, terms_of(condition))


def _view(
    decision: _Condition,
    found: SecuredOffer | None,
    today: date,
    lapsed_on: date | None = None,
) -> SecuredOfferView:
    decided_on = decision.decided_at.astimezone(BUSINESS_TZ).date()
    last = expires_on(decided_on, decision.terms)
    if found is not None and found.loan_id is not None:
        status = SecuredStatus.BOOKED
    elif lapsed_on is not None or today > last:
        status = SecuredStatus.EXPIRED
    elif found is not None:
        status = SecuredStatus.COMPLETED
    else:
        status = SecuredStatus.AWAITING
    return SecuredOfferView(
        decision.application_id,
        decision.decision_id,
        decision.terms,
        status,
        last,
        found,
        lapsed_on,
    )


def _current(uow: OriginationUnitOfWork, application_id: str, today: date) -> SecuredOfferView:
    condition = _conditional(uow, application_id)
    store = uow.secured_offers
    return _view(condition, store.get(application_id), today, store.lapsed_on(application_id))


def secured_offer_of(application_id: str, svc: ServicingServices) -> SecuredOfferView:
    """Where the application's conditional offer stands."""
    with svc.uow() as uow:
        return _current(uow, application_id, svc.clock.business_date())


def _open(uow: ServicingUnitOfWork, application_id: str, today: date) -> SecuredOfferView:
    view = _current(uow, application_id, today)
    if view.status is SecuredStatus.EXPIRED:
        raise SecuredOfferLapsed(application_id, view.expires_on)
    if view.registered is not None:
        raise Conflict(
            f"application {application_id} is already secured by a {view.registered.kind.value}"
        )
    return view


def secure_with_collateral(
    application_id: str,
    type: CollateralType | str,
    value: int,
    svc: ServicingServices,
    *,
    valued_on: date | None = None,
    source: str = "appraisal",
    description: str = "",
    haircut: Decimal | None = None,
    actor: str = SYSTEM,
) -> SecuredOfferView:
    """Register collateral against a conditional offer: `Invalid` (422) when its lending value
    is below what the offer needs; completes the offer otherwise."""
    kind = collateral_type(type)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid((FieldError(("value",), f"must be fen ≥ 0: {value!r}"),))
    if haircut is not None and not (isinstance(haircut, Decimal) and 0 <= haircut < 1):
        raise Invalid((FieldError(("haircut",), f"must be a Decimal in [0, 1): {haircut!r}"),))
    today = svc.clock.business_date()
    pledged = PledgedCollateral(
        kind,
        Fen(value),
        svc.config.haircuts[kind] if haircut is None else haircut,
        valued_on or today,
        require_text(source, "source", 120),
        description.strip()[:400],
    )
    with svc.uow() as uow:
        view = _open(uow, application_id, today)
        check_collateral(view.terms, pledged, today)
        now = svc.clock.now()
        offer = SecuredOffer(
            application_id,
            view.decision_id,
            SecurityKind.COLLATERAL,
            now,
            actor,
            view.expires_on,
            collateral=pledged,
        )
        _complete(
            uow,
            offer,
            view,
            {
                "type": kind.value,
                "value_fen": int(pledged.value),
                "haircut": str(pledged.haircut),
                "lending_value_fen": int(pledged.lending_value),
                "min_lending_value_fen": view.terms.min_lending_value,
                "valued_on": pledged.valued_on.isoformat(),
            },
        )
        uow.commit()
    return _view_after(application_id, svc)


def secure_with_guarantor(
    application_id: str,
    guarantor_id: str,
    monthly_income: int,
    svc: ServicingServices,
    *,
    actor: str = SYSTEM,
) -> SecuredOfferView:
    """Register a guarantor (registered with `guarantee.register_guarantor`) against a
    conditional offer: `Invalid` (422) when it does not meet the offer's requirements."""
    today = svc.clock.business_date()
    with svc.uow() as uow:
        view = _open(uow, application_id, today)
        guarantor = uow.servicing.get_guarantor(guarantor_id)
        if guarantor is None:
            raise NotFound(f"no guarantor {guarantor_id!r}")
        application = uow.applications.get(application_id)
        applicant = None if application is None else application.id_number_bidx
        exposure = _exposure(uow, guarantor_id)
        check_guarantor(view.terms, guarantor, monthly_income, applicant, exposure)
        now = svc.clock.now()
        offer = SecuredOffer(
            application_id,
            view.decision_id,
            SecurityKind.GUARANTOR,
            now,
            actor,
            view.expires_on,
            guarantor=PledgedGuarantor(guarantor_id, Fen(monthly_income)),
        )
        _complete(
            uow,
            offer,
            view,
            {
                "guarantor_id": guarantor_id,
                "guarantor_kind": guarantor.kind.value,
                "monthly_income_fen": int(monthly_income),
                "exposure_before_fen": exposure,
            },
        )
        uow.commit()
    return _view_after(application_id, svc)


def _complete(
    uow: ServicingUnitOfWork,
    offer: SecuredOffer,
    view: SecuredOfferView,
    details: dict[str, object],
) -> None:
    """Record the security that completes `view`'s offer, audited with what was checked."""
    uow.secured_offers.add(offer, offer.registered_at)
    uow.audit.append(
        at=offer.registered_at,
        actor=offer.registered_by,
        action="secured_offer.completed",
        subject_type="application",
        subject_id=offer.application_id,
        payload={
            "decision_id": view.decision_id,
            "kind": offer.kind.value,
            "requirement": view.terms.requirement,
            **details,
        },
    )


def _view_after(application_id: str, svc: ServicingServices) -> SecuredOfferView:
    return secured_offer_of(application_id, svc)


def _exposure(uow: ServicingUnitOfWork, guarantor_id: str) -> int:
    """What the guarantor guarantees now, as `guarantee.guarantor_exposure` counts it."""
    by_loan: dict[str, list[Guarantee]] = {}
    outstanding: dict[str, int] = {}
    for g in uow.servicing.guarantees_of(guarantor_id):
        if g.loan_id in by_loan:
            continue
        by_loan[g.loan_id] = list(uow.servicing.guarantees_for_loan(g.loan_id))
        record = uow.lending.get_loan(g.loan_id)
        active = record is not None and record.stage is LoanStage.ACTIVE
        outstanding[g.loan_id] = int(record.state.outstanding.total) if record and active else 0
    return int(exposure_of(guarantor_id, by_loan, outstanding).total)


# ---- what origination asks when a conditional offer is accepted ----------------------------------


def security_for_acceptance(
    uow: OriginationUnitOfWork, application_id: str, today: date
) -> SecuredOffer:
    """The registered security that lets the conditional offer be accepted; `Conflict` saying
    what is missing, or that the offer lapsed (`SecuredOfferLapsed`)."""
    view = _current(uow, application_id, today)
    if view.status is SecuredStatus.EXPIRED:
        raise SecuredOfferLapsed(application_id, view.expires_on, secured=bool(view.registered))
    if view.registered is None:
        raise Conflict(
            f"the offer on application {application_id} is conditional on security "
            f"({view.terms.code}) and it is not registered: {view.terms.missing()}"
        )
    return view.registered


def hand_over_security(
    uow: OriginationUnitOfWork,
    secured: SecuredOffer,
    loan_id: str,
    clock: Clock,
    actor: str = SYSTEM,
) -> None:
    """In the booking's transaction: the registered security goes to the new loan, and the
    conditional offer is marked booked."""
    now = clock.now()
    if secured.collateral is not None:
        pledged = secured.collateral
        item = CollateralItem(
            new_id("col", clock),
            pledged.type,
            pledged.haircut,
            (Valuation(pledged.valued_on, pledged.value, pledged.source),),
        )
        uow.secured_offers.pledge_collateral(loan_id, item, pledged.description, now)
        payload: dict[str, object] = {"item_id": item.item_id, "type": pledged.type.value}
    else:
        assert secured.guarantor is not None
        guarantee = Guarantee(
            new_id("gte", clock), loan_id, secured.guarantor.guarantor_id, Decimal(1)
        )
        uow.secured_offers.add_guarantee(guarantee, now)
        payload = {
            "guarantee_id": guarantee.guarantee_id,
            "guarantor_id": guarantee.guarantor_id,
            "share": "1",
        }
    uow.secured_offers.booked(secured.application_id, loan_id, now)
    uow.audit.append(
        at=now,
        actor=actor,
        action="secured_offer.booked",
        subject_type="loan",
        subject_id=loan_id,
        payload={
            "application_id": secured.application_id,
            "kind": secured.kind.value,
            **payload,
        },
    )


# ---- end of day: offers past their last date lapse ------------------------------------------------


def lapse_step(day: date, svc: ServicingServices) -> Mapping[str, int]:
    """Write down, audited (`secured_offer.expired`), the lapse of every conditional offer
    neither secured and accepted by its last date, as of the business date `day`: it can no
    longer be secured nor accepted. The lapse row makes a rerun of the date find nothing left."""
    expired = 0
    with svc.uow() as uow:
        for application_id in uow.secured_offers.open_offers():
            view = _current(uow, application_id, day)
            if view.status is not SecuredStatus.EXPIRED:
                continue
            now = svc.clock.now()
            uow.secured_offers.lapse(application_id, view.decision_id, day, now)
            registered = view.registered
            uow.audit.append(
                at=now,
                actor=SYSTEM,
                action="secured_offer.expired",
                subject_type="application",
                subject_id=application_id,
                payload={
                    "decision_id": view.decision_id,
                    "requirement": view.terms.requirement,
                    "expires_on": view.expires_on.isoformat(),
                    "business_date": day.isoformat(),
                    "secured_by": None if registered is None else registered.kind.value,
                },
            )
            expired += 1
        uow.commit()
    return {"secured_offers_expired": expired}
