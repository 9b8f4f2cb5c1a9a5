"""Honest validation for the scoring lab: settings chosen on the training part only, the model
refitted on train + validation with them, the test part left for the end.

    fitted = fit_honestly(kind, config, categorical, X, y, split)
    fitted.held_out   # fitted on train only: scores the validation part, which calibrates
    fitted.final      # the chosen settings refitted on train + validation: the model registered
    fitted.chosen     # what was chosen, and how, for the registry's `params.validation`

Scorecard: bins are fitted on the training part; the minimum bin share
(`SCORECARD_BIN_SHARES`) and `min_iv`, `max_correlation` and `C` are chosen by the scorecard's
own inner cross-validation of the training part, re-binning on each inner fold
(`param_grid="standard"` unless the configuration names a grid); the winner is refitted on
train + validation, which re-bins on the larger sample.

GBM: regularisation follows the file's size (`gbm_size_rule`, each setting overridable in the
configuration); the tree count (and any `param_grid`) is chosen by stratified inner
cross-validation of the training part with early stopping; the final model is refitted on
train + validation with that tree count scaled by the ratio of rows (more rows, proportionally
more trees at the same learning rate).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.lab_config import TrainingConfig
from fengkong.scoring.scorecard import ScorecardModel
from fengkong.scoring.scorecard_params import search_grid
from fengkong.scoring.split import Split

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Model = ScorecardModel | GBMModel

SCORECARD_GRID = "standard"
"""The scorecard's grid when the configuration names none (`scorecard_params.STANDARD_GRID`)."""

SCORECARD_BIN_SHARES: tuple[float, ...] = (0.05, 0.1)
"""The minimum bin shares the lab tries when the configuration sets none: finer bins (5 % of
the applicants each at least) or coarser, steadier ones (10 %). Each is binned on the same inner
folds with the whole grid; the share whose best candidate has the higher inner AUC wins (a tie
keeps the finer)."""


def gbm_size_rule(n_rows: int, n_features: int) -> dict[str, Any]:
    """GBM regularisation for a training part of `n_rows` rows and `n_features` features.

    - `num_leaves`: 4 under 5,000 rows, 8 under 50,000, 16 from there. Each tree may only
      draw as many cells as the sample can fill; more trees (chosen by early stopping) make up
      for smaller ones without learning single applicants.
    - `min_child_samples` (LightGBM's min data in leaf): 1 % of the rows, at least 20 and at
      most 500. A leaf must speak for a share of the applicants, not for a handful of them.
    - `colsample_bytree` (feature fraction): 0.7 up to 20 features, 0.5 up to 60, 0.3 beyond.
      With many weak or noisy columns each tree sees fewer of them, so no single noisy column
      is picked up by every tree.
    - `subsample` (bagging fraction) 0.8 every round, and 0.7 under 2,000 rows, where one
      row's weight in a tree is largest.
    - `early_stopping_rounds`: 100 rounds without a better inner-validation AUC under 10,000
      rows (a small sample's AUC curve is noisy), 50 from there.
    """
    rows = max(int(n_rows), 1)
    features = max(int(n_features), 1)
    return {
        "num_leaves": 4 if rows < 5_000 else 8 if rows < 50_000 else 16,
        "min_child_samples": int(min(500, max(20, round(rows * 0.01)))),
        "colsample_bytree": 0.7 if features <= 20 else 0.5 if features <= 60 else 0.3,
        "subsample": 0.8 if rows >= 2000 else 0.7,
        "subsample_freq": 1,
        "early_stopping_rounds": 100 if rows < 10_000 else 50,
    }


@dataclass(frozen=True, slots=True)
class HonestFit:
    held_out: Model  # fitted on the training part only
    final: Model  # the chosen settings refitted on train + validation
    chosen: dict[str, Any]  # the settings chosen, how, and the refit


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def scorecard_settings(config: TrainingConfig, categorical: list[str]) -> dict[str, Any]:
    """The scorecard's settings for this configuration, with the standard grid by default."""
    params = dict(config.scorecard)
    params["categorical"] = sorted({*categorical, *params.get("categorical", ())})
    params.setdefault("param_grid", SCORECARD_GRID)
    return params


def gbm_settings(config: TrainingConfig, n_rows: int, n_features: int) -> dict[str, Any]:
    """The GBM's settings: the size rule, then the configuration's own keys over it."""
    return {
        "random_state": config.seed,
        **gbm_size_rule(n_rows, n_features),
        **dict(config.gbm),
    }


