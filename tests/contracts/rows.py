"""Small, valid records for the contract tests, each field named once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fengkong.core.money import Fen
from fengkong.decision.officer import OfficerDecision
from fengkong.decision.outcome import Outcome, Reason
from fengkong.decision.policy_registry import PolicyStatus, PolicyVersion, document_sha256
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import ReviewConfig, ReviewItem, new_item
from fengkong.fraud.keys import KeyType
from fengkong.fraud.lists import ListEntry, ListKind
from fengkong.onboarding.application import StoredApplication
from fengkong.onboarding.consent import ConsentRecord, Purpose
from fengkong.scoring.registry import ModelStatus, ModelVersion

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 on 2 March in Beijing
SUBJECT = "a" * 64


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def application(app_id: str = "app_1", **changes: Any) -> StoredApplication:
    fields: dict[str, Any] = {
        "id": app_id,
        "received_at": T0,
        "product": "cash_loan",
        "amount": Fen(500_000),
        "term_months": 12,
        "purpose": "car",
        "monthly_income": Fen(800_000),
        "name_enc": "n",
        "id_number_enc": "i",
        "id_number_bidx": SUBJECT,
        "phone_enc": "p",
        "phone_bidx": "b" * 64,
        "profile": {"housing": "own"},
    }
    return StoredApplication(**{**fields, **changes})


def decision(dec_id: str = "dec_1", app_id: str = "app_1", **changes: Any) -> DecisionRecord:
    fields: dict[str, Any] = {
        "id": dec_id,
        "application_id": app_id,
        "decided_at": T0,
        "outcome": Outcome.REFER,
        "score": 520,
        "pd": "0.120000",
        "approved_amount": None,
        "reasons": (
            Reason("POL_SCORE_IN_REVIEW_BAND", "Score in the review band", "人工审核区间"),
        ),
        "policy_version": "retail-v1",
        "model_version": None,
        "model_sha256": None,
        "inputs": {"amount_fen": 500_000},
        "features": {"age_in_years": 35},
        "input_hash": "0" * 64,
        "policy_sha256": "c" * 64,
        "annual_rate": "0.108",
        "term_months": 12,
        "trace": ({"stage": "pricing", "did": "assign"},),
        "facts": {"existing_exposure": 0},
    }
    return DecisionRecord(**{**fields, **changes})


def model(version: str = "application-v1", **changes: Any) -> ModelVersion:
    fields: dict[str, Any] = {
        "version": version,
        "name": "application",
        "kind": "scorecard",
        "status": ModelStatus.CANDIDATE,
        "sha256": "d" * 64,
        "path": f"{version}.json",
        "created_at": T0,
        "data_fingerprint": "e" * 64,
        "features": ("age_in_years", "housing"),
        "params": {"pdo": 20},
        "metrics": {"auc": 0.75},
    }
    return ModelVersion(**{**fields, **changes})


def review_item(item_id: str = "rev_1", dec: DecisionRecord | None = None) -> ReviewItem:
    return new_item(item_id, dec or decision(), Fen(500_000), T0, ReviewConfig())


def officer_decision(od_id: str = "odc_1", **changes: Any) -> OfficerDecision:
    fields: dict[str, Any] = {
        "id": od_id,
        "application_id": "app_1",
        "decision_id": "dec_1",
        "review_item_id": "rev_1",
        "outcome": Outcome.APPROVE,
        "decided_by": "wang",
        "decided_at": at(60),
        "reasons": (),
        "comment": "income verified",
        "policy_version": "retail-v1",
        "policy_sha256": "c" * 64,
        "approved_amount": Fen(400_000),
        "annual_rate": "0.108",
        "term_months": 12,
    }
    return OfficerDecision(**{**fields, **changes})


def policy(version: str = "retail-v2", **changes: Any) -> PolicyVersion:
    document = f"version: {version}\n"
    fields: dict[str, Any] = {
        "id": f"pol_{version}",
        "version": version,
        "document": document,
        "sha256": document_sha256(document),
        "author": "analyst",
        "created_at": T0,
        "status": PolicyStatus.DRAFT,
    }
    return PolicyVersion(**{**fields, **changes})


def consent(consent_id: str = "cns_1", **changes: Any) -> ConsentRecord:
    fields: dict[str, Any] = {
        "id": consent_id,
        "subject_bidx": SUBJECT,
        "purpose": Purpose.CREDIT_BUREAU,
        "scope": "PBOC credit report for this application",
        "text_version": "cb-2026-01",
        "granted_at": T0,
        "recorded_at": T0,
        "recorded_by": "applicant",
    }
    return ConsentRecord(**{**fields, **changes})


def list_entry(entry_id: str = "lst_1", **changes: Any) -> ListEntry:
    fields: dict[str, Any] = {
        "id": entry_id,
        "list": ListKind.BLACK,
        "key_type": KeyType.MOBILE,
        "display": "138****8000",
        "reason": "confirmed fraud",
        "source": "investigation",
        "added_by": "li",
        "added_at": T0,
        "expires_at": None,
        "key_hash": "f" * 64,
    }
    return ListEntry(**{**fields, **changes})
