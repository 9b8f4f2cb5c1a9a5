"""Which decision an offer follows: the automatic one, or — when it referred — the officer's
decision that settled the referral, with the limit, rate and term the officer granted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from fengkong.core.money import Fen


class OfficerDecisionReader(Protocol):
    def for_application(self, application_id: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class Settled:
    """What an offer needs of the decision that settles an application."""

    decision_id: str
    outcome: str  # approve, decline, refer or verify
    approved_amount: Fen | None
    annual_rate: str | None
    term_months: int | None
    policy_sha256: str | None
    score: int | None
    decided_by: str  # "system:decision" or "officer:<name>"


def settled(decision: Any, officers: OfficerDecisionReader) -> Settled:
    """The automatic `decision`, or the officer's that settled it when it referred. Only a
    referral costs the look-up: an automatic approval is offered as before."""
    automatic = Settled(
        decision.id,
        decision.outcome.value,
        decision.approved_amount,
        decision.annual_rate,
        decision.term_months,
        decision.policy_sha256,
        decision.score,
        "system:decision",
    )
    if automatic.outcome != "refer":
        return automatic
    officer = officers.for_application(decision.application_id)
    if officer is None:
        return automatic
    return Settled(
        officer.id,
        officer.outcome.value,
        officer.approved_amount,
        officer.annual_rate,
        officer.term_months,
        officer.policy_sha256,
        decision.score,
        f"officer:{officer.decided_by}",
    )
