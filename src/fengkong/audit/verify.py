"""Verifier of the hash-chained audit log (`audit.chain`): checks that return findings.

The verifier reads the chain once, front to back, holding one record of look-ahead and a bounded
amount of state, because a chain may hold millions of records. Deleting or rewriting the newest
records leaves no successor to notice: pass the last anchored head (`head=`) to catch that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from fengkong.audit.chain import GENESIS, AuditRecord, ChainPoint, record_hash
from fengkong.audit.findings import Finding, Problem
from fengkong.core.errors import Invalid

# How many out-of-place records and unexplained gaps the verifier keeps open at once; beyond this
# it reports them at once, with a less certain diagnosis, rather than grow without bound.
MAX_PENDING = 1024


@dataclass(frozen=True, slots=True)
class Window:
    """What a check sees of the stream at one record: the record, whether its stored hash matches
    its content, and the record after it (None at the end)."""

    position: int
    record: AuditRecord
    intact: bool
    following: AuditRecord | None


S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class AuditCheck(Generic[S]):
    """A streaming check as three pure functions: the state before the first record, one step
    per record (new state and findings), and the findings left when the stream ends."""

    name: str
    start: Callable[[ChainPoint, ChainPoint | None], S]
    step: Callable[[S, Window], tuple[S, tuple[Finding, ...]]]
    finish: Callable[[S], tuple[Finding, ...]]

    def __call__(
        self,
        records: Iterable[AuditRecord],
        *,
        after: ChainPoint = GENESIS,
        head: ChainPoint | None = None,
    ) -> tuple[Finding, ...]:
        """Run this check alone."""
        return verify(records, after=after, head=head, checks=(self,))


def _windows(records: Iterable[AuditRecord]) -> Iterator[Window]:
    iterator = iter(records)
    current = next(iterator, None)
    position = 0
    while current is not None:
        following = next(iterator, None)
        yield Window(position, current, _intact(current), following)
        current = following
        position += 1


def _intact(record: AuditRecord) -> bool:
    try:
        return record_hash(record) == record.hash
    except (Invalid, AttributeError, TypeError):
        # A stored record that cannot even be serialised was not written by `append`.
        return False


def _is_early(tip_seq: int, record: AuditRecord, following: AuditRecord | None) -> bool:
    """`record` skips ahead, but the record after it falls in the skipped range: `record` came
    before its turn (rather than the range being deleted)."""
    return following is not None and tip_seq < following.seq < record.seq


# -- record hashes


def _hashes_start(after: ChainPoint, head: ChainPoint | None) -> None:
    return None


def _hashes_step(state: None, w: Window) -> tuple[None, tuple[Finding, ...]]:
    if w.intact:
        return state, ()
    return state, (
        Finding(
            "check_record_hashes",
            Problem.EDITED,
            f"position {w.position} (seq {w.record.seq}): the stored hash does not match the"
            " record's content: it was edited after it was written",
            position=w.position,
            seq=w.record.seq,
        ),
    )


def _no_findings(state: object) -> tuple[Finding, ...]:
    return ()


check_record_hashes: AuditCheck[None] = AuditCheck(
    "check_record_hashes", _hashes_start, _hashes_step, _no_findings
)


# -- sequence


@dataclass(frozen=True, slots=True)
class _Early:
    seq: int
    hash: str
    position: int


@dataclass(frozen=True, slots=True)
class _Hole:
    first: int
    last: int
    position: int


@dataclass(frozen=True, slots=True)
class _SequenceState:
    tip_seq: int
    tip_hash: str
    head: ChainPoint | None
    count: int = 0
    early: tuple[_Early, ...] = ()
    holes: tuple[_Hole, ...] = ()


def _seq_finding(problem: Problem, message: str, position: int, seq: int) -> Finding:
    return Finding("check_sequence_gapless", problem, message, position=position, seq=seq)


def _moved_early(e: _Early) -> Finding:
    return _seq_finding(
        Problem.REORDERED,
        f"position {e.position} (seq {e.seq}): the record comes before records that precede it",
        e.position,
        e.seq,
    )


def _missing(hole: _Hole) -> Finding:
    seqs = str(hole.first) if hole.first == hole.last else f"{hole.first}..{hole.last}"
    return _seq_finding(
        Problem.MISSING,
        f"position {hole.position}: seq {seqs} missing (deleted) before this record",
        hole.position,
        hole.first,
    )


def _sequence_start(after: ChainPoint, head: ChainPoint | None) -> _SequenceState:
    return _SequenceState(after.seq, after.hash, head)


def _sequence_step(s: _SequenceState, w: Window) -> tuple[_SequenceState, tuple[Finding, ...]]:
    record = w.record
    s = replace(s, count=s.count + 1)
    if not w.intact:
        # An edited record (reported by the hash check) is taken to fill the next place, whatever
        # its possibly edited seq says, so one edit yields one finding.
        return replace(s, tip_seq=s.tip_seq + 1, tip_hash=record.hash), ()
    if record.seq == s.tip_seq + 1:
        findings = tuple(
            _seq_finding(
                Problem.INSERTED,
                f"position {e.position} (seq {e.seq}): not the record with that seq, which"
                f" arrives in order at position {w.position}",
                e.position,
                e.seq,
            )
            for e in s.early
            if e.seq == record.seq
        )
        early = tuple(e for e in s.early if e.seq != record.seq)
        return replace(s, tip_seq=record.seq, tip_hash=record.hash, early=early), findings
    if record.seq > s.tip_seq + 1:
        if _is_early(s.tip_seq, record, w.following):
            moved = _Early(record.seq, record.hash, w.position)
            if len(s.early) >= MAX_PENDING:
                return s, (_moved_early(moved),)
            return replace(s, early=(*s.early, moved)), ()
        return _skip_to(s, record, w.position)
    return _behind(s, record, w.position)


def _skip_to(
    s: _SequenceState, record: AuditRecord, position: int
) -> tuple[_SequenceState, tuple[Finding, ...]]:
    """The record jumps past seqs not yet seen: those that came early are now in place, the rest
    are a gap, reported as missing unless they turn up later."""
    filled = sorted((e for e in s.early if s.tip_seq < e.seq < record.seq), key=lambda e: e.seq)
    findings = [_moved_early(e) for e in filled]
    holes = list(s.holes)
    first = s.tip_seq + 1
    for seq in [*(e.seq for e in filled), record.seq]:
        if seq > first:
            holes.append(_Hole(first, seq - 1, position))
        first = seq + 1
    while len(holes) > MAX_PENDING:
        findings.append(_missing(holes.pop(0)))
    early = tuple(e for e in s.early if not s.tip_seq < e.seq < record.seq)
    state = replace(s, tip_seq=record.seq, tip_hash=record.hash, early=early, holes=tuple(holes))
    return state, tuple(findings)


def _behind(
    s: _SequenceState, record: AuditRecord, position: int
) -> tuple[_SequenceState, tuple[Finding, ...]]:
    """The record's seq is not ahead of the chain: a late record filling a gap, or a repeat."""
    seq = record.seq
    for index, hole in enumerate(s.holes):
        if hole.first <= seq <= hole.last:
            parts = tuple(
                h
                for h in (
                    _Hole(hole.first, seq - 1, hole.position),
                    _Hole(seq + 1, hole.last, hole.position),
                )
                if h.first <= h.last
            )
            holes = (*s.holes[:index], *parts, *s.holes[index + 1 :])
            late = _seq_finding(
                Problem.REORDERED,
                f"position {position} (seq {seq}): the record comes after records that follow it",
                position,
                seq,
            )
            return replace(s, holes=holes), (late,)
    if seq == s.tip_seq and record.hash == s.tip_hash:
        message = f"position {position} (seq {seq}): a copy of the record before it"
    elif seq == s.tip_seq:
        # Two different records claim one seq; which one the chain continues from is a question
        # for the hash links.
        return s, ()
    else:
        message = f"position {position} (seq {seq}): seq already passed (at seq {s.tip_seq})"
    return s, (_seq_finding(Problem.INSERTED, message, position, seq),)


