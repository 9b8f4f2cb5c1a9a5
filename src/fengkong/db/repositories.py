"""Repositories: translate between domain records and table rows. They never commit."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fengkong.core import request_id as request_ids
from fengkong.core.clock import BUSINESS_TZ
from fengkong.core.money import Fen
from fengkong.db.consent_repository import FOR_SUBJECT, consent_from_row
from fengkong.db.driver_reads import DriverReader, Query
from fengkong.db.fraud_links import FLAG_APPLICATION, FLAG_EDGES, outcome_values
from fengkong.db.onboarding_tables import application_business_parties, application_businesses
from fengkong.db.tables import applications, decisions, model_versions, policy_bundles
from fengkong.db.write_behind import WriteBehind
from fengkong.decision.facts import ApplicantOnRecord, CustomerHistory
from fengkong.decision.outcome import Outcome, Reason
from fengkong.decision.record import DecisionRecord
from fengkong.onboarding.application import StoredApplication
from fengkong.onboarding.business import StoredBusiness, StoredParty
from fengkong.onboarding.channel import SalesChannel
from fengkong.scoring.registry import ModelStatus, ModelVersion


class SqlModelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, model: ModelVersion) -> None:
        self.session.execute(
            model_versions.insert().values(
                version=model.version,
                name=model.name,
                kind=model.kind,
                status=model.status.value,
                sha256=model.sha256,
                path=model.path,
                created_at=model.created_at,
                data_fingerprint=model.data_fingerprint,
                features=list(model.features),
                params=dict(model.params),
                metrics=dict(model.metrics),
            )
        )

    def get(self, version: str) -> ModelVersion | None:
        row = self.session.execute(
            sa.select(model_versions).where(model_versions.c.version == version)
        ).first()
        return model_from_row(row._mapping) if row else None

    def list(self, name: str | None = None) -> list[ModelVersion]:
        query = sa.select(model_versions).order_by(model_versions.c.created_at)
        if name is not None:
            query = query.where(model_versions.c.name == name)
        return [model_from_row(r._mapping) for r in self.session.execute(query)]

    def champion(self, name: str) -> ModelVersion | None:
        row = self.session.execute(
            sa.select(model_versions).where(
                model_versions.c.name == name,
                model_versions.c.status == ModelStatus.CHAMPION.value,
            )
        ).first()
        return model_from_row(row._mapping) if row else None

    def challenger(self, name: str) -> ModelVersion | None:
        row = self.session.execute(
            sa.select(model_versions).where(
                model_versions.c.name == name,
                model_versions.c.status == ModelStatus.CHALLENGER.value,
            )
        ).first()
        return model_from_row(row._mapping) if row else None

    def set_status(self, version: str, status: ModelStatus) -> None:
        self.session.execute(
            model_versions.update()
            .where(model_versions.c.version == version)
            .values(status=status.value)
        )


def model_from_row(row: Any) -> ModelVersion:
    return ModelVersion(
        version=row["version"],
        name=row["name"],
        kind=row["kind"],
        status=ModelStatus(row["status"]),
        sha256=row["sha256"],
        path=row["path"],
        created_at=row["created_at"],
        data_fingerprint=row["data_fingerprint"],
        features=tuple(row["features"]),
        params=row["params"],
        metrics=row["metrics"],
    )


def _insert(
    session: Session, writes: WriteBehind | None, table: sa.Table, row: dict[str, Any]
) -> None:
    """Held for the commit when the unit of work has a `WriteBehind`, else written now."""
    if writes is not None:
        writes.insert(table, [row])
    else:
        session.execute(table.insert(), row)


class SqlApplicationRepository:
    def __init__(self, session: Session, writes: WriteBehind | None = None) -> None:
        self.session = session
        self.writes = writes

    def add(self, app: StoredApplication) -> None:
        _insert(
            self.session,
            self.writes,
            applications,
            {
                "id": app.id,
                "received_at": app.received_at,
                "product": app.product,
                "amount_fen": int(app.amount),
                "term_months": app.term_months,
                "purpose": app.purpose,
                "monthly_income_fen": int(app.monthly_income),
                "name_enc": app.name_enc,
                "id_number_enc": app.id_number_enc,
                "id_number_bidx": app.id_number_bidx,
                "phone_enc": app.phone_enc,
                "phone_bidx": app.phone_bidx,
                "bank_card_enc": app.bank_card_enc,
                "bank_card_bidx": app.bank_card_bidx,
                "profile": dict(app.profile),
                "channel": None if app.channel is None else app.channel.value,
                "channel_partner": app.channel_partner,
                "region": app.region,
                "industry": app.industry,
            },
        )
        if app.business is not None:
            _insert(self.session, self.writes, application_businesses, _business_row(app))
            for k, party in enumerate(app.business.parties):
                row = {"application_id": app.id, "position": k, **party.as_dict()}
                _insert(self.session, self.writes, application_business_parties, row)

    def get(self, application_id: str) -> StoredApplication | None:
        row = self.session.execute(
            sa.select(applications).where(applications.c.id == application_id)
        ).first()
        if row is None:
            return None
        r = row._mapping
        return StoredApplication(
            id=r["id"],
            received_at=r["received_at"],
            product=r["product"],
            amount=Fen(r["amount_fen"]),
            term_months=r["term_months"],
            purpose=r["purpose"],
            monthly_income=Fen(r["monthly_income_fen"]),
            name_enc=r["name_enc"],
            id_number_enc=r["id_number_enc"],
            id_number_bidx=r["id_number_bidx"],
            phone_enc=r["phone_enc"],
            phone_bidx=r["phone_bidx"],
            profile=r["profile"],
            bank_card_enc=r["bank_card_enc"],
            bank_card_bidx=r["bank_card_bidx"],
            channel=None if r["channel"] is None else SalesChannel(r["channel"]),
            channel_partner=r["channel_partner"],
            region=r["region"],
            industry=r["industry"],
            business=self._business(application_id),
        )

    def _business(self, application_id: str) -> StoredBusiness | None:
        row = self.session.execute(
            sa.select(application_businesses).where(
                application_businesses.c.application_id == application_id
            )
        ).first()
        if row is None:
            return None
        parties = self.session.execute(
            sa.select(application_business_parties)
            .where(application_business_parties.c.application_id == application_id)
            .order_by(application_business_parties.c.position)
        ).all()
        return _business_of(
            row._mapping, [StoredParty.from_dict(dict(p._mapping)) for p in parties]
        )


def _business_row(app: StoredApplication) -> dict[str, Any]:
    b = app.business
    assert b is not None
    return {
        "application_id": app.id,
        "uscc_enc": b.uscc_enc,
        "uscc_bidx": b.uscc_bidx,
        "registered_name_enc": b.registered_name_enc,
        "industry": b.industry,
        "region": b.region,
        "years_in_operation": b.years_in_operation,
        "established_on": b.established_on,
        "annual_revenue_fen": int(b.annual_revenue),
    }


def _business_of(r: Any, parties: list[StoredParty]) -> StoredBusiness:
    return StoredBusiness(
        uscc_enc=r["uscc_enc"],
        uscc_bidx=r["uscc_bidx"],
        registered_name_enc=r["registered_name_enc"],
        industry=r["industry"],
        region=r["region"],
        years_in_operation=r["years_in_operation"],
        annual_revenue=Fen(r["annual_revenue_fen"]),
        parties=tuple(parties),
        established_on=r["established_on"],
    )


class SqlDecisionRepository:
    def __init__(self, session: Session, writes: WriteBehind | None = None) -> None:
        self.session = session
        self.writes = writes

    def add(self, d: DecisionRecord) -> None:
        """Store `d`, with the id of the request being served (`core.request_id`), in the same
        insert."""
        _insert(
            self.session,
            self.writes,
            decisions,
            {
                "id": d.id,
                "application_id": d.application_id,
                "decided_at": d.decided_at,
                "outcome": d.outcome.value,
                "score": d.score,
                "pd": d.pd,
                "approved_amount_fen": None
                if d.approved_amount is None
                else int(d.approved_amount),
                "reasons": [r.as_dict() for r in d.reasons],
                "policy_version": d.policy_version,
                "model_version": d.model_version,
                "model_sha256": d.model_sha256,
                "inputs": dict(d.inputs),
                "features": dict(d.features),
                "input_hash": d.input_hash,
                "policy_sha256": d.policy_sha256,
                "annual_rate": d.annual_rate,
                "term_months": d.term_months,
                "offer": None if d.offer is None else dict(d.offer),
                "trace": [dict(t) for t in d.trace],
                "facts": dict(d.facts),
                "request_id": request_ids.current(),
            },
        )

    def replace(self, d: DecisionRecord) -> None:
        """Store a resumed decision (after a step-up check) over the one it completes."""
        self.session.execute(
            decisions.update()
            .where(decisions.c.id == d.id)
            .values(
                decided_at=d.decided_at,
                outcome=d.outcome.value,
                approved_amount_fen=None if d.approved_amount is None else int(d.approved_amount),
                reasons=[r.as_dict() for r in d.reasons],
                annual_rate=d.annual_rate,
                term_months=d.term_months,
                offer=None if d.offer is None else dict(d.offer),
                trace=[dict(t) for t in d.trace],
                facts=dict(d.facts),
                input_hash=d.input_hash,
            )
        )

    def get(self, decision_id: str) -> DecisionRecord | None:
        row = self.session.execute(
            sa.select(decisions).where(decisions.c.id == decision_id)
        ).first()
        return None if row is None else _decision(row._mapping)

    def ids(self, limit: int | None = None) -> list[str]:
        query = sa.select(decisions.c.id).order_by(decisions.c.decided_at, decisions.c.id)
        if limit is not None:
            query = query.limit(limit)
        return [r[0] for r in self.session.execute(query)]

    def for_application(self, application_id: str) -> DecisionRecord | None:
        row = self.session.execute(
            sa.select(decisions).where(decisions.c.application_id == application_id)
        ).first()
        return None if row is None else _decision(row._mapping)

    def by_request_id(self, request_id: str) -> DecisionRecord | None:
        """The decision made for the API request with this id (its partial index); the latest,
        should a caller have sent one id twice."""
        row = self.session.execute(
            sa.select(decisions)
            .where(decisions.c.request_id == request_id)
            .order_by(decisions.c.decided_at.desc(), decisions.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _decision(row._mapping)

    def since(
        self, start: date, until: date | None = None, *, page_size: int = 500
    ) -> Iterator[DecisionRecord]:
        """Decisions made on business dates [start, until] (open-ended without `until`), oldest
        first, read a page at a time by keyset on (decided_at, id), so a long history streams."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        begin = datetime.combine(start, time(0), BUSINESS_TZ)
        window = [decisions.c.decided_at >= begin]
        if until is not None:
            end = datetime.combine(until + timedelta(days=1), time(0), BUSINESS_TZ)
            window.append(decisions.c.decided_at < end)
        after: tuple[datetime, str] | None = None
        while True:
            query = sa.select(decisions).where(*window)
            if after is not None:
                query = query.where(
                    sa.or_(
                        decisions.c.decided_at > after[0],
                        sa.and_(decisions.c.decided_at == after[0], decisions.c.id > after[1]),
                    )
                )
            rows = self.session.execute(
                query.order_by(decisions.c.decided_at, decisions.c.id).limit(page_size)
            ).all()
            for row in rows:
                yield _decision(row._mapping)
            if len(rows) < page_size:
                return
            last = rows[-1]._mapping
            after = (last["decided_at"], last["id"])


