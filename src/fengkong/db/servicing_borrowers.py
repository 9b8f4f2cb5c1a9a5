"""Line borrowers' keys and the black list's actions on lines in the database
(`lending.servicing`); black-list entries and credit lines are read only."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from fengkong.db.fraud_tables import fraud_list_entries
from fengkong.db.lending_tables import credit_lines
from fengkong.db.servicing_tables import blacklist_actions, borrower_keys
from fengkong.db.stores import SessionStore
from fengkong.lending.servicing_records import BlacklistHit, LineBorrower


class SqlBorrowerKeys(SessionStore):
    def line_borrower(self, line_id: str) -> LineBorrower | None:
        row = self.session.execute(
            sa.select(borrower_keys).where(borrower_keys.c.line_id == line_id)
        ).first()
        if row is None:
            return None
        return LineBorrower(
            row.line_id,
            row.application_id,
            row.id_number_enc,
            row.id_number_bidx,
            row.phone_enc,
            row.phone_bidx,
            row.bank_card_enc,
            row.bank_card_bidx,
            row.language,
        )

    def bind_line_borrower(self, b: LineBorrower, now: datetime) -> None:
        self._upsert(
            borrower_keys,
            {"line_id": b.line_id},
            {
                "application_id": b.application_id,
                "id_number_enc": b.id_number_enc,
                "id_number_bidx": b.id_number_bidx,
                "phone_enc": b.phone_enc,
                "phone_bidx": b.phone_bidx,
                "bank_card_enc": b.bank_card_enc,
                "bank_card_bidx": b.bank_card_bidx,
                "language": b.language,
                "created_at": now,
            },
        )

    def new_blacklist_hits(self, at: datetime) -> list[BlacklistHit]:
        """Active black-list entries matching the keys of a line not closed, that have not acted
        on that line yet: one join, by blind index."""
        e, k = fraud_list_entries, borrower_keys
        matches = sa.or_(
            sa.and_(e.c.key_type == "resident_id", e.c.key_hash == k.c.id_number_bidx),
            sa.and_(e.c.key_type == "mobile", e.c.key_hash == k.c.phone_bidx),
            sa.and_(e.c.key_type == "bank_card", e.c.key_hash == k.c.bank_card_bidx),
        )
        done = sa.select(blacklist_actions.c.line_id).where(
            blacklist_actions.c.line_id == k.c.line_id, blacklist_actions.c.entry_id == e.c.id
        )
        rows = self.session.execute(
            sa.select(k.c.line_id, e.c.id, e.c.key_type)
            .select_from(k)
            .join(e, matches)
            .join(credit_lines, credit_lines.c.id == k.c.line_id)
            .where(
                e.c.list == "black",
                e.c.removed_at.is_(None),
                sa.or_(e.c.expires_at.is_(None), e.c.expires_at > at),
                credit_lines.c.status != "closed",
                ~sa.exists(done),
            )
            .order_by(k.c.line_id, e.c.id)
        )
        return [BlacklistHit(r.line_id, r.id, r.key_type) for r in rows]

    def add_blacklist_action(
        self, hit: BlacklistHit, action: str, day: date, now: datetime
    ) -> None:
        self.session.execute(
            blacklist_actions.insert().values(
                line_id=hit.line_id,
                entry_id=hit.entry_id,
                key_type=hit.key_type,
                action=action,
                business_date=day,
                created_at=now,
            )
        )
