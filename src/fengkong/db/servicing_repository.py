"""Servicing in the database: guarantees, cards and debits, reminders, collections, collateral and
line borrower keys. Repositories never commit; look-ups of other areas' tables (loans, instalments,
repayments, decisions, black-list entries) are read only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.db.fraud_tables import fraud_list_entries
from fengkong.db.lending_tables import credit_lines, loan_instalments, loans, repayments
from fengkong.db.servicing_tables import (
    blacklist_actions,
    borrower_keys,
    bound_cards,
    collateral_items,
    collateral_valuations,
    collection_actions,
    collection_cases,
    debit_attempts,
    guarantee_group_members,
    guarantee_groups,
    guarantees,
    guarantor_payments,
    guarantors,
    margin_calls,
    promises_to_pay,
    reminders,
)
from fengkong.db.tables import decisions
from fengkong.lending.autodebit import BoundCard, CardStatus, DebitAttempt, DebitStatus
from fengkong.lending.collateral import (
    CollateralItem,
    CollateralType,
    MarginCall,
    MarginCallStatus,
    Valuation,
)
from fengkong.lending.collections import (
    CaseStatus,
    CollectionAction,
    CollectionActionKind,
    CollectionCase,
    PromiseStatus,
    PromiseToPay,
)
from fengkong.lending.guarantee_rules import (
    Guarantee,
    GuaranteeGroup,
    GuaranteeStatus,
    Guarantor,
    GuarantorKind,
)
from fengkong.lending.reminders import ReminderRecord
from fengkong.lending.servicing import BlacklistHit, LineBorrower

ACTIVE = "active"


class SqlServicingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _upsert(self, table: sa.Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        where = [table.c[k] == v for k, v in key.items()]
        moved = self.session.execute(table.update().where(*where).values(**values))
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(table.insert().values(**key, **values))

    # -- guarantors and guarantees

    @staticmethod
    def _guarantor(row: Any) -> Guarantor:
        return Guarantor(
            row.id,
            GuarantorKind(row.kind),
            row.name_enc,
            row.id_number_enc,
            row.id_number_bidx,
            row.phone_enc,
            row.phone_bidx,
        )

    def guarantor_by_identity(self, kind: str, bidx: str) -> Guarantor | None:
        row = self.session.execute(
            sa.select(guarantors).where(
                guarantors.c.kind == str(kind), guarantors.c.id_number_bidx == bidx
            )
        ).first()
        return None if row is None else self._guarantor(row)

    def get_guarantor(self, guarantor_id: str) -> Guarantor | None:
        row = self.session.execute(
            sa.select(guarantors).where(guarantors.c.id == guarantor_id)
        ).first()
        return None if row is None else self._guarantor(row)

    def add_guarantor(self, g: Guarantor, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    guarantors.insert().values(
                        id=g.guarantor_id,
                        kind=g.kind.value,
                        name_enc=g.name_enc,
                        id_number_enc=g.id_number_enc,
                        id_number_bidx=g.id_number_bidx,
                        phone_enc=g.phone_enc,
                        phone_bidx=g.phone_bidx,
                        created_at=now,
                    )
                )
        except IntegrityError as exc:
            raise Conflict("this guarantor was registered concurrently; retry") from exc

    def add_group(self, group: GuaranteeGroup, now: datetime) -> None:
        self.session.execute(
            guarantee_groups.insert().values(id=group.group_id, name=group.name, created_at=now)
        )
        self.session.execute(
            guarantee_group_members.insert(),
            [{"group_id": group.group_id, "guarantor_id": m} for m in group.members],
        )

    def get_group(self, group_id: str) -> GuaranteeGroup | None:
        row = self.session.execute(
            sa.select(guarantee_groups).where(guarantee_groups.c.id == group_id)
        ).first()
        if row is None:
            return None
        members = self.session.execute(
            sa.select(guarantee_group_members.c.guarantor_id)
            .where(guarantee_group_members.c.group_id == group_id)
            .order_by(guarantee_group_members.c.guarantor_id)
        ).scalars()
        return GuaranteeGroup(row.id, row.name, tuple(members))

    @staticmethod
    def _guarantee(row: Any) -> Guarantee:
        return Guarantee(
            guarantee_id=row.id,
            loan_id=row.loan_id,
            guarantor_id=row.guarantor_id,
            share=Decimal(row.share),
            cap=None if row.cap_fen is None else Fen(row.cap_fen),
            group_id=row.group_id,
            status=GuaranteeStatus(row.status),
            called_on=row.called_on,
            amount_called=Fen(row.amount_called_fen),
            amount_paid=Fen(row.amount_paid_fen),
        )

    def _guarantee_values(self, g: Guarantee, now: datetime) -> dict[str, Any]:
        return {
            "status": g.status.value,
            "called_on": g.called_on,
            "amount_called_fen": int(g.amount_called),
            "amount_paid_fen": int(g.amount_paid),
            "updated_at": now,
        }

    def add_guarantee(self, g: Guarantee, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    guarantees.insert().values(
                        id=g.guarantee_id,
                        loan_id=g.loan_id,
                        guarantor_id=g.guarantor_id,
                        group_id=g.group_id,
                        share=str(g.share),
                        cap_fen=g.cap,
                        created_at=now,
                        **self._guarantee_values(g, now),
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"{g.guarantor_id} already guarantees loan {g.loan_id}") from exc

    def save_guarantee(self, g: Guarantee, now: datetime) -> None:
        self.session.execute(
            guarantees.update()
            .where(guarantees.c.id == g.guarantee_id)
            .values(**self._guarantee_values(g, now))
        )

    def get_guarantee(self, guarantee_id: str) -> Guarantee | None:
        row = self.session.execute(
            sa.select(guarantees).where(guarantees.c.id == guarantee_id)
        ).first()
        return None if row is None else self._guarantee(row)

    def guarantees_for_loan(self, loan_id: str) -> list[Guarantee]:
        rows = self.session.execute(
            sa.select(guarantees).where(guarantees.c.loan_id == loan_id).order_by(guarantees.c.id)
        )
        return [self._guarantee(r) for r in rows]

    def guarantees_of(self, guarantor_id: str) -> list[Guarantee]:
        rows = self.session.execute(
            sa.select(guarantees)
            .where(guarantees.c.guarantor_id == guarantor_id)
            .order_by(guarantees.c.id)
        )
        return [self._guarantee(r) for r in rows]

    def loans_with_live_guarantees(self, min_dpd: int) -> list[str]:
        rows = self.session.execute(
            sa.select(loans.c.id)
            .distinct()
            .join(guarantees, guarantees.c.loan_id == loans.c.id)
            .where(
                guarantees.c.status == GuaranteeStatus.ACTIVE.value,
                loans.c.status == ACTIVE,
                loans.c.days_past_due >= min_dpd,
            )
            .order_by(loans.c.id)
        )
        return list(rows.scalars())

    def settled_loans_with_live_guarantees(self) -> list[str]:
        rows = self.session.execute(
            sa.select(loans.c.id)
            .distinct()
            .join(guarantees, guarantees.c.loan_id == loans.c.id)
            .where(
                guarantees.c.status != GuaranteeStatus.RELEASED.value,
                loans.c.status.in_(("settled", "cancelled")),
            )
            .order_by(loans.c.id)
        )
        return list(rows.scalars())

    def guarantor_payment(self, repayment_id: str) -> str | None:
        value = self.session.execute(
            sa.select(guarantor_payments.c.guarantee_id).where(
                guarantor_payments.c.repayment_id == repayment_id
            )
        ).scalar_one_or_none()
        return value

    def add_guarantor_payment(
        self,
        repayment_id: str,
        guarantee_id: str,
        key: str,
        amount: int,
        business_date: date,
        now: datetime,
    ) -> None:
        self.session.execute(
            guarantor_payments.insert().values(
                repayment_id=repayment_id,
                guarantee_id=guarantee_id,
                idempotency_key=key,
                amount_fen=int(amount),
                business_date=business_date,
                created_at=now,
            )
        )

    # -- cards and debits

    def card(self, loan_id: str) -> BoundCard | None:
        row = self.session.execute(
            sa.select(bound_cards).where(bound_cards.c.loan_id == loan_id)
        ).first()
        if row is None:
            return None
        return BoundCard(
            row.loan_id, row.card_enc, row.card_bidx, row.card_display, CardStatus(row.status)
        )

    def bind_card(self, card: BoundCard, now: datetime) -> None:
        values = {
            "card_enc": card.card_enc,
            "card_bidx": card.card_bidx,
            "card_display": card.display,
            "status": card.status.value,
            "updated_at": now,
        }
        moved = self.session.execute(
            bound_cards.update().where(bound_cards.c.loan_id == card.loan_id).values(**values)
        )
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(
                bound_cards.insert().values(loan_id=card.loan_id, bound_at=now, **values)
            )

    @staticmethod
    def _attempt(row: Any) -> DebitAttempt:
        return DebitAttempt(
            attempt_id=row.id,
            loan_id=row.loan_id,
            due_date=row.due_date,
            attempt=row.attempt,
            business_date=row.business_date,
            amount=Fen(row.amount_fen),
            status=DebitStatus(row.status),
            idempotency_key=row.idempotency_key,
            reference=row.reference,
            error=row.error,
            repayment_id=row.repayment_id,
        )

    def attempt(self, loan_id: str, due: date, number: int) -> DebitAttempt | None:
        row = self.session.execute(
            sa.select(debit_attempts).where(
                debit_attempts.c.loan_id == loan_id,
                debit_attempts.c.due_date == due,
                debit_attempts.c.attempt == number,
            )
        ).first()
        return None if row is None else self._attempt(row)

    def attempts_for_loan(self, loan_id: str) -> list[DebitAttempt]:
        rows = self.session.execute(
            sa.select(debit_attempts)
            .where(debit_attempts.c.loan_id == loan_id)
            .order_by(debit_attempts.c.business_date, debit_attempts.c.attempt)
        )
        return [self._attempt(r) for r in rows]

    def pending_attempts(self) -> list[DebitAttempt]:
        rows = self.session.execute(
            sa.select(debit_attempts)
            .where(debit_attempts.c.status == DebitStatus.PENDING.value)
            .order_by(debit_attempts.c.id)
        )
        return [self._attempt(r) for r in rows]

    def add_attempt(self, a: DebitAttempt, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    debit_attempts.insert().values(
                        id=a.attempt_id,
                        loan_id=a.loan_id,
                        due_date=a.due_date,
                        attempt=a.attempt,
                        business_date=a.business_date,
                        amount_fen=int(a.amount),
                        status=a.status.value,
                        idempotency_key=a.idempotency_key,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"debit {a.idempotency_key} was started concurrently") from exc

    def save_attempt(self, a: DebitAttempt, now: datetime) -> None:
        self.session.execute(
            debit_attempts.update()
            .where(debit_attempts.c.id == a.attempt_id)
            .values(
                status=a.status.value,
                reference=a.reference,
                error=a.error,
                repayment_id=a.repayment_id,
                updated_at=now,
            )
        )

    def debit_candidates(self, day: date, due_dates: Sequence[date]) -> list[str]:
        """Active loans with an active bound card and an instalment due on one of `due_dates`."""
        rows = self.session.execute(
            sa.select(loans.c.id)
            .distinct()
            .join(bound_cards, bound_cards.c.loan_id == loans.c.id)
            .join(loan_instalments, loan_instalments.c.loan_id == loans.c.id)
            .where(
                loans.c.status == ACTIVE,
                bound_cards.c.status == CardStatus.ACTIVE.value,
                loan_instalments.c.due.in_(list(due_dates)),
            )
            .order_by(loans.c.id)
        )
        return list(rows.scalars())

    # -- reminders

    @staticmethod
    def _reminder(row: Any) -> ReminderRecord:
        return ReminderRecord(
            reminder_id=row.id,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            kind=row.kind,
            business_date=row.business_date,
            language=row.language,
            channel=row.channel,
            status=row.status,
            detail=row.detail,
            error=row.error,
            sent_at=row.sent_at,
        )

    def reminder(
        self, subject_type: str, subject_id: str, kind: str, on: date
    ) -> ReminderRecord | None:
        row = self.session.execute(
            sa.select(reminders).where(
                reminders.c.subject_type == subject_type,
                reminders.c.subject_id == subject_id,
                reminders.c.kind == kind,
                reminders.c.business_date == on,
            )
        ).first()
        return None if row is None else self._reminder(row)

    def add_reminder(self, r: ReminderRecord, now: datetime) -> bool:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    reminders.insert().values(
                        id=r.reminder_id,
                        subject_type=r.subject_type,
                        subject_id=r.subject_id,
                        kind=r.kind,
                        business_date=r.business_date,
                        language=r.language,
                        channel=r.channel,
                        status=r.status,
                        detail=dict(r.detail),
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def finish_reminder(
        self, reminder_id: str, status: str, error: str | None, now: datetime
    ) -> None:
        self.session.execute(
            reminders.update()
            .where(reminders.c.id == reminder_id)
            .values(status=status, error=error, sent_at=now)
        )

    def reminders_for(self, subject_id: str) -> list[ReminderRecord]:
        rows = self.session.execute(
            sa.select(reminders)
            .where(reminders.c.subject_id == subject_id)
            .order_by(reminders.c.business_date, reminders.c.kind)
        )
        return [self._reminder(r) for r in rows]

    def instalments_due_on(self, due: date) -> list[tuple[str, int]]:
        rows = self.session.execute(
            sa.select(loan_instalments.c.loan_id, loan_instalments.c.number)
            .join(loans, loans.c.id == loan_instalments.c.loan_id)
            .where(loan_instalments.c.due == due, loans.c.status == ACTIVE)
            .order_by(loan_instalments.c.loan_id)
        )
        return [(r.loan_id, r.number) for r in rows]

    def loans_with_dpd(self, days: Sequence[int]) -> list[str]:
        rows = self.session.execute(
            sa.select(loans.c.id)
            .where(loans.c.status == ACTIVE, loans.c.days_past_due.in_(list(days)))
            .order_by(loans.c.id)
        )
        return list(rows.scalars())

    # -- collections

    @staticmethod
    def _case(row: Any) -> CollectionCase:
        return CollectionCase(
            loan_id=row.loan_id,
            status=CaseStatus(row.status),
            opened_on=row.opened_on,
            days_past_due=row.days_past_due,
            bucket=row.bucket,
            bucket_rank=row.bucket_rank,
            overdue=Fen(row.overdue_fen),
            updated_on=row.updated_on,
            score=row.score,
            pd=None if row.pd is None else Decimal(row.pd),
            flags=tuple(row.flags),
            closed_on=row.closed_on,
        )

    def cases(self, status: CaseStatus) -> list[CollectionCase]:
        rows = self.session.execute(
            sa.select(collection_cases).where(collection_cases.c.status == status.value)
        )
        return [self._case(r) for r in rows]

    def get_case(self, loan_id: str) -> CollectionCase | None:
        row = self.session.execute(
            sa.select(collection_cases).where(collection_cases.c.loan_id == loan_id)
        ).first()
        return None if row is None else self._case(row)

    def save_case(self, c: CollectionCase) -> None:
        self._upsert(
            collection_cases,
            {"loan_id": c.loan_id},
            {
                "status": c.status.value,
                "opened_on": c.opened_on,
                "closed_on": c.closed_on,
                "days_past_due": c.days_past_due,
                "bucket": c.bucket,
                "bucket_rank": c.bucket_rank,
                "overdue_fen": int(c.overdue),
                "score": c.score,
                "pd": None if c.pd is None else str(c.pd),
                "flags": list(c.flags),
                "updated_on": c.updated_on,
            },
        )

    def delinquent_loans(self, min_dpd: int) -> list[tuple[str, int | None, Decimal | None]]:
        """Active loans at or past `min_dpd`, with the score and PD of their decision if any."""
        rows = self.session.execute(
            sa.select(loans.c.id, decisions.c.score, decisions.c.pd)
            .select_from(loans)
            .outerjoin(decisions, decisions.c.application_id == loans.c.application_id)
            .where(loans.c.status == ACTIVE, loans.c.days_past_due >= min_dpd)
            .order_by(loans.c.id)
        )
        return [(r.id, r.score, None if r.pd is None else Decimal(r.pd)) for r in rows]

    def add_action(self, a: CollectionAction, now: datetime) -> None:
        self.session.execute(
            collection_actions.insert().values(
                id=a.action_id,
                loan_id=a.loan_id,
                kind=a.kind.value,
                note=a.note,
                officer=a.officer,
                business_date=a.business_date,
                at=now,
            )
        )

    def actions_for(self, loan_id: str) -> list[CollectionAction]:
        rows = self.session.execute(
            sa.select(collection_actions)
            .where(collection_actions.c.loan_id == loan_id)
            .order_by(collection_actions.c.at, collection_actions.c.id)
        )
        return [
            CollectionAction(
                r.id, r.loan_id, CollectionActionKind(r.kind), r.note, r.officer, r.business_date
            )
            for r in rows
        ]

    @staticmethod
    def _promise(r: Any) -> PromiseToPay:
        return PromiseToPay(
            promise_id=r.id,
            loan_id=r.loan_id,
            amount=Fen(r.amount_fen),
            promised_on=r.promised_on,
            made_on=r.made_on,
            officer=r.officer,
            status=PromiseStatus(r.status),
            paid=Fen(r.paid_fen),
            closed_on=r.closed_on,
        )

    def add_promise(self, p: PromiseToPay, now: datetime) -> None:
        self.session.execute(
            promises_to_pay.insert().values(
                id=p.promise_id,
                loan_id=p.loan_id,
                amount_fen=int(p.amount),
                promised_on=p.promised_on,
                made_on=p.made_on,
                officer=p.officer,
                status=p.status.value,
                paid_fen=int(p.paid),
                closed_on=p.closed_on,
                at=now,
            )
        )

    def save_promise(self, p: PromiseToPay) -> None:
        self.session.execute(
            promises_to_pay.update()
            .where(promises_to_pay.c.id == p.promise_id)
            .values(status=p.status.value, paid_fen=int(p.paid), closed_on=p.closed_on)
        )

    def promises_for(self, loan_id: str) -> list[PromiseToPay]:
        rows = self.session.execute(
            sa.select(promises_to_pay)
            .where(promises_to_pay.c.loan_id == loan_id)
            .order_by(promises_to_pay.c.at, promises_to_pay.c.id)
        )
        return [self._promise(r) for r in rows]

    def open_promises(self) -> list[PromiseToPay]:
        rows = self.session.execute(
            sa.select(promises_to_pay)
            .where(promises_to_pay.c.status == PromiseStatus.OPEN.value)
            .order_by(promises_to_pay.c.id)
        )
        return [self._promise(r) for r in rows]

    def repaid_between(self, loan_id: str, start: date, end: date) -> int:
        value = self.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(repayments.c.amount_fen), 0)).where(
                repayments.c.loan_id == loan_id,
                repayments.c.status == "applied",
                repayments.c.business_date >= start,
                repayments.c.business_date <= end,
            )
        ).scalar_one()
        return int(value)

    # -- collateral

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

    # -- line borrowers and the black list

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
