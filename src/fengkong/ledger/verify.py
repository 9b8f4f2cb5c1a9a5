"""`fengkong audit verify`: every check over the stored audit chain and journal, as findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fengkong.audit.chain import AuditRecord, ChainPoint
from fengkong.audit.findings import Finding
from fengkong.audit.verify import verify
from fengkong.ledger.journal import JournalEntry, check_ledger


@dataclass(frozen=True, slots=True)
class VerifyReport:
    records: int
    entries: int
    head: ChainPoint
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_broken(self) -> Finding | None:
        return self.findings[0] if self.findings else None


def verify_books(
    records: Iterable[AuditRecord], head: ChainPoint, entries: Iterable[JournalEntry]
) -> VerifyReport:
    counted = _Counted(records)
    chain = verify(counted, head=head)
    journal = tuple(entries)
    return VerifyReport(counted.n, len(journal), head, chain + tuple(check_ledger(journal)))


class _Counted:
    def __init__(self, records: Iterable[AuditRecord]) -> None:
        self._records = records
        self.n = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        for r in self._records:
            self.n += 1
            yield r
