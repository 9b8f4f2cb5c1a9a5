"""A reversal mirrors its entry: together they leave every balance at zero, and the checks refuse
a reversal that does not mirror, points nowhere, or reverses an entry twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.ledger.findings import Problem
from fengkong.ledger.journal import JournalEntry, balances, check_reversals
from fengkong.ledger.loan_entries import reversal

DAY = date(2025, 4, 1)


@given(data=st.data())
def test_entry_and_its_reversal_net_to_zero(
    journal_entries: st.SearchStrategy[tuple[JournalEntry, ...]], data: st.DataObject
) -> None:
    entries = data.draw(journal_entries)
    reversals = tuple(
        reversal(
            e,
            entry_id=f"rev_{e.entry_id}",
            business_date=DAY,
            idempotency_key=f"rev_{e.idempotency_key}",
        )
        for e in entries
    )

    assert all(b == 0 for b in balances((*entries, *reversals)).values())
    assert check_reversals((*entries, *reversals)) == ()
    assert all(r.reverses == e.entry_id for r, e in zip(reversals, entries, strict=True))


@given(data=st.data())
def test_bad_reversals_are_found(
    journal_entries: st.SearchStrategy[tuple[JournalEntry, ...]], data: st.DataObject
) -> None:
    original = data.draw(journal_entries)[0]
    good = reversal(original, entry_id="rev_1", business_date=DAY, idempotency_key="rev_1")
    twice = replace(good, entry_id="rev_2", idempotency_key="rev_2")
    skewed = replace(
        good,
        entry_id="rev_3",
        postings=(
            replace(good.postings[0], amount=Fen(good.postings[0].amount + 1)),
            *good.postings[1:],
        ),
    )

    assert [f.entry_id for f in check_reversals((original, good, twice))] == ["rev_2"]
    assert [f.entry_id for f in check_reversals((good, original))] == ["rev_1"]
    findings = check_reversals((original, skewed))
    assert [(f.entry_id, f.problem) for f in findings] == [("rev_3", Problem.BAD_REVERSAL)]
