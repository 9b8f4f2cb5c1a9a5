"""The consumer past book with its documents (`sim.bureau_history`): each past applicant of
`sim.history` with the bureau report and statements the run's provider answers on the
application day, read and computed by the platform's own readers and features; the same seed the
same book; worse reports more bads. The consumer bureau scorecard trained on it by the scoring
lab reads bureau features, scores the record a decision scores, and its reasons name them in
Chinese and English."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fengkong.bootstrap import bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.core.settings import Settings
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.features.application import APPLICATION_FEATURES
from fengkong.features.bureau import BUREAU_FEATURES
from fengkong.features.business_inputs import INPUT_LABELS, LOAN_COLUMNS, scoring_record
from fengkong.features.statements import STATEMENT_FEATURES
from fengkong.scoring.lab_result import TrainingResult
from fengkong.scoring.reasons import model_reasons
from fengkong.scoring.registry import LoadedScorecard
from fengkong.sim.bureau_history import (
    APPLICATION_COLUMNS,
    APPLIED_ON,
    DOCUMENT_COLUMNS,
    TARGET,
    applied_on,
    bureau_history,
    person_features,
)
from fengkong.sim.bureau_model import BUREAU_MODEL, TRENDS, train_bureau_model
from fengkong.sim.history import past_applicants, simulated_history
from fengkong.sim.population_sources import PopulationSources

SEED = 3
AS_OF = date(2026, 1, 1)
ROWS = 400


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    return bureau_history(SEED, ROWS, AS_OF)


@pytest.fixture(scope="module")
def trained(book: pd.DataFrame) -> TrainingResult:
    return train_bureau_model(SEED, as_of=AS_OF, history=book)


def test_the_book_is_the_consumer_book_with_its_documents(book: pd.DataFrame) -> None:
    assert list(book.columns) == [
        APPLIED_ON,
        *APPLICATION_COLUMNS,
        *LOAN_COLUMNS,
        *BUREAU_FEATURES.names,
        *STATEMENT_FEATURES.names,
        TARGET,
    ]
    assert len(book) == ROWS
    # the same people, loans and outcomes as the consumer champion's book
    plain = simulated_history(SEED, ROWS, AS_OF)
    pd.testing.assert_frame_equal(
        book[[*APPLICATION_COLUMNS, TARGET]].reset_index(drop=True), plain
    )
    # every report and statement was read: the features every document gives are there
    for name in ("bureau.worst_dpd_24m", "bureau.enquiries_3m", "statement.months_covered"):
        assert book[name].notna().all(), name
    assert (book["statement.months_covered"] == 6).all()
    assert book[APPLIED_ON].is_monotonic_increasing
    assert book[APPLIED_ON].max() < AS_OF.replace(year=AS_OF.year - 1)


def test_the_same_seed_draws_the_same_book(book: pd.DataFrame) -> None:
    again = bureau_history(SEED, 60, AS_OF)
    pd.testing.assert_frame_equal(again, book.head(60))
    other = bureau_history(SEED + 1, 60, AS_OF)
    assert not other["bureau.worst_dpd_24m"].equals(again["bureau.worst_dpd_24m"])


def test_worse_reports_and_statements_go_with_more_bads(book: pd.DataFrame) -> None:
    bad = book[TARGET] == "bad"
    late = book["bureau.worst_dpd_24m"] > 0
    assert 0.05 < bad.mean() < 0.3
    assert bad[late].mean() > 2 * bad[~late].mean()
    # the statements follow the hidden risk too: the bads' lowest balances are lower
    assert book.loc[bad, "statement.min_balance"].median() < (
        book.loc[~bad, "statement.min_balance"].median()
    )


def test_a_row_is_the_record_a_decision_scores(book: pd.DataFrame) -> None:
    person = past_applicants(SEED, ROWS, AS_OF)[17]
    on = applied_on(person, AS_OF)
    values = person_features(person, on, PopulationSources(SEED))
    application: dict[str, Any] = {
        "credit_amount": person.amount // 100,
        "duration_in_month": person.term_months,
        "purpose": person.purpose,
        "age_in_years": person.age,
        **person.profile,
    }
    record = scoring_record(application, values, Fen(person.amount), person.term_months)
    row = book.iloc[17]
    assert row[APPLIED_ON] == on
    for name in (*APPLICATION_COLUMNS, *LOAN_COLUMNS, *DOCUMENT_COLUMNS):
        if record[name] is None:
            assert math.isnan(row[name]), name
        else:
            assert row[name] == record[name], name


def test_the_model_reads_the_documents_and_names_them_in_its_reasons(
    trained: TrainingResult, book: pd.DataFrame
) -> None:
    features = trained.features
    assert any(name.startswith("bureau.") for name in features)
    assert any(name in APPLICATION_COLUMNS for name in features)
    assert trained.metrics["test"]["auc"] > 0.7
    # the monotone directions hold on the fitted bins: more overdue days never score higher
    assert trained.scorecard is not None
    loaded = LoadedScorecard("retail-bureau-scorecard-v1", "0" * 64, trained.scorecard)
    clean = book[book["bureau.worst_dpd_24m"] == 0].iloc[0].to_dict()
    scores = [
        loaded.score({**clean, "bureau.worst_dpd_24m": dpd}).score
        for dpd in (0.0, 30.0, 90.0, 180.0)
    ]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    assert TRENDS["bureau.worst_dpd_24m"] == "ascending"
    # a late payer's reasons name the bureau's feature, in both languages
    late = loaded.score({**clean, "bureau.worst_dpd_24m": 180.0})
    reasons = model_reasons(late.top_adverse(), INPUT_LABELS)
    [dpd] = [r for r in reasons if r.code == "SC_BUREAU_WORST_DPD_24M"]
    assert dpd.text_en.startswith("Worst days past due in the last 24 months (")
    assert dpd.text_zh.startswith("近24个月最长逾期天数（") and "使评分降低" in dpd.text_zh
    # an application feature is labelled from the application's labels
    age = APPLICATION_FEATURES.by_name("age_in_years")
    assert INPUT_LABELS.by_name("age_in_years").label_zh == age.label_zh


def test_a_run_under_retail_bureau_v2_promotes_the_model_it_names(
    trained: TrainingResult,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fengkong.sim.bureau_model as bureau_model
    from fengkong.sim.run import _train_policy_model

    asked: list[tuple[int, date]] = []

    def train(seed: int, *, as_of: date, kind: str) -> TrainingResult:
        asked.append((seed, as_of))
        assert kind == "scorecard"
        return trained  # trained above: the run's own training is `train_bureau_model`'s

    monkeypatch.setattr(bureau_model, "train_bureau_model", train)
    settings = Settings(env="test", home=tmp_path, database_url=database_url)
    clock = FakeClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
    for policy, named in (("retail-bureau-v1.yaml", False), ("retail-bureau-v2.yaml", True)):
        ctx = bootstrap(settings, clock=clock, policy=read_shipped_bundle(policy))
        try:
            version = _train_policy_model(ctx, 7, date(2026, 1, 5))
            with ctx.uow() as uow:
                champion = uow.models.champion(BUREAU_MODEL)
                actors = {r.actor for r in uow.audit.stream() if "model" in r.action}
        finally:
            ctx.close()
        if not named:  # a policy the consumer champion scores trains nothing more
            assert version is None and champion is None and not asked
            continue
        assert asked == [(7, date(2026, 1, 5))]
        assert champion is not None and version == champion.version == f"{BUREAU_MODEL}-v1"
        # maker-checker: the risk manager asked, the approver approved
        assert actors >= {"user:sim-risk", "user:sim-approver"}
