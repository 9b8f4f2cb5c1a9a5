"""A decision as stored: outcome, reasons, and everything needed to replay it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fengkong.core.money import Fen
from fengkong.decision.outcome import Outcome, Reason


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    id: str
    application_id: str
    decided_at: datetime
    outcome: Outcome
    score: int | None
    pd: str | None  # probability of default as a decimal string, e.g. "0.0831"
    approved_amount: Fen | None
    reasons: tuple[Reason, ...]
    policy_version: str
    model_version: str | None
    model_sha256: str | None
    inputs: Mapping[str, Any]
    features: Mapping[str, Any]
    input_hash: str
    policy_sha256: str | None = None
    annual_rate: str | None = None  # nominal annual rate of the offer, a decimal string
    term_months: int | None = None
    offer: Mapping[str, Any] | None = None  # APR, total cost and schedule disclosed
    trace: tuple[Mapping[str, Any], ...] = ()  # what each policy stage saw and did
    facts: Mapping[str, Any] = field(default_factory=dict)  # exactly what the policy read
    # The id of the API request that asked for it, as the store recorded it (`core.request_id`);
    # None before it is stored, and for decisions made from the CLI. Not an input: replay
    # ignores it.
    request_id: str | None = None

    @property
    def security(self) -> Mapping[str, Any] | None:
        """On an approve-if-secured decision: the security its offer is conditional on."""
        if self.offer is None:
            return None
        found = self.offer.get("security")
        return found if isinstance(found, Mapping) else None
