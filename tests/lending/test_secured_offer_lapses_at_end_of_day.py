"""A conditional offer (retail-v4, 14 days to secure and accept) past its last date lapses at
end of day: the servicing step writes it down, audited `secured_offer.expired`, for the offer
left unsecured and for the one secured but never accepted, not for the one booked in time, and
not before the last date has passed; a rerun finds nothing left; the lapsed offer can no
longer be secured nor accepted (`SecuredOfferLapsed`). A credit line is not opened on a
conditional offer, nor is one accepted on a line product (`SecuredOfferNotForLines`, 422)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from fengkong.lending.config import LendingConfig
from fengkong.lending.credit_lines import open_line
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.errors import SecuredOfferLapsed, SecuredOfferNotForLines
from fengkong.lending.origination import accept_offer, booked_loan
from fengkong.lending.secured_offer import SecuredStatus
from fengkong.lending.secured_offers import lapse_step, secure_with_collateral, secured_offer_of
from fengkong.lending.servicing_steps import servicing_steps
from lending.secured_offer_support import least_collateral, seed_secured
from lending.test_collections_support import audit_actions, servicing
from lending.test_service_support import lending_services, migrated, new_clock


def test_offers_past_their_last_date_lapse_at_end_of_day(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock)
    unsecured, secured_only, booked = (seed_secured(db, clock) for _ in range(3))
    for application in (secured_only, booked):
        least = least_collateral(db, application)
        secure_with_collateral(application, "deposit", int(least / 0.95) + 2, svc)
    accept_offer(booked, "acc-booked", svc.lending)
    last = secured_offer_of(unsecured, svc).expires_on

    assert lapse_step(last, svc) == {"secured_offers_expired": 0}  # the last date still counts
    clock.advance(timedelta(days=15))
    day = clock.business_date()
    assert day == last + timedelta(days=1)
    report = run_end_of_day(day, svc.lending, steps=servicing_steps(svc))  # a servicing step
    assert report.totals[day.isoformat()]["secured_offers_expired"] == 2
    assert lapse_step(day, svc) == {"secured_offers_expired": 0}  # a rerun finds none left

    for application in (unsecured, secured_only):
        view = secured_offer_of(application, svc)
        assert (view.status, view.lapsed_on) == (SecuredStatus.EXPIRED, day)
        assert "secured_offer.expired" in audit_actions(db, application)
    assert secured_offer_of(booked, svc).status is SecuredStatus.BOOKED
    assert "secured_offer.expired" not in audit_actions(db, booked)

    with pytest.raises(SecuredOfferLapsed, match="neither secured nor accepted"):
        secure_with_collateral(unsecured, "deposit", 100_000_000, svc)
    with pytest.raises(SecuredOfferLapsed, match="secured but not accepted") as refused:
        accept_offer(secured_only, "acc-late", svc.lending)
    assert "已于" in refused.value.detail


def test_a_line_is_not_opened_on_a_conditional_offer(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock)
    application = seed_secured(db, clock)
    with pytest.raises(SecuredOfferNotForLines) as refused:
        open_line(100_000, Decimal("0.12"), "line-1", svc.lending, application_id=application)
    (error,) = refused.value.errors
    assert (error.loc, error.type) == (("application_id",), "secured_offer_not_for_lines")
    assert "循环额度" in error.msg and "instalment loan" in error.msg


def test_a_conditional_offer_priced_on_a_line_product_is_not_accepted(database_url: str) -> None:
    """The rate card offering a revolving line (a lender's configuration): the conditional
    offer is refused at acceptance as at a line's opening, and nothing is booked."""
    db = migrated(database_url)
    clock = new_clock()
    config = LendingConfig(offer_product="credit_line", offer_product_version=None)
    lending = lending_services(db, clock, config=config)
    application = seed_secured(db, clock)
    with pytest.raises(SecuredOfferNotForLines):
        accept_offer(application, "acc-line", lending)
    assert booked_loan(application, lending) is None
