"""The behaviour score's line rules by hand: below a floor a line is closed, frozen or cut;
a good payer's limit is raised; a limit the score moved waits out the cooldown; and a draw is
priced by the borrower's latest score within the product's rates and the price cap."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fengkong.core.errors import Invalid
from fengkong.lending.config import LendingConfig
from fengkong.lending.line import (
    ActionKind,
    CreditLine,
    LineChangeKind,
    LineRules,
    LineSignals,
    LineStatus,
    apply_actions,
    freeze,
    line_actions,
    open_line,
)
from fengkong.lending.product import ProductKind
from lending.servicing_helpers import product

ON = date(2025, 6, 30)
RULES = LineRules(
    close_below_score=480,
    freeze_below_score=510,
    reduce_below_score=530,
    raise_above_score=570,
    raise_clean_months=3,
    score_cooldown_days=60,
)


def new_line(limit: int = 2_000_000) -> CreditLine:
    revolving = product(kind=ProductKind.REVOLVING_LINE)
    return open_line("LN1", revolving, limit, Decimal("0.18"), date(2025, 1, 15))


def scored(score: int, *, dpd: int = 0, clean: int = 6, on: date = ON) -> LineSignals:
    return LineSignals(
        days_past_due=dpd,
        behaviour_score=score,
        score_reasons=("SC_DAYS_PAST_DUE", "SC_REPAID_SHARE"),
        months_since_late=clean,
        as_of=on,
    )


def kinds(line: CreditLine, signals: LineSignals) -> list[ActionKind]:
    return [a.kind for a in line_actions(line, signals, RULES)]


def test_each_floor_calls_for_its_action() -> None:
    line = new_line()
    assert kinds(line, scored(470)) == [ActionKind.CLOSE]
    assert kinds(line, scored(500)) == [ActionKind.FREEZE, ActionKind.REDUCE]
    assert kinds(line, scored(520)) == [ActionKind.REDUCE]
    assert kinds(line, scored(550)) == []
    assert kinds(line, scored(580)) == [ActionKind.RAISE]


def test_an_action_carries_the_score_and_its_reasons() -> None:
    (cut,) = line_actions(new_line(), scored(520), RULES)
    assert cut.reason == "SCORE_BELOW_THRESHOLD" and cut.new_limit == 1_000_000
    assert cut.detail == "behaviour score 520 < 530 (SC_DAYS_PAST_DUE, SC_REPAID_SHARE)"
    line = apply_actions(new_line(), (cut,), ON)
    assert line.limit == 1_000_000 and line.history[-1].kind is LineChangeKind.REDUCED
    assert line.history[-1].reason.startswith("SCORE_BELOW_THRESHOLD: behaviour score 520")


def test_a_close_by_the_score_is_the_only_action() -> None:
    # the DPD freeze would fire too; a close makes it pointless
    assert kinds(new_line(), scored(470, dpd=45)) == [ActionKind.CLOSE]


def test_a_raise_needs_clean_months_no_arrears_and_an_active_line() -> None:
    line = new_line()
    (up,) = line_actions(line, scored(600), RULES)
    assert up.reason == "SCORE_ABOVE_THRESHOLD" and up.new_limit == 2_400_000
    assert kinds(line, scored(600, clean=2)) == []
    assert kinds(line, scored(600, dpd=3)) == [ActionKind.FREEZE]  # DPD over 0 freezes
    assert kinds(freeze(line, "officer hold", ON), scored(600)) == []
    raised = apply_actions(line, (up,), ON)
    assert raised.limit == 2_400_000 and raised.history[-1].officer == ""


def test_a_raise_stops_at_the_products_largest_amount_in_whole_hundreds() -> None:
    top = new_line(limit=new_line().product.max_amount - 10_050)
    (up,) = line_actions(top, scored(600), RULES)
    assert up.new_limit == top.product.max_amount
    odd = new_line(limit=1_234_567)
    (up,) = line_actions(odd, scored(600), RULES)
    assert up.new_limit == 1_480_000  # ¥14,814.80 rounded down to whole hundreds of yuan
    assert line_actions(new_line(limit=top.product.max_amount), scored(600), RULES) == ()


def test_a_limit_the_score_moved_waits_out_the_cooldown() -> None:
    line = apply_actions(new_line(), line_actions(new_line(), scored(520), RULES), ON)
    assert line.limit == 1_000_000
    for days in (1, 30, 59):
        later = ON + timedelta(days=days)
        assert kinds(line, scored(520, on=later)) == []
        assert kinds(line, scored(600, on=later)) == []
    assert kinds(line, scored(520, on=ON + timedelta(days=60))) == [ActionKind.REDUCE]
    # a freeze is not a limit move: it is not held back
    assert kinds(line, scored(500, on=ON + timedelta(days=1))) == [ActionKind.FREEZE]


def test_without_a_score_the_score_rules_stay_silent() -> None:
    assert line_actions(new_line(), LineSignals(), RULES) == ()
    assert new_line().status is LineStatus.ACTIVE


def test_rules_that_contradict_each_other_are_refused() -> None:
    with pytest.raises(Invalid, match="raise_above_score"):
        LineRules(reduce_below_score=600, raise_above_score=580)
    with pytest.raises(Invalid, match="raise_by"):
        LineRules(raise_by=Decimal("1.5"))


def test_a_draw_is_priced_by_the_latest_score_within_the_product_and_the_cap() -> None:
    line = new_line()  # at 18 %
    config = LendingConfig(
        draw_pricing=((570, Decimal("-0.02")), (530, Decimal("0")), (0, Decimal("0.09")))
    )
    assert config.draw_rate(line, None) == Decimal("0.18")
    assert config.draw_rate(line, 600) == Decimal("0.16")
    assert config.draw_rate(line, 550) == Decimal("0.18")
    assert config.draw_rate(line, 400) == min(line.product.max_annual_rate, Decimal("0.24"))
    assert LendingConfig().draw_rate(line, 400) == Decimal("0.18")  # no pricing configured
