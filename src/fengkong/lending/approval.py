"""Which decision an offer follows: the automatic one, or — when it referred — the officer's
decision that settled the referral, with the limit, rate and term the officer granted. An
officer's approval conditional on security (its offer names a `security`) is offered as a
policy's approve_secured offer is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fengkong.core.actor import officer_audit_name
from fengkong.core.money import Fen
from fengkong.lending.secured_offer import SECURED


class DecisionOnFile(Protocol):
    """What an offer reads of the automatic decision on an application (`decision` stores it)."""

    @property
    def id(self) -> str: ...
    @property
    def application_id(self) -> str: ...
    @property
    def outcome(self) -> str: ...  # approve, approve_secured, decline, refer or verify
    @property
    def approved_amount(self) -> Fen | None: ...
    @property
    def annual_rate(self) -> str | None: ...  # a decimal string
    @property
    def term_months(self) -> int | None: ...
    @property
    def policy_sha256(self) -> str | None: ...
    @property
    def score(self) -> int | None: ...
    @property
    def decided_at(self) -> datetime: ...
    @property
    def offer(self) -> Mapping[str, Any] | None: ...  # on approve_secured: its "security"


class OfficerDecisionOnFile(Protocol):
    """What an offer reads of the officer's decision that settled a referral."""

    @property
    def id(self) -> str: ...
    @property
    def application_id(self) -> str: ...
    @property
    def outcome(self) -> str: ...  # approve or decline
    @property
    def approved_amount(self) -> Fen | None: ...
    @property
    def annual_rate(self) -> str | None: ...
    @property
    def term_months(self) -> int | None: ...
    @property
    def policy_sha256(self) -> str | None: ...
    @property
    def decided_by(self) -> str: ...
    @property
    def decided_at(self) -> datetime: ...
    @property
    def offer(self) -> Mapping[str, Any] | None: ...  # on a conditional approval: "security"


class DecisionReader(Protocol):
    def for_application(self, application_id: str) -> DecisionOnFile | None: ...


class OfficerDecisionReader(Protocol):
    def for_application(self, application_id: str) -> OfficerDecisionOnFile | None: ...


def conditional(offer: Mapping[str, Any] | None) -> bool:
    """Whether an offer document is conditional on security (names its `security`)."""
    return offer is not None and isinstance(offer.get("security"), Mapping)


@dataclass(frozen=True, slots=True)
class Settled:
    """What an offer needs of the decision that settles an application."""

    decision_id: str
    outcome: str  # approve, approve_secured, decline, refer or verify
    approved_amount: Fen | None
    annual_rate: str | None
    term_months: int | None
    policy_sha256: str | None
    score: int | None
    decided_by: str  # "system:decision" or "officer:<name>"


def settled(decision: DecisionOnFile, officers: OfficerDecisionReader) -> Settled:
    """The automatic `decision`, or the officer's that settled it when it referred. Only a
    referral costs the look-up: an automatic approval is offered as before."""
    # The outcome may be decision's `Outcome`, a `StrEnum`: `str` gives its value.
    automatic = Settled(
        decision.id,
        str(decision.outcome),
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
        SECURED if conditional(officer.offer) else str(officer.outcome),
        officer.approved_amount,
        officer.annual_rate,
        officer.term_months,
        officer.policy_sha256,
        decision.score,
        officer_audit_name(officer.decided_by),
    )
