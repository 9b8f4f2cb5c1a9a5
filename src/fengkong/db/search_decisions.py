"""SQL for the officers' lists of applications, decisions and customers (`decision.search`,
`lending.customers`). Each list is one statement outside any transaction (a read-only view of
the database); personal data leaves here only as ciphertext, masked by the use case."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fengkong.core.clock import BUSINESS_TZ
from fengkong.core.filters import DateRange
from fengkong.core.money import Fen
from fengkong.core.paging import Page
from fengkong.db.database import Database
from fengkong.db.keyset import page_of, paged
from fengkong.db.lending_tables import loans
from fengkong.db.tables import applications, decisions
from fengkong.decision.outcome import Outcome, Reason
from fengkong.decision.search import (
    NO_SCORE,
    ApplicationFilter,
    ApplicationRow,
    DecisionFilter,
    DecisionRow,
)
from fengkong.lending.customers import CustomerFilter, CustomerRow
from fengkong.onboarding.channel import SalesChannel
from fengkong.onboarding.party import PartyMatch, PartyTokens, customer_id

_PARTY_COLUMNS = (
    applications.c.id_number_bidx,
    applications.c.name_enc,
    applications.c.id_number_enc,
    applications.c.phone_enc,
)
_CHANNEL_COLUMNS = (applications.c.channel, applications.c.channel_partner)


def tokens_of(row: Any) -> PartyTokens | None:
    if row.id_number_bidx is None:
        return None
    return PartyTokens(row.id_number_bidx, row.name_enc, row.id_number_enc, row.phone_enc)


def party_conditions(party: PartyMatch | None) -> list[sa.ColumnElement[bool]]:
    """Conditions on `applications` for one party (blind indexes only)."""
    if party is None:
        return []
    found: list[sa.ColumnElement[bool]] = []
    if party.id_number_bidx is not None:
        found.append(applications.c.id_number_bidx == party.id_number_bidx)
    if party.phone_bidx is not None:
        found.append(applications.c.phone_bidx == party.phone_bidx)
    return found


def channel_conditions(channels: tuple[SalesChannel, ...]) -> list[sa.ColumnElement[bool]]:
    """Conditions on `applications` for its sales channel being one of `channels` (none: any;
    an application stored before channels were kept has none, and matches no channel)."""
    if not channels:
        return []
    return [applications.c.channel.in_([c.value for c in channels])]


def channel_of(row: Any) -> SalesChannel | None:
    return None if row.channel is None else SalesChannel(row.channel)


def within(column: sa.ColumnElement[Any], days: DateRange) -> list[sa.ColumnElement[bool]]:
    """An instant column on the business dates of `days` (Asia/Shanghai)."""
    low, high = days.instants(BUSINESS_TZ)
    found: list[sa.ColumnElement[bool]] = []
    if low is not None:
        found.append(column >= low)
    if high is not None:
        found.append(column < high)
    return found


class SqlApplicationSearch:
    """Implements `ApplicationSearch`, `DecisionSearch` and `CustomerSearch`."""

    def __init__(self, db: Database) -> None:
        self._db = db.read_only_view()

    def _rows(self, query: sa.Select[Any]) -> list[Any]:
        with self._db.engine.connect() as conn:
            return list(conn.execute(query).all())

    # -- applications

    def applications(self, f: ApplicationFilter) -> Page[ApplicationRow]:
        a, d = applications, decisions
        query = (
            sa.select(
                a.c.id,
                a.c.received_at,
                a.c.product,
                a.c.amount_fen,
                a.c.term_months,
                a.c.purpose,
                *_PARTY_COLUMNS,
                d.c.id.label("decision_id"),
                d.c.decided_at,
                d.c.outcome,
                d.c.score,
                d.c.approved_amount_fen,
                d.c.policy_version,
                d.c.model_version,
                loans.c.id.label("loan_id"),
                *_CHANNEL_COLUMNS,
                d.c.request_id,
            )
            .select_from(
                a.join(d, d.c.application_id == a.c.id).outerjoin(
                    loans, loans.c.application_id == a.c.id
                )
            )
            .where(
                *party_conditions(f.party),
                *within(a.c.received_at, f.received),
                *_decided_by(f.policy_version, f.model_version),
                *channel_conditions(f.channels),
                *_requested_by(f.request_id),
            )
        )
        if f.products:
            query = query.where(a.c.product.in_(f.products))
        if f.outcomes:
            query = query.where(d.c.outcome.in_([o.value for o in f.outcomes]))
        key = a.c.received_at if f.page.sort.key == "received_at" else a.c.amount_fen
        rows = self._rows(paged(query, key, a.c.id, f.page))
        return page_of(rows, f.page, _application_row, lambda r: (_key(r, f.page.sort.key), r.id))

    # -- decisions

    def _decision_query(self) -> sa.Select[Any]:
        a, d = applications, decisions
        return sa.select(
            d.c.id,
            d.c.application_id,
            d.c.decided_at,
            d.c.outcome,
            d.c.score,
            d.c.pd,
            d.c.approved_amount_fen,
            d.c.annual_rate,
            d.c.term_months,
            d.c.reasons,
            d.c.policy_version,
            d.c.model_version,
            a.c.product,
            a.c.amount_fen,
            *_PARTY_COLUMNS,
            *_CHANNEL_COLUMNS,
            d.c.request_id,
        ).select_from(d.join(a, a.c.id == d.c.application_id))

    def decisions(self, f: DecisionFilter) -> Page[DecisionRow]:
        d = decisions
        score = sa.func.coalesce(d.c.score, NO_SCORE)
        query = self._decision_query().where(
            *party_conditions(f.party),
            *within(d.c.decided_at, f.decided),
            *_decided_by(f.policy_version, f.model_version),
            *channel_conditions(f.channels),
            *_requested_by(f.request_id),
        )
        if f.products:
            query = query.where(applications.c.product.in_(f.products))
        if f.outcomes:
            query = query.where(d.c.outcome.in_([o.value for o in f.outcomes]))
        if f.score.low is not None:
            query = query.where(d.c.score >= f.score.low)
        if f.score.high is not None:
            query = query.where(d.c.score <= f.score.high)
        by_score = f.page.sort.key == "score"
        key = score if by_score else d.c.decided_at
        rows = self._rows(paged(query, key, d.c.id, f.page))
        return page_of(
            rows,
            f.page,
            _decision_row,
            lambda r: (
                (NO_SCORE if r.score is None else r.score) if by_score else r.decided_at,
                r.id,
            ),
        )

    def decision(self, decision_id: str) -> DecisionRow | None:
        rows = self._rows(self._decision_query().where(decisions.c.id == decision_id))
        return _decision_row(rows[0]) if rows else None

    # -- customers

    def customers(self, f: CustomerFilter) -> Page[CustomerRow]:
        a = applications
        chosen = sa.select(a.c.id_number_bidx).where(
            *party_conditions(f.party), *within(a.c.received_at, f.applied)
        )
        if f.products:
            chosen = chosen.where(a.c.product.in_(f.products))
        first, last = sa.func.min(a.c.received_at), sa.func.max(a.c.received_at)
        query = (
            sa.select(
                a.c.id_number_bidx,
                sa.func.count().label("applications"),
                first.label("first_applied_at"),
                last.label("last_applied_at"),
            )
            .where(a.c.id_number_bidx.in_(chosen))
            .group_by(a.c.id_number_bidx)
        )
        key = last if f.page.sort.key == "last_applied_at" else first
        rows = self._rows(paged(query, key, a.c.id_number_bidx, f.page, having=True))
        page = page_of(
            rows,
            f.page,
            lambda r: r,
            lambda r: (getattr(r, f.page.sort.key), r.id_number_bidx),
        )
        latest = self._latest_tokens([r.id_number_bidx for r in page.items])
        return Page(
            tuple(
                CustomerRow(
                    customer_id=customer_id(r.id_number_bidx),
                    applications=int(r.applications),
                    first_applied_at=r.first_applied_at,
                    last_applied_at=r.last_applied_at,
                    tokens=latest.get(r.id_number_bidx),
                )
                for r in page.items
            ),
            page.next,
        )

    def _latest_tokens(self, indexes: list[str]) -> dict[str, PartyTokens]:
        """Each customer's latest application's tokens: the masks they are shown with."""
        if not indexes:
            return {}
        a = applications
        rows = self._rows(
            sa.select(*_PARTY_COLUMNS)
            .where(a.c.id_number_bidx.in_(indexes))
            .order_by(a.c.received_at.desc(), a.c.id.desc())
        )
        latest: dict[str, PartyTokens] = {}
        for r in rows:
            tokens = tokens_of(r)
            if tokens is not None:
                latest.setdefault(r.id_number_bidx, tokens)
        return latest


def _decided_by(
    policy_version: str | None, model_version: str | None
) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    if policy_version is not None:
        found.append(decisions.c.policy_version == policy_version)
    if model_version is not None:
        found.append(decisions.c.model_version == model_version)
    return found


def _requested_by(request_id: str | None) -> list[sa.ColumnElement[bool]]:
    return [] if request_id is None else [decisions.c.request_id == request_id]


def _key(row: Any, sort_key: str) -> Any:
    return row.received_at if sort_key == "received_at" else row.amount_fen


def _fen(value: int | None) -> Fen | None:
    return None if value is None else Fen(value)


def _application_row(r: Any) -> ApplicationRow:
    return ApplicationRow(
        id=r.id,
        received_at=r.received_at,
        product=r.product,
        amount=Fen(r.amount_fen),
        term_months=r.term_months,
        purpose=r.purpose,
        decision_id=r.decision_id,
        decided_at=r.decided_at,
        outcome=Outcome(r.outcome),
        score=r.score,
        approved_amount=_fen(r.approved_amount_fen),
        policy_version=r.policy_version,
        model_version=r.model_version,
        loan_id=r.loan_id,
        channel=channel_of(r),
        channel_partner=r.channel_partner,
        request_id=r.request_id,
        tokens=tokens_of(r),
    )


def _decision_row(r: Any) -> DecisionRow:
    return DecisionRow(
        id=r.id,
        application_id=r.application_id,
        decided_at=r.decided_at,
        outcome=Outcome(r.outcome),
        score=r.score,
        pd=r.pd,
        approved_amount=_fen(r.approved_amount_fen),
        annual_rate=r.annual_rate,
        term_months=r.term_months,
        reasons=tuple(Reason(x["code"], x["text_en"], x["text_zh"]) for x in r.reasons),
        policy_version=r.policy_version,
        model_version=r.model_version,
        product=r.product,
        requested_amount=Fen(r.amount_fen),
        channel=channel_of(r),
        channel_partner=r.channel_partner,
        request_id=r.request_id,
        tokens=tokens_of(r),
    )
