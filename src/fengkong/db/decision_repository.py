"""Review items and policy versions in the database. Repositories never commit."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.core.reason import Reason
from fengkong.db.decision_tables import (
    officer_decisions,
    policy_versions,
    review_events,
    review_items,
)
from fengkong.db.write_behind import WriteBehind
from fengkong.decision.officer import OfficerDecision
from fengkong.decision.officer_terms import OfficerTerms
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy_registry import PolicyStatus, PolicyVersion, Role
from fengkong.decision.review import (
    ACTIVE,
    ReviewAction,
    ReviewEvent,
    ReviewItem,
    ReviewStatus,
)

_ACTIVE = [s.value for s in ACTIVE]


def _status_filter(status: ReviewStatus, now: datetime) -> sa.ColumnElement[bool]:
    """The rows whose standing at `now` is `status` (see `review.as_of`): claims and items lapse
    by their stored instants, not by a job rewriting the rows."""
    c = review_items.c
    live = c.expires_at > now
    claim_live = sa.and_(c.claimed_by.is_not(None), c.claim_expires_at > now)
    match status:
        case ReviewStatus.OPEN:
            return sa.and_(c.status.in_(("open", "claimed")), live, sa.not_(claim_live))
        case ReviewStatus.CLAIMED:
            return sa.and_(c.status == "claimed", live, claim_live)
        case ReviewStatus.AWAITING_SECOND:
            return sa.and_(c.status == "awaiting_second", live)
        case ReviewStatus.EXPIRED:
            return sa.or_(c.status == "expired", sa.and_(c.status.in_(_ACTIVE), sa.not_(live)))
        case _:
            return c.status == status.value


_INSERT_ITEM = review_items.insert()
_e = review_events.c
_INSERT_EVENT = review_events.insert().from_select(
    ["item_id", "seq", "at", "officer", "action", "comment"],
    sa.select(
        sa.bindparam("item_id", type_=_e.item_id.type),
        sa.func.coalesce(sa.func.max(_e.seq), 0) + 1,
        sa.bindparam("at", type_=_e.at.type),
        sa.bindparam("officer", type_=_e.officer.type),
        sa.bindparam("action", type_=_e.action.type),
        sa.bindparam("comment", type_=_e.comment.type),
    ).where(_e.item_id == sa.bindparam("item_id", type_=_e.item_id.type)),
)


class SqlReviewRepository:
    def __init__(self, session: Session, writes: WriteBehind | None = None) -> None:
        self.session = session
        self.writes = writes  # where new items and their first events wait for the commit

    def add(self, item: ReviewItem) -> None:
        if self.writes is not None:
            self.writes.insert(review_items, [_item_row(item)])
        else:
            self.session.execute(_INSERT_ITEM, _item_row(item))

    def get(self, item_id: str, *, for_update: bool = False) -> ReviewItem | None:
        query = sa.select(review_items).where(review_items.c.id == item_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return None if row is None else _item(row._mapping)

    def for_decision(self, decision_id: str) -> ReviewItem | None:
        row = self.session.execute(
            sa.select(review_items).where(review_items.c.decision_id == decision_id)
        ).first()
        return None if row is None else _item(row._mapping)

    def save(self, item: ReviewItem, *, expected_version: int) -> ReviewItem:
        """Write `item` over the row still at `expected_version`; a row that moved meanwhile (a
        concurrent claim) is a `Conflict`, never a silent overwrite."""
        saved = dataclasses.replace(item, version=expected_version + 1)
        row = _item_row(saved)
        del row["id"]
        moved = self.session.execute(
            review_items.update()
            .where(review_items.c.id == item.id, review_items.c.version == expected_version)
            .values(**row)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"review item {item.id} changed meanwhile; reload and retry")
        return saved

    def list(
        self, *, now: datetime, status: ReviewStatus | None = None, limit: int = 100
    ) -> Sequence[ReviewItem]:
        query = sa.select(review_items).order_by(review_items.c.due_at, review_items.c.id)
        if status is not None:
            query = query.where(_status_filter(status, now))
        return [_item(r._mapping) for r in self.session.execute(query.limit(limit))]

    def lapsed(self, now: datetime) -> Sequence[ReviewItem]:
        query = (
            sa.select(review_items)
            .where(review_items.c.status.in_(_ACTIVE), review_items.c.expires_at <= now)
            .order_by(review_items.c.expires_at, review_items.c.id)
            .with_for_update()
        )
        return [_item(r._mapping) for r in self.session.execute(query)]

    def add_event(self, event: ReviewEvent) -> None:
        """Append the item's next event; its number is worked out in the same statement."""
        self.session.execute(_INSERT_EVENT, _event_row(event))

    def add_first_event(self, event: ReviewEvent) -> None:
        """The first event of an item added in this transaction: number 1, no look-up."""
        row = {**_event_row(event), "seq": 1}
        if self.writes is not None:
            self.writes.insert(review_events, [row])
        else:
            self.session.execute(review_events.insert(), row)

    def events(self, item_id: str) -> Sequence[ReviewEvent]:
        rows = self.session.execute(
            sa.select(review_events)
            .where(review_events.c.item_id == item_id)
            .order_by(review_events.c.seq)
        )
        return [
            ReviewEvent(r.item_id, r.at, r.officer, ReviewAction(r.action), r.comment) for r in rows
        ]


