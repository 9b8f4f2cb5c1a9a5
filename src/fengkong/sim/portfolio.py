"""The portfolio at a month's end, read as a risk manager reads it: every loan's stage, days
past due and bucket from the loan search (`lending.search`), and income, provisions and losses
from the ledger's balances. What a run's report draws its vintages, roll rates and money from."""

from __future__ import annotations

from datetime import date

from fengkong.bootstrap import Context
from fengkong.core.paging import MAX_LIMIT, PageRequest
from fengkong.ledger import accounts
from fengkong.ledger.journal import account_totals
from fengkong.lending.credit_lines import get_line
from fengkong.lending.line import LineChangeKind, LineStatus
from fengkong.lending.records import LoanStage
from fengkong.lending.search import NEWEST_LOANS, LoanFilter
from fengkong.sim.book import RunState
from fengkong.sim.stats import LoanSnapshot, MonthStats

STOPPED = (LineChangeKind.FROZEN, LineChangeKind.CLOSED)


def loan_snapshots(ctx: Context) -> list[LoanSnapshot]:
    """Every loan and draw booked so far, as it stands after the last end of day."""
    snapshots: list[LoanSnapshot] = []
    page = PageRequest(NEWEST_LOANS, limit=MAX_LIMIT)
    while True:
        found = ctx.finders.loans.loans(LoanFilter(page=page))
        snapshots.extend(
            LoanSnapshot(
                loan_id=row.loan_id,
                booked_month=f"{row.booked_on:%Y-%m}",
                status=row.status.value,
                days_past_due=row.days_past_due,
                bucket=row.dpd_bucket,
                principal_outstanding=int(row.principal_outstanding),
                amount=int(row.amount),
            )
            for row in found.items
        )
        if found.next is None:
            return snapshots
        page = PageRequest(NEWEST_LOANS, limit=MAX_LIMIT, after=found.next)


def photograph(ctx: Context, state: RunState, on: date, stats: MonthStats) -> None:
    """Record the portfolio as at `on` (a month's last simulated day) in `stats` and in the
    run's month-end snapshots."""
    snapshots = loan_snapshots(ctx)
    previous = state.stats.snapshots.get(_previous_month(state, stats.month), [])
    before = {s.loan_id: s for s in previous}
    state.stats.snapshots[stats.month] = snapshots
    live = [s for s in snapshots if s.status == LoanStage.ACTIVE.value]
    stats.end_active_loans = len(live)
    stats.end_principal_outstanding = sum(s.principal_outstanding for s in live)
    by_bucket: dict[str, int] = {}
    count_by_bucket: dict[str, int] = {}
    for s in live:
        by_bucket[s.bucket] = by_bucket.get(s.bucket, 0) + s.principal_outstanding
        count_by_bucket[s.bucket] = count_by_bucket.get(s.bucket, 0) + 1
    stats.end_principal_by_bucket = by_bucket
    stats.end_loans_by_bucket = count_by_bucket
    # Principal written off: what a loan written off this month still owed at the last month's
    # end (a borrower who stopped paying pays nothing in between), on top of earlier months'.
    written_now = sum(
        before[s.loan_id].principal_outstanding
        for s in snapshots
        if s.status == LoanStage.WRITTEN_OFF.value
        and s.loan_id in before
        and before[s.loan_id].status != LoanStage.WRITTEN_OFF.value
    )
    earlier = state.stats.months[-2].amount_written_off if len(state.stats.months) > 1 else 0
    stats.amount_written_off = earlier + written_now
    stats.end_lines_active, stats.end_lines_by_reason = lines_by_reason(ctx, state)
    with ctx.uow() as uow:
        totals = account_totals(uow.journal.balances())
    stats.end_allowance = totals.get(accounts.LOSS_ALLOWANCE.code, 0)
    stats.end_reserve = totals.get(accounts.RISK_RESERVE.code, 0)
    stats.interest_income = totals.get(accounts.INTEREST_INCOME.code, 0)
    stats.fee_income = totals.get(accounts.FEE_INCOME.code, 0)
    stats.penalty_income = totals.get(accounts.PENALTY_INCOME.code, 0)
    stats.provision_expense = totals.get(accounts.PROVISION_EXPENSE.code, 0)
    stats.write_off_loss = totals.get(accounts.WRITE_OFF_LOSS.code, 0)


def lines_by_reason(ctx: Context, state: RunState) -> tuple[int, dict[str, int]]:
    """The run's credit lines: how many are active, and the others by why they were frozen or
    closed (the reason code of their last freeze or close)."""
    active = 0
    by_reason: dict[str, int] = {}
    for held in state.lines.values():
        line = get_line(held.line_id, ctx.lending)
        if line.status is LineStatus.ACTIVE:
            active += 1
            continue
        acted = [c for c in line.history if c.kind in STOPPED]
        code = acted[-1].reason.split(":", 1)[0] if acted else "UNKNOWN"
        why = f"{line.status.value}: {code}"
        by_reason[why] = by_reason.get(why, 0) + 1
    return active, dict(sorted(by_reason.items()))


def _previous_month(state: RunState, month: str) -> str:
    labels = [m.month for m in state.stats.months if m.month < month]
    return labels[-1] if labels else ""


__all__ = ["lines_by_reason", "loan_snapshots", "photograph"]
