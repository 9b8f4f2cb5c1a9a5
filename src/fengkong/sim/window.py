"""The lender's front office in a simulated run: applications taken through the channel,
step-up checks, offers taken up and paid out, credit lines opened and drawn on, and the review
queue worked by the simulated officer (and an approver where four eyes are needed). Each step
is one of the platform's use cases, called as the API and CLI call it, and safe to repeat."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from fengkong.bootstrap import Context
from fengkong.core.errors import Conflict
from fengkong.core.filters import Who
from fengkong.decision import review_actions
from fengkong.decision.declines import decline_and_flag
from fengkong.decision.officer import OfficerDecision
from fengkong.decision.outcome import Outcome
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import ReviewConfig, ReviewItem, ReviewStatus, as_of
from fengkong.decision.search import application_filter
from fengkong.decision.service import get_application, submit_application
from fengkong.lending.blacklist_trigger import bind_line_borrower
from fengkong.lending.collateral import CollateralType
from fengkong.lending.collateral_service import add_collateral, collateral_of
from fengkong.lending.credit_lines import draw, get_line, open_line
from fengkong.lending.disbursement import disburse
from fengkong.lending.line import LineStatus
from fengkong.lending.origination import LoanView, accept_offer
from fengkong.lending.records import LoanStage
from fengkong.lending.secured_offer import SecurityKind
from fengkong.onboarding.channel import SalesChannel
from fengkong.onboarding.consent import Purpose
from fengkong.sim.book import BookedLoan, HeldLine, RunState
from fengkong.sim.business import is_business_key
from fengkong.sim.conduct import (
    application_request,
    decline_reason,
    officer_approves,
    takes_offer,
)
from fengkong.sim.identity_checks import PopulationIdentityChecks, take_step_up
from fengkong.sim.model import Applicant, FraudKind
from fengkong.sim.population_sources import PopulationSources
from fengkong.sim.secured import secure
from fengkong.sim.setup import SIM_ACTORS, SimActors
from fengkong.sim.stats import MonthStats
from fengkong.sources.kinds import SourceKind, purpose_of

if TYPE_CHECKING:
    from fengkong.sim.plan import RunPlan


@dataclass(frozen=True, slots=True)
class Approval:
    """What an approved application grants, from the policy or an officer."""

    application_id: str
    amount: int
    annual_rate: Decimal
    pd: Decimal | None


class Window:
    """The front office of a run over `ctx`; `applicant(key)` finds a simulated applicant."""

    def __init__(
        self,
        ctx: Context,
        plan: RunPlan,
        state: RunState,
        applicant: Callable[[str], Applicant],
        actors: SimActors = SIM_ACTORS,
    ) -> None:
        self.ctx = ctx
        self.plan = plan
        self.state = state
        self.applicant = applicant
        self.actors = actors
        self.review_config = ReviewConfig.from_settings(ctx.settings)
        # The identity checks a decision waits for are made by the run's simulated provider,
        # answering from the synthetic population, through the platform's own use case.
        self.identity_checks = PopulationIdentityChecks(plan.seed, prices=ctx.identity.prices)
        # The run's external data provider (`sim.population_sources`), when the policy asks for
        # external data: told of each applicant as they apply.
        self.sources: PopulationSources | None = None
        self.data_sources = any(
            purpose_of(SourceKind(ask.kind)) == Purpose.DATA_SOURCES.value
            for ask in ctx.policy.compiled.sources
        )

    def _key(self, *parts: object) -> str:
        return "-".join(("sim", str(self.plan.seed), *map(str, parts)))

    # ---- applications -----------------------------------------------------------------------

    def has_applications(self) -> bool:
        """Whether the run's database holds any application (a run stopped mid-day did)."""
        f = application_filter(vault=self.ctx.vault, as_of=self.ctx.clock.business_date(), limit=1)
        return bool(self.ctx.finders.applications.applications(f).items)

    def already_applied(self, applicant: Applicant) -> DecisionRecord | None:
        """The decision on this applicant's application of today, when an interrupted run of
        this day took it already (found by the ID number's blind index, as officers find it)."""
        today = self.ctx.clock.business_date()
        f = application_filter(
            vault=self.ctx.vault,
            as_of=today,
            who=Who(id_number=applicant.identity.id_number),
            received_from=today,
            received_to=today,
        )
        rows = self.ctx.finders.applications.applications(f).items
        if not rows:
            return None
        return get_application(rows[0].id, self.ctx.decisions).decision

    def apply(self, applicant: Applicant, stats: MonthStats, *, look_up: bool) -> None:
        """Take `applicant`'s application through to its decision, and act on the decision."""
        decision = self.already_applied(applicant) if look_up else None
        if decision is None:
            request = application_request(
                applicant,
                self.ctx.policy.compiled.product,
                self.ctx.clock.business_date(),
                SalesChannel(self.actors.channel.channel or "app"),
                data_sources=self.data_sources,
            )
            if self.sources is not None:
                self.sources.know(applicant)
            decision = submit_application(request, self.ctx.decisions)
        stats.applications += 1
        stats.outcomes[automatic_outcome(decision)] += 1
        _count_arrival(applicant, stats)
        self.decided(applicant, decision, stats)

    def decided(self, applicant: Applicant, decision: DecisionRecord, stats: MonthStats) -> None:
        """Act on the automatic decision on `applicant`'s application (counted by the caller):
        a step-up check, the offer taken up, the referral queued, or the decline counted."""
        if decision.outcome == Outcome.VERIFY:
            decision = take_step_up(self.ctx, self.identity_checks, applicant, decision)
        if decision.outcome == Outcome.APPROVE:
            self._approved(applicant, _approval(decision), stats)
        elif decision.outcome == Outcome.APPROVE_IF_SECURED:
            self._secured(applicant, decision, stats)
        elif decision.outcome == Outcome.REFER:
            self.state.referrals[decision.application_id] = applicant.key
        else:
            _count_decline(applicant, stats)

    def _secured(self, applicant: Applicant, decision: DecisionRecord, stats: MonthStats) -> None:
        """An offer on condition of security: the applicant brings it and takes the loan, or
        walks away (the offer lapses)."""
        kind = secure(self.ctx, applicant, decision, self.plan.seed, self.actors.officer.audit_name)
        if kind is None:
            stats.secured_walked_away += 1
            return
        if kind is SecurityKind.COLLATERAL:
            stats.secured_by_collateral += 1
        else:
            stats.secured_by_guarantor += 1
        _tally(applicant, stats, "approved")
        self._take_loan(applicant, _approval(decision), stats)  # a line is not offered secured

    # ---- the review queue -------------------------------------------------------------------

    def work_review_queue(self, stats: MonthStats) -> None:
        """The officer takes every waiting referral of this run, and decides it by habit; an
        approval above the four-eyes amount goes to the approver, who confirms it. A referral
        already decided when a stopped run resumes the day is acted on as it was decided (its
        offer taken up, or its decline counted): the stop came before the run saved it."""
        for application_id, key in list(self.state.referrals.items()):
            item = self._review_item(application_id)
            applicant = self.applicant(key)
            if item.status in (
                ReviewStatus.OPEN,
                ReviewStatus.CLAIMED,
                ReviewStatus.AWAITING_SECOND,
            ):
                self._review(item, applicant, stats)
            elif item.status == ReviewStatus.APPROVED:
                officer = get_application(application_id, self.ctx.decisions).officer
                if officer is not None:
                    self._officer_approved(applicant, officer, stats)
            elif item.status == ReviewStatus.DECLINED:
                _tally(applicant, stats, "officer_declined")
                _count_decline(applicant, stats)
            # Else it expired before the officer came to it: it waits no more.
            self.state.referrals.pop(application_id, None)

    def _review_item(self, application_id: str) -> ReviewItem:
        decision = get_application(application_id, self.ctx.decisions).decision
        with self.ctx.uow() as uow:
            item = uow.reviews.for_decision(decision.id)
        if item is None:
            raise Conflict(f"application {application_id} was referred but has no review item")
        return as_of(item, self.ctx.clock.now())

    def _review(self, item: ReviewItem, applicant: Applicant, stats: MonthStats) -> None:
        clock, officer = self.ctx.clock, self.actors.officer
        decision = get_application(item.application_id, self.ctx.decisions).decision
        pd = float(decision.pd) if decision.pd is not None else None
        if item.status in (ReviewStatus.OPEN, ReviewStatus.CLAIMED):
            review_actions.claim(
                self.ctx.uow(), item.id, officer.audit_name, clock, self.review_config
            )
            if not officer_approves(applicant, pd, self.plan.seed):
                decline_and_flag(
                    self.ctx.uow,
                    self.ctx.fraud,
                    item.id,
                    officer.audit_name,
                    "simulated review: not satisfied",
                    clock,
                    reason_code=decline_reason(applicant, self.plan.seed),
                )
                _tally(applicant, stats, "officer_declined")
                _count_decline(applicant, stats)
                return
            reviewed = review_actions.approve(
                self.ctx.uow(), item.id, officer, "simulated review: verified", clock
            )
            if reviewed.decision is not None:
                self._officer_approved(applicant, reviewed.decision, stats)
                return
        approver = self.actors.approver
        review_actions.claim(
            self.ctx.uow(), item.id, approver.audit_name, clock, self.review_config
        )
        reviewed = review_actions.approve(
            self.ctx.uow(), item.id, approver, "simulated second approval", clock
        )
        if reviewed.decision is not None:
            self._officer_approved(applicant, reviewed.decision, stats)

    def _officer_approved(
        self, applicant: Applicant, officer: OfficerDecision, stats: MonthStats
    ) -> None:
        _tally(applicant, stats, "officer_approved")
        view = get_application(officer.application_id, self.ctx.decisions)
        granted = view.officer
        if granted is None or granted.approved_amount is None:
            return
        pd = Decimal(view.decision.pd) if view.decision.pd is not None else None
        rate = Decimal(str(granted.annual_rate)) if granted.annual_rate is not None else Decimal(0)
        approval = Approval(view.application.id, int(granted.approved_amount), rate, pd)
        self._approved(applicant, approval, stats)

    # ---- booking ------------------------------------------------------------------------------

    def _approved(self, applicant: Applicant, approval: Approval, stats: MonthStats) -> None:
        _tally(applicant, stats, "approved")
        if not takes_offer(applicant, self.plan.seed):
            _tally(applicant, stats, "offers_declined")
            return
        if applicant.wants_line:
            self._open_line(applicant, approval, stats)
        else:
            self._take_loan(applicant, approval, stats)

    def _take_loan(self, applicant: Applicant, approval: Approval, stats: MonthStats) -> None:
        svc, app_id = self.ctx.lending, approval.application_id
        view = accept_offer(
            app_id, self._key("accept", app_id), svc, self.actors.channel.audit_name
        )
        loan_id = view.record.loan_id
        paid = disburse(loan_id, self._key("payout", loan_id), svc, self.actors.officer.audit_name)
        if paid.stage is not LoanStage.ACTIVE:
            return  # the payout failed for good: nothing was lent
        amount = int(view.record.amount)
        if is_business_key(applicant.key):
            stats.business_loans_booked += 1
            stats.business_amount_booked += amount
            self.state.stats.business_loans.append(loan_id)
        else:
            stats.loans_booked += 1
            stats.amount_booked += amount
        stats.expected_loss += _expected_loss(approval.pd, amount)  # the whole book's
        if applicant.is_fraud:
            stats.fraud_booked += 1
            stats.fraud_amount_booked += amount
        self._hold(applicant, view, None)

    def _open_line(self, applicant: Applicant, approval: Approval, stats: MonthStats) -> None:
        line = open_line(
            approval.amount,
            approval.annual_rate,
            self._key("line", approval.application_id),
            self.ctx.lending,
            application_id=approval.application_id,
            actor=self.actors.officer.audit_name,
        )
        # Whose line it is, from the application: the black-list check at end of day finds the
        # line by its borrower's ID number, phone and card.
        bind_line_borrower(
            line.line_id,
            self.ctx.servicing,
            application_id=approval.application_id,
            actor=self.actors.officer.audit_name,
        )
        stats.lines_opened += 1
        stats.line_limit_opened += int(line.limit)
        self.state.lines[line.line_id] = HeldLine(
            line_id=line.line_id,
            applicant=applicant.key,
            limit=int(line.limit),
            draws=0,
            next_draw=self.ctx.clock.business_date().isoformat(),  # the first draw: today
            pd=None if approval.pd is None else str(approval.pd),
        )

    def draw(
        self,
        held: HeldLine,
        applicant: Applicant,
        amount: int,
        term: int,
        on: date,
        stats: MonthStats,
    ) -> LineStatus:
        """Draw on a line as its holder wishes, within what it still allows; its status."""
        key = self._key("draw", held.line_id, on.isoformat())
        with self.ctx.uow() as uow:
            done = uow.lending.draw_by_key(key)  # by this day's interrupted run
        line = get_line(held.line_id, self.ctx.lending)
        if done is not None:
            amount, term = int(done.amount), done.terms  # asked again as it was: the same answer
        else:
            amount = min(amount, int(line.available))
            if line.status is not LineStatus.ACTIVE or amount < int(line.product.min_amount):
                stats.draws_refused += 1
                return line.status
        result = draw(
            held.line_id, amount, term, key, self.ctx.lending, actor=self.actors.channel.audit_name
        )
        held.draws += 1
        if result.loan.record.stage is not LoanStage.ACTIVE:
            return result.line.status
        stats.draws += 1
        stats.amount_drawn += amount
        pd = Decimal(held.pd) if held.pd is not None else None
        stats.expected_loss += _expected_loss(pd, amount)
        if applicant.is_fraud:
            stats.fraud_booked += 1 if held.draws == 1 else 0
            stats.fraud_amount_booked += amount
        self._hold(applicant, result.loan, held.line_id)
        return result.line.status

    def _hold(self, applicant: Applicant, view: LoanView, line_id: str | None) -> None:
        record = view.record
        collateral = self._pledge(applicant, record.loan_id)
        self.state.loans[record.loan_id] = BookedLoan(
            loan_id=record.loan_id,
            applicant=applicant.key,
            loan_number=self.state.next_loan_number(applicant.key),
            booked_month=f"{record.booked_on:%Y-%m}",
            due=[i.due.isoformat() for i in view.schedule],
            line_id=line_id,
            collateral=collateral,
            collateral_value=int(applicant.collateral_value) if collateral else 0,
        )

    def _pledge(self, applicant: Applicant, loan_id: str) -> str | None:
        """A small business pledges what it offered (premises or equipment) against the loan,
        valued as it applied; its id. A rerun of the day finds it pledged already."""
        if applicant.collateral_value <= 0:
            return None
        held = collateral_of(loan_id, self.ctx.servicing)
        if held.items:
            return held.items[0].item_id
        view = add_collateral(
            loan_id,
            CollateralType.PROPERTY,
            int(applicant.collateral_value),
            self.ctx.servicing,
            source="simulated appraisal",
            description=f"{applicant.industry} business premises",
            actor=self.actors.officer.audit_name,
        )
        return view.items[0].item_id


