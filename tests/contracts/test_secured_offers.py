"""`lending.ports.SecuredOfferStore`: the security registered against an approve-if-secured
offer is read back as written, once per application; booking records the loan it went to."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.lending_rows import loan
from contracts.rows import application, at
from fengkong.core.money import Fen
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
