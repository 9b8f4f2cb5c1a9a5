"""A revolving line (循环额度): draws within the available limit, each on its own schedule;
repayments restore availability; risk triggers freeze, reduce or close it, with reasons."""

from datetime import date
from decimal import Decimal

import pytest

from fengkong.core.errors import Conflict, Invalid
from fengkong.lending.line import (
    Action,
    ActionKind,
    CreditLine,
    LineChangeKind,
    LineClosed,
    LineFrozen,
    LineRules,
    LineSignals,
    LineStatus,
    OverAvailable,
    apply_actions,
    close,
    draw,
    freeze,
    line_actions,
    open_line,
    reduce,
    sync_draw,
    unfreeze,
)
from fengkong.lending.loan import Disbursed
from fengkong.lending.product import ProductKind
from fengkong.lending.waterfall import apply_repayment
from lending.servicing_helpers import product

ON = date(2025, 1, 15)


def new_line(limit: int = 2_000_000) -> CreditLine:
    revolving = product(kind=ProductKind.REVOLVING_LINE)
    return open_line("LN1", revolving, limit, Decimal("0.18"), ON)


def test_each_draw_is_a_loan_on_its_own_schedule() -> None:
    line = new_line()
    first = draw(line, 500_000, 3, ON, "D1")
    second = draw(first.line, 1_000_000, 12, date(2025, 2, 1), "D2")
    assert second.line.available == 500_000
    assert first.loan.state.loan_id == "D1" and len(first.loan.state.positions) == 3
    assert len(second.loan.state.positions) == 12
    assert second.loan.state.positions[0].due == date(2025, 3, 1)
    assert first.loan.events == (Disbursed(ON, 500_000, 500_000, 0),)  # type: ignore[arg-type]


def test_repayment_restores_availability() -> None:
    drawn = draw(new_line(), 2_000_000, 3, ON, "D1")
    assert drawn.line.available == 0
    repaid = apply_repayment(drawn.loan.state, 2_100_000, date(2025, 2, 15), "r1").state
    line = sync_draw(drawn.line, repaid)
    paid_principal = 2_000_000 - repaid.principal_outstanding
    assert line.available == paid_principal > 0


def test_refusals() -> None:
    line = new_line()
    with pytest.raises(OverAvailable):
        draw(line, 2_000_001, 3, ON, "D1")
    # A refusal by the line's state, not bad input: 409 over HTTP, exit 1 from the CLI.
    assert isinstance(OverAvailable("x"), Conflict) and not isinstance(OverAvailable("x"), Invalid)
    with pytest.raises(Invalid):
        draw(line, 0, 3, ON, "D1")
    frozen = freeze(line, "DPD 31", ON)
    with pytest.raises(LineFrozen):
        draw(frozen, 100, 3, ON, "D1")
    closed = close(line, "customer request", ON)
    with pytest.raises(LineClosed):
        draw(closed, 100, 3, ON, "D1")
    assert isinstance(LineFrozen("x"), Conflict) and isinstance(LineClosed("x"), Conflict)


def test_unfreeze_is_an_officer_action_with_a_reason() -> None:
    frozen = freeze(new_line(), "DPD over 0", ON)
    with pytest.raises(Invalid):
        unfreeze(frozen, "appeal upheld", "", ON)
    active = unfreeze(frozen, "appeal upheld: bank outage on the due date", "officer-7", ON)
    assert active.status is LineStatus.ACTIVE
    last = active.history[-1]
    assert (last.kind, last.officer) == (LineChangeKind.UNFROZEN, "officer-7")
    assert "bank outage" in last.reason


def test_a_reduced_limit_below_the_drawn_amount_only_stops_new_draws() -> None:
    drawn = draw(new_line(), 1_500_000, 3, ON, "D1")
    reduced = reduce(drawn.line, 1_000_000, "score drop", ON)
    assert (reduced.limit, reduced.available) == (1_000_000, 0)
    with pytest.raises(Invalid):
        reduce(reduced, 1_000_000, "not a reduction", ON)


RULES = LineRules(freeze_over_dpd=30, reduce_below_score=550, reduce_to=Decimal("0.5"))

#  signals                                              actions (kind reason [new limit])
TRIGGERS = [
    (LineSignals(), []),
    (LineSignals(days_past_due=30), []),
    (LineSignals(days_past_due=31), [(ActionKind.FREEZE, "DPD_OVER_THRESHOLD", None)]),
    (LineSignals(unmet_margin_calls=1), [(ActionKind.FREEZE, "MARGIN_CALL_UNMET", None)]),
    (LineSignals(behaviour_score=549), [(ActionKind.REDUCE, "SCORE_BELOW_THRESHOLD", 1_000_000)]),
    (LineSignals(behaviour_score=550), []),
    (
        LineSignals(days_past_due=45, behaviour_score=500),
        [
            (ActionKind.FREEZE, "DPD_OVER_THRESHOLD", None),
            (ActionKind.REDUCE, "SCORE_BELOW_THRESHOLD", 1_000_000),
        ],
    ),
    (
        LineSignals(days_past_due=45, new_blacklist_hits=("court_enforcement",)),
        [(ActionKind.CLOSE, "BLACKLIST_HIT", None)],
    ),
]


@pytest.mark.parametrize(("signals", "expected"), TRIGGERS)
def test_trigger_table(
    signals: LineSignals, expected: list[tuple[ActionKind, str, int | None]]
) -> None:
    actions = line_actions(new_line(), signals, RULES)
    assert [(a.kind, a.reason, a.new_limit) for a in actions] == expected


def test_actions_are_applied_with_their_reasons_and_not_repeated() -> None:
    line = new_line()
    actions = line_actions(line, LineSignals(days_past_due=45, behaviour_score=500), RULES)
    acted = apply_actions(line, actions, ON)
    assert (acted.status, acted.limit) == (LineStatus.FROZEN, 1_000_000)
    assert acted.history[-2].reason.startswith("DPD_OVER_THRESHOLD")
    again = line_actions(acted, LineSignals(days_past_due=46), RULES)
    assert again == ()
    closed = apply_actions(acted, (Action(ActionKind.CLOSE, "BLACKLIST_HIT", "x"),), ON)
    assert line_actions(closed, LineSignals(days_past_due=99), RULES) == ()
