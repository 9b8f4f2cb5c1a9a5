"""The line rule on missing receipts (凭证缺失冻结): at end of day, a draw whose receipts were due
(its product's `receipts_within_days` after the payout) and do not cover what was paid out
freezes its line, with the reason `RECEIPTS_MISSING`, an audit record and a notice to the
borrower, as the other line triggers do (`lending.blacklist_trigger`, `lending.eod_lines`).

The freeze is a rule's: an officer reverses it by the usual reinstatement
(`line_notices.reinstate`), after which the rule stays quiet on the line for the cooldown
(`LineRules.reinstate_cooldown_days`); or, when the product says `unfreeze_on_receipts`, the
line is reinstated as soon as receipts cover every overdue draw (`funds.lift_receipts_freeze`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from fengkong.core.money import format_fen
from fengkong.lending.eod_lines import audit_line_action
from fengkong.lending.funds import RECEIPTS_MISSING, FundUseView, ReceiptIn, attach_receipt
from fengkong.lending.line import Action, ActionKind, LineStatus, apply_actions, cooling_codes
from fengkong.lending.line_notices import notify_line
from fengkong.lending.servicing import SYSTEM, ServicingServices
from fengkong.lending.use_of_funds import FundUse

__all__ = ["add_receipt", "receipts_action", "receipts_step"]


def receipts_action(overdue: tuple[FundUse, ...]) -> Action:
    """The freeze a line's overdue draws call for, naming each with what its receipts cover."""
    detail = "; ".join(
        f"draw {u.loan_id}: receipts cover {format_fen(u.covered)} of "
        f"{format_fen(u.paid_out)}, due {u.receipts_due_on}"
        for u in overdue
    )
    return Action(ActionKind.FREEZE, RECEIPTS_MISSING, f"receipts missing (凭证缺失): {detail}")


def receipts_step(day: date, svc: ServicingServices) -> Mapping[str, int]:
    """Freeze every active line with a draw whose receipts are overdue on `day`; audit it as
    `line.freeze` and notify the borrower. A line already frozen or closed, or one an officer
    reinstated within the cooldown, is left as it is."""
    with svc.uow() as uow:
        overdue = uow.funds.receipts_overdue(day)
    by_line: dict[str, list[FundUse]] = {}
    for use in overdue:
        if use.line_id is not None:
            by_line.setdefault(use.line_id, []).append(use)
    frozen = 0
    rules = svc.lending.config.line_rules
    for line_id, uses in sorted(by_line.items()):
        with svc.uow() as uow:
            stored = uow.lending.get_line(line_id)
            if stored is None or stored.line.status is not LineStatus.ACTIVE:
                continue
            if RECEIPTS_MISSING in cooling_codes(stored.line, day, rules):
                continue
            action = receipts_action(tuple(uses))
            line = apply_actions(stored.line, (action,), day)
            now = svc.clock.now()
            uow.lending.save_line(replace(stored, line=line), now)
            audit_line_action(
                uow.audit,
                line_id,
                action,
                day,
                now,
                SYSTEM,
                draws=[u.loan_id for u in uses],
            )
            uow.commit()
        frozen += 1
        notify_line(line_id, day, svc)
    # `lines_frozen` is named like end of day's own total, which it adds to
    return {"receipts_lines_frozen": frozen, "lines_frozen": frozen}


def add_receipt(
    loan_id: str,
    receipt: ReceiptIn,
    svc: ServicingServices,
    *,
    line_id: str | None = None,
    actor: str = SYSTEM,
) -> FundUseView:
    """Attach a receipt (`funds.attach_receipt`); when it lifts the line's freeze for missing
    receipts, tell the borrower at once, as an officer's reinstatement does."""
    view = attach_receipt(loan_id, receipt, svc.lending, line_id=line_id, actor=actor)
    if view.line_reinstated and view.use.line_id is not None:
        notify_line(view.use.line_id, svc.clock.business_date(), svc)
    return view