def _sequence_finish(s: _SequenceState) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    early = sorted(s.early, key=lambda e: e.seq)
    tip_seq = s.tip_seq
    # Records moved early whose place comes at the very end are in place once the stream ends.
    while early and early[0].seq == tip_seq + 1:
        moved = early.pop(0)
        findings.append(_moved_early(moved))
        tip_seq = moved.seq
    findings.extend(_moved_early(e) for e in early)
    findings.extend(_missing(hole) for hole in s.holes)
    if s.head is not None and s.head.seq > tip_seq:
        findings.append(_missing(_Hole(tip_seq + 1, s.head.seq, s.count)))
    return tuple(findings)


check_sequence_gapless: AuditCheck[_SequenceState] = AuditCheck(
    "check_sequence_gapless", _sequence_start, _sequence_step, _sequence_finish
)


# -- hash links


@dataclass(frozen=True, slots=True)
class _Tip:
    """The last record accepted as part of the chain (or the point the chain starts after)."""

    seq: int
    hash: str
    prev_hash: str | None
    position: int | None
    suspect: bool  # already reported as edited


@dataclass(frozen=True, slots=True)
class _LinkState:
    tip: _Tip
    head: ChainPoint | None
    at_head: _Tip | None


def _link_finding(problem: Problem, message: str, position: int, seq: int) -> Finding:
    return Finding("check_prev_hash_links", problem, message, position=position, seq=seq)


