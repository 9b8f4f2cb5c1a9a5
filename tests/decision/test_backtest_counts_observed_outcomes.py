"""Observed outcomes are counted where known. Given with the rows, they are tallied for each side
and each swap set; read from booked loans, a loan is bad when written off or ever 90+ days past
due (also when cured since), good when settled without that, and unknown while young or unbooked."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from decision.test_backtest_support import NEW_SEGMENT, STRICTER, decide, demo_bundle, demo_with
from fengkong.bootstrap import Context
from fengkong.core.clock import FakeClock
from fengkong.decision.backtest import backtest, row_of, run_backtest
from fengkong.decision.policy_products import POLICY_PRODUCTS
from fengkong.lending.config import LendingConfig
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.repayment import quote_settlement, settle_loan
from fengkong.lending.services import LendingServices


def test_outcomes_given_with_the_rows_are_tallied(context: Context, german: pd.DataFrame) -> None:
    made = decide(context, german, 30)
    approved = [d for d in made if d.outcome.value == "approve"]
    # every approved one known, every third of them bad; nothing known of the others
    outcomes = {d.id: (i % 3 == 0) for i, d in enumerate(approved)}
    rows = [row_of(d, outcomes.get(d.id)) for d in made]
    stricter = demo_bundle(demo_with(NEW_SEGMENT, STRICTER)).compile()

    report = backtest(stricter, rows)

    current, candidate, out = report.current.approved, report.candidate.approved, report.swap_out
    assert current.observed_known == len(approved)
    assert current.observed_bad == sum(outcomes.values())
    assert out.count > 0 and out.observed_known == out.count
    assert candidate.observed_known == len(approved) - out.count
    assert candidate.observed_bad + out.observed_bad == current.observed_bad
    assert current.observed_bad_rate is not None
    assert report.swap_in.observed_known == 0


def test_outcomes_are_read_from_booked_loans(
    context: Context, clock: FakeClock, german: pd.DataFrame
) -> None:
    made = decide(context, german, 30)
    start = clock.business_date()
    lending = LendingServices(
        uow=context.uow,
        clock=clock,
        channel=SimulatedGateway(),
        config=LendingConfig(),
        policy_products=POLICY_PRODUCTS,
    )
    defaulted, settled, cured = [d for d in made if d.outcome.value == "approve"][:3]
    loans = {}
    for decision in (defaulted, settled, cured):
        view = accept_offer(decision.application_id, f"acc-{decision.id}", lending)
        loans[decision.id] = view.record.loan_id
        disburse(view.record.loan_id, f"pay-{decision.id}", lending)
    quote = quote_settlement(loans[settled.id], lending)
    settle_loan(loans[settled.id], quote.payable, "settle-early", lending)

    clock.advance(timedelta(days=130))  # the first instalments fell due about 100 days ago
    run_end_of_day(clock.business_date(), lending)
    late = quote_settlement(loans[cured.id], lending)
    settle_loan(loans[cured.id], late.payable, "settle-late", lending)  # cured, but was 90+

    report = run_backtest(context.uow(), context.policy.compiled, start)

    known = report.current.approved
    assert known.observed_known == 3
    assert known.observed_bad == 2  # the defaulted loan and the one cured after 90+ days
    assert known.count == sum(1 for d in made if d.outcome.value == "approve")
