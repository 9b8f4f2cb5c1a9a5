"""A repayment retried concurrently with one idempotency key is applied once; the same key with
another body is refused and the ledger does not move (after cosmicpython's two-thread test). On
the in-memory unit of work too: its first committer wins, and the loser's commit raises the
`StaleLoan` or `DuplicateKey` the use case retries, as the database's checks do."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fengkong.core.errors import Conflict
from fengkong.lending.disbursement import disburse
from fengkong.lending.origination import accept_offer, get_loan
from fengkong.lending.repayment import RepaymentPosted, post_repayment
from lending.test_service_support import (
    Books,
    assert_books_balance,
    ledger_snapshot,
    lending_services,
    new_clock,
    open_books,
    seed_approved,
)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def books(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Books]:
    yield from open_books(request, tmp_path)


def test_two_threads_one_key_one_repayment(books: Books) -> None:
    clock = new_clock()
    svc = lending_services(books, clock)
    loan_id = accept_offer(seed_approved(books, clock), "a", svc).record.loan_id
    disburse(loan_id, "d", svc)

    barrier = threading.Barrier(2)
    results: list[RepaymentPosted] = []
    errors: list[BaseException] = []

    def retry() -> None:
        try:
            barrier.wait()
            results.append(post_repayment(loan_id, 30_000, "pay-once", svc))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len({r.repayment_id for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False, True]
    record = get_loan(loan_id, svc).record
    assert len(record.state.repayments) == 1
    assert record.state.unapplied_credit == 30_000
    assert_books_balance(books)

    before = ledger_snapshot(books)
    with pytest.raises(Conflict, match="different request"):
        post_repayment(loan_id, 30_001, "pay-once", svc)
    assert ledger_snapshot(books) == before


def test_concurrent_different_repayments_both_apply(books: Books) -> None:
    """Optimistic locking: two repayments racing on one loan both land, one after the other."""
    clock = new_clock()
    svc = lending_services(books, clock)
    loan_id = accept_offer(seed_approved(books, clock), "a", svc).record.loan_id
    disburse(loan_id, "d", svc)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def pay(key: str) -> None:
        try:
            barrier.wait()
            post_repayment(loan_id, 10_000, key, svc)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(k,)) for k in ("k1", "k2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert get_loan(loan_id, svc).record.state.unapplied_credit == 20_000
    assert_books_balance(books)
