"""What every lending use case is given (`Services`: a unit-of-work factory, the clock, the
payment channel, the configuration) and the steps they share: the retry after a lost race, the
request hash and key checks behind idempotency, loading a loan, posting its entries.

Concurrency: a money operation reads its loan or line locked (`lock_loan`, `lock_line`: a row
lock on PostgreSQL, SQLite's write lock there), so concurrent operations on one account wait
their turn and each applies to the state the previous one left. One account is locked per use
case, or a loan and then its line, never the other way round: no deadlock. Each row still
carries a `revision`, and saving one read at an older revision raises `StaleLoan`; the use case
then starts over (at most `LendingConfig.retries` times) with a fresh read: the safety net for
a writer that did not lock. Money-moving requests carry an idempotency key stored under a unique
constraint with the hash of the request, read after the lock: the same key and body answer with
the stored result, the same key with another body is a `Conflict`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Generic, TypeVar

from fengkong.audit.checkpoint import CheckpointWriter
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.core.money import CURRENCY
from fengkong.core.uow import UnitOfWork
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.config import LendingConfig
from fengkong.lending.errors import DuplicateKey, LineNotFound, LoanNotFound, StaleLoan
from fengkong.lending.line import sync_draw
from fengkong.lending.loan import LoanState
from fengkong.lending.payment import PaymentChannel
from fengkong.lending.ports import (
    Journal,
    LendingUnitOfWork,
    LineBook,
    LoanReader,
    LoanWriter,
    PolicyProducts,
)
from fengkong.lending.records import LineRecord, LoanRecord, LoanStage
from fengkong.onboarding.application import PersonalDataVault
from fengkong.scoring.artifact import canonical_json, sha256_hex

SYSTEM = "system:lending"
MAX_KEY_LENGTH = 100

U = TypeVar("U", bound=UnitOfWork, covariant=True)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Services(Generic[U]):
    """A use case's collaborators; `U` is the unit of work it needs (`lending.ports`). The
    wiring's `LendingServices` serves every use case, since its unit of work is all of them."""

    uow: Callable[[], U]
    clock: Clock
    channel: PaymentChannel
    config: LendingConfig = field(default_factory=LendingConfig)
    # Masks the borrower's name and ID number into the contract; without one (tests that seed
    # applications with no real ciphertext) the contract names the application only.
    vault: PersonalDataVault | None = None
    # The product a policy-priced decision offers (`decision.products` compiles it); without
    # one, only decisions priced by the configured rate card can be offered.
    policy_products: PolicyProducts | None = None
    # Signs and stores a checkpoint of the audit chain; end of day writes one as it closes a
    # date. None: no checkpoints (tests that do not look for them).
    checkpoints: CheckpointWriter | None = None


@dataclass(frozen=True, slots=True)
class LendingServices(Services[LendingUnitOfWork]):
    """Services whose unit of work serves every use case: what the wiring builds."""


def retrying(svc: Services[UnitOfWork], attempt: Callable[[], _T]) -> _T:
    """Run `attempt` again after a lost optimistic-locking or unique-key race: rare once the
    account is locked, but a writer that does not lock (end of day) can still move it."""
    for _ in range(svc.config.retries - 1):
        try:
            return attempt()
        except (StaleLoan, DuplicateKey):
            continue
    return attempt()


def request_hash(document: Mapping[str, object]) -> str:
    return sha256_hex(canonical_json(dict(document)))


def check_key(key: str, loc: str = "idempotency_key") -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise Invalid((FieldError((loc,), f"required, 1-{MAX_KEY_LENGTH} characters"),))
    return key.strip()


def check_currency(currency: str) -> None:
    if currency != CURRENCY:
        raise Invalid(
            (FieldError(("currency",), f"only {CURRENCY} is accepted, not {currency!r}"),)
        )


def load_loan(loans: LoanReader, loan_id: str) -> LoanRecord:
    """The stored loan, or `LoanNotFound`."""
    record = loans.get_loan(loan_id)
    if record is None:
        raise LoanNotFound(f"no loan {loan_id!r}")
    return record


def load_line(lines: LineBook, line_id: str) -> LineRecord:
    """The stored credit line, or `LineNotFound`."""
    record = lines.get_line(line_id)
    if record is None:
        raise LineNotFound(f"no credit line {line_id!r}")
    return record


def lock_loan(loans: LoanWriter, loan_id: str) -> LoanRecord:
    """The stored loan locked for this transaction's money operation, or `LoanNotFound`."""
    record = loans.lock_loan(loan_id)
    if record is None:
        raise LoanNotFound(f"no loan {loan_id!r}")
    return record


def lock_line(lines: LineBook, line_id: str) -> LineRecord:
    """The stored credit line locked for this transaction, or `LineNotFound`. After the loan,
    when a use case locks both."""
    record = lines.lock_line(line_id)
    if record is None:
        raise LineNotFound(f"no credit line {line_id!r}")
    return record


def sync_line(lines: LineBook, line_id: str, state: LoanState, now: datetime) -> None:
    """Copy a draw's balance (its loan's `state`) to its line, locked after the loan."""
    record = lock_line(lines, line_id)
    lines.save_line(replace(record, line=sync_draw(record.line, state)), now)


def release_draw(lines: LineBook, line_id: str, loan_id: str, now: datetime) -> None:
    """Take a draw that was never paid out off its line, freeing what it had used."""
    record = lock_line(lines, line_id)
    line = record.line
    draws = tuple(d for d in line.draws if d.draw_id != loan_id)
    lines.save_line(replace(record, line=replace(line, draws=draws)), now)


def require_stage(record: LoanRecord, stage: LoanStage, action: str) -> None:
    if record.stage is not stage:
        raise Conflict(f"cannot {action}: loan {record.loan_id} is {record.stage.value}")


def post(
    journal: Journal, entries: Sequence[JournalEntry], request: str, now: datetime
) -> tuple[str, ...]:
    """Post `entries` under one request hash; the ids of those posted now, in order (an entry
    whose key was already posted by the same request is answered, not posted again, and
    belongs to the audit record of the request that first posted it)."""
    posted = []
    for entry in entries:
        stored, new = journal.post(entry, request, now)
        if new:
            posted.append(stored.entry_id)
    return tuple(posted)


__all__ = [
    "MAX_KEY_LENGTH",
    "SYSTEM",
    "LendingServices",
    "Services",
    "check_currency",
    "check_key",
    "load_line",
    "load_loan",
    "lock_line",
    "lock_loan",
    "post",
    "release_draw",
    "request_hash",
    "require_stage",
    "retrying",
    "sync_line",
]
