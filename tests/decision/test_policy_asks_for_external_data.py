"""A policy's `sources:` section and what the evaluation does with what each source gave:
retail-bureau-v1 refers (never approves or declines on a guess) when the required bureau gave
nothing, naming it and why; optional statements only ever add; the features' own reason texts
join the reasons of a rule that fires on them; a policy without the section is unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decision.policy_helpers import AS_OF, RETAIL_TEXT, good_facts
from fengkong.core.errors import Invalid
from fengkong.decision.compiler import compile_policy, load_shipped_policy
from fengkong.decision.evaluate import evaluate
from fengkong.decision.policy import PolicyOutcome
from fengkong.decision.source_facts import FAMILIES, SourceStatus
from fengkong.features.bureau import BUREAU_FEATURES

POLICY = load_shipped_policy("retail-bureau-v1.yaml")
A, D, R = PolicyOutcome.APPROVE, PolicyOutcome.DECLINE, PolicyOutcome.REFER


def bureau(**changes: object) -> dict[str, object]:
    """The facts of a clean bureau report, with `changes`."""
    facts: dict[str, object] = {
        "source.credit_bureau": "ok",
        "source.bank_statement": "not_asked",
        "bureau.revolving_utilisation": Decimal("0.2"),
        "bureau.worst_dpd_24m": Decimal("0"),
        "bureau.enquiries_1m": Decimal("0"),
        "bureau.enquiries_3m": Decimal("1"),
        "bureau.enquiries_6m": Decimal("1"),
        "bureau.enquiries_12m": Decimal("2"),
        "bureau.months_since_delinquency": Decimal("99"),
        "bureau.open_lenders": Decimal("1"),
        "bureau.thin_file": False,
    }
    for key, value in changes.items():
        name = key.replace("__", ".")
        if value is None:
            facts.pop(name, None)
        else:
            facts[name] = value
    return facts


def decide(**changes: object) -> tuple[PolicyOutcome, int | None, list[str]]:
    facts = {**good_facts(), **bureau(**changes)}
    verdict = evaluate(POLICY, facts, as_of=AS_OF)
    return verdict.outcome, verdict.limit, [r.code for r in verdict.reasons]


def test_the_section_compiles_in_order() -> None:
    assert [(a.kind, a.required) for a in POLICY.sources] == [
        ("credit_bureau", True),
        ("bank_statement", False),
    ]
    statement = POLICY.sources[1].condition
    assert statement is not None and statement.reads == ("amount",)
    assert load_shipped_policy().sources == ()  # retail-v3 asks for nothing


def test_a_clean_report_approves() -> None:
    assert decide() == (A, 2_000_000, [])


@pytest.mark.parametrize(
    ("changes", "outcome", "codes"),
    [
        (
            {"bureau__worst_dpd_24m": Decimal("91")},
            D,
            ["KO_BUREAU_DPD_90", "FEAT_BUREAU_WORST_DPD_24M"],
        ),
        (
            {"bureau__enquiries_3m": Decimal("6")},
            D,
            ["KO_BUREAU_ENQUIRIES_3M", "FEAT_BUREAU_ENQUIRIES_3M"],
        ),
        (
            {"source__bank_statement": "ok", "statement__gambling_share": Decimal("0.05")},
            R,
            ["FR_STATEMENT_GAMBLING", "FEAT_STATEMENT_GAMBLING_SHARE"],
        ),
    ],
)
def test_rules_on_the_documents_cite_the_features_reasons(
    changes: dict[str, object], outcome: PolicyOutcome, codes: list[str]
) -> None:
    got, _, reasons = decide(**changes)
    assert (got, reasons) == (outcome, codes)


@pytest.mark.parametrize(
    "status",
    [
        SourceStatus.UNAVAILABLE,
        SourceStatus.NO_CONSENT,
        SourceStatus.NO_PROVIDER,
        SourceStatus.INVALID,
    ],
)
def test_a_required_source_that_gave_nothing_refers_naming_it(status: SourceStatus) -> None:
    gone = {name.replace(".", "__"): None for name in BUREAU_FEATURES.names}
    why = "timed out after 5.0 s" if status is SourceStatus.UNAVAILABLE else None
    facts = {
        **good_facts(),
        **bureau(**gone, source__credit_bureau=status.value),
        **({"source.credit_bureau.why": why} if why else {}),
    }
    verdict = evaluate(POLICY, facts, as_of=AS_OF)
    assert verdict.outcome is R
    [reason] = verdict.reasons  # not again as facts merely missing
    assert reason.code == f"SRC_CREDIT_BUREAU_{status.value.upper()}"
    assert "征信报告" in reason.text_zh and "转人工审核" in reason.text_zh
    assert "credit report" in reason.text_en
    if why:
        assert reason.text_zh == "征信报告暂时无法获取（超时），转人工审核"


def test_an_optional_source_missing_leaves_the_limit_unraised() -> None:
    asked = {"amount": 3_200_000, "source__bank_statement": "unavailable"}
    outcome, _, codes = decide(**asked)
    assert outcome is A and "LIM_SALARY" not in codes
    raised = decide(
        amount=3_200_000,
        score=560,
        source__bank_statement="ok",
        statement__salary_detected=True,
    )
    unraised = decide(amount=3_200_000, score=560)
    assert unraised[1] is not None and raised[1] is not None and raised[1] > unraised[1]
    assert "LIM_SALARY" in raised[2]


@given(st.decimals(min_value=0, max_value=3, places=3))
def test_utilisation_never_raises_the_limit(utilisation: Decimal) -> None:
    base = decide(amount=3_200_000, score=560)
    used = decide(amount=3_200_000, score=560, bureau__revolving_utilisation=utilisation)
    assert used[0] == base[0]
    assert used[1] is not None and base[1] is not None and used[1] <= base[1]
    assert ("LIM_CARD_UTILISATION" in used[2]) == (utilisation > Decimal("0.8"))


def test_bad_sections_are_refused_at_load() -> None:
    text = RETAIL_TEXT.replace(
        "score_range:",
        "sources:\n  weather: {required: true}\n  credit_bureau: {required: maybe, when: 'nope >'}\n"
        "  bank_statement: {fetch: always}\nscore_range:",
    )
    with pytest.raises(Invalid) as refused:
        compile_policy(text)
    text_of = str(refused.value)
    for expected in ("no features are read from 'weather'", "required must be true or false",
                     "unknown key 'fetch'", "nope"):  # fmt: skip
        assert expected in text_of, text_of
    assert set(FAMILIES) >= {"credit_bureau", "bank_statement"}
