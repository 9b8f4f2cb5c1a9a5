"""`fengkong audit verify`: every check over the stored audit chain and journal, as findings.

The chain is read once: its own checks (`audit.verify`), the checkpoints given (`audit.checkpoint`)
and the collection of the journal ties (`ledger.ties`) all ride the same stream."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from fengkong.audit.chain import AuditRecord, ChainPoint
from fengkong.audit.checkpoint import SignedCheckpoint, check_signature, checkpoint_check
from fengkong.audit.findings import Finding, Problem
from fengkong.audit.timestamp import check_timestamp
from fengkong.audit.verify import AUDIT_CHECKS, verify
from fengkong.ledger.journal import JournalEntry, check_ledger
from fengkong.ledger.ties import EntryTie, TieCollector, check_journal_ties


@dataclass(frozen=True, slots=True)
class VerifyReport:
    records: int
    entries: int
    head: ChainPoint
    findings: tuple[Finding, ...]
    checkpoints: int = 0  # checkpoints whose signature held, checked against the chain
    timestamps: int = 0  # their RFC 3161 tokens that held

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.informational)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def first_broken(self) -> Finding | None:
        failures = self.failures
        return failures[0] if failures else None


def verify_books(
    records: Iterable[AuditRecord],
    head: ChainPoint,
    entries: Iterable[JournalEntry],
    *,
    ties: Iterable[EntryTie] | None = None,
    checkpoints: Sequence[tuple[str, SignedCheckpoint]] = (),
    trusted: Mapping[str, str] | None = None,
    timestamp_roots: bytes | None = None,
) -> VerifyReport:
    """Check the chain against the stored `head` and each checkpoint (named by its file) whose
    signature holds under a `trusted` key (key id → PEM), and the timestamp token of each that
    carries one under the timestamping authority's `timestamp_roots` (PEM); the journal's
    entries for balance; and, given the entries' `ties`, the journal against the audit
    records."""
    signature_findings: list[Finding] = []
    anchors = []
    for name, signed in checkpoints:
        found = check_signature(name, signed, trusted or {})
        signature_findings.extend(found)
        if not found:
            anchors.append((name, signed.checkpoint))
        signature_findings.extend(check_timestamp(name, signed, timestamp_roots))
    stamped = sum(f.problem is Problem.TIMESTAMP_OK for f in signature_findings)
    collector = TieCollector()
    counted = _Counted(collector.through(records))
    checks = AUDIT_CHECKS + ((checkpoint_check(anchors),) if anchors else ())
    chain = verify(counted, head=head, checks=checks)
    journal = tuple(entries)
    tie_findings = () if ties is None else check_journal_ties(collector.ties, ties)
    return VerifyReport(
        counted.n,
        len(journal),
        head,
        (*signature_findings, *chain, *check_ledger(journal), *tie_findings),
        len(anchors),
        stamped,
    )


class _Counted:
    def __init__(self, records: Iterable[AuditRecord]) -> None:
        self._records = records
        self.n = 0

    def __iter__(self) -> Iterator[AuditRecord]:
        for r in self._records:
            self.n += 1
            yield r