@functools.cache
def _history() -> sa.Select[Any]:
    """One statement, one round trip, built once: a decision runs it every time."""
    from fengkong.db.decision_tables import officer_decisions
    from fengkong.db.lending_tables import loans

    mine = sa.select(applications.c.id).where(applications.c.id_number_bidx == sa.bindparam("bidx"))
    live = loans.c.status.in_([sa.literal("active"), sa.literal("pending_disbursement")])
    booked = (
        sa.select(
            sa.func.count(),
            sa.func.coalesce(
                sa.func.sum(sa.case((live, loans.c.principal_outstanding_fen), else_=0)), 0
            ),
        )
        .where(loans.c.application_id.in_(mine), loans.c.status != "cancelled")
        .subquery()
    )
    # The outcome is tested inside the sum, not in the WHERE: there SQLite's planner (no
    # statistics) would walk the outcome index over every approval ever made instead of this
    # person's few decisions.
    # A referral an officer approved counts as the limit the officer granted. The look-up sits
    # in its own branch of the CASE, run only for this person's referred decisions (rare), by
    # the unique index on the decision id: an automatic approval costs nothing more.
    by_officer = (
        sa.select(officer_decisions.c.approved_amount_fen)
        .where(
            officer_decisions.c.decision_id == decisions.c.id,
            officer_decisions.c.outcome == Outcome.APPROVE.value,
        )
        .scalar_subquery()
    )
    # An offer on condition of security counts as an approval's, as an officer's conditional
    # approval does: the applicant can still take it.
    offered = [sa.literal(o.value) for o in (Outcome.APPROVE, Outcome.APPROVE_IF_SECURED)]
    approved = sa.case(
        (decisions.c.outcome.in_(offered), decisions.c.approved_amount_fen),
        (decisions.c.outcome == Outcome.REFER.value, sa.func.coalesce(by_officer, 0)),
        else_=0,
    )
    unbooked = (
        sa.select(sa.func.coalesce(sa.func.sum(approved), 0))
        .where(
            decisions.c.application_id.in_(mine),
            # Not yet booked: a probe of the loans' unique index, not a read of all of them.
            ~sa.exists().where(loans.c.application_id == decisions.c.application_id),
        )
        .scalar_subquery()
    )
    return sa.select(*booked.c, unbooked)