def _event_row(event: ReviewEvent) -> dict[str, Any]:
    return {
        "item_id": event.item_id,
        "at": event.at,
        "officer": event.officer,
        "action": event.action.value,
        "comment": event.comment,
    }


def _item_row(item: ReviewItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "application_id": item.application_id,
        "decision_id": item.decision_id,
        "reasons": [r.as_dict() for r in item.reasons],
        "amount_fen": int(item.amount),
        "four_eyes": item.four_eyes,
        "created_at": item.created_at,
        "due_at": item.due_at,
        "expires_at": item.expires_at,
        "status": item.status.value,
        "claimed_by": item.claimed_by,
        "claimed_at": item.claimed_at,
        "claim_expires_at": item.claim_expires_at,
        "first_approved_by": item.first_approved_by,
        "first_approved_at": item.first_approved_at,
        "decided_by": item.decided_by,
        "decided_at": item.decided_at,
        "version": item.version,
        "proposed_amount_fen": None if item.proposed is None else int(item.proposed.amount),
        "proposed_annual_rate": None if item.proposed is None else str(item.proposed.annual_rate),
        "proposed_term_months": None if item.proposed is None else item.proposed.term_months,
        "proposed_security": None if item.proposed is None else item.proposed.security,
    }


def _item(r: Any) -> ReviewItem:
    return ReviewItem(
        id=r["id"],
        application_id=r["application_id"],
        decision_id=r["decision_id"],
        reasons=tuple(Reason(x["code"], x["text_en"], x["text_zh"]) for x in r["reasons"]),
        amount=Fen(r["amount_fen"]),
        four_eyes=bool(r["four_eyes"]),
        created_at=r["created_at"],
        due_at=r["due_at"],
        expires_at=r["expires_at"],
        status=ReviewStatus(r["status"]),
        claimed_by=r["claimed_by"],
        claimed_at=r["claimed_at"],
        claim_expires_at=r["claim_expires_at"],
        first_approved_by=r["first_approved_by"],
        first_approved_at=r["first_approved_at"],
        decided_by=r["decided_by"],
        decided_at=r["decided_at"],
        version=r["version"],
        proposed=None
        if r["proposed_amount_fen"] is None
        else OfficerTerms(
            Fen(r["proposed_amount_fen"]),
            Decimal(r["proposed_annual_rate"]),
            r["proposed_term_months"],
            r["proposed_security"],
        ),
    )


def _reasons(rows: Any) -> tuple[Reason, ...]:
    return tuple(Reason(x["code"], x["text_en"], x["text_zh"]) for x in rows)


