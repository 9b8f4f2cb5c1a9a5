"""SQL for the model reports (`scoring.monitored.MonitoringReads`): a model's decisions over
business dates, each with the officer's word on a referral and the loan it led to, aged from the
loan's stored state. One statement outside any transaction, on the read-only view; the resident
ID leaves here only as ciphertext."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fengkong.core.clock import BUSINESS_TZ
from fengkong.core.filters import DateRange
from fengkong.db.database import Database
from fengkong.db.decision_tables import officer_decisions
from fengkong.db.lending_codec import state_from_json
from fengkong.db.lending_tables import loans
from fengkong.db.repositories import model_from_row
from fengkong.db.tables import applications, decisions, model_versions
from fengkong.lending.delinquency import worst_days_past_due
from fengkong.lending.loan import LoanStatus
from fengkong.scoring.monitored import LoanOutcome, MonitoredDecision
from fengkong.scoring.registry import ModelVersion


class SqlModelMonitoring:
    """Implements `MonitoringReads` (and `monitoring.model_watch.WatchReads`) on SQLite and
    PostgreSQL."""

    def __init__(self, db: Database) -> None:
        self._db = db.read_only_view()

    def model(self, version: str) -> ModelVersion | None:
        with self._db.engine.connect() as conn:
            row = conn.execute(
                sa.select(model_versions).where(model_versions.c.version == version)
            ).first()
        return None if row is None else model_from_row(row._mapping)

    def decided_models(self, days: DateRange) -> list[str]:
        """The model versions that decided on business dates in `days`, sorted."""
        d = decisions
        low, high = days.instants(BUSINESS_TZ)
        query = sa.select(d.c.model_version).where(d.c.model_version.is_not(None)).distinct()
        if low is not None:
            query = query.where(d.c.decided_at >= low)
        if high is not None:
            query = query.where(d.c.decided_at < high)
        with self._db.engine.connect() as conn:
            return sorted(str(v) for v in conn.scalars(query))

    def decisions(self, model_version: str, days: DateRange) -> list[MonitoredDecision]:
        d, o, a = decisions, officer_decisions, applications
        low, high = days.instants(BUSINESS_TZ)
        query = (
            sa.select(
                d.c.id,
                d.c.decided_at,
                d.c.policy_version,
                d.c.outcome,
                d.c.score,
                d.c.pd,
                d.c.features,
                o.c.outcome.label("officer_outcome"),
                a.c.id_number_enc,
                loans.c.booked_on,
                loans.c.status.label("loan_status"),
                loans.c.state.label("loan_state"),
            )
            .select_from(
                d.join(a, a.c.id == d.c.application_id)
                .outerjoin(o, o.c.decision_id == d.c.id)
                .outerjoin(loans, loans.c.application_id == d.c.application_id)
            )
            .where(d.c.model_version == model_version)
            .order_by(d.c.decided_at, d.c.id)
        )
        if low is not None:
            query = query.where(d.c.decided_at >= low)
        if high is not None:
            query = query.where(d.c.decided_at < high)
        with self._db.engine.connect() as conn:
            return [_decision(r) for r in conn.execute(query)]


def _loan(row: Any) -> LoanOutcome | None:
    if row.booked_on is None:
        return None
    state = state_from_json(row.loan_state)
    return LoanOutcome(
        booked_on=row.booked_on,
        worst_days_past_due=worst_days_past_due(state),
        written_off=row.loan_status == LoanStatus.WRITTEN_OFF.value,
    )


def _decision(row: Any) -> MonitoredDecision:
    return MonitoredDecision(
        decision_id=row.id,
        decided_on=row.decided_at.astimezone(BUSINESS_TZ).date(),
        policy_version=row.policy_version,
        outcome=row.outcome,
        officer_outcome=row.officer_outcome,
        score=row.score,
        pd=None if row.pd is None else float(row.pd),
        features=dict(row.features or {}),
        loan=_loan(row),
        id_number_enc=row.id_number_enc,
    )
