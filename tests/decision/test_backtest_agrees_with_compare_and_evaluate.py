"""The back-test's streamed tallies agree with the plain definitions: its comparison equals
`routing.compare` over the same outcomes, its candidate decisions equal a full `evaluate` (offer
built), and its counts and amounts reconcile (candidate = current + swap-in − swap-out)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from decision.policy_helpers import RETAIL_TEXT, good_facts
from fengkong.core.money import Fen
from fengkong.decision.backtest import BacktestRow, backtest, candidate_decision
from fengkong.decision.compiler import compile_policy
from fengkong.decision.evaluate import evaluate
from fengkong.decision.policy import CompiledPolicy
from fengkong.decision.pricing import PriceCap
from fengkong.decision.routing import compare

# the shipped retail policy, and the same under a lower cap (a what-if): the caps stage then
# lowers rates and limits, or declines, which the back-test must find too
POLICIES = (
    compile_policy(RETAIL_TEXT),
    compile_policy(RETAIL_TEXT, cap=PriceCap(Decimal("0.155"), "what-if"), check_prices=False),
)
OUTCOMES = ("approve", "decline", "refer", "verify")

rows_strategy = st.lists(
    st.tuples(
        st.integers(300, 999),  # score
        st.integers(800, 30_000).map(lambda yuan: yuan * 100),  # amount, fen
        st.sampled_from((300_000, 800_000, 1_500_000, 4_000_000)),  # monthly income
        st.sampled_from((6, 12, 24)),
        st.sampled_from(OUTCOMES),  # stored outcome
        st.integers(0, 40),  # days after 2025-01-01: month-ends included
        st.decimals(Decimal("0.001"), Decimal("0.6"), places=4),  # pd
        st.sampled_from((None, True, False)),  # observed
        st.sampled_from(("0.12", "0.15", "0.2")),  # stored rate
    ),
    min_size=1,
    max_size=15,
)


def _rows(drawn: list[tuple[object, ...]]) -> Iterator[BacktestRow]:
    """A one-shot generator, as a database stream would be."""
    for i, (score, amount, income, term, outcome, day, pd, bad, rate) in enumerate(drawn):
        approved = outcome == "approve"
        yield BacktestRow(
            decision_id=f"dec-{i}",
            application_id=f"app-{i}",
            decided_on=date(2025, 1, 1) + timedelta(days=int(day)),  # type: ignore[call-overload]
            facts=good_facts(score=score, amount=amount, monthly_income=income, term_months=term),
            outcome=str(outcome),
            approved_amount=Fen(amount) if approved else None,  # type: ignore[arg-type]
            annual_rate=Decimal(str(rate)) if approved else None,
            pd=pd,  # type: ignore[arg-type]
            observed_bad=bad if approved else None,  # type: ignore[arg-type]
        )


@given(st.sampled_from(POLICIES), rows_strategy)
def test_streamed_report_matches_the_definitions(
    policy: CompiledPolicy, drawn: list[tuple[object, ...]]
) -> None:
    report = backtest(policy, _rows(drawn))
    rows = list(_rows(drawn))
    full = {
        r.application_id: evaluate(policy, r.facts, as_of=r.decided_on, offer=True) for r in rows
    }
    for r in rows:
        quick = candidate_decision(policy, r.facts, r.decided_on)
        whole = full[r.application_id]
        assert (quick.outcome, quick.limit, quick.annual_rate) == (
            whole.outcome,
            whole.limit,
            whole.annual_rate,
        )

    stored = {r.application_id: r.outcome for r in rows}
    proposed = {a: d.outcome.value for a, d in full.items()}
    assert report.comparison() == compare(stored, proposed)

    assert report.decisions == len(rows)
    now, then = report.current.approved, report.candidate.approved
    assert then.count == now.count + report.swap_in.count - report.swap_out.count
    approved_by_both = [
        r for r in rows if r.outcome == "approve" and proposed[r.application_id] == "approve"
    ]
    assert report.price_changes.both_approved == len(approved_by_both)
    assert then.amount == sum(full[a].limit or 0 for a, o in proposed.items() if o == "approve")
    assert now.amount == sum(r.approved_amount or 0 for r in rows)
    assert now.observed_known == sum(1 for r in rows if r.observed_bad is not None)
    assert bool(report.decline_reasons) == (report.candidate.count("decline") > 0)
