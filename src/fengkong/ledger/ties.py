"""The journal checked against the audit chain: every journal entry is accounted for by the audit
record of the action that posted it, and every entry a record accounts for is still there
(`audit.journal_tie` says how records name their entries).

Entries posted before entries were tied (migration 0030) carry no record; they are reported as
informational only while they were posted before the first record that accounts for entries.
An entry without a record posted after that was slipped into the books around the use cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from fengkong.audit.chain import AuditRecord
from fengkong.audit.findings import Finding, Problem
from fengkong.audit.journal_tie import Tie, tie_of

CHECK = "check_journal_ties"


@dataclass(frozen=True, slots=True)
class EntryTie:
    """A journal entry as this check sees it: its id, its audit record's seq, when posted."""

    entry_id: str
    audit_seq: int | None
    posted_at: datetime


@dataclass(slots=True)
class TieCollector:
    """Collects the ties of the audit records streamed through it, as the verifier reads them
    (the chain is read once)."""

    ties: dict[int, Tie] = field(default_factory=dict)
    last_seq: int = 0

    def through(self, records: Iterable[AuditRecord]) -> Iterator[AuditRecord]:
        for record in records:
            self.last_seq = max(self.last_seq, record.seq)
            tie = tie_of(record)
            if tie is not None:
                self.ties[record.seq] = tie
            yield record


def check_journal_ties(ties: dict[int, Tie], entries: Iterable[EntryTie]) -> tuple[Finding, ...]:
    """Findings over the journal's entries and the audit records' ties."""
    tie_in = min((t.at for t in ties.values()), default=None)
    by_seq: dict[int, list[str]] = {}
    findings: list[Finding] = []
    before = 0
    for position, e in enumerate(entries):
        if e.audit_seq is None:
            if tie_in is None or e.posted_at < tie_in:
                before += 1
            else:
                findings.append(
                    _finding(
                        Problem.UNTIED,
                        f"entry {e.entry_id} (posted {e.posted_at.isoformat()}) has no audit"
                        " record: it was written around the use cases",
                        position,
                        e.entry_id,
                    )
                )
            continue
        by_seq.setdefault(e.audit_seq, []).append(e.entry_id)
        tie = ties.get(e.audit_seq)
        if tie is None:
            findings.append(
                _finding(
                    Problem.NOT_NAMED,
                    f"entry {e.entry_id} is tied to audit record seq {e.audit_seq}, which is"
                    " missing or accounts for no journal entries",
                    position,
                    e.entry_id,
                    seq=e.audit_seq,
                )
            )
        elif tie.named is not None and e.entry_id not in tie.named:
            findings.append(
                _finding(
                    Problem.NOT_NAMED,
                    f"entry {e.entry_id} is tied to audit record seq {e.audit_seq}, which does"
                    " not name it",
                    position,
                    e.entry_id,
                    seq=e.audit_seq,
                )
            )
    for seq, tie in sorted(ties.items()):
        tied = by_seq.get(seq, [])
        if tie.accounts_for(tied):
            continue
        if tie.named is not None:
            for entry_id in sorted(tie.named - set(tied)):
                findings.append(
                    _finding(
                        Problem.TIED_ENTRY_MISSING,
                        f"audit record seq {seq} names entry {entry_id}, which the journal no"
                        " longer holds (or no longer ties to it)",
                        None,
                        entry_id,
                        seq=seq,
                    )
                )
        else:
            findings.append(
                _finding(
                    Problem.TIED_ENTRY_MISSING,
                    f"audit record seq {seq} accounts for {tie.count} entries; the journal ties"
                    f" {len(tied)} to it, not the same set: entries were deleted or altered",
                    None,
                    None,
                    seq=seq,
                )
            )
    if before:
        findings.append(
            Finding(
                CHECK,
                Problem.BEFORE_TIE_IN,
                f"{before} journal entries were posted before entries were tied to audit"
                " records; they are checked for balance only",
                informational=True,
            )
        )
    return tuple(findings)


def _finding(
    problem: Problem,
    message: str,
    position: int | None,
    entry_id: str | None,
    *,
    seq: int | None = None,
) -> Finding:
    return Finding(CHECK, problem, message, position=position, seq=seq, entry_id=entry_id)
