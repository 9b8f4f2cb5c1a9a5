"""The fraud stage: the document's fraud rules and its JDM decision tables, over the fraud
signals among the facts. A decline ends the evaluation; a verify pauses it until the step-up
check's result (`step_up.<check>`) is among the facts; a refer is noted and evaluation goes on.
A check that may not be made, the applicant's consent not in force (`identity.<check>.result` is
`no_consent`), refers instead of waiting for ever.
"""

from __future__ import annotations

from fengkong.core.reason import Reason
from fengkong.decision.identity_facts import NO_CONSENT, no_consent_reason, result_fact
from fengkong.decision.policy import (
    CompiledPolicy,
    Facts,
    PolicyDecision,
    PolicyOutcome,
    StageTrace,
)
from fengkong.decision.run import PolicyRun, facts_seen, fire, int_or_none, note_unknowns


def fraud_rules_stage(
    policy: CompiledPolicy, facts: Facts, run: PolicyRun
) -> PolicyDecision | None:
    fired, missing, wrong = fire(policy.fraud_rules, facts)
    hits: list[tuple[PolicyOutcome, Reason, str | None]] = [
        (r.outcome, r.reason, r.check) for r in fired
    ]
    for _, table in policy.fraud_tables:
        absent = [f for f in table.fields if facts.get(f) is None]
        if absent:
            missing += [n for n in absent if n not in missing]
            continue
        result = table.evaluate(facts)
        for row in result if isinstance(result, list) else ([result] if result else []):
            code = str(row["code"])
            hits.append(
                (
                    PolicyOutcome(row["outcome"]),
                    Reason(code, str(row.get("en", code)), str(row.get("zh", code))),
                    str(row["check"]) if row.get("check") is not None else None,
                )
            )
    codes: list[str] = []
    declines: list[Reason] = []
    pending: list[tuple[Reason, str]] = []
    passed: list[str] = []
    for outcome, reason, check in hits:
        codes.append(reason.code)
        if outcome is PolicyOutcome.DECLINE:
            declines.append(reason)
        elif outcome is PolicyOutcome.REFER:
            run.reasons.append(reason)
            run.refer = True
        else:
            step_up = facts.get(f"step_up.{check}")
            if step_up is None and facts.get(result_fact(str(check))) == NO_CONSENT:
                # the check may not be made: an officer decides instead of waiting for ever
                run.reasons.append(no_consent_reason(str(check)))
                run.refer = True
            elif step_up is None:
                pending.append((reason, str(check)))
            elif step_up is True:
                passed.append(str(check))
            else:
                declines.append(reason)
                declines.append(
                    Reason(
                        "FR_STEP_UP_FAILED",
                        f"The extra identity check ({check}) was not passed",
                        f"加强身份验证（{check}）未通过",
                    )
                )
    saw = facts_seen(facts, policy.reads["fraud"])
    detail = tuple(("step_up_passed", check) for check in passed)
    if declines:
        run.reasons.extend(declines)
        run.trace.append(StageTrace("fraud", saw, "decline", tuple(codes), detail))
        return run.decision(PolicyOutcome.DECLINE, term=int_or_none(facts.get("term_months")))
    if pending:
        run.reasons.extend(reason for reason, _ in pending)
        run.trace.append(StageTrace("fraud", saw, "verify", tuple(codes), detail))
        return run.decision(
            PolicyOutcome.VERIFY,
            term=int_or_none(facts.get("term_months")),
            step_up=pending[0][1],
        )
    codes += note_unknowns(run, missing, wrong)
    run.trace.append(
        StageTrace("fraud", saw, "refer" if run.refer and codes else "pass", tuple(codes), detail)
    )
    return None
