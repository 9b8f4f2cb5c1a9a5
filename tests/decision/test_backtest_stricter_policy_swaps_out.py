"""A stricter candidate (the approve cut-off for new applicants raised from 530 to 575) only takes
approvals away: swap-out but no swap-in, a lower approval rate, and a lower expected bad rate among
those it still approves, since the scorecard's PD falls as the score rises."""

from __future__ import annotations

import pandas as pd

from decision.test_backtest_support import NEW_SEGMENT, STRICTER, decide, demo_bundle, demo_with
from fengkong.bootstrap import Context
from fengkong.decision.backtest import run_backtest


def test_a_higher_cut_off_swaps_out_and_never_in(context: Context, german: pd.DataFrame) -> None:
    made = decide(context, german, 40)
    candidate = demo_bundle(demo_with(NEW_SEGMENT, STRICTER)).compile()

    report = run_backtest(context.uow(), candidate, context.clock.business_date())

    current, stricter = report.current, report.candidate
    assert report.swap_in.count == 0
    assert report.swap_out.count > 0
    assert stricter.count("approve") == current.count("approve") - report.swap_out.count
    assert stricter.approval_rate is not None and current.approval_rate is not None
    assert stricter.approval_rate < current.approval_rate
    assert stricter.approved.expected_bad_rate is not None
    assert current.approved.expected_bad_rate is not None
    assert stricter.approved.expected_bad_rate < current.approved.expected_bad_rate
    assert stricter.approved.expected_loss < current.approved.expected_loss
    assert stricter.approved.amount + report.swap_out.amount == current.approved.amount

    low_approved = [
        d for d in made if d.outcome.value == "approve" and d.score is not None and d.score < 575
    ]
    assert report.swap_out.count == len(low_approved)
    assert ("approve", "decline") in report.agreement or ("approve", "refer") in report.agreement
    if ("approve", "decline") in report.agreement:
        assert "POL_SCORE_BELOW_CUTOFF" in dict(report.decline_reasons)
    comparison = report.comparison()
    assert comparison.swap_out == report.swap_out.count and comparison.swap_in == 0
