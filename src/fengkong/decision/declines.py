"""What a decline tells the identity-link graph, the same for every decline: the policy's own
(`service.submit_application`, and `step_up.complete_step_up` after a failed check) and an
officer's on a referral (`decline_and_flag`).

A declined application is flagged on the graph so that its future neighbours (applications
sharing a device, phone, card or ID with it) count it among their bad neighbours. Where the graph
is kept in the books' own database (`FraudServices.links_in_books`), the flag is written in the
decision's unit of work and commits with it; elsewhere (Redis) the link store is told after the
commit, and a store that is down, or never took the application, costs the flag, not the
decision (the log records it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from fengkong.core.clock import Clock
from fengkong.core.errors import Unavailable
from fengkong.core.log import get_logger
from fengkong.core.uow import UnitOfWork
from fengkong.decision.fraud_stage import FraudServices
from fengkong.decision.officer import OfficerUnitOfWork, Reviewed, decline_referral
from fengkong.fraud.links import NotLinked

__all__ = ["LinkOutcomes", "decline_and_flag", "flag_declined", "tell_declined"]

_log = get_logger("fengkong.decision")


class LinkOutcomes(Protocol):
    def mark(self, application_id: str, *, declined: bool, defaulted: bool) -> None: ...


class LinkOutcomesUnitOfWork(Protocol):
    @property
    def link_outcomes(self) -> LinkOutcomes: ...


def flag_declined(
    uow: LinkOutcomesUnitOfWork, fraud: FraudServices | None, application_id: str
) -> FraudServices | None:
    """Flag a declined application on the graph, before `uow` commits: written in the unit of
    work when the graph is in the books, else the fraud services whose link store must be told
    after the commit (`tell_declined`)."""
    if fraud is None:
        return None
    if fraud.links_in_books:
        uow.link_outcomes.mark(application_id, declined=True, defaulted=False)
        return None
    return fraud


def tell_declined(fraud: FraudServices | None, application_id: str) -> None:
    """After the commit: tell a link store of its own (`flag_declined` said which). The decision
    is already stored and answered, so a store that is down, or that never took the application,
    must not turn it into an error: the graph then lacks one flag (its neighbours count one
    declined neighbour fewer), which the log records."""
    if fraud is None:
        return
    try:
        fraud.links.mark_outcome(application_id, declined=True, defaulted=False)
    except (Unavailable, NotLinked) as exc:
        _log.warning("links.mark_outcome_failed", application_id=application_id, error=str(exc))


class OfficerDeclineUnitOfWork(UnitOfWork, OfficerUnitOfWork, LinkOutcomesUnitOfWork, Protocol):
    pass


def decline_and_flag(
    uow: Callable[[], OfficerDeclineUnitOfWork],
    fraud: FraudServices | None,
    item_id: str,
    officer: str,
    comment: str,
    clock: Clock,
    reason_code: str | None = None,
) -> Reviewed:
    """An officer's decline of a referral (`officer.decline_referral`), flagged on the link
    graph as an automatic decline is."""
    with uow() as work:
        reviewed = decline_referral(work, item_id, officer, comment, clock, reason_code)
        application_id = reviewed.item.application_id
        tell = flag_declined(work, fraud, application_id)
        work.commit()
    tell_declined(tell, application_id)
    return reviewed
