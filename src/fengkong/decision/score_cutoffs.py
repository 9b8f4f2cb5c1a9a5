"""The score stage: the applicant's segment, its cut-off bands (approve, refer, decline), and
the named score band the limit matrix and the pricing table are read by."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fengkong.core.reason import Reason
from fengkong.decision.conditions import MissingFact
from fengkong.decision.policy import CompiledPolicy, Facts, PolicyOutcome, Segment, StageTrace
from fengkong.decision.run import (
    PolicyRun,
    Stop,
    facts_seen,
    in_band,
    missing_reason,
    wrong_kind_reason,
)


def score_stage(
    policy: CompiledPolicy, facts: Facts, run: PolicyRun, score: object
) -> str | Stop | None:
    """The score band's name to price and limit by; False on decline; None when it cannot say."""
    saw = facts_seen(facts, policy.reads["score"])
    if score is None or isinstance(score, bool) or not isinstance(score, int | float | Decimal):
        reason = missing_reason("score") if score is None else wrong_kind_reason(("score",))
        run.reasons.append(reason)
        run.refer = True
        run.trace.append(StageTrace("score", saw, "refer", (reason.code,)))
        return None
    value: Any = Decimal(repr(score)) if isinstance(score, float) else score
    low, high = policy.score_range
    if not low <= value < high:
        reason = Reason(
            "POL_SCORE_OUT_OF_RANGE",
            f"Score {score} is outside the policy's range [{low}, {high})",
            f"评分 {score} 超出策略范围 [{low}, {high})",
        )
        run.reasons.append(reason)
        run.refer = True
        run.trace.append(StageTrace("score", saw, "refer", (reason.code,)))
        return None
    segment: Segment | None = None
    for candidate in policy.segments:
        if candidate.condition is None:
            segment = candidate
            break
        try:
            if candidate.condition.test(facts):
                segment = candidate
                break
        except MissingFact as exc:
            reason = missing_reason(exc.name)
            run.reasons.append(reason)
            run.refer = True
            run.trace.append(
                StageTrace("score", saw, "refer", (reason.code,), (("segment", candidate.name),))
            )
            return None
    assert segment is not None  # the last segment catches all, checked at load
    band = in_band(segment.bands, value)
    assert band is not None  # bands tile the score range, checked at load
    detail = (("segment", segment.name), ("band", f"[{band.low}, {band.high})"))
    named = in_band(policy.score_bands, value)
    assert named is not None
    if band.outcome is PolicyOutcome.DECLINE:
        reason = band.reason or Reason(
            "POL_SCORE_BELOW_CUTOFF",
            f"Credit score {score} is below the cut-off for {segment.name} applicants",
            f"信用评分 {score} 低于{segment.name}客群准入线",
        )
        run.reasons.append(reason)
        run.trace.append(StageTrace("score", saw, "decline", (reason.code,), detail))
        return Stop.DECLINE
    if band.outcome is PolicyOutcome.REFER:
        reason = band.reason or Reason(
            "POL_SCORE_IN_REVIEW_BAND",
            f"Credit score {score} is in the review band [{band.low}, {band.high}) for "
            f"{segment.name} applicants",
            f"信用评分 {score} 处于{segment.name}客群人工审核区间 [{band.low}, {band.high})",
        )
        run.reasons.append(reason)
        run.refer = True
        run.trace.append(StageTrace("score", saw, "refer", (reason.code,), detail))
        return named.name
    if band.outcome is PolicyOutcome.APPROVE_IF_SECURED:
        assert band.requires is not None  # checked at load
        requirement = policy.security[band.requires]
        reason = band.reason or requirement.reason
        run.reasons.append(reason)
        run.secured = (band.requires, "score_band")
        run.trace.append(
            StageTrace(
                "score", saw, "secure", (reason.code,), (*detail, ("requires", band.requires))
            )
        )
        return named.name
    codes = (band.reason.code,) if band.reason else ()
    if band.reason:
        run.reasons.append(band.reason)
    run.trace.append(StageTrace("score", saw, "pass", codes, detail))
    return named.name
