"""The risk team confirming fraud: a borrower who never paid their first instalment and is a
month past due on it is investigated, and when the simulation knows them for a fraudster (a
ring member or an identity thief), the risk manager asks for their ID number, phone and device
to go on the black list and the approver approves (maker-checker, `fraud.list_changes`). The
end of day then closes every line whose borrower matches (`lending.blacklist_trigger`), ring
members sharing that phone included, and later applications hitting the list are declined."""

from __future__ import annotations

from datetime import date, timedelta

from fengkong.bootstrap import Context
from fengkong.core.errors import Conflict
from fengkong.fraud.list_changes import ListChanges, approve_change, request_addition
from fengkong.fraud.lists import parse_entry
from fengkong.sim.book import BookedLoan
from fengkong.sim.model import Applicant
from fengkong.sim.setup import SimActors

# Days past the first due date, unpaid, after which the risk team has confirmed the fraud.
CONFIRMED_AFTER = timedelta(days=30)


def under_investigation(loan: BookedLoan, on: date) -> bool:
    """Whether `loan`'s first instalment fell due `CONFIRMED_AFTER` ago today."""
    return bool(loan.due) and date.fromisoformat(loan.due[0]) + CONFIRMED_AFTER == on


def blacklist_fraudster(ctx: Context, actors: SimActors, applicant: Applicant, case: str) -> int:
    """Put the fraudster's ID number, phone and device on the black list, maker-checker; how
    many entries were added (a key already listed, by a ring member's case, is skipped)."""
    changes = ListChanges(uow=ctx.uow, hasher=ctx.vault.blind_index, clock=ctx.clock)
    person = applicant.identity
    added = 0
    for key_type, value in (
        ("resident_id", person.id_number),
        ("mobile", person.phone),
        ("device", person.device_id),
    ):
        fields = {
            "list": "black",
            "key_type": key_type,
            "value": value,
            "reason": f"fraud confirmed: {applicant.fraud.value.replace('_', ' ')}",
            "source": case,
            "expires_at": None,
        }
        try:
            request = request_addition(parse_entry(fields, ctx.clock.now()), actors.risk, changes)
            approve_change(request.id, actors.approver, changes)
        except Conflict:
            continue  # on the list already (another member of the ring, or a rerun of the day)
        added += 1
    return added


__all__ = ["CONFIRMED_AFTER", "blacklist_fraudster", "under_investigation"]
