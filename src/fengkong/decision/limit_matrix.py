"""The limit stage: affordability (debt-to-income with the new instalment) picks a column of the
limit matrix, the score band its row; the cell, the amount asked and the exposure headroom cap
the limit, which must still reach the product's minimum."""

from __future__ import annotations

from decimal import Decimal

from fengkong.core.money import Fen, format_fen
from fengkong.core.reason import Reason
from fengkong.decision.conditions import MissingFact
from fengkong.decision.policy import CompiledPolicy, Facts, StageTrace
from fengkong.decision.run import PolicyRun, Stop, facts_seen, in_band, note_unknowns
from fengkong.lending.quote import monthly_instalment


def limit_stage(
    policy: CompiledPolicy,
    facts: Facts,
    run: PolicyRun,
    band_name: str,
    amount: int,
    term: int,
    rate: Decimal,
) -> Fen | Stop | None:
    """The limit granted; False on decline; None when a fact is missing."""
    saw = facts_seen(facts, policy.reads["limit"])
    needed = ("monthly_income", "existing_monthly_debt", "existing_exposure")
    values = {name: facts.get(name) for name in needed}
    absent = [name for name, value in values.items() if value is None]
    wrong = [
        name
        for name, value in values.items()
        if value is not None and (isinstance(value, bool) or not isinstance(value, int))
    ]
    if absent or wrong:
        unknown = note_unknowns(run, absent, wrong)
        run.trace.append(StageTrace("limit", saw, "refer", tuple(unknown)))
        return None
    income, debt, exposure = (int(values[name]) for name in needed)  # type: ignore[call-overload]
    instalment = monthly_instalment(policy.product, Fen(amount), term, rate)
    detail: list[tuple[str, str]] = [("instalment", format_fen(instalment))]
    if income <= 0:
        reason = Reason("POL_NO_INCOME", "No monthly income to repay from", "无可用于还款的月收入")
        run.reasons.append(reason)
        run.trace.append(StageTrace("limit", saw, "decline", (reason.code,), tuple(detail)))
        return Stop.DECLINE
    dti = Decimal(debt + instalment) / Decimal(income)
    detail.append(("debt_to_income", f"{dti:.4f}"))
    afford = in_band(policy.affordability, dti)
    if afford is None:
        top = policy.affordability[-1].high
        reason = Reason(
            "POL_DTI_TOO_HIGH",
            f"Debt repayments would take {dti * 100:.1f} % of monthly income; the most we lend "
            f"to is {Decimal(top) * 100:.1f} %",
            f"月还款将占月收入的 {dti * 100:.1f}%，超过上限 {Decimal(top) * 100:.1f}%",
        )
        run.reasons.append(reason)
        run.trace.append(StageTrace("limit", saw, "decline", (reason.code,), tuple(detail)))
        return Stop.DECLINE
    cell = policy.matrix[(band_name, afford.name)]
    detail += [
        ("score_band", band_name),
        ("affordability", afford.name),
        ("matrix", format_fen(cell)),
    ]
    codes: list[str] = []
    if policy.limit_adjustments:
        cell = _adjusted(policy, facts, run, cell, codes)
        detail.append(("adjusted", format_fen(cell)))
    limit = Fen(min(amount, cell))
    if limit < amount:
        run.reasons.append(
            Reason(
                "POL_LIMIT_REDUCED",
                f"Limit reduced to {format_fen(limit)}, the most for this score and affordability",
                f"额度调整为 {format_fen(limit)}，为该评分与负债水平下的上限",
            )
        )
        codes.append("POL_LIMIT_REDUCED")
    if policy.max_exposure is not None:
        headroom = Fen(max(policy.max_exposure - exposure, 0))
        detail.append(("exposure_headroom", format_fen(headroom)))
        if headroom < limit:
            limit = headroom
            run.reasons.append(
                Reason(
                    "POL_EXPOSURE_CAP",
                    f"Limit reduced to {format_fen(limit)}: total borrowing with us may not exceed "
                    f"{format_fen(policy.max_exposure)}",
                    f"额度调整为 {format_fen(limit)}：在本机构借款总额不得超过 "
                    f"{format_fen(policy.max_exposure)}",
                )
            )
            codes.append("POL_EXPOSURE_CAP")
    if limit < policy.product.min_amount:
        reason = Reason(
            "POL_LIMIT_BELOW_PRODUCT_MIN",
            f"The limit we can grant, {format_fen(limit)}, is below the product's minimum "
            f"{format_fen(policy.product.min_amount)}",
            f"可授额度 {format_fen(limit)} 低于产品最低金额 {format_fen(policy.product.min_amount)}",
        )
        run.reasons.append(reason)
        codes.append(reason.code)
        run.trace.append(StageTrace("limit", saw, "decline", tuple(codes), tuple(detail)))
        return Stop.DECLINE
    detail.append(("limit", format_fen(limit)))
    run.trace.append(StageTrace("limit", saw, "assign", tuple(codes), tuple(detail)))
    return limit


def _adjusted(
    policy: CompiledPolicy, facts: Facts, run: PolicyRun, cell: Fen, codes: list[str]
) -> Fen:
    """The matrix cell after `limits.adjust`: each adjustment whose condition holds multiplies
    it (to the fen, down). Undecidable (a fact missing): a cut applies, a raise does not."""
    for adjustment in policy.limit_adjustments:
        try:
            holds = bool(adjustment.condition.test(facts))
        except (MissingFact, TypeError):
            holds = adjustment.factor < 1
        if holds:
            cell = Fen(int(Decimal(cell) * adjustment.factor))
            run.reasons.append(adjustment.reason)
            codes.append(adjustment.code)
    return cell
