"""The quiet batch and the full per-loan step are one accrual: for any loans (every repayment
method, interest basis and day count, paid on time or never, some with an origination fee),
provision and reserve rates, and run of days, closing each day with the quiet batch wherever a
loan is quiet (`quiet_day` + `quiet_journal`, as `eod_loans.quiet_partition` stores them) and
`close_loan_day` for the rest gives the same loans and the same journal as `close_loan_day`
alone: equal states, DPD, bucket, class, allowance and reserve every day, equal amounts per
date, kind, account, side and loan, and equal balances per account and loan. No database: the
selection mirrors the repository's quiet query."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.accrual import accrue
from fengkong.lending.config import DEFAULT_PROVISION_RATES, LendingConfig
from fengkong.lending.daycount import DayCount
from fengkong.lending.delinquency import LoanClass
from fengkong.lending.loan import LoanStatus, book_loan
from fengkong.lending.loan_day import close_loan_day
from fengkong.lending.product import FeeCollection, OriginationFee
from fengkong.lending.provisioning import provision_to_target, with_state
from fengkong.lending.quiet import (
    QUIET_COLUMNS,
    quiet_accrual,
    quiet_bucket,
    quiet_class,
    quiet_day,
    quiet_journal,
    with_quiet_charge,
)
from fengkong.lending.quote import quote
from fengkong.lending.records import LoanRecord, LoanStage, stage_of
from fengkong.lending.schedule import InterestBasis, RepaymentMethod
from fengkong.lending.waterfall import apply_repayment
from lending.servicing_helpers import product

Movements = dict[tuple[Any, ...], int]

loan_specs = st.tuples(
    st.sampled_from(list(RepaymentMethod)),
    st.sampled_from(list(InterestBasis)),
    st.sampled_from(list(DayCount)),
    st.integers(min_value=10_000, max_value=5_000_000),  # amount in fen
    st.sampled_from((1, 3, 6, 12)),  # terms
    st.sampled_from(("0", "0.0365", "0.12", "0.18", "0.2399")),  # annual rate
    st.integers(min_value=-70, max_value=5),  # booked this many days from the first day
    st.booleans(),  # repays on time (else never)
    st.booleans(),  # origination fee spread over the instalments
)
rates = st.decimals(min_value=0, max_value=Decimal("0.2"), places=3)


def _book(k: int, spec: tuple[Any, ...], first: date, config: LendingConfig) -> LoanRecord:
    method, basis, day_count, amount, terms, rate, offset, _, fee = spec
    chosen = replace(
        product(method=method, basis=basis),
        day_count=day_count,
        origination_fee=OriginationFee(
            rate=Decimal("0.01" if fee else "0"), collection=FeeCollection.SPREAD
        ),
    )
    booked = first + timedelta(days=offset)
    offer = quote(chosen, Fen(amount), terms, Decimal(rate), booked)
    loan_id = f"loan_{k:02d}"
    state = book_loan(loan_id, chosen, offer, booked).state
    before = first - timedelta(days=1)
    if state.accrued_through < before:
        state = accrue(state, before).state
    record = LoanRecord(
        loan_id=loan_id,
        state=state,
        stage=stage_of(state),
        booked_on=booked,
        amount=offer.amount,
        eod_date=before if booked <= before else None,
    )
    record = with_state(record, state, config)
    ids = count()
    seeded = provision_to_target(
        record, max(before, booked), f"seed:{loan_id}", lambda: f"je_seed_{next(ids)}", config
    )
    return seeded.record


def _repay_due(record: LoanRecord, day: date, config: LendingConfig) -> LoanRecord:
    """Pay everything due by `day` on its due date (the same before either path closes it)."""
    state = record.state
    if state.status is not LoanStatus.ACTIVE or not any(p.due == day for p in state.positions):
        return record
    owed = sum(p.outstanding.total for p in accrue(state, day).state.positions if p.due <= day)
    if owed <= 0:
        return record
    paid = apply_repayment(state, owed, day, f"r_{record.loan_id}_{day}").state
    return with_state(record, paid, config)


def _quiet_row(record: LoanRecord, day: date, config: LendingConfig) -> tuple[Any, ...] | None:
    """The loan's `QUIET_COLUMNS` row if the repository would select it as quiet for `day`."""
    if (
        record.stage is not LoanStage.ACTIVE
        or record.line_id is not None
        or record.booked_on > day
        or (record.eod_date is not None and record.eod_date >= day)
        or record.state.accrued_through != day - timedelta(days=1)
        or (record.days_past_due, record.bucket, record.loan_class)
        != (0, quiet_bucket(config), quiet_class(config))
    ):
        return None
    quiet = quiet_accrual(record.state)
    if quiet is None or not quiet.period_start < day < quiet.due:
        return None
    return (
        record.loan_id,
        record.revision,
        quiet.period_start,
        quiet.due,
        int(quiet.interest),
        int(quiet.ceiling),
        int(quiet.charged),
        int(quiet.outstanding),
        int(record.allowance),
        int(record.reserve),
        int(record.state.terms.principal),
    )


def _add(moved: Movements, key: tuple[Any, ...], amount: int) -> None:
    moved[key] = moved.get(key, 0) + amount


def _entry_movements(entries: list[JournalEntry], moved: Movements) -> None:
    for e in entries:
        for p in e.postings:
            key = (e.business_date, e.kind.value, p.account.code, p.side.value, p.loan_id)
            _add(moved, key, int(p.amount))


