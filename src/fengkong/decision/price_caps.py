"""The caps stage: the all-in APR of the actual schedule against the price cap. On a breach the
policy's steps are tried in order: lower the rate to the highest that fits, reduce the limit to
the largest that fits (at the policy's rate, then the product's floor rate), or decline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fengkong.core.money import Fen, format_fen
from fengkong.core.reason import Reason
from fengkong.decision.policy import CompiledPolicy, PolicyDecision, PolicyOutcome, StageTrace
from fengkong.decision.pricing import (
    all_in_apr,
    highest_rate_within_cap,
    largest_amount_within_cap,
    make_offer,
    offer_within_cap,
)
from fengkong.decision.run import PolicyRun


def caps_stage(
    policy: CompiledPolicy,
    run: PolicyRun,
    outcome: PolicyOutcome,
    limit: Fen,
    term: int,
    rate: Decimal,
    as_of: date,
) -> PolicyDecision:
    product, cap = policy.product, policy.cap
    saw: tuple[tuple[str, object], ...] = (
        ("limit", limit),
        ("annual_rate", str(rate)),
        ("term_months", term),
        ("cap", str(cap.annual)),
        ("cap_basis", cap.basis),
    )
    offer = offer_within_cap(product, limit, term, rate, as_of, cap)
    if offer is not None:
        run.trace.append(StageTrace("caps", saw, "pass", (), (("apr", str(offer.apr)),)))
        return run.decision(outcome, term=term, offer=offer)
    codes: list[str] = []
    detail: list[tuple[str, str]] = [
        ("apr_at_policy_price", str(all_in_apr(product, limit, term, rate, as_of)))
    ]
    for step in policy.on_breach:
        if step == "lower_rate":
            lowered = highest_rate_within_cap(product, limit, term, as_of, cap.annual, rate)
            if lowered is not None:
                run.reasons.append(
                    Reason(
                        "POL_RATE_LOWERED_TO_CAP",
                        f"Rate lowered from {rate * 100:f} % to {lowered * 100:f} % so the all-in "
                        f"APR stays within {cap.annual * 100:f} % ({cap.basis})",
                        f"年利率由 {rate * 100:f}% 下调至 {lowered * 100:f}%，使综合年化成本不超过 "
                        f"{cap.annual * 100:f}%",
                    )
                )
                codes.append("POL_RATE_LOWERED_TO_CAP")
                offer = make_offer(product, limit, term, lowered, as_of, cap)
                detail += [("lower_rate", str(lowered)), ("apr", str(offer.apr))]
                run.trace.append(StageTrace("caps", saw, "adjust", tuple(codes), tuple(detail)))
                return run.decision(outcome, term=term, offer=offer)
            detail.append(("lower_rate", "no rate fits"))
        elif step == "reduce_limit":
            floor = product.min_annual_rate
            for price in dict.fromkeys((rate, floor)):
                reduced = largest_amount_within_cap(product, limit, term, price, as_of, cap.annual)
                if reduced is not None:
                    run.reasons.append(
                        Reason(
                            "POL_LIMIT_LOWERED_TO_CAP",
                            f"Limit lowered from {format_fen(limit)} to {format_fen(reduced)} at "
                            f"{price * 100:f} % so the all-in APR stays within "
                            f"{cap.annual * 100:f} % ({cap.basis})",
                            f"额度由 {format_fen(limit)} 下调至 {format_fen(reduced)}，年利率 "
                            f"{price * 100:f}%，使综合年化成本不超过 {cap.annual * 100:f}%",
                        )
                    )
                    codes.append("POL_LIMIT_LOWERED_TO_CAP")
                    offer = make_offer(product, reduced, term, price, as_of, cap)
                    detail += [("reduce_limit", format_fen(reduced)), ("apr", str(offer.apr))]
                    run.trace.append(StageTrace("caps", saw, "adjust", tuple(codes), tuple(detail)))
                    return run.decision(outcome, term=term, offer=offer)
            detail.append(("reduce_limit", "no amount fits"))
        else:
            break
    reason = Reason(
        "POL_PRICE_ABOVE_CAP",
        f"No price this product allows keeps the all-in APR within {cap.annual * 100:f} % "
        f"({cap.basis})",
        f"该产品任何定价的综合年化成本均超过上限 {cap.annual * 100:f}%",
    )
    run.reasons.append(reason)
    codes.append(reason.code)
    run.trace.append(StageTrace("caps", saw, "decline", tuple(codes), tuple(detail)))
    return run.decision(PolicyOutcome.DECLINE, term=term)