def _decision(r: Any) -> DecisionRecord:
    return DecisionRecord(
        id=r["id"],
        application_id=r["application_id"],
        decided_at=r["decided_at"],
        outcome=Outcome(r["outcome"]),
        score=r["score"],
        pd=r["pd"],
        approved_amount=None if r["approved_amount_fen"] is None else Fen(r["approved_amount_fen"]),
        reasons=tuple(Reason(x["code"], x["text_en"], x["text_zh"]) for x in r["reasons"]),
        policy_version=r["policy_version"],
        model_version=r["model_version"],
        model_sha256=r["model_sha256"],
        inputs=r["inputs"],
        features=r["features"],
        input_hash=r["input_hash"],
        policy_sha256=r["policy_sha256"],
        annual_rate=r["annual_rate"],
        term_months=r["term_months"],
        offer=r["offer"],
        trace=tuple(r["trace"] or ()),
        facts=r["facts"] or {},
        request_id=r["request_id"],
    )


class SqlPolicyBundles:
    def __init__(self, session: Session) -> None:
        self.session = session

    def remember(self, sha256: str, label: str, bundle: dict[str, Any], at: datetime) -> None:
        """Store a bundle the first time it decides; later calls find it there."""
        exists = self.session.execute(
            sa.select(policy_bundles.c.sha256).where(policy_bundles.c.sha256 == sha256)
        ).first()
        if exists is None:
            try:
                with self.session.begin_nested():
                    self.session.execute(
                        policy_bundles.insert().values(
                            sha256=sha256, label=label, bundle=bundle, first_used_at=at
                        )
                    )
            except IntegrityError:
                pass  # a concurrent decision stored the same bundle first

    def get(self, sha256: str) -> dict[str, Any] | None:
        row = self.session.execute(
            sa.select(policy_bundles.c.bundle).where(policy_bundles.c.sha256 == sha256)
        ).first()
        return None if row is None else dict(row[0])


