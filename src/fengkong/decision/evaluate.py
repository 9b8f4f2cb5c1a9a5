"""The policy engine: a compiled policy (`decision.compiler`) evaluated as plain Python.

Stages run in the document's order: knock-outs, fraud rules (and JDM tables), score cut-offs by
segment, limit assignment (score band × affordability, capped by existing exposure), pricing
(annual rate by score band), security (a limit above the unsecured maximum, or a score in an
approve-if-secured band, makes the offer conditional on collateral or a guarantor), then caps (the legal price cap on the all-in APR). A decline stops
evaluation; a verify stops it until the step-up check's result is among the facts
(`step_up.<check>`), when the same evaluation resumes past it; a refer is recorded and evaluation
goes on, so the officer sees the limit and price the policy would offer.

A rule that needs a fact the application lacks refers with a reason naming the fact: a missing
fact never approves. Every stage leaves a `StageTrace` of what it read and what it did.

A policy with a `sources:` section first checks what its external data gave
(`decision.source_stage`): a required kind that gave nothing refers, naming it and why.

Outcome precedence: decline > verify > refer > approve_secured > approve.
"""

from __future__ import annotations

from datetime import date

from fengkong.decision.fraud_rules import fraud_rules_stage
from fengkong.decision.knock_outs import knock_outs_stage
from fengkong.decision.limit_matrix import limit_stage
from fengkong.decision.policy import (
    CompiledPolicy,
    Facts,
    PolicyDecision,
    PolicyOutcome,
    StageTrace,
)
from fengkong.decision.price_caps import caps_stage
from fengkong.decision.run import PolicyRun, Stop, facts_seen
from fengkong.decision.score_cutoffs import score_stage
from fengkong.decision.security_stage import security_stage
from fengkong.decision.source_stage import sources_stage, with_feature_reasons


def evaluate(
    policy: CompiledPolicy, facts: Facts, *, as_of: date, offer: bool = True
) -> PolicyDecision:
    """Decide on `facts` (see `fengkong.decision.catalogue` for the names) as of `as_of`, the
    payout date the schedule runs from. `offer=False` stops after pricing, without building the
    schedule or checking the cap on this amount (the load check still bounds every price)."""
    if not policy.sources:
        return _evaluate(policy, facts, as_of, offer)
    return with_feature_reasons(policy, _evaluate(policy, facts, as_of, offer))


def _evaluate(policy: CompiledPolicy, facts: Facts, as_of: date, offer: bool) -> PolicyDecision:
    run = PolicyRun(policy)
    reads = policy.reads
    if policy.sources:  # a required source that gave nothing refers, naming it
        sources_stage(policy, facts, run)

    # knock-outs: the product's own bounds first, then the document's rules
    declined = knock_outs_stage(policy, facts, run)
    if declined is not None:
        return declined
    amount = facts.get("amount")
    term = facts.get("term_months")
    assert isinstance(amount, int | None) and isinstance(term, int | None)

    # fraud rules and JDM tables
    fraud_verdict = fraud_rules_stage(policy, facts, run)
    if fraud_verdict is not None:
        return fraud_verdict

    # score cut-offs by segment
    score = facts.get("score")
    band_name = score_stage(policy, facts, run, score)
    if band_name is Stop.DECLINE:
        return run.decision(PolicyOutcome.DECLINE, term=term)
    if band_name is None or amount is None or term is None:
        return run.decision(PolicyOutcome.REFER, term=term)

    # limit assignment, then pricing
    rate = policy.pricing[band_name]
    limit = limit_stage(policy, facts, run, band_name, amount, term, rate)
    if limit is Stop.DECLINE:
        return run.decision(PolicyOutcome.DECLINE, term=term)
    run.trace.append(
        StageTrace(
            "pricing",
            facts_seen(facts, reads["pricing"]),
            "assign",
            (),
            (("band", band_name), ("annual_rate", str(rate))),
        )
    )
    if limit is None:
        return run.decision(PolicyOutcome.REFER, term=term, rate=rate)
    security_stage(policy, facts, run, limit)
    outcome = run.outcome()
    if not offer:
        return run.decision(outcome, term=term, limit=limit, rate=rate)

    # caps: the all-in APR of the actual schedule against the cap
    return caps_stage(policy, run, outcome, limit, term, rate, as_of)
