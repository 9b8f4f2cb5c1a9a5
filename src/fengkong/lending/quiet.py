"""The quiet day: end of day for the many loans on which nothing happens that day but one day of
contract interest on the instalment now running, computed for a whole batch of loans at once.

A loan is quiet (`quiet_accrual`) when it is active, holds no unapplied credit, was never
restructured, every instalment before the running one (the first due after the date it is
accrued through) is paid and fully accrued, and its running period's day count is a plain ratio
of actual days. For a date `d` strictly inside that period (`period_start < d < due`), and with
the loan accrued through `d − 1`, `close_loan_day` then does exactly this and nothing more:
- `accrue` posts `InterestAccrued` for the running instalment only: earlier ones are at their
  ceiling and owe nothing (no late fee, no penalty), later ones have not started;
- DPD stays 0 (nothing unpaid has fallen due), so the bucket and class are those of 0 days past
  due (no restructuring floor applies) and no write-off can be due;
- `provision_to_target` moves the allowance to the class's rate of the new outstanding total,
  and the general reserve to its rate of the principal.

`quiet_day` computes those figures for many loans with integer column arithmetic. The interest
earned through `d` is `HALF_UP(interest × (d − start) / (due − start))`, capped at the ceiling:
`interest_accrued_through`'s definition when the year fraction is a day ratio, which
`day_ratio_basis` decides (ACT/365F and ACT/360 always; ACT/ACT while the period stays in one
calendar year); every other basis takes the full step. The journal rows take their accounts,
sides and loan tags from the entry builders themselves, so a quiet day books exactly what
`close_loan_day` books for the loan. Everything else a date can bring (a due date, grace end,
unapplied credit, arrears, write-off, lines) stays with `close_loan_day`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction

import polars as pl

from fengkong.core.money import Fen
from fengkong.ledger.journal import EntryKind, JournalEntry, accrual, provision, reserve
from fengkong.lending.daycount import DayCount
from fengkong.lending.delinquency import LoanClass, classify, dpd_bucket
from fengkong.lending.loan import LoanState, LoanStatus
from fengkong.lending.service import LendingConfig

# Inputs per loan, in this order (all integers but the id and the two dates).
QUIET_COLUMNS = (
    "loan_id",
    "revision",
    "period_start",
    "due",
    "interest",
    "ceiling",
    "charged",
    "outstanding",
    "allowance",
    "reserve",
    "principal",
)
_INT64_HEADROOM = 2**62


@dataclass(frozen=True, slots=True)
class QuietAccrual:
    """Where a quiet loan stands: its running instalment and what the loan owes in all."""

    instalment: int
    period_start: date
    due: date
    interest: Fen  # the instalment's scheduled interest
    ceiling: Fen  # what may accrue on it: scheduled less waived
    charged: Fen  # accrued on it so far
    outstanding: Fen  # everything charged and unpaid on the loan


def day_ratio_basis(start: date, end: date, day_count: DayCount) -> bool:
    """Whether `yf(start, d) / yf(start, end)` is `(d − start) / (end − start)` in actual days for
    every `d` from `start` to `end`."""
    if day_count in (DayCount.ACT_365F, DayCount.ACT_360):
        return True
    if day_count is DayCount.ACT_ACT:
        return end <= date(start.year + 1, 1, 1)
    return False


def quiet_accrual(state: LoanState) -> QuietAccrual | None:
    """The running instalment of a quiet loan, None when its next days need the full step."""
    if (
        state.status is not LoanStatus.ACTIVE
        or state.unapplied_credit
        or state.restructurings
        or not state.positions
    ):
        return None
    running = next(
        (i for i, p in enumerate(state.positions) if p.due > state.accrued_through), None
    )
    if running is None:
        return None
    current = state.positions[running]
    if current.period_start >= current.due or not day_ratio_basis(
        current.period_start, current.due, state.terms.day_count
    ):
        return None
    for earlier in state.positions[:running]:
        if earlier.scheduled_unpaid > 0 or earlier.interest_to_accrue != 0:
            return None
    for later in state.positions[running + 1 :]:
        if later.period_start < current.due:
            return None
    return QuietAccrual(
        instalment=current.number,
        period_start=current.period_start,
        due=current.due,
        interest=current.instalment.interest,
        ceiling=Fen(current.instalment.interest - current.interest_waived),
        charged=current.charged.interest,
        outstanding=state.outstanding.total,
    )


def quiet_class(config: LendingConfig) -> LoanClass:
    """The class a quiet loan holds: that of 0 days past due, with no event floor."""
    return classify(0, rules=config.classification)


def quiet_bucket(config: LendingConfig) -> str:
    return dpd_bucket(0, config.buckets)


def with_quiet_charge(state: LoanState, instalment: int, charged: int, through: date) -> LoanState:
    """`state` with the running instalment's accrued interest and the accrual date kept beside
    it (a quiet day stores only these two figures, not the whole state)."""
    positions = tuple(
        replace(p, charged=replace(p.charged, interest=Fen(charged)))
        if p.number == instalment
        else p
        for p in state.positions
    )
    return replace(state, positions=positions, accrued_through=through)


def eod_key(on: date, loan_id: str) -> str:
    """The idempotency-key prefix of a loan's end of day for `on`."""
    return f"eod:{on.isoformat()}:{loan_id}"


