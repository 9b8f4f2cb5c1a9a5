"""The lifecycle engine: a lender's days, one after another, on the run's clock.

Each simulated day: applicants arrive and apply through the channel (onboarding, fraud signals,
decision), and small businesses after them when the plan has them (`sim.business_desk`, under
their own policy), a step-up check is taken where the policy asks for one, approved applicants take
their offer (booked, paid out) or open a credit line and draw on it; in the afternoon the
simulated officer works the review queue; borrowers pay, pay late, pay in part, miss or settle
early as their behaviour says; line holders draw again; then the end of day runs (accrual,
buckets, classification, provisioning, reserve, line triggers, write-offs, auto-debit,
reminders, collections). At each month's end the portfolio is photographed for the report.

The engine only calls the platform's use cases, as the API and CLI do, acting as the run's
people (`sim.setup.SIM_ACTORS`); it never writes a table. Every money operation carries an
idempotency key made of the run's seed and what it is for, so a day run twice books nothing
twice: after an interruption the last unfinished day runs again (`sim.book`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

from fengkong.bootstrap import Context
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict
from fengkong.decision.bundle import ActivePolicy
from fengkong.lending.collateral_service import revalue_collateral
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.line import LineStatus
from fengkong.lending.origination import LoanView, get_loan
from fengkong.lending.records import LoanStage
from fengkong.lending.repayment import post_repayment, quote_settlement, settle_loan
from fengkong.lending.servicing import amount_due
from fengkong.sim.behaviour import repayment
from fengkong.sim.book import BookedLoan, RunState
from fengkong.sim.business import is_business_key
from fengkong.sim.business_desk import BusinessDesk
from fengkong.sim.conduct import draw_plan, rng_for
from fengkong.sim.investigation import blacklist_fraudster, under_investigation
from fengkong.sim.model import Applicant
from fengkong.sim.plan import (
    APPLICATIONS_AT,
    END_OF_DAY_AT,
    PAYMENTS_AT,
    REVIEW_AT,
    RISK_TEAM_AT,
    RunPlan,
    at,
    month_index,
    month_label,
)
from fengkong.sim.population import Population
from fengkong.sim.portfolio import photograph
from fengkong.sim.rescoring import BEHAVIOUR_MONTH, train_behaviour_champion
from fengkong.sim.stats import MonthStats
from fengkong.sim.window import Window

EOD_COUNTS = {
    "lines_frozen": "lines_frozen",
    "lines_closed": "lines_closed",
    "lines_reduced": "lines_reduced",
    "lines_raised": "lines_raised",
    "borrowers_rescored": "borrowers_rescored",
    "written_off": "written_off",
    "reminders_sent": "reminders_sent",
    "cases_opened": "collection_cases",
}


DayHook = Callable[[int, date], None]


class Lifecycle:
    """Runs `plan` over `ctx` day by day from `state.next_day`, saving `state` in `folder`
    after each day. `after_day(day, date)` is told of every completed day (progress)."""

    def __init__(
        self,
        ctx: Context,
        clock: FakeClock,
        plan: RunPlan,
        state: RunState,
        folder: Path,
        *,
        after_day: DayHook | None = None,
        business_policy: ActivePolicy | None = None,
    ) -> None:
        self.ctx = ctx
        self.clock = clock
        self.plan = plan
        self.state = state
        self.folder = folder
        self.after_day = after_day
        self.population = Population(
            plan.seed, plan.scenario, plan.start, daily_arrivals=plan.applicants_per_day
        )
        self.window = Window(ctx, plan, state, self._applicant)
        self._applicants: dict[int, tuple[Applicant, ...]] = {}
        # Small businesses, when the plan has them: decided under their own policy.
        self.business: BusinessDesk | None = None
        if plan.businesses_per_day and business_policy is not None:
            self.business = BusinessDesk(ctx, plan, self.window, business_policy)

    # ---- the people -------------------------------------------------------------------------

    def _arrivals(self, day: int) -> tuple[Applicant, ...]:
        if day not in self._applicants:
            on = self.plan.start + timedelta(days=day)
            self._applicants[day] = self.population.arrivals(day, self.plan.arrivals_on(on))
        return self._applicants[day]

    def _applicant(self, key: str) -> Applicant:
        """The applicant of `key` ("d0042-007"), drawn again from the seeded population; a
        small business's borrower for a business's key ("b000042")."""
        if is_business_key(key):
            if self.business is None:
                raise Conflict(f"{key} is a business's, but this run takes no businesses")
            return self.business.borrower(key)
        day, index = key[1:].split("-")
        return self._arrivals(int(day))[int(index)]

    # ---- the run ----------------------------------------------------------------------------

    def run(self) -> RunState:
        resuming = self.state.next_day > 0 or self.window.has_applications()
        for day in range(self.state.next_day, self.plan.days):
            on = self.plan.start + timedelta(days=day)
            self._run_day(day, on, look_up_first=resuming)
            resuming = False
            self.state.next_day = day + 1
            self.state.finished = self.state.next_day >= self.plan.days
            self.state.save(self.folder)
            self._applicants = {d: a for d, a in self._applicants.items() if d > day - 400}
            if self.business is not None:
                self.business.forget_before(day - 399)
            if self.after_day is not None:
                self.after_day(day, on)
        return self.state

    def _run_day(self, day: int, on: date, *, look_up_first: bool) -> None:
        stats = self.state.stats.month(month_label(on))
        stats.days += 1
        month = month_index(self.plan.start, on)
        self.clock.set(at(on, APPLICATIONS_AT))
        for applicant in self._arrivals(day):
            self.window.apply(applicant, stats, look_up=look_up_first)
        if self.business is not None:
            for firm in self.business.arrivals(day, on):
                self.business.apply(firm, stats, look_up=look_up_first)
        self.clock.set(at(on, REVIEW_AT))
        self.window.work_review_queue(stats)
        self.clock.set(at(on, PAYMENTS_AT))
        if self._shock_begins(on):
            self._revalue_collateral(on)
        self._draws(on, stats)
        self._payments(on, month, stats)
        self._investigate(on, stats)
        self.clock.set(at(on, END_OF_DAY_AT))
        self._end_of_day(on, stats)
        if (on + timedelta(days=1)).month != on.month or day == self.plan.days - 1:
            photograph(self.ctx, self.state, on, stats)
            self._forget_closed(stats.month)
            if month + 1 >= BEHAVIOUR_MONTH and self.state.stats.behaviour_model is None:
                self.clock.set(at(on, RISK_TEAM_AT))
                trained = train_behaviour_champion(self.ctx, on, self.plan.seed)
                self.state.stats.behaviour_model = trained

    # ---- borrowers paying -------------------------------------------------------------------

    def _payments(self, on: date, month: int, stats: MonthStats) -> None:
        today = on.isoformat()
        for loan in list(self.state.loans.values()):
            self._plan_due(loan, today, month, stats)
            planned = loan.planned.pop(today, None)
            if planned is not None:
                self._pay(loan, on, planned, stats)

    def _plan_due(self, loan: BookedLoan, today: str, month: int, stats: MonthStats) -> None:
        """On an instalment's due date, the borrower decides what they will do about it."""
        if today not in loan.due:
            return
        number = loan.due.index(today) + 1
        business = is_business_key(loan.applicant)
        stats.instalments_due += 1
        stats.business_instalments_due += 1 if business else 0
        what = repayment(
            self._applicant(loan.applicant),
            loan=loan.loan_number,
            instalment=number,
            month=month,
            scenario=self.plan.scenario,
            seed=self.plan.seed,
            # a business's hidden PD has the economy in it already (`sim.business`)
            shocks=not business,
        )
        if what.days_late is None:
            stats.missed += 1
            stats.business_missed += 1 if business else 0
            return
        pay_on = (date.fromisoformat(today) + timedelta(days=what.days_late)).isoformat()
        # A later plan for the same day wins: it covers what is due by then, arrears included.
        loan.planned[pay_on] = [number, str(what.share), what.settle]

    def _pay(self, loan: BookedLoan, on: date, planned: list[object], stats: MonthStats) -> None:
        number, share, settle = int(str(planned[0])), Decimal(str(planned[1])), bool(planned[2])
        key = f"sim{self.plan.seed}-{loan.loan_id}-{on.isoformat()}"
        with self.ctx.uow() as uow:
            done = uow.lending.repayment_by_key(key)  # by this day's interrupted run
        if done is not None:
            self._count_payment(loan, on, number, share, settle, int(done.amount), stats)
            if settle:
                self._forget(loan, get_loan(loan.loan_id, self.ctx.lending))
            return
        actor = self.window.actors.channel.audit_name
        view = get_loan(loan.loan_id, self.ctx.lending)
        if view.record.stage is not LoanStage.ACTIVE:
            self._forget(loan, view)
            return
        if settle:
            amount = int(quote_settlement(loan.loan_id, self.ctx.lending).payable)
            if amount > 0:
                settle_loan(loan.loan_id, amount, key, self.ctx.lending, actor=actor)
        else:
            due = int(amount_due(view.record.state, on))
            amount = int((Decimal(due) * share).to_integral_value(ROUND_CEILING))
            if amount > 0:
                post_repayment(loan.loan_id, amount, key, self.ctx.lending, actor=actor)
        if amount > 0:
            self._count_payment(loan, on, number, share, settle, amount, stats)
        if settle:
            self._forget(loan, get_loan(loan.loan_id, self.ctx.lending))

    def _count_payment(
        self,
        loan: BookedLoan,
        on: date,
        number: int,
        share: Decimal,
        settle: bool,
        amount: int,
        stats: MonthStats,
    ) -> None:
        stats.amount_collected += amount
        if settle:
            stats.early_settlements += 1
        elif share < 1:
            stats.partial_payments += 1
        elif on.isoformat() == loan.due[number - 1]:
            stats.paid_on_time += 1
        else:
            stats.paid_late += 1

    def _forget(self, loan: BookedLoan, view: LoanView) -> None:
        if view.record.stage in (LoanStage.SETTLED, LoanStage.WRITTEN_OFF):
            self.state.loans.pop(loan.loan_id, None)

    def _forget_closed(self, month: str) -> None:
        """Loans the month's end found settled (paid to the end) or written off: nothing more
        will happen to them."""
        closed = (LoanStage.SETTLED.value, LoanStage.WRITTEN_OFF.value)
        for snapshot in self.state.stats.snapshots.get(month, ()):
            if snapshot.status in closed:
                self.state.loans.pop(snapshot.loan_id, None)

    # ---- the risk team ----------------------------------------------------------------------

    def _investigate(self, on: date, stats: MonthStats) -> None:
        """Fraud is confirmed a month after a first instalment went unpaid: on the black list."""
        for loan in self.state.loans.values():
            if not under_investigation(loan, on):
                continue
            applicant = self._applicant(loan.applicant)
            if applicant.is_fraud:
                listed = blacklist_fraudster(self.ctx, self.window.actors, applicant, loan.loan_id)
                stats.fraud_confirmed += 1 if listed else 0

    # ---- the economy ----------------------------------------------------------------------

    def _shock_begins(self, on: date) -> bool:
        """Whether `on` is the first simulated day of the scenario's shock."""
        month = month_index(self.plan.start, on)
        if not self.plan.scenario.active(month):
            return False
        return on == self.plan.start or not self.plan.scenario.active(
            month_index(self.plan.start, on - timedelta(days=1))
        )

    def _revalue_collateral(self, on: date) -> None:
        """The shock marks pledged property down by the scenario's cut: a new valuation of each
        item, which reviews its loan-to-value at once (margin calls, and at end of day the
        freezes of lines whose calls go unmet)."""
        keep = Decimal(1) - self.plan.scenario.collateral_cut
        for loan in self.state.loans.values():
            if loan.collateral is None:
                continue
            value = int((Decimal(loan.collateral_value) * keep).to_integral_value())
            try:
                revalue_collateral(
                    loan.collateral,
                    max(value, 1),
                    self.ctx.servicing,
                    valued_on=on,
                    source="simulated market revaluation",
                    actor=self.window.actors.risk.audit_name,
                )
            except Conflict:
                continue  # valued on this date already, by this day's interrupted run

    # ---- line holders drawing ---------------------------------------------------------------

    def _draws(self, on: date, stats: MonthStats) -> None:
        today = on.isoformat()
        for line in list(self.state.lines.values()):
            if line.next_draw != today:
                continue
            applicant = self._applicant(line.applicant)
            amount, term, every = draw_plan(applicant, self.plan.seed, line.limit)
            drawn = self.window.draw(line, applicant, amount, term, on, stats)
            rng = rng_for(self.plan.seed, applicant.key, "draw-again", line.draws)
            keeps_drawing = drawn is not LineStatus.CLOSED and rng.random() < 0.7
            line.next_draw = (on + timedelta(days=every)).isoformat() if keeps_drawing else None

    # ---- end of day -------------------------------------------------------------------------

    def _end_of_day(self, on: date, stats: MonthStats) -> None:
        report = run_end_of_day(
            on,
            self.ctx.lending,
            steps=self.ctx.eod_steps(),
            started_by=self.window.actors.admin.audit_name,
        )
        for totals in report.totals.values():
            for name, field_name in EOD_COUNTS.items():
                setattr(stats, field_name, getattr(stats, field_name) + int(totals.get(name, 0)))


__all__ = ["DayHook", "Lifecycle"]
