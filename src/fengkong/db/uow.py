"""Unit of work: one transaction per use case. Leaving the block without `commit` rolls back."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from fengkong.db.access_repository import SqlApiKeys, SqlSessions, SqlUsers
from fengkong.db.alerts_store import SqlAlertStore
from fengkong.db.approvals import SqlApprovalRequests
from fengkong.db.behaviour_store import SqlBehaviourStore
from fengkong.db.consent_repository import SqlConsentRepository
from fengkong.db.database import Database
from fengkong.db.decision_repository import (
    SqlOfficerDecisionRepository,
    SqlPolicyRepository,
    SqlReviewRepository,
)
from fengkong.db.funds_store import SqlFundUses
from fengkong.db.ledger_repository import SqlAuditLog, SqlJournal
from fengkong.db.lending_repository import SqlLendingRepository
from fengkong.db.list_entries import SqlListEntries
from fengkong.db.monitoring_store import SqlPortfolioStore
from fengkong.db.repositories import (
    SqlApplicationRepository,
    SqlDecisionRepository,
    SqlLinkOutcomes,
    SqlModelRepository,
    SqlPolicyBundles,
)
from fengkong.db.secured_offers import SqlSecuredOffers
from fengkong.db.servicing_repository import SqlServicingRepository
from fengkong.db.source_answers import SqlAnswerStore, SqlConsentGate
from fengkong.db.stress_store import SqlStressStore
from fengkong.db.write_behind import WriteBehind


class SqlUnitOfWork:
    applications: SqlApplicationRepository
    decisions: SqlDecisionRepository
    models: SqlModelRepository
    audit: SqlAuditLog
    journal: SqlJournal
    policy_bundles: SqlPolicyBundles
    lending: SqlLendingRepository
    reviews: SqlReviewRepository
    officer_decisions: SqlOfficerDecisionRepository
    policies: SqlPolicyRepository
    consents: SqlConsentRepository
    servicing: SqlServicingRepository
    secured_offers: SqlSecuredOffers
    link_outcomes: SqlLinkOutcomes
    list_entries: SqlListEntries
    users: SqlUsers
    sessions: SqlSessions
    api_keys: SqlApiKeys
    approvals: SqlApprovalRequests
    portfolio: SqlPortfolioStore
    stress: SqlStressStore
    alerts: SqlAlertStore
    source_answers: SqlAnswerStore
    source_consents: SqlConsentGate
    funds: SqlFundUses

    def __init__(self, db: Database) -> None:
        self.db = db
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._session = self.db.session()
        self._writes = WriteBehind(self._session)
        self.applications = SqlApplicationRepository(self._session, self._writes)
        self.decisions = SqlDecisionRepository(self._session, self._writes)
        self.models = SqlModelRepository(self._session)
        self.audit = SqlAuditLog(self._session, batched=True, writes=self._writes)
        self.journal = SqlJournal(self._session)
        self.policy_bundles = SqlPolicyBundles(self._session)
        self.lending = SqlLendingRepository(self._session)
        self.reviews = SqlReviewRepository(self._session, self._writes)
        self.officer_decisions = SqlOfficerDecisionRepository(self._session)
        self.policies = SqlPolicyRepository(self._session)
        self.consents = SqlConsentRepository(self._session, self._writes)
        self.servicing = SqlServicingRepository(self._session)
        self.funds = SqlFundUses(self._session)
        self.secured_offers = SqlSecuredOffers(self._session)
        self.link_outcomes = SqlLinkOutcomes(self._writes)
        self.list_entries = SqlListEntries(self._session)
        self.users = SqlUsers(self._session)
        self.sessions = SqlSessions(self._session)
        self.api_keys = SqlApiKeys(self._session)
        self.approvals = SqlApprovalRequests(self._session)
        self.portfolio = SqlPortfolioStore(self._session)
        self.stress = SqlStressStore(self._session)
        self.alerts = SqlAlertStore(self._session)
        self.behaviour = SqlBehaviourStore(self._session)
        self.source_answers = SqlAnswerStore(self._session)
        self.source_consents = SqlConsentGate(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            self._writes.close()
            self._session.rollback()
            self.audit.release()
        finally:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        assert self._session is not None, "commit outside a `with uow:` block"
        self.audit.flush()
        self._writes.flush(commit=True)
        session = self._session
        if session.in_transaction() or session.new or session.dirty or session.deleted:
            session.commit()  # else the held writes were all there was, and are committed
        self.audit.release()
