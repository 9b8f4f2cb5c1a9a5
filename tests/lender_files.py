"""Small synthetic credit files of the shapes other lenders export: a pandas row index
(`Unnamed: 0`), a `rownames` column, an `id`, grades A–G with sub-grades, employment length
"10+ years", sentinel codes (96/98 in a count, 365243 days) and a column that leaks the outcome.
The outcome follows grade, income and delinquencies, so a model has something real to learn."""

from __future__ import annotations

import numpy as np
import pandas as pd

GRADES = "ABCDEFG"


def lender_file(n: int = 800, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    grade_i = rng.integers(0, 7, n)
    income = rng.lognormal(8.5, 0.5, n).round(0)
    delinq = rng.poisson(0.6, n).astype(float)
    logit = -2.2 + 0.45 * grade_i - 0.8 * (np.log(income) - 8.5) + 0.5 * delinq
    bad = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    delinq[rng.random(n) < 0.06] = 98.0  # "not applicable"
    delinq[rng.random(n) < 0.04] = 96.0
    days_employed = rng.integers(100, 15000, n).astype(float)
    days_employed[rng.random(n) < 0.1] = 365243.0  # pensioners, as one bureau writes it
    years = np.array(["< 1 year", *(f"{k} years" for k in range(1, 10)), "10+ years"])
    frame = pd.DataFrame(
        {
            "Unnamed: 0": np.arange(n),
            "rownames": np.arange(1, n + 1),
            "id": rng.permutation(np.arange(10_000, 10_000 + n)).astype(str),
            "grade": [GRADES[i] for i in grade_i],
            "sub_grade": [f"{GRADES[i]}{rng.integers(1, 6)}" for i in grade_i],
            "emp_length": rng.choice(years, n),
            "annual_inc": income,
            "delinq_2yrs": delinq,
            "days_employed": days_employed,
            "country": "CN",
            "recoveries": np.where(bad == 1, rng.uniform(50, 500, n).round(2), 0.0),
            "bad": bad,
        }
    )
    income_text = frame["annual_inc"].astype(object)
    income_text[rng.random(n) < 0.05] = np.nan
    frame["annual_inc"] = income_text.astype(float)
    return frame


def wide_file(n: int = 5000, n_features: int = 40, seed: int = 0) -> pd.DataFrame:
    """A bureau-style file of `n` rows and `n_features` numeric features of which only eight
    carry signal (of decreasing strength) and the rest are noise: the shape on which an
    unregularised GBM learns its training rows rather than the risk."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    weights = np.zeros(n_features)
    weights[:8] = [0.8, -0.6, 0.5, -0.4, 0.3, 0.25, -0.2, 0.15]
    logit = -1.6 + X @ weights + 0.3 * X[:, 0] * X[:, 1]
    bad = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(X.round(3), columns=[f"x{i:02d}" for i in range(n_features)])
    frame["bad"] = bad
    return frame
