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

`quiet_day` computes those figures for many loans with integer column arithmetic, calling the
accrual's own rule on columns: the interest earned through `d` is `accrual.earned_interest`
over `(d − start)` of `(due − start)` days, capped at the ceiling, which is
`interest_accrued_through` whenever the period's share is a day ratio (`daycount.
day_ratio_basis`: ACT/365F and ACT/360 always; ACT/ACT while the period stays in one calendar
year); every other basis takes the full step. The allowance and reserve are `core.money`'s
`half_up_quotient` of amount × rate, which is `posting.share` for non-negative amounts. Everything else a date can bring (a due
date, grace end, unapplied credit, arrears, write-off) stays with `close_loan_day`. A line's draw
can be quiet too: a line holds only its draws' principal, which a quiet day does not move, and
its triggers read the worst DPD over its draws, which a quiet draw leaves at 0 (a draw in
arrears is not quiet, and its own full step fires them).

The journal (`quiet_journal`) books the same amounts on the same accounts as `close_loan_day`,
but aggregated per batch: one accrual entry, one allowance entry and (rarely) one reserve entry,
each with one posting per loan on the per-loan accounts (interest receivable, loan loss
allowance) and one total posting on the whole accounts (interest income, impairment expense,
reserve and retained earnings). Why: a million loans a day would otherwise need two million
entries and four million postings, and every row costs PostgreSQL its insert and the upkeep of
its indexes, a cost that grows with the portfolio; aggregating halves the postings and makes the
entries a handful. Per-loan balances are unchanged (every loan still has its own posting for
each movement), each entry balances, and the accounts, sides and loan tags come from the entry
builders themselves. The idempotency key is per batch (`eod:<date>:quiet:<first>:<last>:<kind>`)
rather than per loan-day: a loan's `eod_date`, set in the same transaction, is what keeps it from
being closed twice for a date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from fengkong.core.errors import IntegrityBroken
from fengkong.core.money import Fen, half_up_quotient
from fengkong.ledger.journal import EntryKind, JournalEntry
from fengkong.ledger.loan_entries import accrual, provision, reserve
from fengkong.lending.accrual import earned_interest
from fengkong.lending.config import LendingConfig
from fengkong.lending.daycount import day_ratio_basis
from fengkong.lending.delinquency import LoanClass, classify, dpd_bucket
from fengkong.lending.loan import LoanState, LoanStatus

if TYPE_CHECKING:
    import polars as pl

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


def _share(amount: pl.Expr, rate: Fraction) -> pl.Expr:
    """`posting.share(amount, rate)` (HALF_UP to the fen) for non-negative amounts."""
    return half_up_quotient(amount * rate.numerator, rate.denominator)


def _check_headroom(frame: pl.DataFrame, rates: Sequence[Fraction]) -> None:
    """Refuse amounts whose products could overflow 64-bit integers (none a loan comes near)."""
    import polars as pl

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


def quiet_day(loans: pl.DataFrame, on: date, config: LendingConfig) -> pl.DataFrame:
    """End of day `on` for quiet loans (columns `QUIET_COLUMNS`, each with `period_start < on <
    due`, accrued through the day before): per loan, its id and revision as read, the new
    `charged`, `outstanding`, `allowance` and `reserve`, and the day's `accrued` interest,
    `provision_change` and `reserve_change`."""
    import polars as pl

    allowance_rate = Fraction(config.provision_rate(quiet_class(config)))
    reserve_rate = Fraction(config.reserve_rate)
    _check_headroom(loans, (allowance_rate, reserve_rate))
    today = pl.lit(on, dtype=pl.Date)
    earned = pl.min_horizontal(
        earned_interest(
            pl.col("interest"),
            (today - pl.col("period_start")).dt.total_days(),
            (pl.col("due") - pl.col("period_start")).dt.total_days(),
        ),
        pl.col("ceiling"),
    )
    accrued = (earned - pl.col("charged")).clip(lower_bound=0)
    outstanding = pl.col("outstanding") + accrued
    allowance = _share(outstanding, allowance_rate)
    reserve = _share(pl.col("principal"), reserve_rate)
    return loans.select(
        "loan_id",
        "revision",
        (pl.col("charged") + accrued).alias("charged"),
        outstanding.alias("outstanding"),
        allowance.alias("allowance"),
        reserve.alias("reserve"),
        accrued.alias("accrued"),
        (allowance - pl.col("allowance")).alias("provision_change"),
        (reserve - pl.col("reserve")).alias("reserve_change"),
    )


@dataclass(frozen=True, slots=True)
class QuietJournal:
    """A quiet batch's journal: at most one entry per kind of movement (accrual, allowance,
    reserve), each with one posting per loan on the per-loan accounts and one total posting on
    the whole accounts."""

    entries: pl.DataFrame  # entry_id, business_date, kind, idempotency_key, memo
    postings: pl.DataFrame  # entry_id, line, account_code, loan_id, side, amount_fen


def _pattern(entry: JournalEntry) -> tuple[tuple[str, str, bool], ...]:
    """(account code, side, tagged with the loan) of each posting a builder makes."""
    return tuple((p.account.code, p.side.value, p.loan_id is not None) for p in entry.postings)


def quiet_journal(
    moved: pl.DataFrame, on: date, config: LendingConfig, id_base: str
) -> QuietJournal:
    """The entries for a quiet batch (`quiet_day`'s rows of the loans actually saved). Entry ids
    are `id_base` plus a number; idempotency keys name the date and the batch's first and last
    loan, which no other batch of the date can share."""
    import polars as pl

    sample = {"entry_id": "x", "business_date": on, "idempotency_key": "k"}
    first, last = str(moved["loan_id"].min()), str(moved["loan_id"].max())
    batch = f"quiet loans {first} to {last}"
    kinds = (
        # (kind, key suffix, memo, change column, pattern for a rise, pattern for a fall)
        (
            EntryKind.ACCRUAL,
            "accrual",
            batch,
            "accrued",
            _pattern(accrual(**sample, loan_id="L", interest=1)),  # type: ignore[arg-type]
            (),
        ),
        (
            EntryKind.PROVISION,
            "provision",
            f"allowance to {quiet_class(config).value}",
            "provision_change",
            _pattern(provision(**sample, loan_id="L", change=1)),  # type: ignore[arg-type]
            _pattern(provision(**sample, loan_id="L", change=-1)),  # type: ignore[arg-type]
        ),
        (
            EntryKind.RESERVE,
            "reserve",
            batch,
            "reserve_change",
            _pattern(reserve(**sample, change=1)),  # type: ignore[arg-type]
            _pattern(reserve(**sample, change=-1)),  # type: ignore[arg-type]
        ),
    )
    entries: list[dict[str, object]] = []
    postings: list[pl.DataFrame] = []
    for kind, suffix, memo, column, rise, fall in kinds:
        lines: list[pl.DataFrame] = []
        for sign, pattern in ((1, rise), (-1, fall)):
            moving = moved.filter(pl.col(column) * sign > 0).select(
                "loan_id", (pl.col(column) * sign).alias("amount_fen")
            )
            if moving.is_empty():
                continue
            for code, side, tagged in pattern:
                part = (
                    moving
                    if tagged
                    else pl.DataFrame(
                        {"loan_id": [None], "amount_fen": [int(moving["amount_fen"].sum())]},
                        schema={"loan_id": pl.String, "amount_fen": pl.Int64},
                    )
                )
                lines.append(
                    part.select(
                        pl.lit(code).alias("account_code"),
                        "loan_id",
                        pl.lit(side).alias("side"),
                        "amount_fen",
                    )
                )
        if not lines:
            continue
        entry_id = f"{id_base}.{len(entries)}"
        posted = (
            pl.concat(lines)
            .with_row_index("line")
            .select(
                pl.lit(entry_id).alias("entry_id"),
                pl.col("line").cast(pl.Int32),
                "account_code",
                "loan_id",
                "side",
                "amount_fen",
            )
        )
        sides = dict(posted.group_by("side").agg(pl.col("amount_fen").sum()).iter_rows())
        if sides.get("debit") != sides.get("credit"):
            raise IntegrityBroken(f"unbalanced quiet {kind.value} entry: {sides}")
        postings.append(posted)
        entries.append(
            {
                "entry_id": entry_id,
                "business_date": on,
                "kind": kind.value,
                "idempotency_key": f"eod:{on.isoformat()}:quiet:{first}:{last}:{suffix}",
                "memo": memo,
            }
        )
    schema = {
        "entry_id": pl.String,
        "business_date": pl.Date,
        "kind": pl.String,
        "idempotency_key": pl.String,
        "memo": pl.String,
    }
    return QuietJournal(
        entries=pl.DataFrame(entries, schema=schema),
        postings=pl.concat(postings) if postings else _no_postings(),
    )


def _no_postings() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(
        schema={
            "entry_id": pl.String,
            "line": pl.Int32,
            "account_code": pl.String,
            "loan_id": pl.String,
            "side": pl.String,
            "amount_fen": pl.Int64,
        }
    )