def half_up_div(numerator: pl.Expr, denominator: pl.Expr | int) -> pl.Expr:
    """HALF_UP of `numerator / denominator` in integers, for numerator ≥ 0 and denominator > 0:
    floor((2n + d) / 2d) is n/d rounded half away from zero."""
    return (numerator * 2 + denominator) // (pl.lit(2) * denominator)


@dataclass(frozen=True, slots=True)
class QuietDay:
    """One quiet date for a batch: the loans' new figures and the journal rows to post."""

    # loan_id, revision (as read), then the new charged, outstanding, allowance and reserve, the
    # interest accrued, the allowance change and the number of entries, per loan
    loans: pl.DataFrame
    entries: pl.DataFrame  # entry_id, loan_id, business_date, kind, idempotency_key, memo
    postings: pl.DataFrame  # entry_id, line, account_code, loan_id, side, amount_fen


def _share(amount: pl.Expr, rate: Fraction) -> pl.Expr:
    """`share(amount, rate)` (HALF_UP to the fen) for non-negative amounts."""
    return half_up_div(amount * rate.numerator, rate.denominator)


def _check_headroom(frame: pl.DataFrame, rates: Sequence[Fraction]) -> None:
    """Refuse amounts whose products could overflow 64-bit integers (none a loan comes near)."""
    figures = frame.select(
        ((pl.col("due") - pl.col("period_start")).dt.total_days().max() * pl.col("interest").max())
        .cast(pl.Int64)
        .alias("interest"),
        (pl.col("outstanding").max() + pl.col("ceiling").max()).alias("outstanding"),
        pl.col("principal").max().alias("principal"),
    ).row(0)
    largest = max(int(f or 0) for f in figures)
    widest = max([2, *(max(r.numerator, r.denominator) for r in rates)])
    if largest * 4 * widest >= _INT64_HEADROOM:
        raise OverflowError("amounts too large for 64-bit column arithmetic")


def quiet_day(loans: pl.DataFrame, on: date, config: LendingConfig, id_base: str) -> QuietDay:
    """End of day `on` for quiet loans (columns `QUIET_COLUMNS`, each with `period_start < on <
    due`, accrued through the day before). Entry ids are `id_base` plus a sequence number."""
    loan_class = quiet_class(config)
    allowance_rate = Fraction(config.provision_rate(loan_class))
    reserve_rate = Fraction(config.reserve_rate)
    _check_headroom(loans, (allowance_rate, reserve_rate))
    today = pl.lit(on, dtype=pl.Date)
    earned = pl.min_horizontal(
        half_up_div(
            pl.col("interest") * (today - pl.col("period_start")).dt.total_days(),
            (pl.col("due") - pl.col("period_start")).dt.total_days(),
        ),
        pl.col("ceiling"),
    )
    moved = (
        loans.with_columns(earned.alias("earned"))
        .with_columns(
            (pl.col("earned") - pl.col("charged")).clip(lower_bound=0).alias("accrued"),
        )
        .with_columns(
            (pl.col("charged") + pl.col("accrued")).alias("new_charged"),
            (pl.col("outstanding") + pl.col("accrued")).alias("new_outstanding"),
        )
        .with_columns(
            _share(pl.col("new_outstanding"), allowance_rate).alias("new_allowance"),
            _share(pl.col("principal"), reserve_rate).alias("new_reserve"),
        )
        .with_columns(
            (pl.col("new_allowance") - pl.col("allowance")).alias("provision_change"),
            (pl.col("new_reserve") - pl.col("reserve")).alias("reserve_change"),
        )
    )
    entries, postings = _journal_rows(moved, on, loan_class, id_base)
    return QuietDay(
        loans=moved.select(
            "loan_id",
            "revision",
            pl.col("new_charged").alias("charged"),
            pl.col("new_outstanding").alias("outstanding"),
            pl.col("new_allowance").alias("allowance"),
            pl.col("new_reserve").alias("reserve"),
            "accrued",
            "provision_change",
            (
                (pl.col("accrued") != 0).cast(pl.Int64)
                + (pl.col("provision_change") != 0).cast(pl.Int64)
                + (pl.col("reserve_change") != 0).cast(pl.Int64)
            ).alias("entries"),
        ),
        entries=entries,
        postings=postings,
    )


