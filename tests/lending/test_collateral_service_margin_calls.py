"""Collateral in the database: a valuation drop opens a margin call (audited, borrower notified),
a top-up meets it; an unmet call past its deadline flags the loan for collections, or freezes the
line of a draw."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fengkong.lending.collateral import CollateralPolicy, MarginCallStatus
from fengkong.lending.collateral_service import add_collateral, collateral_of, revalue_collateral
from fengkong.lending.collections import get_case
from fengkong.lending.credit_lines import draw, get_line, open_line
from fengkong.lending.line import LineStatus
from fengkong.lending.servicing import ServicingConfig
from lending.test_collections_support import (
    Recorder,
    audit_actions,
    disbursed_loan,
    evening,
    live,
    servicing,
)
from lending.test_service_support import migrated, new_clock

POLICY = CollateralPolicy(ltv_threshold=Decimal("0.70"), cure_days=3)


def test_drop_call_top_up_and_unmet(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    channel = Recorder()
    svc = servicing(db, clock, channel=channel, config=ServicingConfig(collateral=POLICY))
    loan_id = disbursed_loan(db, clock, svc, amount=600_000)
    today = clock.business_date()
    view = add_collateral(loan_id, "deposit", 1_000_000, svc, description="time deposit")
    assert view.ltv < Decimal("0.70") and not view.calls
    item = view.items[0].item_id
    live(svc, clock, today + timedelta(days=1), today + timedelta(days=1))
    view = revalue_collateral(item, 700_000, svc, valued_on=today + timedelta(days=1))
    assert [c.status for c in view.calls] == [MarginCallStatus.OPEN]
    assert ("margin_call") in [k for _, k in channel.kinds()]
    add_collateral(loan_id, "government_bond", 300_000, svc)
    assert [c.status for c in collateral_of(loan_id, svc).calls] == [MarginCallStatus.MET]

    evening(clock, today + timedelta(days=2))
    revalue_collateral(item, 100_000, svc)
    live(svc, clock, today + timedelta(days=2), today + timedelta(days=7))
    calls = collateral_of(loan_id, svc).calls
    assert [c.status for c in calls] == [MarginCallStatus.MET, MarginCallStatus.UNMET]
    assert "margin_call_unmet" in get_case(loan_id, svc).case.flags
    actions = audit_actions(db, loan_id)
    for action in (
        "collateral.added",
        "collateral.valued",
        "collateral.margin_call_opened",
        "collateral.margin_call_met",
        "collateral.margin_call_unmet",
        "collections.flagged",
    ):
        assert action in actions


def test_unmet_call_freezes_the_line_of_a_draw(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock, config=ServicingConfig(collateral=POLICY))
    line = open_line(1_000_000, Decimal("0.12"), "line-1", svc.lending)
    drawn = draw(line.line_id, 500_000, 6, "draw-1", svc.lending)
    loan_id = drawn.loan.record.loan_id
    today = clock.business_date()
    add_collateral(loan_id, "listed_shares", 900_000, svc)  # lends 450,000 against 500,000
    live(svc, clock, today, today + timedelta(days=4))
    assert get_line(line.line_id, svc.lending).status is LineStatus.FROZEN
    assert "line.freeze" in audit_actions(db, line.line_id)
