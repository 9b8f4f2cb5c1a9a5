"""A step-up check's result completes the decision that asked for it (`verify`): the same
policy, from the stored bundle of the decision, evaluated again with the check's result and
whatever the provider's answer added."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import BUSINESS_TZ
from fengkong.core.errors import Conflict, FieldError, IntegrityBroken, Invalid, NotFound
from fengkong.decision.bundle import PolicyBundle
from fengkong.decision.declines import flag_declined, tell_declined
from fengkong.decision.evaluate import evaluate
from fengkong.decision.facts import facts_from_json
from fengkong.decision.fraud_stage import FraudServices
from fengkong.decision.identity_facts import CHECKED, IdentityCall
from fengkong.decision.outcome import Outcome
from fengkong.decision.ports import DecisionUnitOfWork
from fengkong.decision.record import DecisionRecord
from fengkong.decision.recording import audit_decision, decision_record
from fengkong.decision.service import DecisionServices
from fengkong.scoring.reasons import is_model_reason


def complete_step_up(
    application_id: str,
    check: str,
    passed: bool | None,
    svc: DecisionServices,
    *,
    call: IdentityCall | None = None,
    facts_added: Mapping[str, object] | None = None,
) -> DecisionRecord:
    """Record the result of the step-up check a `verify` decision asked for, and let the same
    policy finish the decision with it. `call`: the provider's call that checked it
    (`decision.verification`), recorded in the audit chain and the trace with the decision it
    completes, and `facts_added` the facts read from its answer; without them the result was
    checked elsewhere (an officer's word). `passed` None: the check was not made (the facts
    added say why, e.g. no consent) and the policy goes on without its result."""
    with svc.uow() as uow:
        current = uow.decisions.for_application(application_id)
        if current is None:
            raise NotFound(f"no application {application_id!r}")
        if current.outcome != Outcome.VERIFY:
            raise Conflict(f"application {application_id} is not waiting for a step-up check")
        asked = next((t.get("check") for t in current.trace if t.get("check")), None)
        if asked is not None and asked != check:
            raise Invalid((FieldError(("check",), f"this decision asked for {asked!r}"),))
        bundle = _bundle(uow, current)
        policy = bundle.compile()
        facts = {
            **facts_from_json(current.facts),
            **(facts_added or {}),
            **({} if passed is None else {f"step_up.{check}": passed}),
        }
        as_of = current.decided_at.astimezone(BUSINESS_TZ).date()
        verdict = evaluate(policy, facts, as_of=as_of)
        adverse = tuple(r for r in current.reasons if is_model_reason(r.code))
        now = svc.clock.now()
        decision = decision_record(
            decision_id=current.id,
            application_id=application_id,
            now=now,
            verdict=verdict,
            adverse=adverse,
            score=current.score,
            pd_=Decimal(current.pd) if current.pd is not None else None,
            model=None,
            inputs=current.inputs,
            stored_features=current.features,
            facts=facts,
            signal_reasons=(),
            policy_sha256=bundle.sha256,
            previous=current,
        )
        decision = _with_identity_calls(decision, current, call)
        uow.decisions.replace(decision)
        if call is not None:
            audit_identity_call(uow.audit, application_id, now, call)
        checked = {} if call is None else {"identity_check": call.as_dict()}
        audit_decision(uow.audit, decision, "decision.resumed", step_up={check: passed}, **checked)
        if decision.outcome == Outcome.REFER and svc.on_refer is not None:
            svc.on_refer(uow, decision, verdict.review_due_hours)
        flag_after: FraudServices | None = None
        if decision.outcome == Outcome.DECLINE:
            flag_after = flag_declined(uow, svc.fraud, application_id)
        uow.commit()
    tell_declined(flag_after, application_id)
    return decision


def _with_identity_calls(
    decision: DecisionRecord, previous: DecisionRecord, call: IdentityCall | None
) -> DecisionRecord:
    """The identity checks' calls of earlier step-ups stay in the trace, and this one joins."""
    kept = tuple(t for t in previous.trace if t.get("stage") in ("source", "identity_check"))
    made = () if call is None else (call.trace_entry(),)
    if not kept and not made:
        return decision
    return replace(decision, trace=(*kept, *decision.trace, *made))


def audit_identity_call(
    audit: AuditAppender, application_id: str, at: datetime, call: IdentityCall
) -> None:
    """Append an identity check's call to the audit chain, under the application."""
    audit.append(
        at=at,
        actor=f"provider:{call.provider}",
        action=CHECKED,
        subject_type="application",
        subject_id=application_id,
        payload=call.as_dict(),
    )


def _bundle(uow: DecisionUnitOfWork, decision: DecisionRecord) -> PolicyBundle:
    if decision.policy_sha256 is None:
        raise Conflict(f"decision {decision.id} predates stored policies and cannot be re-run")
    stored = uow.policy_bundles.get(decision.policy_sha256)
    if stored is None:
        raise IntegrityBroken(f"policy {decision.policy_sha256} of decision {decision.id} is gone")
    return PolicyBundle.from_dict(stored, decision.policy_sha256)