def _links_start(after: ChainPoint, head: ChainPoint | None) -> _LinkState:
    return _LinkState(_Tip(after.seq, after.hash, None, None, False), head, None)


def _move(s: _LinkState, tip: _Tip) -> _LinkState:
    at_head = tip if s.head is not None and tip.seq == s.head.seq else s.at_head
    return _LinkState(tip, s.head, at_head)


def _links_step(s: _LinkState, w: Window) -> tuple[_LinkState, tuple[Finding, ...]]:
    record, tip, following = w.record, s.tip, w.following
    here = _Tip(record.seq, record.hash, record.prev_hash, w.position, not w.intact)
    if not w.intact:
        # Reported by the hash check; the chain goes on from the hash it stores.
        return _move(s, replace(here, seq=tip.seq + 1)), ()
    if record.seq == tip.seq + 1:
        if record.prev_hash == tip.hash:
            return _move(s, here), ()
        if (
            following is not None
            and following.seq == record.seq
            and following.prev_hash == tip.hash
        ):
            return s, (
                _link_finding(
                    Problem.INSERTED,
                    f"position {w.position} (seq {record.seq}): does not link to seq {tip.seq};"
                    f" the next record holds seq {record.seq} and does",
                    w.position,
                    record.seq,
                ),
            )
        return _broken_link(s, here, following)
    if (
        record.seq == tip.seq
        and tip.position is not None
        and record.prev_hash == tip.prev_hash
        and record.hash != tip.hash
    ):
        return _fork(s, here, following)
    if record.seq > tip.seq + 1 and not _is_early(tip.seq, record, following):
        # Records are missing before this one (the sequence check says which): carry on from it.
        return _move(s, here), ()
    return s, ()


