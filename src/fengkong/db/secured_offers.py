"""Security registered against approve-if-secured offers in the database
(`lending.ports.SecuredOfferStore`); on booking, the collateral and the guarantee are written to
the loan by servicing's own stores, in the same session."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fengkong.core.money import Fen
from fengkong.db.decision_tables import officer_decisions
from fengkong.db.lending_tables import loans
from fengkong.db.secured_offer_tables import secured_offer_lapses as _L
from fengkong.db.secured_offer_tables import secured_offers as _T
from fengkong.db.servicing_collateral import SqlCollateral
from fengkong.db.servicing_guarantees import SqlGuarantees
from fengkong.db.stores import SessionStore
from fengkong.db.tables import decisions
from fengkong.lending.collateral import CollateralItem, CollateralType
from fengkong.lending.errors import DuplicateKey
from fengkong.lending.guarantee_rules import Guarantee
from fengkong.lending.secured_offer import (
    PledgedCollateral,
    PledgedGuarantor,
    SecuredOffer,
    SecurityKind,
)

if TYPE_CHECKING:
    from fengkong.lending.ports import SecuredOfferStore


class SqlSecuredOffers(SessionStore):
    def get(self, application_id: str) -> SecuredOffer | None:
        row = self.session.execute(
            sa.select(_T).where(_T.c.application_id == application_id)
        ).first()
        return None if row is None else _offer(row._mapping)

    def add(self, offer: SecuredOffer, now: datetime) -> None:
        values: dict[str, Any] = {
            "application_id": offer.application_id,
            "decision_id": offer.decision_id,
            "kind": offer.kind.value,
            "registered_at": offer.registered_at,
            "registered_by": offer.registered_by,
            "expires_on": offer.expires_on,
        }
        if offer.collateral is not None:
            c = offer.collateral
            values |= {
                "collateral_type": c.type.value,
                "value_fen": int(c.value),
                "haircut": str(c.haircut),
                "valued_on": c.valued_on,
                "source": c.source,
                "description": c.description,
            }
        if offer.guarantor is not None:
            values |= {
                "guarantor_id": offer.guarantor.guarantor_id,
                "guarantor_income_fen": int(offer.guarantor.monthly_income),
            }
        try:
            with self.session.begin_nested():
                self.session.execute(_T.insert().values(**values))
        except IntegrityError as exc:
            raise DuplicateKey(f"application {offer.application_id} is already secured") from exc

    def booked(self, application_id: str, loan_id: str, now: datetime) -> None:
        self.session.execute(
            _T.update()
            .where(_T.c.application_id == application_id)
            .values(loan_id=loan_id, booked_at=now)
        )

    def pledge_collateral(
        self, loan_id: str, item: CollateralItem, description: str, now: datetime
    ) -> None:
        SqlCollateral(self.session).add_collateral_item(loan_id, item, description, now)

    def add_guarantee(self, g: Guarantee, now: datetime) -> None:
        SqlGuarantees(self.session).add_guarantee(g, now)

    def open_offers(self) -> tuple[str, ...]:
        d, o = decisions, officer_decisions
        conditional = sa.union(
            sa.select(d.c.application_id.label("application_id")).where(
                d.c.outcome == "approve_secured"
            ),
            sa.select(o.c.application_id.label("application_id")).where(o.c.security.is_not(None)),
        ).subquery()
        app = conditional.c.application_id
        booked = sa.exists().where(loans.c.application_id == app)
        lapsed = sa.exists().where(_L.c.application_id == app)
        query = sa.select(app).where(~booked, ~lapsed).order_by(app)
        return tuple(str(a) for a in self.session.scalars(query))

    def lapse(self, application_id: str, decision_id: str, on: date, now: datetime) -> None:
        self.session.execute(
            _L.insert().values(
                application_id=application_id,
                decision_id=decision_id,
                expired_on=on,
                expired_at=now,
            )
        )

    def lapsed_on(self, application_id: str) -> date | None:
        found: date | None = self.session.scalar(
            sa.select(_L.c.expired_on).where(_L.c.application_id == application_id)
        )
        return found


def _offer(row: Any) -> SecuredOffer:
    collateral = None
    if row["collateral_type"] is not None:
        collateral = PledgedCollateral(
            CollateralType(row["collateral_type"]),
            Fen(row["value_fen"]),
            Decimal(row["haircut"]),
            row["valued_on"],
            row["source"] or "",
            row["description"] or "",
        )
    guarantor = None
    if row["guarantor_id"] is not None:
        guarantor = PledgedGuarantor(row["guarantor_id"], Fen(row["guarantor_income_fen"]))
    return SecuredOffer(
        application_id=row["application_id"],
        decision_id=row["decision_id"],
        kind=SecurityKind(row["kind"]),
        registered_at=row["registered_at"],
        registered_by=row["registered_by"],
        expires_on=row["expires_on"],
        collateral=collateral,
        guarantor=guarantor,
        loan_id=row["loan_id"],
    )


if TYPE_CHECKING:
    _port: type[SecuredOfferStore] = SqlSecuredOffers
