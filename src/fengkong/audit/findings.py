"""Findings: what a check of the books (the audit chain, the journal) found wrong, returned as
values (as beancount's validations do), so `fengkong audit verify` can run every check and report
every finding instead of stopping at one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Problem(StrEnum):
    # journal
    EMPTY = "empty"
    NON_POSITIVE_AMOUNT = "non_positive_amount"
    UNBALANCED = "unbalanced"
    DUPLICATE_ENTRY_ID = "duplicate_entry_id"
    DUPLICATE_IDEMPOTENCY_KEY = "duplicate_idempotency_key"
    BAD_REVERSAL = "bad_reversal"
    # audit chain
    EDITED = "edited"
    MISSING = "missing"
    REORDERED = "reordered"
    INSERTED = "inserted"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found wrong.

    `position` is the 0-based index in the verified stream (audit records or journal entries);
    `seq` the audit sequence number concerned (for a gap, the first missing one); `entry_id` the
    journal entry concerned.
    """

    check: str
    problem: Problem
    message: str
    position: int | None = None
    seq: int | None = None
    entry_id: str | None = None
