"""An officer's reversal of a rule's action on a line (`lending.line_reinstate`), as pure rules:
what it reverses (the latest night's automatic changes, together), what it refuses (an
officer's or the borrower's change, a black-list action without the acknowledgement, no
reason), and the cooldown that keeps the same rule from undoing it the next night. The texts the
borrower reads, in both languages, with each reason in words."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from fengkong.core.errors import Invalid
from fengkong.lending.line import (
    Action,
    ActionKind,
    CreditLine,
    LineChangeKind,
    LineRules,
    LineSignals,
    LineStatus,
    apply_actions,
    close,
    draw,
    freeze,
    line_actions,
    open_line,
)
from fengkong.lending.line_notice_texts import LINE_TEMPLATES, REASONS, line_params
from fengkong.lending.line_reinstate import NothingToReinstate, notice_date, reinstate, rule_batch
from fengkong.lending.product import ProductKind
from fengkong.lending.reminders import render
from lending.servicing_helpers import product

ON = date(2025, 3, 10)
RULES = LineRules(freeze_over_dpd=0, reduce_below_score=550, reinstate_cooldown_days=30)
LATE = LineSignals(days_past_due=3)
LATE_AND_LOW = LineSignals(days_past_due=3, behaviour_score=500)


def new_line(limit: int = 2_000_000) -> CreditLine:
    revolving = product(kind=ProductKind.REVOLVING_LINE)
    return open_line("LN1", revolving, limit, Decimal("0.18"), date(2025, 1, 15))


def acted(line: CreditLine, signals: LineSignals, on: date = ON) -> CreditLine:
    return apply_actions(line, line_actions(line, signals, RULES, on), on)


def test_a_nights_freeze_and_reduction_are_reversed_together() -> None:
    line = acted(draw(new_line(), 300_000, 3, ON, "D1").line, LATE_AND_LOW)
    assert (line.status, line.limit) == (LineStatus.FROZEN, 1_000_000)
    assert [c.kind for c in rule_batch(line)] == [LineChangeKind.FROZEN, LineChangeKind.REDUCED]

    back = reinstate(line, "bank outage on the due date", "user:li.wei", ON + timedelta(days=1))
    assert (back.status, back.limit) == (LineStatus.ACTIVE, 2_000_000)
    last = back.history[-1]
    assert (last.kind, last.officer) == (LineChangeKind.REINSTATED, "user:li.wei")
    assert last.reason == "DPD_OVER_THRESHOLD+SCORE_BELOW_THRESHOLD: bank outage on the due date"
    assert (last.limit_before, last.limit_after) == (1_000_000, 2_000_000)
    assert notice_date(back) == ON + timedelta(days=1)
    with pytest.raises(NothingToReinstate):  # reversed once: nothing automatic is left on top
        reinstate(back, "again", "user:li.wei", ON + timedelta(days=1))


def test_the_same_rule_stays_quiet_for_the_cooldown_and_others_do_not() -> None:
    back = reinstate(acted(new_line(), LATE), "disputed", "user:li.wei", ON)
    for days in (0, 1, 29):
        assert line_actions(back, LATE, RULES, ON + timedelta(days=days)) == ()
    assert [a.reason for a in line_actions(back, LATE, RULES, ON + timedelta(days=30))] == [
        "DPD_OVER_THRESHOLD"
    ]
    assert [a.reason for a in line_actions(back, LATE, RULES)] == ["DPD_OVER_THRESHOLD"]
    # another signal is no reason to stay quiet
    low = line_actions(back, LineSignals(behaviour_score=500), RULES, ON + timedelta(days=1))
    assert [a.reason for a in low] == ["SCORE_BELOW_THRESHOLD"]
    # a new black-list hit is a new signal: it acts once per entry, never held back
    hit = line_actions(back, LineSignals(new_blacklist_hits=("mobile",)), RULES, ON)
    assert [a.kind for a in hit] == [ActionKind.CLOSE]
    off = replace(RULES, reinstate_cooldown_days=0)
    assert [a.reason for a in line_actions(back, LATE, off, ON)] == ["DPD_OVER_THRESHOLD"]


def test_a_restored_limit_is_never_above_the_products_largest_amount() -> None:
    line = new_line()
    largest = line.product.max_amount
    reduced = apply_actions(
        replace(line, limit=largest + 500_000),
        (Action(ActionKind.REDUCE, "SCORE_BELOW_THRESHOLD", "score 500 < 550", largest // 2),),
        ON,
    )
    assert reinstate(reduced, "disputed", "user:li.wei", ON).limit == largest


def test_a_rules_close_reopens_and_a_black_list_close_needs_the_acknowledgement() -> None:
    blacklisted = acted(new_line(), LineSignals(new_blacklist_hits=("mobile",)))
    assert blacklisted.status is LineStatus.CLOSED
    with pytest.raises(Invalid) as refused:
        reinstate(blacklisted, "not the same person", "user:li.wei", ON)
    assert refused.value.errors[0].loc == ("acknowledge_blacklist",)
    reopened = reinstate(
        blacklisted, "not the same person", "user:li.wei", ON, acknowledge_blacklist=True
    )
    assert reopened.status is LineStatus.ACTIVE


def test_what_is_not_a_rules_is_never_reinstated() -> None:
    asked = close(new_line(), "the borrower asked", ON, officer="user:li.wei")
    with pytest.raises(NothingToReinstate):
        reinstate(asked, "changed their mind", "user:li.wei", ON)
    by_officer = freeze(new_line(), "suspected fraud", ON, officer="user:li.wei")
    with pytest.raises(NothingToReinstate):
        reinstate(by_officer, "disputed", "user:li.wei", ON)
    with pytest.raises(NothingToReinstate):
        reinstate(new_line(), "disputed", "user:li.wei", ON)


@pytest.mark.parametrize(("reason", "officer"), [("", "user:li.wei"), ("  ", "x"), ("ok", "")])
def test_a_reinstatement_needs_an_officer_and_a_reason(reason: str, officer: str) -> None:
    with pytest.raises(Invalid):
        reinstate(acted(new_line(), LATE), reason, officer, ON)


PARAMS = {
    "line_id": "line_01",
    "on": "2025-03-10",
    "limit_before": 2_000_000,
    "limit_after": 1_000_000,
    "contact": "",
}


@pytest.mark.parametrize("kind", sorted(LINE_TEMPLATES))
@pytest.mark.parametrize("code", [*sorted(REASONS), "SOMETHING_NEW", ""])
def test_every_notice_reads_in_both_languages_without_codes(kind: str, code: str) -> None:
    params = {**PARAMS, "reason": code}
    zh = render(kind, "zh-CN", params, "风控贷")
    en = render(kind, "en", params, "Fengkong Lending")
    for text in (zh, en):
        assert "{" not in text and "_THRESHOLD" not in text and "BLACKLIST" not in text
    assert not re.search(r"[A-Za-z]", zh.replace("line_01", "")), zh
    if kind in ("line_reduced", "line_raised"):
        assert "10000.00" in zh and "CNY 10000.00" in en and "20000.00" in en
    if kind in ("line_frozen", "line_reduced", "line_closed"):
        assert "人工复核" in zh and "review by an officer" in en


def test_the_contact_is_named_and_several_reasons_read_as_one() -> None:
    shown = line_params("zh-CN", {**PARAMS, "reason": "DPD_OVER_THRESHOLD+MARGIN_CALL_UNMET"})
    assert shown["reason"] == f"{REASONS['DPD_OVER_THRESHOLD']['zh-CN']}；" + str(
        REASONS["MARGIN_CALL_UNMET"]["zh-CN"]
    )
    text = render("line_frozen", "en", {**PARAMS, "contact": "95188", "reason": "X"}, "FK")
    assert "customer service (95188)" in text and "overall risk review" in text


def test_reinstating_again_reverses_the_night_before() -> None:
    frozen = acted(new_line(), LATE)
    both = acted(frozen, LineSignals(behaviour_score=500), ON + timedelta(days=1))
    assert [c.kind for c in rule_batch(both)] == [LineChangeKind.REDUCED]
    restored = reinstate(both, "score disputed", "user:li.wei", ON + timedelta(days=2))
    assert (restored.status, restored.limit) == (LineStatus.FROZEN, 2_000_000)
    assert [c.kind for c in rule_batch(restored)] == [LineChangeKind.FROZEN]
    lifted = reinstate(restored, "bank outage", "user:li.wei", ON + timedelta(days=2))
    assert (lifted.status, lifted.limit) == (LineStatus.ACTIVE, 2_000_000)
    assert lifted.history[-1].reason == "DPD_OVER_THRESHOLD: bank outage"
    assert rule_batch(lifted) == ()
    with pytest.raises(NothingToReinstate):
        reinstate(lifted, "again", "user:li.wei", ON + timedelta(days=2))
