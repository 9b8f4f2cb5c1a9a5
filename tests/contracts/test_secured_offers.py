"""`lending.ports.SecuredOfferStore`: the security registered against an approve-if-secured
offer is read back as written, once per application; booking records the loan it went to; the
open conditional offers (automatic or an officer's) are those neither booked nor lapsed, and a
lapse is written once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.lending_rows import loan
from contracts.rows import application, at, decision, officer_decision, review_item
from fengkong.core.money import Fen
from fengkong.decision.outcome import Outcome
from fengkong.lending.collateral import CollateralType
from fengkong.lending.secured_offer import PledgedCollateral, SecuredOffer, SecurityKind

PLEDGED = PledgedCollateral(
    CollateralType.DEPOSIT, Fen(800_000), Decimal("0.05"), date(2026, 3, 1), "bank", "term deposit"
)


def _offer() -> SecuredOffer:
    return SecuredOffer(
        application_id="app_1",
        decision_id="dec_1",
        kind=SecurityKind.COLLATERAL,
        registered_at=at(5),
        registered_by="user:li.wei",
        expires_on=date(2026, 3, 15),
        collateral=PLEDGED,
    )


def test_registered_security_reads_back_and_is_booked(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.applications.add(application())
        assert uow.secured_offers.get("app_1") is None
        uow.secured_offers.add(_offer(), at(5))
        uow.commit()
    with backend.uow() as uow:
        assert uow.secured_offers.get("app_1") == _offer()
        uow.lending.add_loan(loan(application_id="app_1"), at(6))
        uow.secured_offers.booked("app_1", "loan_1", at(6))
        uow.commit()
    with backend.uow() as uow:
        found = uow.secured_offers.get("app_1")
        assert found is not None and found.loan_id == "loan_1"
        assert found.collateral == PLEDGED


def test_an_application_is_secured_once(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.applications.add(application())
        uow.secured_offers.add(_offer(), at(5))
        uow.commit()
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.secured_offers.add(_offer(), at(6))
        uow.commit()


def test_open_conditional_offers_are_those_neither_booked_nor_lapsed(backend: Backend) -> None:
    """Open: an automatic approve_secured and an officer's conditional approval; not an
    unconditional approval, a booked offer, nor a lapsed one."""
    automatic, plain, booked, lapsing = (
        decision(f"dec_{n}", f"app_{n}", outcome=outcome, approved_amount=Fen(500_000))
        for n, outcome in (
            (1, Outcome.APPROVE_IF_SECURED),
            (2, Outcome.APPROVE),
            (4, Outcome.APPROVE_IF_SECURED),
            (5, Outcome.APPROVE_IF_SECURED),
        )
    )
    referred = decision("dec_3", "app_3")
    condition = {"security": {"requirement": "collateral", "within_days": 14}}
    with backend.uow() as uow:
        for d in (automatic, plain, referred, booked, lapsing):
            uow.applications.add(application(d.application_id))
            uow.decisions.add(d)
        uow.reviews.add(review_item("rev_3", referred))
        uow.officer_decisions.add(
            officer_decision(
                "odc_3",
                application_id="app_3",
                decision_id="dec_3",
                review_item_id="rev_3",
                offer=condition,
                security="collateral",
            )
        )
        uow.lending.add_loan(loan(application_id="app_4"), at(6))
        uow.commit()
    with backend.uow() as uow:
        assert uow.secured_offers.open_offers() == ("app_1", "app_3", "app_5")
        assert uow.secured_offers.lapsed_on("app_5") is None
        uow.secured_offers.lapse("app_5", "dec_5", date(2026, 3, 16), at(7))
        uow.commit()
    with backend.uow() as uow:
        assert uow.secured_offers.open_offers() == ("app_1", "app_3")
        assert uow.secured_offers.lapsed_on("app_5") == date(2026, 3, 16)
        assert uow.officer_decisions.get("odc_3") == officer_decision(
            "odc_3",
            application_id="app_3",
            decision_id="dec_3",
            review_item_id="rev_3",
            offer=condition,
            security="collateral",
        )
    with pytest.raises(REFUSED), backend.uow() as uow:  # a lapse is written once
        uow.secured_offers.lapse("app_5", "dec_5", date(2026, 3, 17), at(8))
        uow.commit()
