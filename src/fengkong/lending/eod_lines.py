"""End of day's credit-line step: copy each draw's balance to its line, then let the configured
triggers (`line.line_actions`) freeze, reduce or close the line, each action audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from fengkong.audit.port import AuditAppender
from fengkong.lending.line import (
    Action,
    ActionKind,
    LineSignals,
    apply_actions,
    line_actions,
    sync_draw,
)
from fengkong.lending.ports import EodUnitOfWork
from fengkong.lending.records import LoanRecord
from fengkong.lending.services import LendingServices

SYSTEM = "system:eod"
# Each kind of action under the name end of day's totals count it by.
COUNTED_AS = {
    ActionKind.FREEZE: "lines_frozen",
    ActionKind.CLOSE: "lines_closed",
    ActionKind.REDUCE: "lines_reduced",
    ActionKind.RAISE: "lines_raised",
}


def audit_line_action(
    audit: AuditAppender,
    line_id: str,
    action: Action,
    on: date,
    now: datetime,
    actor: str,
    **context: object,
) -> None:
    """The audit record of a rule's action on a line (`line.freeze`, `line.reduce`, …): its
    reason code and detail, the new limit, the date, and whatever else explains it."""
    audit.append(
        at=now,
        actor=actor,
        action=f"line.{action.kind.value}",
        subject_type="credit_line",
        subject_id=line_id,
        payload={
            "reason": action.reason,
            "detail": action.detail,
            "new_limit_fen": action.new_limit,
            "business_date": on.isoformat(),
            **context,
            "notify": "borrower",
        },
    )


def fire_line_triggers(
    uow: EodUnitOfWork,
    records: Sequence[LoanRecord],
    on: date,
    svc: LendingServices,
    now: datetime,
) -> dict[str, int]:
    """Act on the lines of the draws among `records`; returns how many actions fired
    (`line_actions`) and how many of each kind (`lines_frozen`, `lines_closed`,
    `lines_reduced`)."""
    by_line: dict[str, list[LoanRecord]] = {}
    for record in records:
        if record.line_id is not None:
            by_line.setdefault(record.line_id, []).append(record)
    fired = {"line_actions": 0, **dict.fromkeys(COUNTED_AS.values(), 0)}
    for line_id, draws in sorted(by_line.items()):
        stored = uow.lending.get_line(line_id)
        if stored is None:
            continue
        line = stored.line
        for record in draws:
            if any(d.draw_id == record.loan_id for d in line.draws):
                line = sync_draw(line, record.state)
        signals = LineSignals(days_past_due=uow.lending.worst_dpd_on_line(line_id))
        actions = line_actions(line, signals, svc.config.line_rules, on)
        line = apply_actions(line, actions, on)
        uow.lending.save_line(replace(stored, line=line), now)
        for action in actions:
            fired["line_actions"] += 1
            fired[COUNTED_AS[action.kind]] += 1
            audit_line_action(uow.audit, line_id, action, on, now, SYSTEM)
    return fired