def _broken_link(
    s: _LinkState, here: _Tip, following: AuditRecord | None
) -> tuple[_LinkState, tuple[Finding, ...]]:
    """The record holds the next seq but not the tip's hash. If its own successor (or the anchored
    head) still has its hash, the tip was rewritten with a fresh hash; if not, this record was."""
    tip = s.tip
    assert here.position is not None
    if following is not None:
        rewritten_here = following.prev_hash != here.hash
    else:
        rewritten_here = s.head is not None and s.head.seq == here.seq and s.head.hash != here.hash
    if rewritten_here:
        where, seq, note = here.position, here.seq, "its parent and its successor both disagree"
    elif tip.position is None:
        where, seq, note = here.position, here.seq, f"it does not link to the start (seq {tip.seq})"
    elif not tip.suspect:
        where, seq, note = tip.position, tip.seq, f"seq {here.seq} recorded a different hash"
    else:
        return _move(s, here), ()
    finding = _link_finding(
        Problem.EDITED,
        f"position {where} (seq {seq}): rewritten with a fresh hash; {note}",
        where,
        seq,
    )
    # A record found rewritten is suspect: the broken link after it is the same finding.
    return _move(s, replace(here, suspect=rewritten_here)), (finding,)


def _fork(
    s: _LinkState, here: _Tip, following: AuditRecord | None
) -> tuple[_LinkState, tuple[Finding, ...]]:
    """Two records claim the same seq after the same parent: the one the chain goes on from is
    genuine, the other was inserted. At the end of the stream only the anchored head can tell."""
    tip = s.tip
    assert tip.position is not None and here.position is not None
    if following is not None:
        continues_here = following.prev_hash == here.hash
    else:
        continues_here = s.head is not None and s.head == ChainPoint(here.seq, here.hash)
    if continues_here:
        inserted, state = tip, _move(s, here)
    else:
        inserted, state = here, s
    assert inserted.position is not None
    finding = _link_finding(
        Problem.INSERTED,
        f"position {inserted.position} (seq {inserted.seq}): a second record for seq"
        f" {inserted.seq} after the same parent; the chain does not go on from it",
        inserted.position,
        inserted.seq,
    )
    return state, (finding,)


def _links_finish(s: _LinkState) -> tuple[Finding, ...]:
    at_head, head = s.at_head, s.head
    if head is None or at_head is None or at_head.position is None or at_head.suspect:
        return ()
    if at_head.hash == head.hash:
        return ()
    return (
        _link_finding(
            Problem.EDITED,
            f"position {at_head.position} (seq {at_head.seq}): not the record anchored as the"
            " head: it was rewritten with a fresh hash",
            at_head.position,
            at_head.seq,
        ),
    )


check_prev_hash_links: AuditCheck[_LinkState] = AuditCheck(
    "check_prev_hash_links", _links_start, _links_step, _links_finish
)

AUDIT_CHECKS: tuple[AuditCheck[Any], ...] = (
    check_record_hashes,
    check_prev_hash_links,
    check_sequence_gapless,
)


def iter_findings(
    records: Iterable[AuditRecord],
    *,
    after: ChainPoint = GENESIS,
    head: ChainPoint | None = None,
    checks: tuple[AuditCheck[Any], ...] = AUDIT_CHECKS,
) -> Iterator[Finding]:
    """Findings as the stream is read, in one pass; a diagnosis that needs later records (a gap
    that may be a moved record) is yielded once it is settled, so order is not by position."""
    states = [check.start(after, head) for check in checks]
    for window in _windows(records):
        for index, check in enumerate(checks):
            states[index], found = check.step(states[index], window)
            yield from found
    for check, state in zip(checks, states, strict=True):
        yield from check.finish(state)


def verify(
    records: Iterable[AuditRecord],
    *,
    after: ChainPoint = GENESIS,
    head: ChainPoint | None = None,
    checks: tuple[AuditCheck[Any], ...] = AUDIT_CHECKS,
) -> tuple[Finding, ...]:
    """Every finding over `records` (read once), ordered by position; empty when the chain is
    intact. `after` is where the stream starts (a partition's predecessor); `head` the last
    anchored point, without which the newest records can be cut or rewritten unnoticed."""
    return tuple(
        sorted(
            iter_findings(records, after=after, head=head, checks=checks),
            key=lambda f: (f.position if f.position is not None else -1, f.seq or 0),
        )
    )