class SqlOfficerDecisionRepository:
    """Officers' decisions on referrals; one per application, never rewritten."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, d: OfficerDecision) -> None:
        self.session.execute(
            officer_decisions.insert().values(
                id=d.id,
                application_id=d.application_id,
                decision_id=d.decision_id,
                review_item_id=d.review_item_id,
                outcome=d.outcome.value,
                decided_by=d.decided_by,
                first_approved_by=d.first_approved_by,
                decided_at=d.decided_at,
                reasons=[r.as_dict() for r in d.reasons],
                comment=d.comment,
                policy_version=d.policy_version,
                policy_sha256=d.policy_sha256,
                approved_amount_fen=None if d.approved_amount is None else int(d.approved_amount),
                annual_rate=d.annual_rate,
                term_months=d.term_months,
                offer=None if d.offer is None else dict(d.offer),
                security=d.security,
            )
        )

    def for_application(self, application_id: str) -> OfficerDecision | None:
        row = self.session.execute(
            sa.select(officer_decisions).where(officer_decisions.c.application_id == application_id)
        ).first()
        return None if row is None else _officer_decision(row._mapping)

    def get(self, officer_decision_id: str) -> OfficerDecision | None:
        row = self.session.execute(
            sa.select(officer_decisions).where(officer_decisions.c.id == officer_decision_id)
        ).first()
        return None if row is None else _officer_decision(row._mapping)


def _officer_decision(r: Any) -> OfficerDecision:
    return OfficerDecision(
        id=r["id"],
        application_id=r["application_id"],
        decision_id=r["decision_id"],
        review_item_id=r["review_item_id"],
        outcome=Outcome(r["outcome"]),
        decided_by=r["decided_by"],
        decided_at=r["decided_at"],
        reasons=_reasons(r["reasons"]),
        comment=r["comment"],
        policy_version=r["policy_version"],
        policy_sha256=r["policy_sha256"],
        first_approved_by=r["first_approved_by"],
        approved_amount=None if r["approved_amount_fen"] is None else Fen(r["approved_amount_fen"]),
        annual_rate=r["annual_rate"],
        term_months=r["term_months"],
        offer=r["offer"],
        security=r["security"],
    )


class SqlPolicyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, policy: PolicyVersion) -> None:
        self.session.execute(policy_versions.insert().values(**_policy_row(policy)))

    def get(self, version: str, *, for_update: bool = False) -> PolicyVersion | None:
        query = sa.select(policy_versions).where(policy_versions.c.version == version)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return None if row is None else policy_from_row(row._mapping)

    def list(self) -> Sequence[PolicyVersion]:
        rows = self.session.execute(
            sa.select(policy_versions).order_by(policy_versions.c.created_at, policy_versions.c.id)
        )
        return [policy_from_row(r._mapping) for r in rows]

    def with_status(self, status: PolicyStatus) -> PolicyVersion | None:
        row = self.session.execute(
            sa.select(policy_versions).where(policy_versions.c.status == status.value)
        ).first()
        return None if row is None else policy_from_row(row._mapping)

    def live(self) -> dict[PolicyStatus, PolicyVersion]:
        """The active and challenger versions, in one query (the decision path reads both)."""
        rows = self.session.execute(
            sa.select(policy_versions).where(
                policy_versions.c.status.in_(
                    (PolicyStatus.ACTIVE.value, PolicyStatus.CHALLENGER.value)
                )
            )
        )
        return {PolicyStatus(r.status): policy_from_row(r._mapping) for r in rows}

    def save(self, policy: PolicyVersion) -> None:
        row = _policy_row(policy)
        for fixed in ("id", "version", "document", "sha256", "author", "created_at"):
            del row[fixed]  # a stored document never changes: only its standing does
        try:
            with self.session.begin_nested():
                self.session.execute(
                    policy_versions.update()
                    .where(policy_versions.c.version == policy.version)
                    .values(**row)
                )
        except IntegrityError as exc:
            # A concurrent activation took the role first (the one-per-role index).
            raise Conflict(
                f"another policy took the {policy.status.value} role meanwhile; retry"
            ) from exc


def _policy_row(p: PolicyVersion) -> dict[str, Any]:
    return {
        "id": p.id,
        "version": p.version,
        "document": p.document,
        "sha256": p.sha256,
        "author": p.author,
        "created_at": p.created_at,
        "status": p.status.value,
        "requested_role": None if p.requested_role is None else p.requested_role.value,
        "requested_by": p.requested_by,
        "requested_at": p.requested_at,
        "approved_by": p.approved_by,
        "activated_at": p.activated_at,
        "retired_at": p.retired_at,
    }


def policy_from_row(r: Any) -> PolicyVersion:
    return PolicyVersion(
        id=r["id"],
        version=r["version"],
        document=r["document"],
        sha256=r["sha256"],
        author=r["author"],
        created_at=r["created_at"],
        status=PolicyStatus(r["status"]),
        requested_role=None if r["requested_role"] is None else Role(r["requested_role"]),
        requested_by=r["requested_by"],
        requested_at=r["requested_at"],
        approved_by=r["approved_by"],
        activated_at=r["activated_at"],
        retired_at=r["retired_at"],
    )