def _fit_scorecard_bins(
    settings: Mapping[str, Any], X: pd.DataFrame, y: IntArray
) -> tuple[ScorecardModel, list[dict[str, float]]]:
    """The scorecard fitted with the minimum bin share chosen by inner cross-validation, and
    each share's best inner AUC; the configuration's own share (or no grid) is fitted as is."""
    if "min_bin_size" in settings or not search_grid(settings.get("param_grid")):
        return ScorecardModel(**settings).fit(X, y), []
    tried: list[tuple[float, ScorecardModel]] = []
    for share in SCORECARD_BIN_SHARES:
        model = ScorecardModel(**{**settings, "min_bin_size": share}).fit(X, y)
        tried.append((max(r["auc"] for r in model.search_results_), model))
    best = max(range(len(tried)), key=lambda i: (tried[i][0], -i))
    shares = [{"min_bin_size": float(m.min_bin_size), "inner_auc": float(a)} for a, m in tried]
    return tried[best][1], shares


def fit_settings(
    kind: str,
    settings: Mapping[str, Any],
    X: pd.DataFrame,
    y: IntArray,
    weight: FloatArray | None = None,
) -> Model:
    """One model of `kind` with `settings` fitted on `X`, `y` (a GBM takes no weights)."""
    if kind == "scorecard":
        return ScorecardModel(**settings).fit(X, y, sample_weight=weight)
    return GBMModel(**settings).fit(X, y)


def refit_settings(kind: str, held_out: Model, n_train: int, n_final: int) -> dict[str, Any]:
    """The held-out model's settings with its chosen values fixed, for the refit on `n_final`
    rows: no search; for a GBM the tree count scaled by `n_final / n_train`."""
    params = {**held_out.get_params(), **held_out.best_params_, "param_grid": None}
    if kind == "gbm" and isinstance(held_out, GBMModel):
        params["n_estimators"] = max(1, round(held_out.n_estimators_ * n_final / n_train))
    return params


def chosen_settings(kind: str, held_out: Model, final: Model, n_train: int) -> dict[str, Any]:
    """What the registry records of the choice: the winner, every candidate and the refit."""
    doc: dict[str, Any] = {
        "chosen_on": "inner cross-validation of the training part",
        "inner_folds": int(held_out.inner_folds),
        "best_params": _plain(held_out.best_params_),
        "search_results": _plain(held_out.search_results_),
        "refit_on": "train + validation",
    }
    if isinstance(held_out, GBMModel) and isinstance(final, GBMModel):
        doc["trees_chosen"] = int(held_out.n_estimators_)
        doc["trees_refit"] = int(final.n_estimators_)
        doc["tree_scaling"] = "trees chosen × (train + validation rows) / train rows"
        doc["size_rule"] = gbm_size_rule(n_train, held_out.n_features_in_)
        doc["lightgbm"] = _plain(
            {k: v for k, v in final.lgb_params_.items() if k != "monotone_constraints"}
        )
    else:
        doc["param_grid"] = _plain(held_out.param_grid)
    return doc


def fit_honestly(
    kind: str,
    config: TrainingConfig,
    categorical: list[str],
    X: pd.DataFrame,
    y: IntArray,
    split: Split,
    *,
    refit_final: bool = True,
) -> HonestFit:
    """Choose settings on the training part, then refit them on train + validation (unless
    `refit_final` is False: reject inference refits on its augmented sample instead, and
    `final` is the held-out model until then)."""
    X_train, y_train = X.iloc[split.train], y[split.train]
    if kind == "scorecard":
        settings = scorecard_settings(config, categorical)
    else:
        settings = gbm_settings(config, len(split.train), X.shape[1])
    shares: list[dict[str, float]] = []
    if kind == "scorecard":
        held_out, shares = _fit_scorecard_bins(settings, X_train, y_train)
    else:
        held_out = fit_settings(kind, settings, X_train, y_train)
    rows = np.sort(np.concatenate([split.train, split.validation]))
    final = (
        refit(kind, held_out, X.iloc[rows], y[rows], len(split.train)) if refit_final else held_out
    )
    chosen = chosen_settings(kind, held_out, final, len(split.train))
    if kind == "scorecard":
        chosen["min_bin_size"] = float(held_out.get_params()["min_bin_size"])
        chosen["bin_shares_tried"] = shares
    return HonestFit(held_out, final, chosen)


def refit(
    kind: str,
    held_out: Model,
    X: pd.DataFrame,
    y: IntArray,
    n_train: int,
    weight: FloatArray | None = None,
) -> Model:
    """The held-out model's chosen settings fitted again on `X`, `y` (train + validation)."""
    return fit_settings(kind, refit_settings(kind, held_out, n_train, len(X)), X, y, weight)
