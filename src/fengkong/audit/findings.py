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
    # checkpoints (`audit.checkpoint`)
    TRUNCATED = "truncated"
    BAD_SIGNATURE = "bad_signature"
    UNTRUSTED_KEY = "untrusted_key"
    # RFC 3161 tokens over checkpoints (`audit.timestamp`); `timestamp_ok` is a note
    BAD_TIMESTAMP = "bad_timestamp"
    TIMESTAMP_OK = "timestamp_ok"
    # journal entries and the audit records that account for them (`ledger.ties`)
    UNTIED = "untied"
    NOT_NAMED = "not_named"
    TIED_ENTRY_MISSING = "tied_entry_missing"
    BEFORE_TIE_IN = "before_tie_in"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found wrong.

    `position` is the 0-based index in the verified stream (audit records or journal entries);
    `seq` the audit sequence number concerned (for a gap, the first missing one); `entry_id` the
    journal entry concerned. An `informational` finding is reported but is no failure (journal
    entries posted before entries were tied to audit records, say).
    """

    check: str
    problem: Problem
    message: str
    position: int | None = None
    seq: int | None = None
    entry_id: str | None = None
    informational: bool = False
