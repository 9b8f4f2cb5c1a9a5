"""The knock-out stage: the product's own bounds on amount and term first, then the document's
knock-out rules. Any that fires declines; a fact they need that is missing or of the wrong kind
refers, and evaluation goes on."""

from __future__ import annotations

from fengkong.core.money import format_fen
from fengkong.core.reason import Reason
from fengkong.decision.policy import (
    CompiledPolicy,
    Facts,
    PolicyDecision,
    PolicyOutcome,
    StageTrace,
)
from fengkong.decision.run import PolicyRun, facts_seen, fire, int_or_none, note_unknowns


def knock_outs_stage(policy: CompiledPolicy, facts: Facts, run: PolicyRun) -> PolicyDecision | None:
    """The decline when a knock-out fires; None when evaluation goes on."""
    product = policy.product
    fired_codes: list[str] = []
    amount = facts.get("amount")
    term = facts.get("term_months")
    missing: list[str] = [n for n, v in (("amount", amount), ("term_months", term)) if v is None]
    wrong: list[str] = []
    if isinstance(amount, int) and not isinstance(amount, bool):
        if not product.min_amount <= amount <= product.max_amount:
            run.reasons.append(
                Reason(
                    "KO_AMOUNT_OUTSIDE_PRODUCT",
                    f"The amount {format_fen(amount)} is outside the product's "
                    f"{format_fen(product.min_amount)} to {format_fen(product.max_amount)}",
                    f"申请金额 {format_fen(amount)} 超出产品范围 {format_fen(product.min_amount)}"
                    f" 至 {format_fen(product.max_amount)}",
                )
            )
            fired_codes.append("KO_AMOUNT_OUTSIDE_PRODUCT")
    elif amount is not None:
        wrong.append("amount")
    if isinstance(term, int) and not isinstance(term, bool):
        if term not in product.terms:
            terms = ", ".join(map(str, product.terms))
            run.reasons.append(
                Reason(
                    "KO_TERM_OUTSIDE_PRODUCT",
                    f"A term of {term} months is not offered; the product offers {terms}",
                    f"产品不提供 {term} 期，可选期数：{terms}",
                )
            )
            fired_codes.append("KO_TERM_OUTSIDE_PRODUCT")
    elif term is not None:
        wrong.append("term_months")
    fired, more_missing, more_wrong = fire(policy.knock_outs, facts)
    missing += [n for n in more_missing if n not in missing]
    wrong += [n for n in more_wrong if n not in wrong]
    for rule in fired:
        run.reasons.append(rule.reason)
        fired_codes.append(rule.code)
    if fired_codes:
        run.trace.append(
            StageTrace(
                "knock_outs",
                facts_seen(facts, policy.reads["knock_outs"]),
                "decline",
                tuple(fired_codes),
            )
        )
        return run.decision(PolicyOutcome.DECLINE, term=int_or_none(term))
    unknown = note_unknowns(run, missing, wrong)
    run.trace.append(
        StageTrace(
            "knock_outs",
            facts_seen(facts, policy.reads["knock_outs"]),
            "refer" if unknown else "pass",
            tuple(unknown),
        )
    )
    return None
