"""Early-warning rules (`monitoring.alert_rules`) on snapshot figures worked by hand: a level
above and below a threshold, a change against N days earlier (absolute and relative), a trend
over N consecutive days, for one segment, every segment of a dimension and the whole book; a
null rate or a missing day gives no signal; the shipped rules load; a bad rules file is refused
with every fault, naming the allowed values."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fengkong.core.money import Fen
from fengkong.monitoring.alert_rules import (
    KINDS,
    METRICS,
    BadRules,
    History,
    Rule,
    Scope,
    evaluate,
    load_rules,
    parse_rules,
)
from fengkong.monitoring.figures import DIMENSIONS, SegmentFigures

ON = date(2026, 7, 10)


def _fig(
    active: int = 10,
    overdue: int = 0,
    outstanding: int = 1_000_000,
    m1: int = 0,
    m3: int = 0,
    el: int = 10_000,
    allowance: int = 6_000,
    reserve: int = 6_000,
) -> SegmentFigures:
    return SegmentFigures(
        active_loans=active,
        outstanding_fen=Fen(outstanding),
        overdue_loans=overdue,
        overdue_fen=Fen(m1),
        m1_plus_fen=Fen(m1),
        m3_plus_fen=Fen(m3),
        written_off_loans=0,
        written_off_fen=Fen(0),
        classes={},
        expected_loss_fen=Fen(el),
        no_pd_loans=0,
        no_pd_fen=Fen(0),
        allowance_fen=Fen(allowance),
        reserve_fen=Fen(reserve),
    )


def _day(k: int) -> date:
    return ON - timedelta(days=k)


# Days back → segment → figures. The whole book; products cash_loan and consumer.
# M1+ by balance on ON: all 60 000 / 1 000 000 = 6 %; cash_loan 50 000 / 400 000 = 12.5 %;
# consumer 10 000 / 600 000 ≈ 1.67 %. M3+ of cash_loan 0, 1 000, 2 000, 3 000 on days 3..0.
# Overdue loans of the whole book: 5 of 100 seven days ago, 7 of 100 on ON (+40 % relative).
HISTORY: History = {
    _day(7): {("all", "all"): _fig(active=100, overdue=5, m1=40_000)},
    _day(3): {
        ("all", "all"): _fig(active=100, overdue=6),
        ("product", "cash_loan"): _fig(outstanding=400_000, m3=0),
    },
    _day(2): {("product", "cash_loan"): _fig(outstanding=400_000, m3=1_000)},
    _day(1): {("product", "cash_loan"): _fig(outstanding=400_000, m3=2_000)},
    ON: {
        ("all", "all"): _fig(active=100, overdue=7, m1=60_000, el=20_000),
        ("product", "cash_loan"): _fig(outstanding=400_000, m1=50_000, m3=3_000),
        ("product", "consumer"): _fig(outstanding=600_000, m1=10_000),
    },
}


def _fired(*rules: Rule, history: History = HISTORY) -> list[tuple[str, str, str, str]]:
    return [
        (s.rule.rule_id, s.segment, str(s.value), str(s.baseline))
        for s in evaluate(rules, history, ON)
    ]


def test_a_level_above_and_below_a_threshold() -> None:
    above = Rule("m1", "m1_plus_rate", "level", Scope(), "above", Decimal("0.05"))
    assert _fired(above) == [("m1", "all", "0.060000", "0.05")]
    higher = Rule("m1", "m1_plus_rate", "level", Scope(), "above", Decimal("0.06"))
    assert _fired(higher) == []  # strictly above
    # coverage = (6 000 + 6 000) / 20 000 = 0.6 on the whole book; 1.2 in each product
    cover = Rule("cov", "coverage", "level", Scope("all"), "below", Decimal("1"))
    assert _fired(cover) == [("cov", "all", "0.600000", "1")]
    amount = Rule("m3f", "m3_plus_fen", "level", Scope("product"), "above", Decimal("2500"))
    assert _fired(amount) == [("m3f", "cash_loan", "3000", "2500")]


def test_one_segment_or_every_segment_of_a_dimension() -> None:
    every = Rule("p", "m1_plus_rate", "level", Scope("product"), "above", Decimal("0.01"))
    assert [f[1] for f in _fired(every)] == ["cash_loan", "consumer"]
    one = Rule("p", "m1_plus_rate", "level", Scope("product", "consumer"), "above", Decimal("0.01"))
    assert _fired(one) == [("p", "consumer", "0.016667", "0.01")]
    none_there = Rule("r", "m1_plus_rate", "level", Scope("region"), "above", Decimal("0"))
    assert _fired(none_there) == []


def test_a_change_against_n_days_earlier() -> None:
    # overdue by count: 0.05 seven days ago, 0.07 now: +0.02 absolute, +40 % relative
    relative = Rule(
        "ovd", "overdue_rate_count", "change", Scope(), "above", Decimal("0.20"), 7, "relative"
    )
    assert _fired(relative) == [("ovd", "all", "0.070000", "0.050000")]
    too_much = Rule(
        "ovd", "overdue_rate_count", "change", Scope(), "above", Decimal("0.40"), 7, "relative"
    )
    assert _fired(too_much) == []  # exactly 40 % is not above 40 %
    absolute = Rule(
        "ovd", "overdue_rate_count", "change", Scope(), "above", Decimal("0.015"), 7, "absolute"
    )
    assert _fired(absolute) == [("ovd", "all", "0.070000", "0.050000")]
    # three days ago it was 0.06: +0.01, under the threshold
    short = Rule(
        "ovd", "overdue_rate_count", "change", Scope(), "above", Decimal("0.015"), 3, "absolute"
    )
    assert _fired(short) == []
    fall = Rule("f", "overdue_rate_count", "change", Scope(), "below", Decimal("0"), 7, "absolute")
    assert _fired(fall) == []
    no_day = Rule(
        "n", "overdue_rate_count", "change", Scope(), "above", Decimal("0"), 5, "absolute"
    )
    assert _fired(no_day) == []  # no snapshot five days ago: nothing is known


def test_a_trend_over_consecutive_days() -> None:
    rising = Rule("m3", "m3_plus_rate", "trend", Scope("product"), days=3, direction="rising")
    assert _fired(rising) == [("m3", "cash_loan", "0.007500", "0.000000")]
    four = Rule("m3", "m3_plus_rate", "trend", Scope("product"), days=4, direction="rising")
    assert _fired(four) == []  # no snapshot of cash_loan four days ago
    falling = Rule("m3", "m3_plus_rate", "trend", Scope("product"), days=3, direction="falling")
    assert _fired(falling) == []
    flat = {**HISTORY, _day(1): {("product", "cash_loan"): _fig(outstanding=400_000, m3=1_000)}}
    assert _fired(rising, history=flat) == []  # day 2 → day 1 did not rise
    stalled = {**HISTORY, _day(1): {("product", "cash_loan"): _fig(outstanding=400_000, m3=3_000)}}
    assert _fired(rising, history=stalled) == []  # day 1 → day 0 did not rise


def test_a_null_rate_gives_no_signal() -> None:
    empty = {ON: {("all", "all"): _fig(active=0, outstanding=0, el=0)}}
    for metric in ("m1_plus_rate", "coverage", "overdue_rate_count"):
        rule = Rule("x", metric, "level", Scope(), "below", Decimal("100"))
        assert _fired(rule, history=empty) == []


def test_the_shipped_rules_load() -> None:
    rules = load_rules()
    by_id = {r.rule_id: r for r in rules}
    assert by_id["m1_plus_rate_above_5pct"].threshold == Decimal("0.05")
    assert by_id["m3_plus_rate_rising_3_days"].kind == "trend"
    change = by_id["overdue_rate_count_up_20pct_7_days"]
    assert (change.mode, change.days, change.threshold) == ("relative", 7, Decimal("0.20"))
    assert by_id["coverage_below_1"].side == "below"
    assert by_id["m1_plus_rate_above_5pct_by_product"].scope == Scope("product")


def test_a_bad_rules_file_is_refused_naming_the_allowed_values(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - {id: a, metric: npl_ratio, kind: level, side: above, threshold: '0.1'}\n"
        "  - {id: b, metric: m1_plus_rate, kind: slope, days: 3}\n"
        "  - {id: c, metric: coverage, kind: level, side: under, threshold: 1,"
        " scope: {dimension: employer}}\n"
        "  - {id: d, metric: coverage, kind: change, side: above, threshold: x, days: 0,"
        " mode: absolute}\n"
        "  - {id: a, metric: coverage, kind: trend, days: 2, colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(BadRules) as refused:
        load_rules(path)
    faults = {tuple(e.loc): e for e in refused.value.errors}
    assert faults[("rules", 0, "metric")].allowed == METRICS
    assert faults[("rules", 1, "kind")].allowed == KINDS
    assert faults[("rules", 2, "side")].allowed == ("above", "below")
    assert faults[("rules", 2, "scope", "dimension")].allowed == DIMENSIONS
    assert ("rules", 3, "threshold") in faults and ("rules", 3, "days") in faults
    assert "another rule" in faults[("rules", 4, "id")].msg
    assert ("rules", 4, "colour") in faults
    assert all(str(path) in e.msg for e in refused.value.errors)

    for text in ("rules: 3\n", "not: [valid\n"):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(BadRules):
            load_rules(path)
    with pytest.raises(BadRules):
        load_rules(tmp_path / "absent.yaml")
    assert parse_rules({"rules": []}, "empty") == ()
