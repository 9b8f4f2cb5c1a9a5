"""Journal postings in the database: balances derive from postings, and a money movement with an
idempotency key is applied once, also when retries race (after cosmicpython's two-thread test)."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from fengkong.bootstrap import Context
from fengkong.core.errors import Conflict
from fengkong.core.ids import new_id
from fengkong.ledger.journal import JournalEntry, balances
from fengkong.ledger.loan_entries import disbursement, reversal
from fengkong.scoring.artifact import canonical_json, sha256_hex

DAY = date(2026, 3, 2)


def _disburse(context: Context, key: str, principal: int = 1_000_000) -> JournalEntry:
    return disbursement(
        entry_id=new_id("je", context.clock),
        business_date=DAY,
        loan_id="loan_1",
        principal=principal,
        origination_fee=2_000,
        idempotency_key=key,
    )


def _post(
    context: Context, entry: JournalEntry, request: dict[str, object]
) -> tuple[JournalEntry, bool]:
    with context.uow() as uow:
        result = uow.journal.post(entry, sha256_hex(canonical_json(request)), context.clock.now())
        uow.commit()
    return result


def test_balances_derive_from_postings(context: Context) -> None:
    first = _disburse(context, "k1")
    _post(context, first, {"k": 1})
    second = _disburse(context, "k2", principal=500_000)
    _post(context, second, {"k": 2})
    undo = reversal(
        second, entry_id=new_id("je", context.clock), business_date=DAY, idempotency_key="k3"
    )
    _post(context, undo, {"k": 3})
    with context.uow() as uow:
        stored = uow.journal.balances()
        entries = list(uow.journal.entries())
    assert {k: v for k, v in stored.items() if v} == {
        k: v for k, v in balances(entries).items() if v
    }
    assert sum(v for k, v in stored.items() if k.code == "1303") == 1_000_000


def test_a_retry_is_applied_once(context: Context) -> None:
    entry = _disburse(context, "pay-1")
    posted, created = _post(context, entry, {"amount": 1})
    again, created_again = _post(context, _disburse(context, "pay-1"), {"amount": 1})
    assert created and not created_again and again.entry_id == posted.entry_id
    with pytest.raises(Conflict, match="different request"):
        _post(context, _disburse(context, "pay-1"), {"amount": 2})
    with context.uow() as uow:
        assert len(list(uow.journal.entries())) == 1


def test_concurrent_retries_post_once(context: Context) -> None:
    barrier = threading.Barrier(4)
    results: list[tuple[str, bool]] = []
    errors: list[BaseException] = []

    def retry() -> None:
        try:
            barrier.wait()
            entry, created = _post(context, _disburse(context, "race-1"), {"amount": 1})
            results.append((entry.entry_id, created))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(created for _, created in results) == 1
    assert len({entry_id for entry_id, _ in results}) == 1
    with context.uow() as uow:
        assert len(list(uow.journal.entries())) == 1