def _pattern(entry: JournalEntry) -> tuple[tuple[str, str, bool], ...]:
    """(account code, side, tagged with the loan) of each posting a builder makes."""
    return tuple((p.account.code, p.side.value, p.loan_id is not None) for p in entry.postings)


def _journal_rows(
    moved: pl.DataFrame, on: date, loan_class: LoanClass, id_base: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Entries and postings, one entry per loan and movement, in `close_loan_day`'s order
    (accrual, allowance, reserve) with its idempotency keys and memos."""
    sample = {"entry_id": "x", "business_date": on, "idempotency_key": "k"}
    kinds = (
        # (order, kind, key suffix, memo, amount column, pattern when > 0, pattern when < 0)
        (
            0,
            EntryKind.ACCRUAL,
            ":0",
            pl.lit(""),
            "accrued",
            _pattern(accrual(**sample, loan_id="L", interest=1)),  # type: ignore[arg-type]
            (),
        ),
        (
            1,
            EntryKind.PROVISION,
            ":provision",
            pl.lit(f"allowance to {loan_class.value}"),
            "provision_change",
            _pattern(provision(**sample, loan_id="L", change=1)),  # type: ignore[arg-type]
            _pattern(provision(**sample, loan_id="L", change=-1)),  # type: ignore[arg-type]
        ),
        (
            2,
            EntryKind.RESERVE,
            ":reserve",
            pl.col("loan_id"),
            "reserve_change",
            _pattern(reserve(**sample, change=1)),  # type: ignore[arg-type]
            _pattern(reserve(**sample, change=-1)),  # type: ignore[arg-type]
        ),
    )
    prefix = f"eod:{on.isoformat()}:"
    entry_parts: list[pl.DataFrame] = []
    posting_parts: list[pl.DataFrame] = []
    for order, kind, suffix, memo, column, raised, lowered in kinds:
        rows = moved.filter(pl.col(column) != 0).select(
            "loan_id",
            pl.lit(order).alias("order"),
            pl.col(column).alias("change"),
            memo.alias("memo"),
            pl.lit(kind.value).alias("kind"),
            (pl.lit(prefix) + pl.col("loan_id") + pl.lit(suffix)).alias("idempotency_key"),
        )
        entry_parts.append(rows)
        for sign, pattern in ((1, raised), (-1, lowered)):
            if not pattern:
                continue
            signed = rows.filter(pl.col("change") > 0 if sign > 0 else pl.col("change") < 0)
            for line, (code, side, tagged) in enumerate(pattern):
                posting_parts.append(
                    signed.select(
                        "loan_id",
                        "order",
                        pl.lit(line).alias("line"),
                        pl.lit(code).alias("account_code"),
                        (pl.col("loan_id") if tagged else pl.lit(None, dtype=pl.String)).alias(
                            "posting_loan"
                        ),
                        pl.lit(side).alias("side"),
                        (pl.col("change") * sign).alias("amount_fen"),
                    )
                )
    entries = (
        pl.concat(entry_parts)
        .sort("loan_id", "order")
        .with_row_index("seq")
        .with_columns(
            (pl.lit(f"{id_base}.") + pl.col("seq").cast(pl.String)).alias("entry_id"),
            pl.lit(on, dtype=pl.Date).alias("business_date"),
        )
    )
    postings = (
        pl.concat(posting_parts)
        .join(entries.select("loan_id", "order", "entry_id"), on=["loan_id", "order"])
        .select(
            "entry_id",
            pl.col("line").cast(pl.Int32),
            "account_code",
            pl.col("posting_loan").alias("loan_id"),
            "side",
            "amount_fen",
        )
    )
    return (
        entries.select("entry_id", "loan_id", "business_date", "kind", "idempotency_key", "memo"),
        postings,
    )
