"""A policy names the model that scores it (`model:`): business-v1 names the business scorecard,
retail-bureau-v2 the consumer bureau scorecard, every other shipped policy names none and is scored by the consumer `application` champion, as
before; a missing champion of the name is `Unavailable`, naming it. The business model's record
is one definition: the simulated past book trains on exactly what a decision scores."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.errors import Unavailable
from fengkong.core.money import Fen
from fengkong.decision.compiler import compile_policy, load_shipped_policy
from fengkong.decision.document import PolicyError
from fengkong.decision.live import Live
from fengkong.decision.policy import CONSUMER_MODEL
from fengkong.decision.scoring_models import MODEL_NAME, ChampionCache
from fengkong.features.business_inputs import (
    DOCUMENT_COLUMNS,
    LOAN_COLUMNS,
    business_model_inputs,
    reads_documents,
)
from fengkong.features.financials import requested_instalment
from fengkong.sim.bureau_model import BUREAU_MODEL
from fengkong.sim.bureau_model import MODEL_FEATURES as BUREAU_FEATURES
from fengkong.sim.business import small_businesses
from fengkong.sim.business_documents import business_documents, business_features, read_documents
from fengkong.sim.business_history import APPLIED_ON, TARGET, history_row
from fengkong.sim.business_model import MODEL_FEATURES
from fengkong.sim.setup import shipped_business_policy_files, shipped_policy_files

SHIPPED = Path(__file__).parents[2] / "src/fengkong/decision/policies"


def test_business_v1_names_the_business_scorecard() -> None:
    assert load_shipped_policy("business-v1.yaml").model == "business-scorecard"
    assert shipped_business_policy_files() == ("business-v1.yaml",)


def test_retail_bureau_v2_names_the_consumer_bureau_scorecard() -> None:
    assert load_shipped_policy("retail-bureau-v2.yaml").model == BUREAU_MODEL
    assert reads_documents(BUREAU_FEATURES)


@pytest.mark.parametrize(
    "name", [n for n in shipped_policy_files() if n != "retail-bureau-v2.yaml"]
)
def test_a_policy_naming_no_model_is_scored_by_the_consumer_champion(name: str) -> None:
    assert load_shipped_policy(name).model == CONSUMER_MODEL == MODEL_NAME


def _with_model(line: str) -> str:
    text = (SHIPPED / "retail-v3.yaml").read_text(encoding="utf-8")
    return text.replace("\nid:", f"\n{line}\nid:", 1)


def test_a_named_model_compiles_and_an_empty_name_is_refused() -> None:
    assert compile_policy(_with_model("model: behaviour-x")).model == "behaviour-x"
    with pytest.raises(PolicyError) as refused:
        compile_policy(_with_model('model: "  "'))
    assert any("model" in e.msg for e in refused.value.errors)


def test_a_missing_champion_of_the_name_is_unavailable_naming_it(tmp_path: Path) -> None:
    cache = ChampionCache(tmp_path)
    assert cache.named(MODEL_NAME) is cache
    business = cache.named("business-scorecard")
    assert business is cache.named("business-scorecard") and business.name == "business-scorecard"
    nothing = Live(policy=None, policy_challenger=None, models={})  # type: ignore[arg-type]
    with pytest.raises(Unavailable, match="business-scorecard"):
        business.get(nothing)


def test_the_business_model_reads_document_features_and_the_consumer_inputs_none() -> None:
    assert reads_documents(MODEL_FEATURES)
    assert not reads_documents(("age_in_years", "amount_fen", "loan.amount_yuan"))


@settings(max_examples=5, deadline=None)
@given(index=st.integers(0, 30))
def test_the_past_book_trains_on_the_record_a_decision_scores(index: int) -> None:
    firm = small_businesses(7, index + 1, date(2025, 6, 1))[index]
    row = history_row(firm, 7)
    on = firm.applied_on
    documents = read_documents(firm, business_documents(firm, on, 7), on)
    values = business_features(documents, on, requested_instalment(firm.amount, firm.term_months))
    scored = business_model_inputs(values, Fen(firm.amount), firm.term_months)
    assert set(row) == {APPLIED_ON, TARGET, *scored}
    assert tuple(scored) == (*LOAN_COLUMNS, *DOCUMENT_COLUMNS)
    for name, value in scored.items():
        trained = row[name]
        if value is None:
            assert isinstance(trained, float) and math.isnan(trained)
        else:
            assert trained == value, name


def test_before_the_documents_a_sources_condition_sees_no_score() -> None:
    from decimal import Decimal

    from fengkong.decision.business_scoring import without_score

    facts: dict[str, object] = {"score": 610, "pd": Decimal("0.02"), "amount": 3, "age": 40}
    assert without_score(facts) == {"amount": 3, "age": 40}
    assert facts["score"] == 610  # the facts themselves are not changed
