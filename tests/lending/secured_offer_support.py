"""Builders for the approve-if-secured tests (no tests here): a conditional decision stored as
the decision service stores it, its condition taken from the shipped retail-v4 policy."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.tables import decisions
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.compiler import load_shipped_policy
from fengkong.decision.evaluate import evaluate
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy import PolicyOutcome
from fengkong.decision.record import DecisionRecord
from fengkong.decision.recording import offer_document
from fengkong.onboarding.application import PersonalDataVault
from lending.test_service_support import seed_approved

V4 = load_shipped_policy("retail-v4.yaml")


def conditional_facts(score: int = 510, amount: int = 500_000) -> dict[str, object]:
    return {
        "age": 30,
        "id.valid": True,
        "consent.credit_bureau": True,
        "lists.black_hit": False,
        "lists.grey_hit": False,
        "lists.court_hit": False,
        "links.component_size": 1,
        "links.shared_phone_count": 0,
        "velocity.device.1h.count": 1,
        "velocity.id.24h.count": 1,
        "customer.returning": False,
        "score": score,
        "amount": amount,
        "term_months": 12,
        "monthly_income": 1_500_000,
        "existing_monthly_debt": 0,
        "existing_exposure": 0,
    }


def seed_secured(
    db: Database,
    clock: FakeClock,
    *,
    score: int = 510,
    amount: int = 500_000,
    vault: PersonalDataVault | None = None,
) -> str:
    """An application whose decision is approve_secured under retail-v4 (its offer priced by the
    configured rate card: the stored decision carries no policy price)."""
    verdict = evaluate(V4, conditional_facts(score, amount), as_of=clock.business_date())
    assert verdict.outcome is PolicyOutcome.APPROVE_IF_SECURED and verdict.offer is not None
    application_id = seed_approved(
        db, clock, amount=int(verdict.offer.amount), terms=12, vault=vault
    )
    document = offer_document(verdict.offer, verdict.security)
    with SqlUnitOfWork(db) as uow:
        current = uow.decisions.for_application(application_id)
        assert current is not None
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(decisions)
            .where(decisions.c.id == current.id)
            .values(outcome=Outcome.APPROVE_IF_SECURED.value, offer=document)
        )
    return application_id


def stored_decision(db: Database, application_id: str) -> DecisionRecord:
    with SqlUnitOfWork(db) as uow:
        found = uow.decisions.for_application(application_id)
    assert found is not None
    return found


def least_collateral(db: Database, application_id: str) -> Fen:
    security = stored_decision(db, application_id).security
    assert security is not None and security["collateral"] is not None
    return Fen(int(security["collateral"]["min_lending_value_fen"]))
