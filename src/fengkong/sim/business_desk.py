"""The small-business desk of a simulated run (`fengkong simulate --businesses-per-day N`): each
day, after the consumers, businesses of the run's own seeded `BusinessPopulation` apply through
the platform's decision service with a `business` block (owners, guarantor) and their legal
representative's consents, decided under the run's business policy (`business-v1` unless the
plan names another) — beside the consumer policy, on the same book.

The run's simulated provider (`sim.population_sources`) is told of each business as it applies
and answers the six kinds the policy fetches from the business's hidden state; the champion the
policy names (`business-scorecard`) is trained on the simulated past book of business loans and
promoted maker-checker at the run's start (`promote_business_model`). What follows a decision is
the consumers' path (`sim.window`): referrals worked by the simulated officer, offers taken up,
loans booked and paid out. A booked business repays as its owner would, with the behaviour drawn
by `sim.population.draw_behaviour` from the business's hidden PD and strength, and serviced by
the engine as every loan is (`sim.behaviour.repayment`)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from fengkong.bootstrap import Context
from fengkong.core.money import Fen
from fengkong.core.reason import Reason
from fengkong.decision.bundle import ActivePolicy, PolicyBundle, PolicyCache
from fengkong.decision.live import LiveCache
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy import CompiledPolicy
from fengkong.decision.service import DecisionServices, submit_application
from fengkong.lending.product import Product
from fengkong.onboarding.application import ApplicationRequest, Channel, ConsentGiven
from fengkong.onboarding.business import validate_business
from fengkong.onboarding.channel import SalesChannel
from fengkong.onboarding.consent import Purpose
from fengkong.onboarding.service import validate_applicant
from fengkong.scoring.registry import ModelKind
from fengkong.sim.business import BusinessPopulation, SmallBusiness, business_index
from fengkong.sim.business_model import (
    BUSINESS_GBM,
    BUSINESS_MODEL,
    BUSINESS_ROWS,
    promote_business_model,
    train_business_model,
)
from fengkong.sim.conduct import fitted_terms
from fengkong.sim.model import NO_COLLATERAL, Applicant
from fengkong.sim.plan import RunPlan
from fengkong.sim.population import draw_behaviour
from fengkong.sim.stats import MonthStats, RunStats
from fengkong.sim.window import Window, automatic_outcome
from fengkong.wiring import check_products, configured_policy

__all__ = [
    "BusinessDesk",
    "borrower_of",
    "business_policy",
    "business_request",
    "history_rows",
    "train_business_champion",
]

PURPOSE = "business"  # working capital, as the codebook names it
HISTORY_DAYS = 365  # the past book the champion learns from: a year of business loans
MIN_HISTORY_ROWS = 1000  # fewer leave too few defaults to validate on (about 5 % default)
# The model kind of each business model name a policy may name (`model:`).
MODEL_KINDS: dict[str, ModelKind] = {BUSINESS_MODEL: "scorecard", BUSINESS_GBM: "gbm"}
CONSENTS = (
    ConsentGiven(Purpose.CREDIT_BUREAU, "the legal representative's credit report", "sim-1"),
    ConsentGiven(Purpose.DATA_SOURCES, "the business's registry, tax and bank records", "sim-1"),
)


def business_policy(ctx: Context, bundle: PolicyBundle) -> ActivePolicy:
    """The business policy compiled as a configured policy is (its prices checked against the
    cap once), offering a product of the run's catalogue on the catalogue's terms."""
    active = configured_policy(bundle, ctx.settings.home / "cache" / "prices-checked")
    check_products(active, ctx.products)
    return active


def history_rows(per_day: int) -> int:
    """The size of the past book the business champion is trained on: a year of business loans
    at the run's own pace, between `MIN_HISTORY_ROWS` and `BUSINESS_ROWS`."""
    return max(MIN_HISTORY_ROWS, min(BUSINESS_ROWS, HISTORY_DAYS * per_day))


def train_business_champion(ctx: Context, policy: CompiledPolicy, plan: RunPlan) -> str | None:
    """Train the business model `policy` names on the seeded past book as of the run's start and
    promote it, maker-checker; its version. None when the policy names no business model (the
    registry's champion of its name, if any, scores it)."""
    kind = MODEL_KINDS.get(policy.model)
    if kind is None:
        return None
    result = train_business_model(
        plan.seed, rows=history_rows(plan.businesses_per_day), as_of=plan.start, kind=kind
    )
    return promote_business_model(ctx, result).version


def borrower_of(firm: SmallBusiness, seed: int, day: int) -> Applicant:
    """The business as the run's borrower: its legal representative, keyed by the business,
    asking for the business's loan, with a repayment behaviour drawn from the business's hidden
    PD and strength as a consumer's is drawn from theirs. No collateral, no line."""
    rng = random.Random(f"business-behaviour/{seed}/{firm.key}")
    return replace(
        firm.owner,
        key=firm.key,
        day=day,
        amount=firm.amount,
        term_months=firm.term_months,
        purpose=PURPOSE,
        behaviour=draw_behaviour(rng, firm.strength, firm.pd),
        wants_line=False,
        collateral_value=NO_COLLATERAL,
    )


