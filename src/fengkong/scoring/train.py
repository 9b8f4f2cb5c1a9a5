"""Train a scorecard from a table: read, check the target, split, fit, evaluate."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from fengkong.core.errors import FieldError, Invalid
from fengkong.scoring.baseline import BASELINE_KEY, baseline_document
from fengkong.scoring.metrics import evaluate
from fengkong.scoring.scorecard import ScorecardModel

BAD_LABELS = frozenset({"bad", "1", "yes", "true", "default", "y"})
GOOD_LABELS = frozenset({"good", "0", "no", "false", "non-default", "n"})


@dataclass(frozen=True, slots=True)
class TrainedScorecard:
    model: ScorecardModel
    # split name → summary metrics; and `baseline`, the binned training sample
    # (`scoring.baseline`) later decisions are compared with
    metrics: dict[str, dict[str, Any]]
    data_fingerprint: str
    params: dict[str, Any]


def read_table(path: Path, loc: str = "data", *, sep: str | None = None) -> pd.DataFrame:
    """A CSV, TSV, Parquet or gzip-compressed CSV/TSV file as a frame (`scoring.tables`); a
    missing or unreadable file is bad input, named `loc`."""
    from fengkong.scoring.tables import read_table as read

    return read(path, loc, sep=sep)


def fingerprint(frame: pd.DataFrame) -> str:
    """sha256 over the table's columns and values: the same data always gives the same print."""
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def binary_target(column: pd.Series) -> np.ndarray:
    """1 = bad. Accepts 0/1 or labels such as good/bad; anything else is an error, never a guess."""
    if column.isna().any():
        raise Invalid((FieldError(("target",), f"{int(column.isna().sum())} rows have no target"),))
    labels = {str(v).strip().lower() for v in column.unique()}
    unknown = labels - BAD_LABELS - GOOD_LABELS
    if unknown:
        raise Invalid(
            (FieldError(("target",), f"not a binary target: unknown values {sorted(unknown)[:5]}"),)
        )
    y: np.ndarray = column.map(lambda v: 1 if str(v).strip().lower() in BAD_LABELS else 0).to_numpy(
        dtype=int
    )
    if y.min() == y.max():
        raise Invalid((FieldError(("target",), "the target has a single class"),))
    return y


def categorical_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]


def train_scorecard(
    frame: pd.DataFrame,
    target: str,
    *,
    features: Sequence[str] | None = None,
    test_size: float = 0.3,
    seed: int = 0,
    **params: Any,
) -> TrainedScorecard:
    if target not in frame.columns:
        raise Invalid((FieldError(("target",), f"no column {target!r} in the data"),))
    y = binary_target(frame[target])
    names = list(features) if features is not None else [c for c in frame.columns if c != target]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise Invalid((FieldError(("features",), f"not in the data: {missing}"),))
    X = frame[names]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    params = {"categorical": categorical_columns(X), **params}
    model = ScorecardModel(**params).fit(X_train, y_train)
    metrics = {
        "train": evaluate(y_train, model.score(X_train), higher_is_riskier=False),
        "test": evaluate(y_test, model.score(X_test), higher_is_riskier=False),
        BASELINE_KEY: baseline_document(
            model.score(X_train).tolist(),
            {n: X_train[n].tolist() for n in model.scorecard_.features},
        ),
    }
    return TrainedScorecard(
        model=model,
        metrics=metrics,
        data_fingerprint=fingerprint(frame),
        params={"test_size": test_size, "seed": seed, **params},
    )