def applicant_queries(id_number_bidx: str) -> tuple[Query, Query]:
    """What the books hold of an applicant before a decision: consents on record and history.
    Two statements a driver reader sends in one exchange (`applicant_from` reads their rows)."""
    return (FOR_SUBJECT, {"subject": id_number_bidx}), (_history(), {"bidx": id_number_bidx})


def applicant_from(
    reads: DriverReader, consents: list[tuple[Any, ...]], history: list[tuple[Any, ...]]
) -> ApplicantOnRecord:
    """The applicant on record from the rows of `applicant_queries`, in order."""
    ((count, booked, unbooked),) = history
    return ApplicantOnRecord(
        tuple(consent_from_row(r) for r in reads.mapped(FOR_SUBJECT, consents)),
        CustomerHistory(int(count), Fen(int(booked) + int(unbooked))),
    )


class SqlLinkOutcomes:
    """An application's outcome on the identity-link graph kept in this database, written with
    the unit of work (`SqlIdentityLinks.mark_outcome` is the same update in a transaction of its
    own). An application the graph never took (its link store was down) has no row to flag."""

    def __init__(self, writes: WriteBehind) -> None:
        self.writes = writes

    def mark(self, application_id: str, *, declined: bool, defaulted: bool) -> None:
        values = outcome_values(application_id, declined=declined, defaulted=defaulted)
        self.writes.update(FLAG_APPLICATION, values)
        self.writes.update(FLAG_EDGES, values)
