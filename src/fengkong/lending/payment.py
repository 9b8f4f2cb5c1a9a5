"""The payment channel port (放款/代扣通道) and a simulated gateway for tests, demos and benches.

A channel is asked to pay `amount` fen out for a payout id. The payout id is the channel's own
idempotency key: asking again for the same id never pays twice, it answers with what happened.
Under entrusted payment (受托支付, `lending.use_of_funds`) the instruction names a payee: the
money goes to the borrower's counterparty's account, not the borrower's; the loan, and its
ledger entries, are the same.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from fengkong.core.money import Fen
from fengkong.lending.use_of_funds import Payee


class PayoutStatus(StrEnum):
    PENDING = "pending"  # asked for, no answer recorded yet (a crash leaves it here, never lost)
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # every attempt failed; the booking was reversed


@dataclass(frozen=True, slots=True)
class PayoutResult:
    succeeded: bool
    reference: str = ""  # the channel's transaction reference
    error: str = ""


@dataclass(frozen=True, slots=True)
class PayoutInstruction:
    """What a channel was asked to pay: to the borrower, or to `payee` under entrusted payment."""

    payout_id: str
    loan_id: str
    amount: Fen
    payee: Payee | None = None


class PaymentChannel(Protocol):
    def payout(
        self, payout_id: str, loan_id: str, amount: Fen, payee: Payee | None = None
    ) -> PayoutResult:
        """Pay `amount` out: to the borrower's bound account, or to `payee` when given."""
        ...

    def debit(self, debit_id: str, loan_id: str, card: str, amount: Fen) -> PayoutResult:
        """代扣: take `amount` from the bound `card`; `debit_id` is the channel's idempotency key,
        so asking again for the same id never debits twice, it answers with what happened."""
        ...


class SimulatedGateway:
    """Pays out in memory. Failures are configurable and reproducible: each attempt fails with
    probability `failure_rate` drawn from a generator seeded by (`seed`, payout id, attempt), and
    the first `fail_first` attempts of every payout fail outright.

    Debits (代扣) fail alike with `debit_failure_rate`, and the first `debit_fail_first` debit ids
    of each loan are declined (say, insufficient funds); a debit id answers the same every time.
    """

    def __init__(
        self,
        failure_rate: float = 0.0,
        seed: int = 0,
        fail_first: int = 0,
        *,
        debit_failure_rate: float = 0.0,
        debit_fail_first: int = 0,
    ) -> None:
        if not 0.0 <= failure_rate <= 1.0 or not 0.0 <= debit_failure_rate <= 1.0:
            raise ValueError("failure rates must be in [0, 1]")
        self.failure_rate = failure_rate
        self.seed = seed
        self.fail_first = fail_first
        self.debit_failure_rate = debit_failure_rate
        self.debit_fail_first = debit_fail_first
        self.paid: dict[str, Fen] = {}
        self.instructions: dict[str, PayoutInstruction] = {}  # payout id → the last asked
        self.attempts: dict[str, int] = {}
        self.debited: dict[str, Fen] = {}  # debit id → amount taken
        self.debit_results: dict[str, PayoutResult] = {}
        self.debits_per_loan: dict[str, int] = {}

    def payout(
        self, payout_id: str, loan_id: str, amount: Fen, payee: Payee | None = None
    ) -> PayoutResult:
        self.instructions[payout_id] = PayoutInstruction(payout_id, loan_id, amount, payee)
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

    def debit(self, debit_id: str, loan_id: str, card: str, amount: Fen) -> PayoutResult:
        known = self.debit_results.get(debit_id)
        if known is not None:
            return known
        seen = self.debits_per_loan.get(loan_id, 0) + 1
        self.debits_per_loan[loan_id] = seen
        digest = hashlib.sha256(f"{self.seed}:debit:{debit_id}".encode()).digest()
        draw = random.Random(int.from_bytes(digest[:8], "big")).random()
        if seen <= self.debit_fail_first or draw < self.debit_failure_rate:
            result = PayoutResult(False, error="simulated decline: insufficient funds")
        else:
            self.debited[debit_id] = amount
            result = PayoutResult(True, _reference(debit_id))
        self.debit_results[debit_id] = result
        return result


def _reference(payout_id: str) -> str:
    return "SIM" + hashlib.sha256(payout_id.encode()).hexdigest()[:20].upper()
