"""A bad policy is refused at load with the line and the reason, never at decision time."""

import re

import pytest

from decision.policy_helpers import RETAIL_TEXT
from fengkong.decision.compiler import compile_policy, load_shipped_policy
from fengkong.decision.document import PolicyError


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def _refused(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        compile_policy(text, source="retail-v3.yaml")
    return caught.value


def test_the_shipped_policy_loads() -> None:
    policy = load_shipped_policy()
    assert (policy.id, policy.version, policy.label) == ("retail", 3, "retail-v3")
    assert len(policy.sha256) == 64


@pytest.mark.parametrize(
    ("old", "new", "marker", "message"),
    [
        ("when: age < 18 or age > 60", "when: agee < 18", "agee", "unknown feature 'agee'"),
        ("when: lists.black_hit", "when: lists.black_hit > 3", "black_hit > 3", "kinds differ"),
        ("when: id.valid == false", "when: id.valid > true", "valid > true", "needs numbers"),
        ("when: id.valid == false", 'when: id.valid == "no"', 'valid == "no"', "kinds differ"),
        ("when: age < 18 or age > 60", "when: age < 18 or", "age < 18 or", "expected a feature"),
        (
            "{from: 514, to: 519, outcome: refer}",
            "{from: 510, to: 519, outcome: refer}",
            "from: 510",
            "overlap",
        ),
        (
            "{from: 519, to: 527, outcome: refer}",
            "{from: 521, to: 527, outcome: refer}",
            "from: 521",
            "gap",
        ),
        ("{name: A, from: 600, to: 1000}", "{name: A, from: 600, to: 990}", "to: 990", "gap"),
        ('  C: "0.17"', '  C: "0.235"', 'C: "0.235"', "above the cap"),
        ('  A: "0.108"', '  A: "0.30"', 'A: "0.30"', "outside the product"),
        ("outcome: verify", "outcome: maybe", "outcome: maybe", "outcome must be one of"),
        (
            "[lower_rate, reduce_limit, decline]",
            "[lower_rate]",
            "[lower_rate]",
            "must be 'decline'",
        ),
        (
            "    B: {comfortable",
            "    Z: {comfortable",
            "Z: {comfortable",
            "no score band named 'Z'",
        ),
        ("\nversion: 3\n", "\nversion: 3\nversion: 4\n", "version: 4", "duplicate key"),
    ],
)
def test_refused_with_line_and_reason(old: str, new: str, marker: str, message: str) -> None:
    assert old in RETAIL_TEXT
    text = RETAIL_TEXT.replace(old, new, 1)
    error = _refused(text)
    line = _line_of(text, marker)
    assert any(e.msg.startswith(f"line {line}:") and message in e.msg for e in error.errors), (
        error.errors
    )


def test_yaml_syntax_errors_name_line_and_column() -> None:
    text = RETAIL_TEXT.replace(
        "score_range: {from: 300, to: 1000}", "score_range: {from: 300, to: 1000"
    )
    error = _refused(text)
    assert re.match(r"line \d+, column \d+: not valid YAML", error.errors[0].msg)


def test_every_finding_is_reported_at_once() -> None:
    text = RETAIL_TEXT.replace("when: age < 18", "when: agee < 18").replace(
        "when: lists.black_hit", "when: lists.black_hit > 3"
    )
    assert len(_refused(text).errors) == 2


def test_a_lower_configured_cap_refuses_the_same_prices() -> None:
    from datetime import date
    from decimal import Decimal

    from fengkong.decision.pricing import PriceCap

    cap = PriceCap.four_times_lpr(Decimal("0.031"), date(2025, 5, 20))
    with pytest.raises(PolicyError, match=r"4 × one-year LPR 3\.1"):
        compile_policy(RETAIL_TEXT, cap=cap)
    assert compile_policy(RETAIL_TEXT, cap=cap, check_prices=False).cap.annual == Decimal("0.124")


def test_json_documents_load_too() -> None:
    import json

    import yaml

    from fengkong.decision.compiler import compile_policy as compile_

    data = yaml.safe_load(RETAIL_TEXT)
    policy = compile_(json.dumps(data, default=str, indent=1), source="retail-v3.json")
    assert policy.label == "retail-v3"