def _full(records: list[LoanRecord], days: list[date], config: LendingConfig) -> Any:
    ids = count()
    loans = {r.loan_id: r for r in records}
    moved: Movements = {}
    daily = []
    for day in days:
        for loan_id in sorted(loans):
            record = _repay_due(loans[loan_id], day, config)
            if record.stage is LoanStage.ACTIVE and record.booked_on <= day:
                closed = close_loan_day(record, day, config, lambda: f"je_{next(ids)}")
                record = closed.record
                _entry_movements(list(closed.entries), moved)
            loans[loan_id] = record
        daily.append(dict(loans))
    return daily, moved


def _mixed(records: list[LoanRecord], days: list[date], config: LendingConfig) -> Any:
    ids = count()
    loans = {r.loan_id: r for r in records}
    moved: Movements = {}
    daily = []
    quiet_days = 0
    for day in days:
        for loan_id in sorted(loans):
            loans[loan_id] = _repay_due(loans[loan_id], day, config)
        rows = [row for r in loans.values() if (row := _quiet_row(r, day, config)) is not None]
        if rows:
            batch = pl.DataFrame(rows, schema=list(QUIET_COLUMNS), orient="row")
            figures = quiet_day(batch, day, config)
            for row in figures.iter_rows(named=True):
                record = loans[row["loan_id"]]
                quiet = quiet_accrual(record.state)
                assert quiet is not None
                state = with_quiet_charge(record.state, quiet.instalment, row["charged"], day)
                assert int(state.outstanding.total) == row["outstanding"]
                loans[row["loan_id"]] = replace(
                    record,
                    state=state,
                    allowance=Fen(row["allowance"]),
                    reserve=Fen(row["reserve"]),
                    eod_date=day,
                    revision=record.revision + 1,
                )
            journal = quiet_journal(figures, day, config, f"jq_{day.isoformat()}")
            kinds = dict(journal.entries.select("entry_id", "kind").iter_rows())
            for p in journal.postings.iter_rows(named=True):
                key = (day, kinds[p["entry_id"]], p["account_code"], p["side"], p["loan_id"])
                _add(moved, key, p["amount_fen"])
            quiet_days += len(rows)
        for loan_id in sorted(loans):
            record = loans[loan_id]
            if (
                record.stage is LoanStage.ACTIVE
                and record.booked_on <= day
                and record.eod_date != day
            ):
                closed = close_loan_day(record, day, config, lambda: f"je_{next(ids)}")
                loans[loan_id] = closed.record
                _entry_movements(list(closed.entries), moved)
        daily.append(dict(loans))
    return daily, moved, quiet_days


def _balances(moved: Movements) -> dict[tuple[Any, ...], int]:
    out: dict[tuple[Any, ...], int] = {}
    for (_, _, code, side, loan_id), amount in moved.items():
        _add(out, (code, loan_id), amount if side == "debit" else -amount)
    return {k: v for k, v in out.items() if v}


def _nonzero(moved: Movements) -> Movements:
    """The movements (per date, kind, account, side and loan; whole-account postings carry no
    loan, so a quiet batch's one total and the full step's one per loan add up alike)."""
    return {k: v for k, v in moved.items() if v}


@settings(max_examples=30, deadline=None)
@given(
    specs=st.lists(loan_specs, min_size=1, max_size=8),
    first=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    span=st.integers(min_value=1, max_value=45),
    normal_rate=rates,
    reserve_rate=rates,
)
def test_quiet_batches_book_what_the_full_step_books(
    specs: list[tuple[Any, ...]],
    first: date,
    span: int,
    normal_rate: Decimal,
    reserve_rate: Decimal,
) -> None:
    config = LendingConfig(
        provision_rates={**DEFAULT_PROVISION_RATES, LoanClass.NORMAL: normal_rate},
        reserve_rate=reserve_rate,
    )
    records = [_book(k, spec, first, config) for k, spec in enumerate(specs)]
    days = [first + timedelta(days=d) for d in range(span)]
    full_daily, full_moved = _full(records, days, config)
    mixed_daily, mixed_moved, _ = _mixed(records, days, config)
    for day, want, got in zip(days, full_daily, mixed_daily, strict=True):
        for loan_id, expected in want.items():
            actual = got[loan_id]
            assert actual.state == expected.state, (day, loan_id)
            assert (
                actual.stage,
                actual.days_past_due,
                actual.bucket,
                actual.loan_class,
                actual.allowance,
                actual.reserve,
                actual.eod_date,
            ) == (
                expected.stage,
                expected.days_past_due,
                expected.bucket,
                expected.loan_class,
                expected.allowance,
                expected.reserve,
                expected.eod_date,
            ), (day, loan_id)
    assert _nonzero(mixed_moved) == _nonzero(full_moved)
    assert _balances(mixed_moved) == _balances(full_moved)


def test_the_generated_runs_do_take_the_quiet_path() -> None:
    """A plain on-time loan is quiet on every day strictly inside a period: the property above
    compares two paths, not one path with itself."""
    config = LendingConfig()
    spec = (
        RepaymentMethod.EQUAL_INSTALMENT,
        InterestBasis.MONTHLY,
        DayCount.ACT_360,
        1_000_000,
        3,
        "0.12",
        -3,
        True,
        False,
    )
    first = date(2026, 5, 1)
    records = [_book(0, spec, first, config)]
    days = [first + timedelta(days=d) for d in range(60)]
    _, _, quiet_days = _mixed(records, days, config)
    assert quiet_days >= 55  # all but the due dates (and the day after a due date's catch-up)
