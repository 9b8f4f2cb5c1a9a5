"""Credit lines and their draws in the database, each line saved against its revision. Stores
never commit."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fengkong.core.money import Fen
from fengkong.db.behaviour_store import SqlBehaviourStore, line_owner
from fengkong.db.lending_codec import line_to_json
from fengkong.db.lending_rows import line_record
from fengkong.db.lending_tables import credit_lines, line_draws
from fengkong.db.stores import SessionStore
from fengkong.lending.behaviour import BehaviourScore
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.line_reinstate import notice_date
from fengkong.lending.records import DrawRecord, LineRecord


class SqlCreditLines(SessionStore):
    def add_line(self, record: LineRecord, now: datetime) -> None:
        line = record.line
        try:
            with self.session.begin_nested():
                self.session.execute(
                    credit_lines.insert().values(
                        id=line.line_id,
                        idempotency_key=record.idempotency_key,
                        request_hash=record.request_hash,
                        product_code=line.product.code,
                        product_version=line.product.version,
                        status=line.status.value,
                        limit_fen=int(line.limit),
                        annual_rate=str(line.annual_rate),
                        state=line_to_json(line),
                        revision=record.revision,
                        created_at=now,
                        updated_at=now,
                        application_id=record.application_id,
                        rule_acted_on=notice_date(line),
                    )
                )
        except IntegrityError as exc:
            raise DuplicateKey(f"idempotency key {record.idempotency_key!r} is taken") from exc

    def get_line(self, line_id: str) -> LineRecord | None:
        row = self.session.execute(
            sa.select(credit_lines).where(credit_lines.c.id == line_id)
        ).first()
        return None if row is None else line_record(row)

    def lock_line(self, line_id: str) -> LineRecord | None:
        """The line, its row locked until the transaction ends (as `SqlLoans.lock_loan`)."""
        row = self.session.execute(
            sa.select(credit_lines).where(credit_lines.c.id == line_id).with_for_update()
        ).first()
        return None if row is None else line_record(row)

    def line_by_key(self, key: str) -> LineRecord | None:
        row = self.session.execute(
            sa.select(credit_lines).where(credit_lines.c.idempotency_key == key)
        ).first()
        return None if row is None else line_record(row)

    def save_line(self, record: LineRecord, now: datetime) -> LineRecord:
        line = record.line
        moved = self.session.execute(
            credit_lines.update()
            .where(credit_lines.c.id == line.line_id, credit_lines.c.revision == record.revision)
            .values(
                status=line.status.value,
                limit_fen=int(line.limit),
                state=line_to_json(line),
                rule_acted_on=notice_date(line),
                revision=record.revision + 1,
                updated_at=now,
            )
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleLoan(f"credit line {line.line_id} changed since it was read; retry")
        return replace(record, revision=record.revision + 1)

    def add_draw(self, record: DrawRecord, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    line_draws.insert().values(
                        loan_id=record.loan_id,
                        line_id=record.line_id,
                        idempotency_key=record.idempotency_key,
                        request_hash=record.request_hash,
                        amount_fen=int(record.amount),
                        terms=record.terms,
                        drawn_on=record.drawn_on,
                        created_at=now,
                    )
                )
        except IntegrityError as exc:
            raise DuplicateKey(f"idempotency key {record.idempotency_key!r} is taken") from exc

    def behaviour_score_of_line(self, line_id: str) -> BehaviourScore | None:
        """The latest behaviour score of the line's holder."""
        customer = line_owner(self.session, line_id)
        return None if customer is None else SqlBehaviourStore(self.session).latest_score(customer)

    def draw_by_key(self, key: str) -> DrawRecord | None:
        row = self.session.execute(
            sa.select(line_draws).where(line_draws.c.idempotency_key == key)
        ).first()
        if row is None:
            return None
        return DrawRecord(
            row.loan_id,
            row.line_id,
            row.idempotency_key,
            row.request_hash,
            Fen(row.amount_fen),
            row.terms,
            row.drawn_on,
        )
