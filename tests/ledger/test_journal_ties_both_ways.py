"""The journal checked against the audit records' ties (`ledger.ties`), named and batched: an
entry without its record, a record's entry gone, a batch one entry short, entries from before the
tie-in noted only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fengkong.audit.chain import append
from fengkong.audit.findings import Problem
from fengkong.audit.journal_tie import JOURNAL_KEY, NAMED_AT_MOST, tie_of, tie_payload
from fengkong.ledger.ties import EntryTie, check_journal_ties

T0 = datetime(2025, 3, 31, 2, 0, tzinfo=UTC)


def _ties(*groups: list[str]) -> dict:
    records = {}
    prev = None
    for n, ids in enumerate(groups):
        prev = append(
            prev,
            at=T0 + timedelta(minutes=n),
            actor="system:test",
            action="posted",
            subject_type="loan",
            subject_id="ln_1",
            payload={JOURNAL_KEY: tie_payload(ids)},
        )
        tie = tie_of(prev)
        assert tie is not None
        records[prev.seq] = tie
    return records


def _entries(seq: int, ids: list[str], at: datetime = T0) -> list[EntryTie]:
    return [EntryTie(i, seq, at) for i in ids]


def test_a_batch_is_named_by_count_and_digest() -> None:
    batch = [f"je_{n:04d}" for n in range(NAMED_AT_MOST + 1)]
    assert set(tie_payload(batch)) == {"count", "sha256"}
    ties = _ties(["je_a", "je_b"], batch)
    whole = _entries(1, ["je_a", "je_b"]) + _entries(2, list(reversed(batch)))
    assert check_journal_ties(ties, whole) == ()
    short = [e for e in whole if e.entry_id != batch[7]]
    found = check_journal_ties(ties, short)
    assert [(f.problem, f.seq) for f in found] == [(Problem.TIED_ENTRY_MISSING, 2)]


def test_each_direction_is_reported() -> None:
    ties = _ties(["je_a", "je_b"])
    found = check_journal_ties(
        ties,
        [
            EntryTie("je_a", 1, T0),  # je_b is gone
            EntryTie("je_x", 1, T0),  # tied to a record that does not name it
            EntryTie("je_y", 9, T0),  # tied to a record that is not there
            EntryTie("je_z", None, T0 + timedelta(hours=1)),  # posted after the tie-in, untied
            EntryTie("je_old", None, T0 - timedelta(days=1)),  # from before the tie-in
        ],
    )
    got = {(f.problem, f.entry_id, f.informational) for f in found}
    assert got == {
        (Problem.TIED_ENTRY_MISSING, "je_b", False),
        (Problem.NOT_NAMED, "je_x", False),
        (Problem.NOT_NAMED, "je_y", False),
        (Problem.UNTIED, "je_z", False),
        (Problem.BEFORE_TIE_IN, None, True),
    }
