"""How a decision is written down: the record built from the policy's verdict, the offer
document the applicant is shown, and the decision's entry in the audit chain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fengkong.audit.port import AuditAppender
from fengkong.decision.facts import facts_to_json
from fengkong.decision.outcome import Outcome, Reason
from fengkong.decision.policy import PolicyDecision, SecurityCondition, StageTrace
from fengkong.decision.pricing import Offer
from fengkong.decision.record import DecisionRecord
from fengkong.scoring.artifact import canonical_json, sha256_hex
from fengkong.scoring.registry import LoadedGBM, LoadedScorecard

# Outcomes that carry an offer and its amount: approve, and approve if secured.
OFFERED = (Outcome.APPROVE, Outcome.APPROVE_IF_SECURED)


def decision_record(
    *,
    decision_id: str,
    application_id: str,
    now: datetime,
    verdict: PolicyDecision,
    adverse: tuple[Reason, ...],
    score: int | None,
    pd_: Decimal | None,
    model: LoadedScorecard | LoadedGBM | None,
    inputs: Mapping[str, Any],
    stored_features: Mapping[str, Any],
    facts: Mapping[str, object],
    signal_reasons: tuple[Reason, ...],
    policy_sha256: str,
    previous: DecisionRecord | None = None,
) -> DecisionRecord:
    """The decision as stored: the policy's verdict with the scorecard's adverse reasons, the
    input snapshot and its hash, the facts, the trace and the offer; a step-up's resumed
    decision keeps the model and the request id of the decision it completes (`previous`)."""
    outcome = Outcome(verdict.outcome.value)
    snapshot = {k: _json_value(v) for k, v in inputs.items() if k != "birth_date"}
    trace = tuple(_trace(t) for t in verdict.trace)
    if signal_reasons:
        trace = ({"stage": "signals", "fired": [r.code for r in signal_reasons]}, *trace)
    if verdict.step_up:
        trace = (*trace, {"stage": "step_up", "check": verdict.step_up})
    stored_facts = facts_to_json(facts)
    return DecisionRecord(
        id=decision_id,
        application_id=application_id,
        decided_at=now,
        outcome=outcome,
        score=score,
        pd=None if pd_ is None else str(pd_),
        approved_amount=verdict.limit if outcome in OFFERED else None,
        reasons=verdict.reasons + adverse,
        policy_version=verdict.policy,
        model_version=model.version if model else (previous.model_version if previous else None),
        model_sha256=model.sha256 if model else (previous.model_sha256 if previous else None),
        inputs=snapshot,
        features=stored_features,
        input_hash=sha256_hex(canonical_json({"facts": stored_facts, "inputs": snapshot})),
        policy_sha256=policy_sha256,
        annual_rate=None if verdict.annual_rate is None else str(verdict.annual_rate),
        term_months=verdict.term,
        offer=None if verdict.offer is None else offer_document(verdict.offer, verdict.security),
        trace=trace,
        facts=stored_facts,
        request_id=previous.request_id if previous else None,  # a step-up keeps the asker's
    )


def audit_decision(audit: AuditAppender, d: DecisionRecord, action: str, **extra: object) -> None:
    """Append the decision to the audit chain: outcome, amount, price, versions, input hash."""
    audit.append(
        at=d.decided_at,
        actor="system:decision",
        action=action,
        subject_type="application",
        subject_id=d.application_id,
        payload={
            "decision_id": d.id,
            "outcome": d.outcome.value,
            "score": d.score,
            "approved_amount_fen": d.approved_amount,
            "annual_rate": d.annual_rate,
            "policy_version": d.policy_version,
            "policy_sha256": d.policy_sha256,
            "model_version": d.model_version,
            "model_sha256": d.model_sha256,
            "input_hash": d.input_hash,
            **extra,
        },
    )


def _trace(t: StageTrace) -> dict[str, Any]:
    return {
        "stage": t.stage,
        "did": t.did,
        "fired": list(t.fired),
        "saw": {name: _json_value(value) for name, value in t.saw},
        "detail": dict(t.detail),
    }


def _json_value(value: object) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def offer_document(offer: Offer, security: SecurityCondition | None = None) -> dict[str, Any]:
    """What the applicant is shown before accepting: price, all costs, APR and the schedule;
    on an approve-if-secured offer, the security it is conditional on (`security`)."""
    condition = {} if security is None else {"security": security.as_dict()}
    return {
        **condition,
        "product": offer.product_code,
        "product_version": offer.product_version,
        "amount_fen": int(offer.amount),
        "term_months": offer.term_months,
        "annual_rate": str(offer.annual_rate),
        "apr": str(offer.apr.quantize(Decimal("0.000001"))),
        "apr_cap": str(offer.cap),
        "apr_cap_basis": offer.cap_basis,
        "disbursed_fen": int(offer.disbursed),
        "total_interest_fen": int(offer.total_interest),
        "total_fees_fen": int(offer.total_fees),
        "total_repayable_fen": int(offer.total_repayable),
        "disclosure_en": offer.disclosure_en(),
        "disclosure_zh": offer.disclosure_zh(),
        "schedule": [
            {
                "number": i.number,
                "due": i.due.isoformat(),
                "principal_fen": int(i.principal),
                "interest_fen": int(i.interest),
                "fee_fen": int(i.fee),
                "total_fen": int(i.total),
            }
            for i in offer.schedule
        ],
    }
