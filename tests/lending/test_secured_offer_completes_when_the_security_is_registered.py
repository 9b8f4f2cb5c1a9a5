"""An approve-if-secured offer (retail-v4: score 510, ¥5,000, a guarantor or collateral of a
lending value ≥ max(¥5,000, amount / 0.7)) cannot be booked until its security is registered:
accepting before is a `Conflict` naming what is missing; collateral below the minimum or a
guarantor short of the requirements is refused (422) and nothing is stored; registering it
completes the offer (audited), booking hands it to the loan; the offer lapses after 14 days."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fengkong.core.errors import Conflict, Invalid
from fengkong.lending.collateral_service import collateral_of
from fengkong.lending.disbursement import disburse
from fengkong.lending.guarantee import add_guarantee, guarantees_for_loan, register_guarantor
from fengkong.lending.guarantee_rules import GuarantorIdentity, GuarantorKind
from fengkong.lending.origination import accept_offer, quote_offer
from fengkong.lending.secured_offer import SecuredStatus, SecurityKind
from fengkong.lending.secured_offers import (
    secure_with_collateral,
    secure_with_guarantor,
    secured_offer_of,
)
from lending.secured_offer_support import least_collateral, seed_secured
from lending.test_collections_support import audit_actions, person, servicing
from lending.test_service_support import migrated, new_clock, seed_approved


def test_collateral_completes_the_offer_and_goes_to_the_loan(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock)
    application = seed_secured(db, clock)
    least = least_collateral(db, application)
    assert secured_offer_of(application, svc).status is SecuredStatus.AWAITING
    assert quote_offer(application, svc.lending).secured

    with pytest.raises(Conflict, match="needs a guarantor or collateral"):
        accept_offer(application, "acc-1", svc.lending)

    # a deposit's haircut is 5 %: a value whose lending value falls one fen short is refused
    short = int((least - 1) / 0.95)
    with pytest.raises(Invalid) as refused:
        secure_with_collateral(application, "deposit", short, svc)
    assert refused.value.errors[0].type == "below_minimum"
    assert secured_offer_of(application, svc).status is SecuredStatus.AWAITING

    value = int(least / 0.95) + 2
    view = secure_with_collateral(application, "deposit", value, svc, source="bank statement")
    assert view.status is SecuredStatus.COMPLETED
    assert view.registered is not None and view.registered.kind is SecurityKind.COLLATERAL
    with pytest.raises(Conflict, match="already secured"):
        secure_with_collateral(application, "deposit", value, svc)

    loan = accept_offer(application, "acc-1", svc.lending).record
    assert secured_offer_of(application, svc).status is SecuredStatus.BOOKED
    held = collateral_of(loan.loan_id, svc)
    assert [i.valuations[-1].value for i in held.items] == [value]
    assert "secured_offer.completed" in audit_actions(db, application)
    assert audit_actions(db, loan.loan_id)[:2] == ["loan.booked", "secured_offer.booked"]


def test_a_guarantor_completes_the_offer_and_guarantees_the_loan(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock)
    application = seed_secured(db, clock)
    name, id_number, phone = person(7)
    guarantor = register_guarantor(
        GuarantorIdentity(GuarantorKind.INDIVIDUAL, name, id_number, phone), svc
    )
    with pytest.raises(Invalid) as refused:
        secure_with_guarantor(application, guarantor.guarantor_id, 599_999, svc)
    assert refused.value.errors[0].loc == ("monthly_income",)
    with pytest.raises(Conflict, match="not registered"):
        accept_offer(application, "acc-1", svc.lending)

    view = secure_with_guarantor(application, guarantor.guarantor_id, 600_000, svc)
    assert view.status is SecuredStatus.COMPLETED
    loan = accept_offer(application, "acc-1", svc.lending).record
    (guarantee,) = guarantees_for_loan(loan.loan_id, svc)
    assert (guarantee.guarantor_id, guarantee.share) == (guarantor.guarantor_id, 1)


def test_the_offer_lapses_unsecured_and_unaccepted(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock)
    lapsing = seed_secured(db, clock)
    secured_in_time = seed_secured(db, clock)
    least = least_collateral(db, secured_in_time)
    secure_with_collateral(secured_in_time, "deposit", int(least / 0.95) + 2, svc)
    expires = secured_offer_of(lapsing, svc).expires_on
    assert expires == clock.business_date() + timedelta(days=14)

    clock.advance(timedelta(days=15))
    assert secured_offer_of(lapsing, svc).status is SecuredStatus.EXPIRED
    with pytest.raises(Conflict, match="lapsed"):
        secure_with_collateral(lapsing, "deposit", 10 * least, svc)
    for application in (lapsing, secured_in_time):
        with pytest.raises(Conflict, match="lapsed"):
            accept_offer(application, f"acc-{application}", svc.lending)


def test_an_unconditional_offer_takes_no_security(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock)
    application = seed_approved(db, clock)
    with pytest.raises(Conflict, match="no offer conditional on security"):
        secure_with_collateral(application, "deposit", 1_000_000, svc)


def test_a_guarantor_is_checked_on_their_own(database_url: str) -> None:
    """The applicant cannot guarantee their own loan, nor can a guarantor who would guarantee
    more than the offer allows with it."""
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock)
    application = seed_secured(db, clock)
    name, id_number, phone = person(9)
    guarantor = register_guarantor(
        GuarantorIdentity(GuarantorKind.INDIVIDUAL, name, id_number, phone), svc
    )
    with db.engine.begin() as conn:  # the applicant is the guarantor, by their ID number
        conn.execute(
            sa.text("update applications set id_number_bidx = :b where id = :i"),
            {"b": guarantor.id_number_bidx, "i": application},
        )
    with pytest.raises(Invalid) as refused:
        secure_with_guarantor(application, guarantor.guarantor_id, 900_000, svc)
    assert any("own loan" in e.msg for e in refused.value.errors)

    # a guarantor who already guarantees close to the most (¥200,000) is refused
    other = seed_secured(db, clock)
    name, id_number, phone = person(10)
    busy = register_guarantor(
        GuarantorIdentity(GuarantorKind.INDIVIDUAL, name, id_number, phone), svc
    )
    for k in range(40):  # forty ¥5,000 loans, each guaranteed in full
        loan_id = accept_offer(
            seed_approved(db, clock, amount=500_000, terms=12), f"busy-{k}", svc.lending
        ).record.loan_id
        disburse(loan_id, f"pay-{k}", svc.lending)
        add_guarantee(loan_id, busy.guarantor_id, Decimal(1), svc)
    with pytest.raises(Invalid) as over:
        secure_with_guarantor(other, busy.guarantor_id, 900_000, svc)
    assert any("above" in e.msg for e in over.value.errors)
    assert secured_offer_of(other, svc).status is SecuredStatus.AWAITING
