"""Account balances are the sum of their postings, signed by the account's normal side; the
trial balance's debit and credit totals agree."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fengkong.ledger.accounts import AccountKey, Side
from fengkong.ledger.journal import JournalEntry, account_totals, balances, trial_balance


@given(data=st.data())
def test_balances_are_signed_sums_of_postings(
    journal_entries: st.SearchStrategy[tuple[JournalEntry, ...]], data: st.DataObject
) -> None:
    entries = data.draw(journal_entries)
    postings = [p for e in entries for p in e.postings]

    by_key = balances(entries)

    assert set(by_key) == {p.key for p in postings}
    for key, balance in by_key.items():
        debits = sum(p.amount for p in postings if p.key == key and p.side is Side.DEBIT)
        credits = sum(p.amount for p in postings if p.key == key and p.side is Side.CREDIT)
        normal = next(p.account.normal_side for p in postings if p.key == key)
        assert balance == (debits - credits if normal is Side.DEBIT else credits - debits)
    for code, total in account_totals(by_key).items():
        assert total == sum(b for k, b in by_key.items() if k.code == code)


@given(data=st.data())
def test_trial_balance_debits_equal_credits(
    journal_entries: st.SearchStrategy[tuple[JournalEntry, ...]], data: st.DataObject
) -> None:
    entries = data.draw(journal_entries)

    tb = trial_balance(entries)

    assert tb.is_balanced
    assert tb.total_debits == sum(e.total_debits for e in entries)
    assert {line.key: line.balance for line in tb.lines} == dict(balances(entries))
    assert [line.key for line in tb.lines] == sorted(
        (line.key for line in tb.lines), key=AccountKey.sort_key
    )
