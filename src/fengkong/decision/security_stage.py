"""The security stage: an offer above the policy's unsecured maximum is made conditional on the
security the maximum names (approve if secured, 需提供担保后批准), unless a score band already
made it so. The condition itself (`policy.SecurityCondition`) is built on the final amount, after
the caps stage, so its collateral minimum follows the amount offered."""

from __future__ import annotations

from fengkong.core.money import Fen, format_fen
from fengkong.decision.policy import CompiledPolicy, Facts, StageTrace
from fengkong.decision.run import PolicyRun, facts_seen


def security_stage(policy: CompiledPolicy, facts: Facts, run: PolicyRun, limit: Fen) -> None:
    """Ask for security when `limit` is above the unsecured maximum; trace what was asked."""
    if policy.unsecured_max is None and run.secured is None:
        return
    saw = (*facts_seen(facts, ("amount",)), ("limit", limit))
    cap = policy.unsecured_max
    if run.secured is None and cap is not None and limit > cap.amount:
        requirement = policy.security[cap.requires]
        run.secured = (cap.requires, "unsecured_max")
        run.reasons.append(requirement.reason)
        detail = (
            ("unsecured_max", format_fen(cap.amount)),
            ("requires", cap.requires),
            ("why", "unsecured_max"),
        )
        run.trace.append(StageTrace("security", saw, "secure", (requirement.reason.code,), detail))
        return
    if run.secured is not None:
        name, why = run.secured
        run.trace.append(
            StageTrace("security", saw, "secure", (), (("requires", name), ("why", why)))
        )
        return
    assert cap is not None
    run.trace.append(
        StageTrace("security", saw, "pass", (), (("unsecured_max", format_fen(cap.amount)),))
    )
