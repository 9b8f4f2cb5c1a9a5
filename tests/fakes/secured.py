"""Security registered against approve-if-secured offers, in memory
(`lending.ports.SecuredOfferStore`): the offer's row, what went to the loan on booking, and the
offers that lapsed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from fakes.tables import Tables
from fengkong.lending.collateral import CollateralItem
from fengkong.lending.errors import DuplicateKey
from fengkong.lending.guarantee_rules import Guarantee
from fengkong.lending.secured_offer import SecuredOffer


class MemorySecuredOffers:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def get(self, application_id: str) -> SecuredOffer | None:
        return self.tables.secured_offers.get(application_id)

    def add(self, offer: SecuredOffer, now: datetime) -> None:
        if offer.application_id in self.tables.secured_offers:
            raise DuplicateKey(f"application {offer.application_id} is already secured")
        self.tables.secured_offers[offer.application_id] = offer

    def booked(self, application_id: str, loan_id: str, now: datetime) -> None:
        offer = self.tables.secured_offers[application_id]
        self.tables.secured_offers[application_id] = replace(offer, loan_id=loan_id)

    def pledge_collateral(
        self, loan_id: str, item: CollateralItem, description: str, now: datetime
    ) -> None:
        self.tables.loan_security[loan_id] = item

    def add_guarantee(self, g: Guarantee, now: datetime) -> None:
        self.tables.loan_security[g.loan_id] = g

    def open_offers(self) -> tuple[str, ...]:
        conditional = {
            d.application_id
            for d in self.tables.decisions.values()
            if str(d.outcome) == "approve_secured"
        } | {d.application_id for d in self.tables.officer_decisions.values() if d.security}
        booked = {r.application_id for r in self.tables.loans.values()}
        lapsed = set(self.tables.secured_lapses)
        return tuple(sorted(conditional - booked - lapsed))

    def lapse(self, application_id: str, decision_id: str, on: date, now: datetime) -> None:
        if application_id in self.tables.secured_lapses:
            raise DuplicateKey(f"secured_offer_lapses: {application_id!r} has one")
        self.tables.secured_lapses[application_id] = on

    def lapsed_on(self, application_id: str) -> date | None:
        return self.tables.secured_lapses.get(application_id)


if TYPE_CHECKING:
    from fengkong.lending.ports import SecuredOfferStore

    _port: type[SecuredOfferStore] = MemorySecuredOffers
