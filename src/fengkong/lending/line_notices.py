"""Line notices: the borrower is told of every automatic action on their credit line (frozen,
reduced, closed, raised) and of an officer's reversal of one (reinstated), through the reminder
channel, stored as reminders are (`lending.reminders.notify`).

- The line's history is the outbox: a rule's change (no officer) or a reinstatement is committed
  with the line, and the line remembers the date (`rule_acted_on`). Sending comes after that
  commit, so a channel that fails or a crash never loses the action: the notice is recorded as
  pending first, then sent and marked sent or failed, as a reminder is.
- One notice per line, kind and business date (`line_frozen` on 2026-03-02, say), so a rerun of
  end of day, or the step after a trigger already notified, never sends it twice.
- Who is told: the line's bound borrower (`bind_line_borrower`: phone and language), else the
  applicant the line was opened on, in the configured language.
- End of day's line triggers run in the loan chunks, which have no channel: `line_notice_step`,
  a servicing step after them, notifies every line a rule acted on that date. The black-list and
  margin-call triggers, and a reinstatement, notify as soon as their change is committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from fengkong.lending.credit_lines import reinstate_line
from fengkong.lending.line import CreditLine, LineChange, LineChangeKind, reason_code
from fengkong.lending.line_reinstate import is_automatic
from fengkong.lending.records import LineRecord
from fengkong.lending.reminders import notify
from fengkong.lending.services import load_line
from fengkong.lending.servicing import SYSTEM, Contact, ServicingConfig, ServicingServices
from fengkong.lending.servicing_ports import ServicingUnitOfWork
from fengkong.lending.servicing_records import ReminderRecord

SUBJECT = "credit_line"


def contact_for_line(
    uow: ServicingUnitOfWork, record: LineRecord, config: ServicingConfig
) -> Contact:
    """The line's borrower: as bound to the line, else the applicant it was opened on."""
    keys = uow.servicing.line_borrower(record.line.line_id)
    if keys is not None:
        return Contact(keys.phone_enc, keys.language)
    if record.application_id is not None:
        application = uow.applications.get(record.application_id)
        if application is not None:
            return Contact(application.phone_enc, config.language)
    return Contact(None, config.language)


def notice_changes(line: CreditLine, day: date) -> tuple[LineChange, ...]:
    """The changes of `day` the borrower is told of: a rule's, and an officer's reinstatement."""
    return tuple(
        c
        for c in line.history
        if c.on == day and (is_automatic(c) or c.kind is LineChangeKind.REINSTATED)
    )


def notice_kind(change: LineChange) -> str:
    return f"line_{change.kind.value}"


def notify_line(line_id: str, day: date, svc: ServicingServices) -> int:
    """Tell the line's borrower of its changes of `day` (`notice_changes`), each once; returns
    how many notices went out now (not those already sent)."""
    with svc.uow() as uow:
        stored = uow.lending.get_line(line_id)
        if stored is None:
            return 0
        contact = contact_for_line(uow, stored, svc.config)
    sent = 0
    for change in notice_changes(stored.line, day):
        sent += notify(
            svc,
            subject_type=SUBJECT,
            subject_id=line_id,
            kind=notice_kind(change),
            on=day,
            contact=contact,
            params={
                "line_id": line_id,
                "on": day.isoformat(),
                "reason": reason_code(change),
                "limit_before": int(change.limit_before),
                "limit_after": int(change.limit_after),
                "contact": svc.config.dispute_contact,
            },
        )
    return sent


def line_notice_step(day: date, svc: ServicingServices) -> Mapping[str, int]:
    """End of day: notify the borrower of every line a rule acted on (or an officer reinstated)
    on `day`; a notice already sent for that line, kind and date is not sent again."""
    with svc.uow() as uow:
        line_ids = list(uow.servicing.lines_acted_on(day))
    return {"line_notices_sent": sum(notify_line(line_id, day, svc) for line_id in line_ids)}


def reinstate(
    line_id: str,
    reason: str,
    svc: ServicingServices,
    *,
    officer: str,
    acknowledge_blacklist: bool = False,
    actor: str = SYSTEM,
) -> CreditLine:
    """An officer's reversal of the line's latest automatic action
    (`credit_lines.reinstate_line`), then the borrower's notice of it."""
    line = reinstate_line(
        line_id,
        reason,
        svc.lending,
        officer=officer,
        acknowledge_blacklist=acknowledge_blacklist,
        actor=actor,
    )
    notify_line(line_id, line.history[-1].on, svc)
    return line


def line_notices(line_id: str, svc: ServicingServices) -> tuple[ReminderRecord, ...]:
    """The notices sent about a line, oldest first (`NotFound` if there is no such line)."""
    with svc.uow() as uow:
        load_line(uow.lending, line_id)
        return tuple(r for r in uow.servicing.reminders_for(line_id) if r.subject_type == SUBJECT)
