"""The simulated lender's past book of small-business loans: the table a first business model is
trained on, as `sim.history` is for consumer loans.

The book holds the loans of the two years that ended a year before `as_of` (each observed for a
full year), in a calm economy, every business lent what it asked for (no decline, so no reject
inference is needed). Each row is one loan: the amount, term and monthly instalment asked for,
the feature values the platform computes from the documents as of the application day (the
owner's bureau report, the registry, tax and utility records, the financial statements with the
requested instalment, the bank statements: `sim.business_documents.business_features`), the
application day, and the observed outcome: `default` is "bad" when the business defaulted within
twelve months of borrowing, drawn from its hidden probability of default by a generator seeded
by `(seed, business)`. The businesses come from their own population, seeded from `seed` but
apart from a run's, so a run's applicants are never in it.

Flags are written 1.0/0.0 and missing values as NaN, so the scoring lab reads every feature as a
number but the tax credit grade, a category."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fengkong.features.business_inputs import (
    BUSINESS_FAMILIES,
    DOCUMENT_COLUMNS,
    LOAN_COLUMNS,
    business_model_inputs,
)
from fengkong.features.documents import DocumentFeatures
from fengkong.sim.business import BusinessPopulation, SmallBusiness
from fengkong.sim.business_documents import business_documents, business_features, read_documents
from fengkong.sim.scenarios import BASELINE

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "APPLIED_ON",
    "FAMILIES",
    "FEATURE_COLUMNS",
    "LOAN_COLUMNS",
    "TARGET",
    "business_history",
    "business_history_seed",
    "defaulted",
    "history_row",
    "past_businesses",
]

HISTORY_DAYS = 730  # the book's applications span two years…
OUTCOME_DAYS = 365  # …ending a year before `as_of`, each observed for a year
TARGET = "default"
APPLIED_ON = "applied_on"
# The record's columns are the decision's (`features.business_inputs`): one definition.
FAMILIES: tuple[DocumentFeatures[Any], ...] = BUSINESS_FAMILIES
FEATURE_COLUMNS: tuple[str, ...] = DOCUMENT_COLUMNS


def business_history_seed(seed: int) -> int:
    """The seed of the past book's businesses: fixed by `seed`, never a run's own."""
    return int.from_bytes(hashlib.sha256(f"business-history/{seed}".encode()).digest()[:8], "big")


def defaulted(firm: SmallBusiness, seed: int) -> bool:
    """Whether `firm` defaulted within twelve months of borrowing: a draw of its hidden PD."""
    return random.Random(f"business-outcome/{seed}/{firm.key}").random() < firm.pd


def history_row(firm: SmallBusiness, seed: int) -> dict[str, Any]:
    """One past loan: what was asked, the features as of the application day, the outcome; the
    record is the one a decision scores (`business_model_inputs`), a missing value NaN."""
    on = firm.applied_on
    documents = read_documents(firm, business_documents(firm, on, seed), on)
    values = business_features(documents, on, firm.instalment)
    record = business_model_inputs(values, firm.amount, firm.term_months)
    return {
        APPLIED_ON: on,
        **{name: math.nan if value is None else value for name, value in record.items()},
        TARGET: "bad" if defaulted(firm, seed) else "good",
    }


def past_businesses(seed: int, rows: int, as_of: date) -> tuple[SmallBusiness, ...]:
    """The book's first `rows` businesses, oldest application first."""
    if rows < 1:
        raise ValueError("a history has at least one row")
    start = as_of - timedelta(days=HISTORY_DAYS + OUTCOME_DAYS)
    per_day = math.ceil(rows / HISTORY_DAYS)
    population = BusinessPopulation(business_history_seed(seed), start, BASELINE, per_day=per_day)
    return population.businesses(rows)


def business_history(seed: int, rows: int, as_of: date) -> pd.DataFrame:
    """`rows` past business loans of the simulated world with their outcome: the loan columns,
    every feature family's columns (named as the policy reads them), `applied_on` and the target
    `default` (good/bad). The same for the same seed."""
    import pandas as pd

    book = past_businesses(seed, rows, as_of)
    columns = [APPLIED_ON, *LOAN_COLUMNS, *FEATURE_COLUMNS, TARGET]
    return pd.DataFrame([history_row(f, seed) for f in book], columns=columns)
