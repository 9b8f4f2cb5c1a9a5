"""Collateral items, their valuations and margin calls in the database
(`lending.collateral_service`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.db.servicing_tables import collateral_items, collateral_valuations, margin_calls
from fengkong.db.stores import SessionStore
from fengkong.lending.collateral import (
    CollateralItem,
    CollateralType,
    MarginCall,
    MarginCallStatus,
    Valuation,
)


class SqlCollateral(SessionStore):
    def add_collateral_item(
        self, loan_id: str, item: CollateralItem, description: str, now: datetime
    ) -> None:
        self.session.execute(
            collateral_items.insert().values(
                id=item.item_id,
                loan_id=loan_id,
                type=item.type.value,
                haircut=str(item.haircut),
                description=description,
                created_at=now,
            )
        )
        for valuation in item.valuations:
            self.add_valuation(item.item_id, valuation, now)

    def add_valuation(self, item_id: str, v: Valuation, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    collateral_valuations.insert().values(
                        item_id=item_id,
                        valued_on=v.on,
                        value_fen=int(v.value),
                        source=v.source,
                        created_at=now,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"item {item_id} already has a valuation on {v.on}") from exc

    def collateral_loan(self, item_id: str) -> str | None:
        value = self.session.execute(
            sa.select(collateral_items.c.loan_id).where(collateral_items.c.id == item_id)
        ).scalar_one_or_none()
        return value

    def collateral_items(self, loan_id: str) -> list[CollateralItem]:
        rows = self.session.execute(
            sa.select(collateral_items)
            .where(collateral_items.c.loan_id == loan_id)
            .order_by(collateral_items.c.created_at, collateral_items.c.id)
        ).all()
        found: list[CollateralItem] = []
        for row in rows:
            values = self.session.execute(
                sa.select(collateral_valuations)
                .where(collateral_valuations.c.item_id == row.id)
                .order_by(collateral_valuations.c.valued_on)
            )
            found.append(
                CollateralItem(
                    row.id,
                    CollateralType(row.type),
                    Decimal(row.haircut),
                    tuple(Valuation(v.valued_on, Fen(v.value_fen), v.source) for v in values),
                )
            )
        return found

    def collateral_descriptions(self, loan_id: str) -> dict[str, str]:
        rows = self.session.execute(
            sa.select(collateral_items.c.id, collateral_items.c.description).where(
                collateral_items.c.loan_id == loan_id
            )
        )
        return {r.id: r.description for r in rows}

    def margin_calls(self, loan_id: str) -> list[MarginCall]:
        rows = self.session.execute(
            sa.select(margin_calls)
            .where(margin_calls.c.loan_id == loan_id)
            .order_by(margin_calls.c.opened_on)
        )
        return [
            MarginCall(
                r.opened_on,
                r.deadline,
                Decimal(r.ltv_at_open),
                Decimal(r.threshold),
                MarginCallStatus(r.status),
                r.closed_on,
            )
            for r in rows
        ]

    def save_margin_call(self, loan_id: str, call: MarginCall) -> None:
        self._upsert(
            margin_calls,
            {"loan_id": loan_id, "opened_on": call.opened_on},
            {
                "deadline": call.deadline,
                "ltv_at_open": str(call.ltv_at_open),
                "threshold": str(call.threshold),
                "status": call.status.value,
                "closed_on": call.closed_on,
            },
        )

    def loans_with_collateral(self) -> list[str]:
        rows = self.session.execute(
            sa.select(collateral_items.c.loan_id).distinct().order_by(collateral_items.c.loan_id)
        )
        return list(rows.scalars())
