"""A looser candidate (the approve cut-off for new applicants lowered from 530 to 480) only adds
approvals: swap-in but no swap-out, a higher approval rate, and the applicants it adds carry a
higher expected bad rate than those approved already."""

from __future__ import annotations

import pandas as pd

from decision.test_backtest_support import LOOSER, NEW_SEGMENT, decide, demo_bundle, demo_with
from fengkong.bootstrap import Context
from fengkong.decision.backtest import run_backtest


def test_a_lower_cut_off_swaps_in_and_never_out(context: Context, german: pd.DataFrame) -> None:
    decide(context, german, 40)
    candidate = demo_bundle(demo_with(NEW_SEGMENT, LOOSER)).compile()

    report = run_backtest(context.uow(), candidate, context.clock.business_date())

    current, looser = report.current, report.candidate
    assert report.swap_out.count == 0
    assert report.swap_in.count > 0
    assert looser.count("approve") == current.count("approve") + report.swap_in.count
    assert looser.approval_rate is not None and current.approval_rate is not None
    assert looser.approval_rate > current.approval_rate
    assert report.swap_in.expected_bad_rate is not None
    assert current.approved.expected_bad_rate is not None
    assert report.swap_in.expected_bad_rate > current.approved.expected_bad_rate
    assert looser.approved.amount == current.approved.amount + report.swap_in.amount
    # the applicants it adds were declined or referred: no loan, so no observed outcome
    assert report.swap_in.observed_known == 0
    assert report.price_changes.both_approved == current.count("approve")
