"""End of day closes quiet loans in bulk and the rest one at a time; over a seeded portfolio of
every repayment method, interest basis and day count, with loans paid on time, late, in part,
over-paid (unapplied credit), restructured and on a line, over dates that cross due dates, grace
ends and a year end, the stored loans and the journal are exactly what `close_loan_day` gives
loan by loan: same states, DPD, bucket, class, allowance and reserve, and the same amounts per
date, account, side and loan (quiet batches post them in a few entries; the full step's entries
are identical, keys included). A crash in the middle of the quiet batches resumes to the same
books."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest

from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.ledger.journal import JournalEntry, balances, check_ledger, trial_balance
from fengkong.lending.accrual import accrue
from fengkong.lending.config import LendingConfig
from fengkong.lending.daycount import DayCount
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.loan import LoanState, LoanStatus, book_loan
from fengkong.lending.loan_day import close_loan_day
from fengkong.lending.origination import accept_offer
from fengkong.lending.product import FeeCollection, OriginationFee
from fengkong.lending.provisioning import provision_to_target, with_state
from fengkong.lending.quote import quote
from fengkong.lending.records import LoanRecord, LoanStage, stage_of
from fengkong.lending.restructure import extend_term
from fengkong.lending.schedule import InterestBasis, RepaymentMethod
from fengkong.lending.waterfall import apply_repayment
from lending.servicing_helpers import product
from lending.test_service_support import (
    START,
    assert_books_balance,
    lending_services,
    migrated,
    new_clock,
    seed_approved,
)

FIRST = date(2025, 12, 24)  # the window crosses a year end (ACT/ACT periods split there)
DAYS = 12
BEHAVIOURS = ("on_time",) * 6 + ("late", "partial", "credit", "restructured")
CONFIG = LendingConfig(eod_quiet_chunk=7)


def _history(state: LoanState, behaviour: str, until: date, rng: random.Random) -> LoanState:
    """Repayments (and a restructuring) on the loan's due dates up to `until`."""
    for due in [p.due for p in state.positions if p.due <= until]:
        if state.status is not LoanStatus.ACTIVE:
            return state
        if behaviour == "late" and rng.random() < 0.8:
            continue
        accrued = accrue(state, due).state
        owed = sum(p.outstanding.total for p in accrued.positions if p.due <= due)
        if owed <= 0:
            continue
        amount = max(1, owed // 2) if behaviour == "partial" else owed
        if behaviour == "credit":
            amount += rng.randint(1, 30_000)
        state = apply_repayment(state, amount, due, f"r_{state.loan_id}_{due}").state
    if (
        behaviour == "restructured"
        and state.status is LoanStatus.ACTIVE
        and state.accrued_through < until
    ):
        state = extend_term(state, until, 2, "hardship").state
    return state


def _portfolio(seed: int, n: int = 70) -> list[LoanRecord]:
    rng = random.Random(seed)
    ids = count()
    new_entry_id = lambda: f"je_seed_{next(ids)}"  # noqa: E731
    records = []
    for k in range(n):
        chosen = replace(
            product(
                method=rng.choice(list(RepaymentMethod)),
                grace_days=rng.choice((0, 1, 3)),
                late_fee=rng.choice((0, 1_000)),
                basis=rng.choice(list(InterestBasis)),
            ),
            day_count=rng.choice(
                (
                    DayCount.ACT_360,
                    DayCount.ACT_360,
                    DayCount.ACT_365F,
                    DayCount.ACT_ACT,
                    DayCount.THIRTY_360,
                    DayCount.THIRTY_E_360,
                )
            ),
            origination_fee=OriginationFee(
                rate=Decimal(rng.choice(("0", "0.01"))), collection=FeeCollection.SPREAD
            ),
        )
        booked = FIRST + timedelta(days=rng.randint(-150, 3))
        offer = quote(
            chosen,
            Fen(rng.randint(50_000, 5_000_000)),
            rng.choice((1, 3, 6, 12)),
            Decimal(rng.choice(("0.0365", "0.12", "0.18", "0.2399"))),
            booked,
        )
        loan_id = f"loan_{k:03d}"
        state = book_loan(loan_id, chosen, offer, booked).state
        before = FIRST - timedelta(days=1)
        behaviour = rng.choice(BEHAVIOURS)
        state = _history(state, behaviour, before, rng)
        if state.status is LoanStatus.ACTIVE and state.accrued_through < before:
            state = accrue(state, before).state
        record = LoanRecord(
            loan_id=loan_id,
            state=state,
            stage=stage_of(state),
            booked_on=booked,
            amount=offer.amount,
            line_id="line_none" if k % 17 == 0 else None,
            eod_date=before if booked <= before else None,
        )
        on = max(before, booked)
        record = with_state(record, state, CONFIG)
        record = provision_to_target(record, on, f"seed:{loan_id}", new_entry_id, CONFIG).record
        records.append(record)
    return records


def _expected(records: list[LoanRecord]) -> tuple[dict[str, LoanRecord], list[JournalEntry]]:
    """Every loan closed day by day with `close_loan_day` alone."""
    ids = count()
    loans = {r.loan_id: r for r in records}
    entries: list[JournalEntry] = []
    for day in (FIRST + timedelta(days=d) for d in range(DAYS)):
        for loan_id in sorted(loans):
            record = loans[loan_id]
            if record.stage is not LoanStage.ACTIVE or record.booked_on > day:
                continue
            closed = close_loan_day(record, day, CONFIG, lambda: f"je_ref_{next(ids)}")
            loans[loan_id] = closed.record
            entries += closed.entries
    return loans, entries


def _movements(entries: list[JournalEntry]) -> dict[tuple[Any, ...], int]:
    """End-of-day amounts by (date, account, side, loan): per loan on the per-loan accounts and
    the allowance, in total on the others. A quiet batch books them in a few entries."""
    moved: dict[tuple[Any, ...], int] = {}
    for e in entries:
        if e.idempotency_key.startswith("eod:"):
            for p in e.postings:
                key = (e.business_date, e.kind.value, p.account.code, p.side.value, p.loan_id)
                moved[key] = moved.get(key, 0) + int(p.amount)
    return moved


def _loan_day_entries(entries: list[JournalEntry]) -> list[tuple[Any, ...]]:
    """Entries of single loan-days (the full step's), with their keys, memos and postings."""
    return sorted(
        (
            e.idempotency_key,
            e.business_date,
            e.kind.value,
            e.memo,
            tuple((p.account.code, p.side.value, int(p.amount), p.loan_id) for p in e.postings),
        )
        for e in entries
        if e.idempotency_key.startswith("eod:") and ":quiet:" not in e.idempotency_key
    )


def _stored(db: Database, ids: list[str]) -> tuple[dict[str, LoanRecord], list[JournalEntry]]:
    with SqlUnitOfWork(db) as uow:
        loans = {i: uow.lending.get_loan(i) for i in ids}
        entries = list(uow.journal.entries())
    return {i: r for i, r in loans.items() if r is not None}, entries


def _seed(db: Database, records: list[LoanRecord]) -> None:
    with SqlUnitOfWork(db) as uow:
        uow.lending.add_loans(records, new_clock(FIRST).now())
        uow.commit()


def _assert_same(stored: dict[str, LoanRecord], expected: dict[str, LoanRecord]) -> None:
    assert stored.keys() == expected.keys()
    for loan_id, want in expected.items():
        got = stored[loan_id]
        assert got.state == want.state, loan_id
        assert (got.stage, got.days_past_due, got.bucket, got.loan_class) == (
            want.stage,
            want.days_past_due,
            want.bucket,
            want.loan_class,
        ), loan_id
        assert (got.allowance, got.reserve, got.eod_date) == (
            want.allowance,
            want.reserve,
            want.eod_date,
        ), loan_id


@pytest.mark.parametrize("seed", [1, 2])
def test_quiet_and_full_steps_book_what_close_loan_day_books(database_url: str, seed: int) -> None:
    records = _portfolio(seed)
    expected, expected_entries = _expected(records)
    db = migrated(database_url)
    try:
        _seed(db, records)
        quiet = slow = 0
        for d in range(DAYS):
            day = FIRST + timedelta(days=d)
            report = run_end_of_day(
                day, lending_services(db, new_clock(day), config=CONFIG), partitions=2, chunk=5
            )
            totals = report.totals[day.isoformat()]
            quiet += totals["quiet_loans"]
            slow += totals["loans"] - totals["quiet_loans"]
        stored, entries = _stored(db, [r.loan_id for r in records])
    finally:
        db.dispose()
    _assert_same(stored, expected)
    assert _movements(entries) == _movements(expected_entries)
    assert trial_balance(entries).is_balanced and check_ledger(entries) == ()
    assert balances(entries) == balances(expected_entries)
    full_step = set(_loan_day_entries(entries))
    assert len(full_step) > 100 and full_step <= set(_loan_day_entries(expected_entries))
    assert quiet > 100 and slow > 100, (quiet, slow)  # both paths carried a real share


def test_a_crash_between_quiet_batches_resumes_to_the_same_books(database_url: str) -> None:
    records = _portfolio(3, n=40)
    day = FIRST + timedelta(days=1)
    expected, expected_entries = _expected(records)
    db = migrated(database_url)

    class Crash(RuntimeError):
        pass

    def crash_on_second_chunk(on: date, partition: int, chunk: int) -> None:
        if on == day and chunk == 2:
            raise Crash("power cut")

    try:
        _seed(db, records)
        for d in range(DAYS):
            on = FIRST + timedelta(days=d)
            svc = lending_services(db, new_clock(on), config=replace(CONFIG, eod_quiet_chunk=2))
            if on == day:
                with pytest.raises(Crash):
                    run_end_of_day(on, svc, before_commit=crash_on_second_chunk)
                with SqlUnitOfWork(db) as uow:
                    progress = uow.lending.eod_progress(on, 0)
                    assert progress is not None and progress["chunks"] == 1
                    assert progress["totals"]["quiet_loans"] == 2
            run_end_of_day(on, svc)
        stored, entries = _stored(db, [r.loan_id for r in records])
    finally:
        db.dispose()
    _assert_same(stored, expected)
    assert _movements(entries) == _movements(expected_entries)
    assert balances(entries) == balances(expected_entries)


def test_serviced_loans_keep_their_ledger_equal_to_their_state_on_quiet_days(
    database_url: str,
) -> None:
    db = migrated(database_url)
    try:
        svc = lending_services(db, new_clock())
        for k in range(4):
            app = seed_approved(db, new_clock(), amount=300_000 + 50_000 * k, terms=3 + k)
            loan_id = accept_offer(app, f"a{k}", svc).record.loan_id
            disburse(loan_id, f"d{k}", svc)
        quiet = 0
        for d in range(1, 6):
            day = START + timedelta(days=d)
            report = run_end_of_day(day, lending_services(db, new_clock(day)))
            quiet += report.totals[day.isoformat()]["quiet_loans"]
            assert_books_balance(db)
    finally:
        db.dispose()
    assert quiet >= 4 * 4  # every loan quiet from its second day on
