"""Back-testing the very policy that made the stored decisions changes nothing: the same outcome
for every application, no swaps, the same rates, amounts, prices and expected loss."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pandas as pd

from decision.test_backtest_support import decide, demo_bundle
from fengkong.bootstrap import Context
from fengkong.core.money import BANKERS, to_fen
from fengkong.decision.backtest import DEFAULT_LGD, run_backtest


def test_the_deciding_policy_reproduces_every_stored_decision(
    context: Context, german: pd.DataFrame
) -> None:
    made = decide(context, german, 40)
    candidate = demo_bundle().compile()
    assert candidate.sha256 == context.policy.compiled.sha256

    report = run_backtest(context.uow(), candidate, context.clock.business_date())

    assert report.decisions == 40 and report.skipped == 0
    assert report.swap_in.count == 0 and report.swap_out.count == 0
    assert all(stored == rerun for stored, rerun in report.agreement)
    assert report.current.as_dict() == report.candidate.as_dict()
    assert dict(report.current.outcomes) == dict(Counter(d.outcome.value for d in made))

    approved = [d for d in made if d.outcome.value == "approve"]
    assert 0 < len(approved) < len(made)
    assert report.candidate.approved.amount == sum(d.approved_amount or 0 for d in approved)
    loss = sum(Decimal(d.pd or 0) * DEFAULT_LGD * (d.approved_amount or 0) for d in approved)
    assert report.candidate.approved.expected_loss == to_fen(Decimal(loss), BANKERS)
    prices = report.price_changes
    assert prices.both_approved == prices.priced == prices.same == len(approved)
    assert prices.up == prices.down == 0 and prices.mean_rate_change == 0
    assert prices.amount_same == len(approved)
    assert report.current_policies == ((candidate.label, 40),)
