"""Test data: application bodies (a valid one, and ways to break it), a queued referral and
consent records."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fengkong.core.clock import Clock
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.bundle import PolicyBundle, read_shipped_bundle
from fengkong.decision.outcome import Outcome, Reason
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import ReviewConfig, ReviewItem
from fengkong.decision.review_queue import enqueue_referral
from fengkong.onboarding.application import StoredApplication
from fengkong.onboarding.consent import ConsentRecord, Purpose
from fengkong.scoring.promotion import RegistryUnitOfWork, promote_audited, register_audited
from fengkong.scoring.train import TrainedScorecard

VALID_BODY: dict[str, Any] = {
    "product": "cash_loan",
    "amount": "5000.00",
    "term_months": 12,
    "purpose": "radio/television",
    "monthly_income": "8000.00",
    "applicant": {"name": "张三", "id_number": "110105199003071239", "phone": "13800138000"},
    "profile": {
        "status_of_existing_checking_account": "no checking account",
        "credit_history": "critical account/ other credits existing (not at this bank)",
        "savings_account_and_bonds": "unknown/ no savings account",
        "present_employment_since": "... >= 7 years",
        "installment_rate_in_percentage_of_disposable_income": 2,
        "housing": "own",
    },
    "existing_monthly_debt": "300.00",
    "consents": [
        {
            "purpose": "credit_bureau",
            "scope": "PBOC credit report for this application",
            "text_version": "cb-2026-01",
        }
    ],
}


# The consent identity checks are made under (反欺诈核验): without it a decision waiting for a
# check is referred, no provider called.
FRAUD_CHECK_CONSENT: dict[str, str] = {
    "purpose": "fraud_check",
    "scope": "identity checks for this application",
    "text_version": "fc-2026-01",
}


def body(**changes: Any) -> dict[str, Any]:
    """VALID_BODY with top-level fields replaced; `applicant__phone="…"` reaches one level down."""
    result = copy.deepcopy(VALID_BODY)
    for key, value in changes.items():
        if "__" in key:
            outer, inner = key.split("__", 1)
            result[outer][inner] = value
        else:
            result[key] = value
    return result


def risky_body() -> dict[str, Any]:
    """An application the demo policy declines: a large, long loan on a weak profile."""
    return body(
        amount="15000.00",
        term_months=60,
        profile={
            "status_of_existing_checking_account": "... < 0 DM",
            "credit_history": "no credits taken/ all credits paid back duly",
            "savings_account_and_bonds": "... < 100 DM",
        },
    )


_REFERRING = read_shipped_bundle("demo-german.yaml")  # the policy of the `context` fixture


def queue_referral(
    uow: SqlUnitOfWork,
    clock: Clock,
    config: ReviewConfig,
    amount_fen: int = 500_000,
    bundle: PolicyBundle = _REFERRING,
) -> ReviewItem:
    """A referred decision as the decision service stores it, queued in `uow` (not committed):
    the demo policy (or `bundle`) referred it, priced in score band A (10.8 %), the applicant
    owing us nothing."""
    application_id = new_id("app", clock)
    uow.policy_bundles.remember(bundle.sha256, "demo-german-v2", bundle.as_dict(), clock.now())
    decision = DecisionRecord(
        id=new_id("dec", clock),
        application_id=application_id,
        decided_at=clock.now(),
        outcome=Outcome.REFER,
        score=520,
        pd="0.120000",
        approved_amount=None,
        reasons=(Reason("POL_SCORE_IN_REVIEW_BAND", "Score in the review band", "人工审核区间"),),
        policy_version="demo-german-v2",
        model_version=None,
        model_sha256=None,
        inputs={"amount_fen": amount_fen, "term_months": 12},
        features={},
        input_hash="0" * 64,
        policy_sha256=bundle.sha256,
        annual_rate="0.108",
        term_months=12,
        trace=({"stage": "pricing", "did": "assign", "detail": {"band": "A"}},),
        facts={"existing_exposure": 0},
    )
    uow.applications.add(
        StoredApplication(
            id=application_id,
            received_at=clock.now(),
            product="cash_loan",
            amount=Fen(amount_fen),
            term_months=12,
            purpose="car",
            monthly_income=Fen(800_000),
            name_enc="x",
            id_number_enc="x",
            id_number_bidx="x",
            phone_enc="x",
            phone_bidx="x",
        )
    )
    uow.decisions.add(decision)
    return enqueue_referral(uow, decision, clock, config)


def consent(i: int, subject: str, at: datetime, *, revoked: bool = False) -> ConsentRecord:
    """The `i`-th consent of `subject`, granted `i` seconds after `at` (purposes in turn)."""
    return ConsentRecord(
        id=f"cns_{i:04d}",
        subject_bidx=subject,
        purpose=list(Purpose)[i % len(Purpose)],
        scope="credit decision 授信",
        text_version="v1",
        granted_at=at + timedelta(seconds=i),
        recorded_at=at,
        recorded_by="applicant",
        revoked_at=at + timedelta(days=1) if revoked else None,
        revoked_by="applicant" if revoked else None,
    )


def make_champion(
    uow: RegistryUnitOfWork,
    artifacts_dir: Path,
    trained: TrainedScorecard,
    clock: Clock,
    name: str = "application",
) -> str:
    """Register `trained` as the model `name` (the consumer `application` unless told) and
    promote it at once, as `test` (the fixtures' shortcut past maker-checker); its version. The
    caller commits."""
    model = register_audited(
        uow,
        artifacts_dir,
        name=name,
        scorecard=trained.model.scorecard_,
        data_fingerprint=trained.data_fingerprint,
        params=trained.params,
        metrics=trained.metrics,
        actor="test",
        clock=clock,
    )
    promote_audited(uow, model.version, actor="test", clock=clock)
    return model.version


def body_checkable(**changes: Any) -> dict[str, Any]:
    """`body` whose applicant also consents to identity checks (`FRAUD_CHECK_CONSENT`)."""
    made = body(**changes)
    made["consents"] = [*made["consents"], FRAUD_CHECK_CONSENT]
    return made