def declared_cash_flow(firm: SmallBusiness) -> Fen:
    """The monthly operating cash flow the business declares (its books' figure, as the
    simulated statements draw it), never below nothing."""
    monthly = float(firm.annual_revenue) * (0.75 * firm.margin + 0.01) / 12
    return Fen(max(0, round(monthly)))


def business_request(
    firm: SmallBusiness, borrower: Applicant, product: Product, as_of: date, channel: SalesChannel
) -> ApplicationRequest:
    """The legal representative's application for `firm`, as a channel sends it: the loan the
    business asks for (fitted to `product`), its declared cash flow as the monthly income, the
    owner's existing repayments, both consents, and the business block validated as every door
    validates it (`validate_business`)."""
    owner = firm.owner.identity
    term, amount = fitted_terms(borrower, product)
    applicant = validate_applicant(
        owner.name,
        owner.id_number,
        owner.phone,
        as_of,
        bank_card=owner.bank_card,
        employer_uscc=firm.uscc,
    )
    guarantors = [] if firm.guarantor is None else [firm.guarantor.identity]
    block = {
        "uscc": firm.uscc,
        "registered_name": firm.name,
        "industry": firm.section,
        "established_on": firm.established.isoformat(),
        "annual_revenue_fen": int(firm.annual_revenue),
        "owners": [
            {
                "name": o.person.identity.name,
                "id_number": o.person.identity.id_number,
                "phone": o.person.identity.phone,
                "share_bp": o.share_bp,
            }
            for o in firm.owners
        ],
        "guarantors": [
            {"kind": "person", "name": g.name, "id_number": g.id_number, "phone": g.phone}
            for g in guarantors
        ],
    }
    return ApplicationRequest(
        product=product.code,
        amount=Fen(amount),
        term_months=term,
        purpose=PURPOSE,
        monthly_income=declared_cash_flow(firm),
        applicant=applicant,
        profile=dict(borrower.profile),
        existing_monthly_debt=borrower.existing_monthly_debt,
        consents=CONSENTS,
        channel=Channel(device_id=owner.device_id, ip=owner.ip, source=channel),
        industry=firm.section,
        business=validate_business(block, as_of, applicant_id_number=applicant.id_number),
    )


class BusinessDesk:
    """The business applications of a run over `ctx`, decided under `policy` through `window`'s
    front office (which then acts on them as on a consumer's)."""

    def __init__(self, ctx: Context, plan: RunPlan, window: Window, active: ActivePolicy) -> None:
        self.ctx = ctx
        self.plan = plan
        self.window = window
        self.policy = active.compiled
        # The consumer's decision services, deciding under the business policy: the same
        # registries, stores, fraud signals, sources and review queue.
        self.decisions: DecisionServices = replace(
            ctx.decisions, live=LiveCache(PolicyCache(active, ctx.settings.price_cap))
        )
        self.population = BusinessPopulation(
            plan.seed, plan.start, plan.scenario, per_day=max(1, plan.businesses_per_day)
        )
        self._borrowers: dict[str, Applicant] = {}

    def arrivals(self, day: int, on: date) -> tuple[SmallBusiness, ...]:
        """The businesses applying on simulated day `day` (`on`)."""
        first = day * self.plan.businesses_per_day
        return self.population.businesses(self.plan.businesses_on(on), first=first)

    def borrower(self, key: str) -> Applicant:
        """The borrower of business `key` ("b000042"), drawn again from the seeded population."""
        found = self._borrowers.get(key)
        if found is None:
            firm = self.population.business(business_index(key))
            day = (firm.applied_on - self.plan.start).days
            found = self._borrowers[key] = borrower_of(firm, self.plan.seed, day)
        return found

    def forget_before(self, day: int) -> None:
        """Forget the borrowers of businesses that applied before `day` (drawn again if asked
        for): a long run keeps only its recent applicants in memory, as the engine does."""
        self._borrowers = {k: b for k, b in self._borrowers.items() if b.day >= day}

    def apply(self, firm: SmallBusiness, stats: MonthStats, *, look_up: bool) -> None:
        """Take `firm`'s application through to its decision, count it in the business
        segment, and act on the decision as the front office does."""
        borrower = self.borrower(firm.key)
        decision = self.window.already_applied(borrower) if look_up else None
        if decision is None:
            request = business_request(
                firm,
                borrower,
                self.policy.product,
                self.ctx.clock.business_date(),
                SalesChannel(self.window.actors.channel.channel or "app"),
            )
            if self.window.sources is not None:
                self.window.sources.know_business(firm)
            decision = submit_application(request, self.decisions)
        stats.business_applications += 1
        stats.business_outcomes[automatic_outcome(decision)] += 1
        if decision.outcome in (Outcome.DECLINE, Outcome.REFER):
            _count_reasons(self.window.state.stats, stats, decision.reasons)
        self.window.decided(borrower, decision, stats)


def _count_reasons(run: RunStats, stats: MonthStats, reasons: tuple[Reason, ...]) -> None:
    """The reasons of a decline or a referral, by code; each code's texts kept once for the
    report."""
    for reason in reasons:
        stats.business_reasons[reason.code] += 1
        run.reason_texts.setdefault(reason.code, [reason.text_en, reason.text_zh])