def _approval(decision: DecisionRecord) -> Approval:
    return Approval(
        application_id=decision.application_id,
        amount=int(decision.approved_amount or 0),
        annual_rate=Decimal(decision.annual_rate or 0),
        pd=Decimal(decision.pd) if decision.pd is not None else None,
    )


def automatic_outcome(decision: DecisionRecord) -> str:
    """The policy's first word: `verify` for a decision a step-up check then completed (found
    again after an interruption, it carries the check's result among its facts)."""
    if any(str(name).startswith("step_up.") for name in decision.facts):
        return Outcome.VERIFY.value
    return decision.outcome.value


def _expected_loss(pd: Decimal | None, amount: int) -> int:
    """PD × the amount lent, no recovery assumed: what the decision expected to lose."""
    return 0 if pd is None else int(pd * amount)


# The statistics' name for each kind of applicant (`honest_applications`, `ring_declined`, …).
_COUNTED_AS = {FraudKind.NONE: "honest", FraudKind.RING: "ring", FraudKind.IDENTITY_THIEF: "thief"}


def _count_as(applicant: Applicant, stats: MonthStats, what: str) -> None:
    name = f"{_COUNTED_AS[applicant.fraud]}_{what}"
    setattr(stats, name, getattr(stats, name) + 1)


def _count_arrival(applicant: Applicant, stats: MonthStats) -> None:
    _count_as(applicant, stats, "applications")


def _count_decline(applicant: Applicant, stats: MonthStats) -> None:
    if is_business_key(applicant.key):
        stats.business_declined += 1
    else:
        _count_as(applicant, stats, "declined")


def _tally(applicant: Applicant, stats: MonthStats, what: str) -> None:
    """Count `what` ("approved", "officer_declined", …) for the segment `applicant` is in: a
    small business's under `business_<what>`, apart from the consumers'."""
    name = f"business_{what}" if is_business_key(applicant.key) else what
    setattr(stats, name, getattr(stats, name) + 1)


__all__ = ["Approval", "Window", "automatic_outcome"]
