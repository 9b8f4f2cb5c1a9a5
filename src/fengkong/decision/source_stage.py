"""The sources stage of an evaluation: a required kind of external data that gave nothing refers,
with a reason naming the source and why, and the facts it would have given are not reported
again as merely missing. After evaluating, the reason texts of the source features a declining
or referring rule read join the decision's reasons.

Both read only the facts (`source.<kind>`, `source.<kind>.why`, the features), so a replay over
the stored facts decides the same."""

from __future__ import annotations

from dataclasses import replace

from fengkong.core.reason import Reason
from fengkong.decision.policy import (
    CompiledPolicy,
    Facts,
    PolicyDecision,
    PolicyOutcome,
    StageTrace,
)
from fengkong.decision.run import PolicyRun, facts_seen
from fengkong.decision.source_facts import (
    FAMILIES,
    SourceStatus,
    failure_reason,
    feature_reason,
    status_fact,
    why_fact,
)

__all__ = ["sources_stage", "with_feature_reasons"]


def sources_stage(policy: CompiledPolicy, facts: Facts, run: PolicyRun) -> None:
    """Refer for each required kind that was asked and gave nothing; evaluation goes on, so a
    rule on the application alone may still decline."""
    fired: list[str] = []
    for ask in policy.sources:
        raw = facts.get(status_fact(ask.kind))
        try:
            status = SourceStatus(raw) if isinstance(raw, str) else SourceStatus.UNAVAILABLE
        except ValueError:
            status = SourceStatus.UNAVAILABLE
        if status in (SourceStatus.OK, SourceStatus.NOT_ASKED):
            continue
        if not ask.required:  # its facts are absent: a rule needing one refers as missing
            continue
        # its facts are absent for the reason given here: not reported "missing" again
        run.explained = (*run.explained, *FAMILIES[ask.kind].family.names)
        why = facts.get(why_fact(ask.kind))
        reason = failure_reason(ask.kind, status, why if isinstance(why, str) else None)
        run.reasons.append(reason)
        fired.append(reason.code)
        run.refer = True
    run.trace.append(
        StageTrace(
            "sources",
            facts_seen(facts, policy.reads.get("sources", ())),
            "refer" if fired else "pass",
            tuple(fired),
        )
    )


def with_feature_reasons(policy: CompiledPolicy, verdict: PolicyDecision) -> PolicyDecision:
    """`verdict` with the reason texts of the source features read by each rule that fired,
    when the decision declines or refers."""
    if verdict.outcome not in (PolicyOutcome.DECLINE, PolicyOutcome.REFER):
        return verdict
    rules = {r.code: r for r in (*policy.knock_outs, *policy.fraud_rules)}
    fired = [code for t in verdict.trace for code in t.fired if code in rules]
    added: dict[str, Reason] = {}
    for code in fired:
        for name in rules[code].condition.reads:
            reason = feature_reason(name)
            if reason is not None:
                added.setdefault(reason.code, reason)
    if not added:
        return verdict
    return replace(verdict, reasons=(*verdict.reasons, *added.values()))
