"""The payment channel port (放款/代扣通道) and a simulated gateway for tests, demos and benches.

A channel is asked to pay `amount` fen out for a payout id. The payout id is the channel's own
idempotency key: asking again for the same id never pays twice, it answers with what happened.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from fengkong.core.money import Fen


class PayoutStatus(StrEnum):
    PENDING = "pending"  # asked for, no answer recorded yet (a crash leaves it here, never lost)
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # every attempt failed; the booking was reversed


@dataclass(frozen=True, slots=True)
class PayoutResult:
    succeeded: bool
    reference: str = ""  # the channel's transaction reference
    error: str = ""


class PaymentChannel(Protocol):
    def payout(self, payout_id: str, loan_id: str, amount: Fen) -> PayoutResult: ...


class SimulatedGateway:
    """Pays out in memory. Failures are configurable and reproducible: each attempt fails with
    probability `failure_rate` drawn from a generator seeded by (`seed`, payout id, attempt), and
    the first `fail_first` attempts of every payout fail outright."""

    def __init__(self, failure_rate: float = 0.0, seed: int = 0, fail_first: int = 0) -> None:
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError("failure_rate must be in [0, 1]")
        self.failure_rate = failure_rate
        self.seed = seed
        self.fail_first = fail_first
        self.paid: dict[str, Fen] = {}
        self.attempts: dict[str, int] = {}

    def payout(self, payout_id: str, loan_id: str, amount: Fen) -> PayoutResult:
        if payout_id in self.paid:
            return PayoutResult(True, _reference(payout_id))
        attempt = self.attempts.get(payout_id, 0) + 1
        self.attempts[payout_id] = attempt
        digest = hashlib.sha256(f"{self.seed}:{payout_id}:{attempt}".encode()).digest()
        draw = random.Random(int.from_bytes(digest[:8], "big")).random()
        if attempt <= self.fail_first or draw < self.failure_rate:
            return PayoutResult(False, error=f"simulated failure on attempt {attempt}")
        self.paid[payout_id] = amount
        return PayoutResult(True, _reference(payout_id))


def _reference(payout_id: str) -> str:
    return "SIM" + hashlib.sha256(payout_id.encode()).hexdigest()[:20].upper()
