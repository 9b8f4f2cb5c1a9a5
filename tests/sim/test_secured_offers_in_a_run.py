"""A month of the simulated lender under retail-v4: applicants offered a loan on condition of
security pledge their premises, bring a guarantor, or walk away — every secured offer is one of
the three; each secured loan holds its security; the books verify."""

from __future__ import annotations

from pathlib import Path

from fengkong.lending.collateral_service import collateral_of
from fengkong.lending.guarantee import guarantees_for_loan
from fengkong.lending.secured_offer import SecuredStatus, SecurityKind
from fengkong.lending.secured_offers import secured_offer_of
from fengkong.sim.run import simulate
from sim.lifecycle_runs import applications, lifecycle_plan, run_context, sim_settings, total


def test_secured_offers_are_secured_or_walked_away_from(tmp_path: Path) -> None:
    settings = sim_settings(tmp_path / "home")
    plan = lifecycle_plan(months=1, per_day=4, seed=3, policy="retail-v4")
    outcome = simulate(settings, plan, tmp_path / "run")
    assert outcome.books_ok
    stats = outcome.state.stats
    offered = sum(m.outcomes.get("approve_secured", 0) for m in stats.months)
    by_collateral = total(stats, "secured_by_collateral")
    by_guarantor = total(stats, "secured_by_guarantor")
    walked = total(stats, "secured_walked_away")
    assert offered > 0 and offered == by_collateral + by_guarantor + walked
    with run_context(settings, plan, tmp_path / "run") as ctx:
        seen = {SecuredStatus.BOOKED: 0, SecuredStatus.AWAITING: 0}
        for row in applications(ctx):
            if row.outcome != "approve_secured":
                continue
            view = secured_offer_of(row.id, ctx.servicing)
            seen[view.status] = seen.get(view.status, 0) + 1
            if view.registered is None or view.registered.loan_id is None:
                continue
            loan_id = view.registered.loan_id
            if view.registered.kind is SecurityKind.GUARANTOR:
                assert len(guarantees_for_loan(loan_id, ctx.servicing)) == 1
            else:
                assert collateral_of(loan_id, ctx.servicing).items
    # the books count the loans the applicants took: secured and booked (a failed payout aside)
    assert seen[SecuredStatus.BOOKED] == by_collateral + by_guarantor
    assert seen[SecuredStatus.AWAITING] + seen.get(SecuredStatus.EXPIRED, 0) == walked
