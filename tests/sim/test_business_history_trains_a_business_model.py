"""The simulated lender's past book of small-business loans: the same for the same seed, a
plausible default rate, every feature column named as the policy reads the fact; and the
business scorecard the scoring lab trains on it ranks later loans usefully (out-of-time AUC of
0.7 or more), its points falling as debt rises and rising as taxes are paid on time, registered
beside the consumer model under its own name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from fakes.records import MemoryModels, Tables
from fengkong.core.clock import FakeClock
from fengkong.decision.catalogue import DEFAULT_CATALOGUE
from fengkong.scoring.lab_result import TrainingResult
from fengkong.scoring.points import Characteristic
from fengkong.sim.business_history import (
    APPLIED_ON,
    FEATURE_COLUMNS,
    LOAN_COLUMNS,
    TARGET,
    business_history,
)
from fengkong.sim.business_model import (
    BUSINESS_GBM,
    BUSINESS_MODEL,
    register_business_model,
    train_business_model,
)

AS_OF = date(2026, 1, 1)
SEED = 2
ROWS = 2500


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return business_history(SEED, ROWS, AS_OF)


@pytest.fixture(scope="module")
def model(history: pd.DataFrame) -> TrainingResult:
    return train_business_model(SEED, as_of=AS_OF, history=history)


def test_the_same_seed_draws_the_same_book() -> None:
    first = business_history(5, 40, AS_OF)
    assert first.equals(business_history(5, 40, AS_OF))
    assert not first.equals(business_history(6, 40, AS_OF))


def test_the_book_has_every_feature_and_a_plausible_default_rate(history: pd.DataFrame) -> None:
    assert list(history.columns) == [APPLIED_ON, *LOAN_COLUMNS, *FEATURE_COLUMNS, TARGET]
    assert len(history) == ROWS
    assert 0.02 <= (history[TARGET] == "bad").mean() <= 0.12
    # the book's year of applications ends a year before `as_of`: every outcome is observed
    assert history[APPLIED_ON].max() <= date(AS_OF.year - 1, AS_OF.month, AS_OF.day)
    # every feature is a fact the policy compiler knows, by the same name
    assert all(name in DEFAULT_CATALOGUE for name in FEATURE_COLUMNS)


def test_bad_loans_had_worse_documents(history: pd.DataFrame) -> None:
    bad = history[history[TARGET] == "bad"]
    good = history[history[TARGET] == "good"]
    assert bad["financials.debt_ratio"].mean() > good["financials.debt_ratio"].mean() + 0.03
    assert bad["business.tax_on_time_share"].mean() < good["business.tax_on_time_share"].mean()
    assert bad["bureau.worst_dpd_24m"].mean() > good["bureau.worst_dpd_24m"].mean()


def _points(model: TrainingResult, name: str) -> list[int]:
    """The points of a characteristic's value ranges, lowest values first."""
    assert model.scorecard is not None
    found: Characteristic = next(c for c in model.scorecard.characteristics if c.name == name)
    return [b.points for b in found.bins if b.kind == "range"]


def test_the_scorecard_ranks_later_loans_usefully(model: TrainingResult) -> None:
    test = model.metrics["test"]
    assert test["auc"] >= 0.7 and test["ks"] >= 0.25
    assert model.params["split"]["method"] == "out_of_time"


def test_points_follow_credit_sense(model: TrainingResult) -> None:
    assert "financials.debt_ratio" in model.features
    debt = _points(model, "financials.debt_ratio")
    assert debt == sorted(debt, reverse=True) and debt[0] > debt[-1]  # more debt, fewer points
    if "business.tax_on_time_share" in model.features:
        on_time = _points(model, "business.tax_on_time_share")
        assert on_time == sorted(on_time) and on_time[0] < on_time[-1]


def test_it_is_registered_beside_the_consumer_model(model: TrainingResult, tmp_path: Path) -> None:
    models = MemoryModels(Tables())
    clock = FakeClock(AS_OF)
    version = register_business_model(model, models, tmp_path, clock=clock)
    assert version.name == BUSINESS_MODEL == "business-scorecard"
    assert version.version == "business-scorecard-v1"
    assert (tmp_path / version.path).exists()
    assert models.list("application") == []


def test_a_gbm_on_the_same_book_ranks_too(history: pd.DataFrame, tmp_path: Path) -> None:
    gbm = train_business_model(SEED, as_of=AS_OF, history=history, kind="gbm")
    assert gbm.metrics["test"]["auc"] >= 0.65
    models = MemoryModels(Tables())
    version = register_business_model(gbm, models, tmp_path, clock=FakeClock(AS_OF))
    assert version.name == BUSINESS_GBM and version.version == "business-gbm-v1"
