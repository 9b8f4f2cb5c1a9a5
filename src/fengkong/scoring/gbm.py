"""Gradient-boosting challenger: LightGBM behind the scikit-learn estimator contract.

`GBMModel` takes a pandas DataFrame. Numeric columns go in as floats (NaN = missing);
categorical columns (pandas category, string or object dtype, or named in
`categorical_features`) are encoded with the category list fixed at fit and handed to LightGBM
as native categoricals. A category never seen in training is encoded as missing, so LightGBM
routes it exactly as it routes a missing value of that feature: the model gives no credit or
penalty for a value it has never seen. Ordered categories (`ordinal`: grades, "n years") go
in as their rank and numeric sentinel codes (`special_codes`: 98, 365243) as missing, as
`gbm_encoding` describes: the trees then split grades as ranges and never read "not
applicable" as a large magnitude.

Number of trees. With `n_estimators=None` (the default) the number of boosting rounds is
chosen inside `fit`: with a validation set, by early stopping on it; without one, by
stratified `inner_folds`-fold cross-validation on the training data (LightGBM's `cv`), after
which the model is refitted on all of it. Only the training data passed to `fit` is used, so
an outer evaluation stays honest. An integer `n_estimators` without a validation set trains
exactly that many rounds; with a validation set it is the cap for early stopping.

Hyperparameter search. With `param_grid` (a mapping of parameter name to candidate values, or
`"standard"` for `gbm_params.STANDARD_GRID`) `fit` tries every combination and keeps the one with the best
AUC: by the same inner cross-validation of the training data (with early stopping on the inner
folds), or on the validation set when one is given. The winner is then refitted on all of the
training data. The held-out data of an outer evaluation is never seen. `search_results_` lists
every candidate with its AUC and tree count; `best_params_` holds the winner.

The artifact is plain data (LightGBM's text model plus feature list, categories and params):
no pickle.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from fengkong.core.errors import FieldError, Invalid
from fengkong.scoring.gbm_encoding import (
    FloatArray,
    RowPlan,
    check_frame,
    check_target,
    encode_frame,
    encode_row,
    is_numeric_column,
    lightgbm_names,
    row_plan,
    training_categories,
)
from fengkong.scoring.gbm_params import (
    SEARCHABLE,
    GridSpec,
    lightgbm_params,
    parameter_errors,
    search_grid,
)

BIAS_COLUMN = "(bias)"
"""Column of `GBMModel.contributions` holding the model's expected log-odds (the intercept)."""

ARTIFACT_KIND = "fengkong.scoring.gbm"
ARTIFACT_FORMAT = 1


def _invalid(loc: tuple[str | int, ...], msg: str) -> Invalid:
    return Invalid((FieldError(loc, msg),))


class GBMModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """LightGBM binary classifier of default (1 = bad) on tabular applicant data.

    The defaults suit small tabular credit data (hundreds to tens of thousands of rows):
    a low learning rate, shallow trees (8 leaves), strong L2 and row/column subsampling,
    with the number of trees chosen by early stopping (see the module docstring).
    `num_threads=0` (the default) trains on every core OpenMP offers (`OMP_NUM_THREADS`
    caps it); a positive number fixes the count. `deterministic=True` with a fixed
    `random_state` gives the same trees on every run with the same thread count.

    Fitted attributes: `booster_`, `feature_names_in_`, `n_features_in_`, `categories_`
    (feature -> tuple of training categories), `orders_` (ordinal feature -> its order),
    `sentinels_` (numeric feature -> its sentinel codes), `monotone_constraints_` (one per feature),
    `n_estimators_` (trees kept), `classes_` (0, 1), `lgb_params_` (what LightGBM got).
    """

    def __init__(
        self,
        *,
        n_estimators: int | None = None,
        learning_rate: float = 0.02,
        num_leaves: int = 8,
        max_depth: int = -1,
        min_child_samples: int = 20,
        subsample: float = 0.8,
        subsample_freq: int = 1,
        colsample_bytree: float = 0.7,
        reg_lambda: float = 20.0,
        reg_alpha: float = 0.0,
        min_split_gain: float = 0.0,
        cat_smooth: float = 10.0,
        min_data_per_group: int = 20,
        max_cat_to_onehot: int = 4,
        categorical_features: Sequence[str] | None = None,
        monotone_constraints: Mapping[str, int] | None = None,
        ordinal: Mapping[str, Sequence[str]] | None = None,
        special_codes: Mapping[str, Sequence[float]] | None = None,
        early_stopping_rounds: int = 100,
        max_estimators: int = 3000,
        inner_folds: int = 5,
        param_grid: GridSpec | None = None,
        random_state: int = 0,
        num_threads: int = 0,
        deterministic: bool = True,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.subsample_freq = subsample_freq
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.min_split_gain = min_split_gain
        self.cat_smooth = cat_smooth
        self.min_data_per_group = min_data_per_group
        self.max_cat_to_onehot = max_cat_to_onehot
        self.categorical_features = categorical_features
        self.monotone_constraints = monotone_constraints
        self.ordinal = ordinal
        self.special_codes = special_codes
        self.early_stopping_rounds = early_stopping_rounds
        self.max_estimators = max_estimators
        self.inner_folds = inner_folds
        self.param_grid = param_grid
        self.random_state = random_state
        self.num_threads = num_threads
        self.deterministic = deterministic

    # ----------------------------------------------------------------------------------------
    # Parameters

    def _check_parameters(self) -> None:
        errors = parameter_errors(self.get_params())
        if errors:
            raise Invalid(tuple(errors))

    def _grid(self) -> Mapping[str, Sequence[float]]:
        return search_grid(self.param_grid)

    def _candidate(self, values: Mapping[str, Any]) -> GBMModel:
        """A copy of this model's settings with `values` in place, without a search of its own."""
        params = {**self.get_params(), **values, "param_grid": None}
        return type(self)(**params)

    def _lgb_params(self) -> dict[str, Any]:
        return lightgbm_params(self.get_params())

    # ----------------------------------------------------------------------------------------
    # Fitting

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        X_valid: pd.DataFrame | None = None,
        y_valid: Any = None,
    ) -> GBMModel:
        """Fit on `X` (DataFrame) and `y` (0 good / 1 bad). With `X_valid`/`y_valid` the
        number of trees is chosen by early stopping on them (AUC); see the module docstring."""
        self._check_parameters()
        features = check_frame(X, "X")
        target = check_target(y, len(X), "y")
        if (X_valid is None) != (y_valid is None):
            raise _invalid(("X_valid",), "X_valid and y_valid must be given together")

        orders, sentinels = self._orders_and_sentinels(X, features)
        categorical = self._categorical_names(X, features, orders)
        categories = {name: training_categories(X[name], name) for name in categorical}
        constraints = self._constraints(features, categorical)

        self.feature_names_in_ = np.asarray(features, dtype=object)
        self.n_features_in_ = len(features)
        self.categories_ = categories
        self.orders_ = orders
        self.sentinels_ = sentinels
        self.monotone_constraints_ = constraints
        self.classes_ = np.array([0, 1])

        cat_index = [i for i, name in enumerate(features) if name in categories]
        train_set = lgb.Dataset(
            self._encode(X),
            label=target,
            feature_name=lightgbm_names(features),
            categorical_feature=cat_index,
            params={"verbosity": -1},
            free_raw_data=False,
        )
        valid_set: lgb.Dataset | None = None
        if X_valid is not None:
            check_frame(X_valid, "X_valid")
            valid_target = check_target(y_valid, len(X_valid), "y_valid")
            valid_set = train_set.create_valid(self._encode(X_valid), label=valid_target)

        grid = self._grid()
        names = sorted(grid)
        results: list[dict[str, Any]] = []
        best: tuple[float, int, dict[str, Any], lgb.Booster | None] | None = None
        for values in itertools.product(*(grid[name] for name in names)):
            chosen = dict(zip(names, values, strict=True))
            params = {
                **self._candidate(chosen)._lgb_params(),
                "monotone_constraints": list(constraints),
            }
            score, rounds, booster = self._trial(params, train_set, valid_set)
            results.append({"params": chosen, "auc": score, "n_estimators": rounds})
            if best is None or score > best[0]:  # ties keep the earlier candidate
                best = (score, rounds, chosen, booster)
        assert best is not None  # the empty product still yields one candidate
        _, rounds, chosen, booster = best
        params = {
            **self._candidate(chosen)._lgb_params(),
            "monotone_constraints": list(constraints),
        }
        if booster is None:
            booster = lgb.train(params, train_set, num_boost_round=rounds)

        # Keep only the chosen trees so the in-memory model is the artifact's model.
        self.booster_ = lgb.Booster(model_str=booster.model_to_string(num_iteration=rounds))
        self.n_estimators_ = int(self.booster_.num_trees())
        self.lgb_params_ = params
        self.best_params_ = chosen
        self.search_results_ = results if grid else []
        return self

    def _trial(
        self, params: dict[str, Any], train_set: lgb.Dataset, valid_set: lgb.Dataset | None
    ) -> tuple[float, int, lgb.Booster | None]:
        """The AUC and tree count of one setting, and its booster when it was trained on all of
        the training data (with a validation set), else None (it is refitted if it wins)."""
        stop: list[Callable[..., Any]] = [
            lgb.early_stopping(self.early_stopping_rounds, verbose=False)
        ]
        if valid_set is not None:
            cap = self.n_estimators if self.n_estimators is not None else self.max_estimators
            evals: dict[str, Any] = {}
            booster = lgb.train(
                {**params, "metric": "auc"},
                train_set,
                num_boost_round=cap,
                valid_sets=[valid_set],
                valid_names=["valid"],
                callbacks=[*stop, lgb.record_evaluation(evals)],
            )
            rounds = booster.best_iteration if booster.best_iteration > 0 else cap
            return float(evals["valid"]["auc"][rounds - 1]), rounds, booster
        if self.n_estimators is not None and not self._grid():
            return float("nan"), self.n_estimators, None  # nothing to choose
        result = lgb.cv(
            {**params, "metric": "auc"},
            train_set,
            num_boost_round=self.n_estimators or self.max_estimators,
            nfold=self.inner_folds,
            stratified=True,
            shuffle=True,
            seed=self.random_state,
            callbacks=stop if self.n_estimators is None else [],
        )
        scores: list[float] = list(result["valid auc-mean"])  # type: ignore[arg-type]
        if self.n_estimators is None:  # early stopping cut the scores at the best round
            return scores[-1], len(scores), None
        return scores[-1], self.n_estimators, None

    def _orders_and_sentinels(
        self, X: pd.DataFrame, features: tuple[str, ...]
    ) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[float, ...]]]:
        """The ordinal features' orders and the numeric features' sentinel codes, checked
        against `X`."""
        orders = {str(k): tuple(str(v) for v in o) for k, o in (self.ordinal or {}).items()}
        sentinels = {
            str(k): tuple(float(c) for c in codes)
            for k, codes in (self.special_codes or {}).items()
        }
        for loc, names in (("ordinal", orders), ("special_codes", sentinels)):
            unknown = sorted(set(names) - set(features))
            if unknown:
                raise _invalid((loc,), f"not columns of X: {unknown}")
        both = sorted(set(orders) & set(sentinels))
        text = sorted(n for n in sentinels if not is_numeric_column(X[n]))
        if both or text:
            raise _invalid(
                ("special_codes",), f"sentinel codes apply to numeric features only: {both + text}"
            )
        return orders, {n: codes for n, codes in sentinels.items() if codes}

    def _categorical_names(
        self, X: pd.DataFrame, features: tuple[str, ...], orders: Mapping[str, Any]
    ) -> tuple[str, ...]:
        if self.categorical_features is None:
            return tuple(
                name for name in features if name not in orders and not is_numeric_column(X[name])
            )
        missing = [name for name in self.categorical_features if name not in features]
        if missing:
            raise _invalid(("categorical_features",), f"not columns of X: {missing}")
        declared = set(self.categorical_features) - set(orders)
        undeclared = [
            n
            for n in features
            if n not in declared and n not in orders and not is_numeric_column(X[n])
        ]
        if undeclared:
            raise _invalid(
                ("categorical_features",),
                f"non-numeric columns must be declared categorical: {undeclared}",
            )
        return tuple(name for name in features if name in declared)

    def _constraints(
        self, features: tuple[str, ...], categorical: tuple[str, ...]
    ) -> tuple[int, ...]:
        wanted = dict(self.monotone_constraints or {})
        unknown = sorted(set(wanted) - set(features))
        if unknown:
            raise _invalid(("monotone_constraints",), f"not columns of X: {unknown}")
        on_categorical = sorted(n for n in categorical if wanted.get(n, 0) != 0)
        if on_categorical:
            raise _invalid(
                ("monotone_constraints",),
                f"a categorical feature has no order to be monotone in: {on_categorical}",
            )
        return tuple(int(wanted.get(name, 0)) for name in features)

    # ----------------------------------------------------------------------------------------
    # Scoring

    def _encode(self, X: pd.DataFrame) -> FloatArray:
        """The float matrix LightGBM sees for `X` (see `gbm_encoding.encode_frame`)."""
        names = [str(n) for n in self.feature_names_in_]
        return encode_frame(names, self.categories_, X, self._orders(), self._sentinels())

    def _orders(self) -> Mapping[str, tuple[str, ...]]:
        return getattr(self, "orders_", {})

    def _sentinels(self) -> Mapping[str, tuple[float, ...]]:
        return getattr(self, "sentinels_", {})

    def _row_plan(self) -> RowPlan:
        """The one-row look-up plan, built once per fitted model and kept (a private cache,
        rebuilt after a refit)."""
        cached: tuple[Any, RowPlan] | None = getattr(self, "_row_plan_cache", None)
        if cached is not None and cached[0] is self.booster_:
            return cached[1]
        plan = row_plan(
            [str(n) for n in self.feature_names_in_],
            self.categories_,
            self._orders(),
            self._sentinels(),
        )
        self._row_plan_cache = (self.booster_, plan)
        return plan

    def encode_row(self, row: Mapping[str, object]) -> FloatArray:
        """One application as the 1×n matrix LightGBM sees, without building a DataFrame; equal,
        value for value, to `_encode` of a one-row object frame of it (a missing key is a
        missing value)."""
        if not hasattr(self, "booster_"):
            check_is_fitted(self)  # raises NotFittedError
        return encode_row(self._row_plan(), self.categories_, row)

    @property
    def row_features(self) -> tuple[str, ...]:
        """The feature names in model order, as `encode_row` lays them out."""
        return tuple(entry[0] for entry in self._row_plan())

    def row_contributions(self, row: Mapping[str, object]) -> FloatArray:
        """`contributions` of one application as a 1×(n+1) array (features, then the bias),
        computed on `encode_row` on one thread: a single row gains nothing from more."""
        matrix = self.encode_row(row)
        return np.asarray(
            self.booster_.predict(matrix, pred_contrib=True, num_threads=1), dtype=np.float64
        )

    def _check_scoring_frame(self, X: pd.DataFrame) -> FloatArray:
        check_is_fitted(self)
        if not isinstance(X, pd.DataFrame):
            raise _invalid(("X",), f"must be a pandas DataFrame, got {type(X).__name__}")
        return self._encode(X)

    def decision_function(self, X: pd.DataFrame) -> FloatArray:
        """Log-odds of default for each row (higher = riskier)."""
        matrix = self._check_scoring_frame(X)
        return np.asarray(self.booster_.predict(matrix, raw_score=True), dtype=np.float64)

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        """Columns: P(good), P(bad), as scikit-learn orders `classes_` (0, 1)."""
        matrix = self._check_scoring_frame(X)
        pd_ = np.asarray(self.booster_.predict(matrix), dtype=np.float64)
        return np.column_stack([1.0 - pd_, pd_])

    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.int64]:
        """1 (bad) where the PD is at least one half. Policies set their own cut-offs."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def contributions_array(self, X: pd.DataFrame) -> FloatArray:
        """`contributions` as a plain array: features in model order, then the bias."""
        matrix = self._check_scoring_frame(X)
        return np.asarray(self.booster_.predict(matrix, pred_contrib=True), dtype=np.float64)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-feature contributions to the log-odds (LightGBM's TreeSHAP, `pred_contrib`):
        one column per feature plus `BIAS_COLUMN`; each row sums to `decision_function`.
        Positive values push towards default."""
        raw = self.contributions_array(X)
        columns = [*(str(n) for n in self.feature_names_in_), BIAS_COLUMN]
        return pd.DataFrame(raw, columns=columns, index=X.index)

    # ----------------------------------------------------------------------------------------
    # Artifact

    def to_artifact(self) -> dict[str, Any]:
        """Plain JSON-able data: LightGBM's text model, features, categories and params."""
        check_is_fitted(self)
        params = self.get_params()
        params["categorical_features"] = (
            None if self.categorical_features is None else list(self.categorical_features)
        )
        params["monotone_constraints"] = (
            None
            if self.monotone_constraints is None
            else {k: int(v) for k, v in self.monotone_constraints.items()}
        )
        params["ordinal"] = (
            None if self.ordinal is None else {k: list(v) for k, v in self.ordinal.items()}
        )
        params["special_codes"] = (
            None
            if self.special_codes is None
            else {k: [float(c) for c in v] for k, v in self.special_codes.items()}
        )
        grid = self.param_grid
        params["param_grid"] = (
            {str(k): list(v) for k, v in grid.items()} if isinstance(grid, Mapping) else grid
        )
        return {
            "kind": ARTIFACT_KIND,
            "format": ARTIFACT_FORMAT,
            "lightgbm_version": lgb.__version__,
            "params": params,
            "features": [str(n) for n in self.feature_names_in_],
            "categories": {name: list(cats) for name, cats in self.categories_.items()},
            "orders": {name: list(o) for name, o in self._orders().items()},
            "sentinels": {name: list(c) for name, c in self._sentinels().items()},
            "monotone_constraints": list(self.monotone_constraints_),
            "n_estimators": self.n_estimators_,
            "best_params": dict(self.best_params_),
            "search_results": list(self.search_results_),
            "model": self.booster_.model_to_string(),
        }

    @classmethod
    def from_artifact(cls, artifact: Mapping[str, Any]) -> GBMModel:
        """Rebuild a fitted model from `to_artifact` output; predictions are identical."""
        if artifact.get("kind") != ARTIFACT_KIND or artifact.get("format") != ARTIFACT_FORMAT:
            raise _invalid(
                ("kind",),
                f"expected a {ARTIFACT_KIND} artifact of format {ARTIFACT_FORMAT}, got "
                f"{artifact.get('kind')!r} format {artifact.get('format')!r}",
            )
        try:
            model = cls(**dict(artifact["params"]))
            features = [str(n) for n in artifact["features"]]
            categories = {
                str(name): tuple(cats) for name, cats in dict(artifact["categories"]).items()
            }
            constraints = tuple(int(c) for c in artifact["monotone_constraints"])
            # Artifacts written before ordinal and sentinel encoding hold neither.
            orders = {
                str(k): tuple(str(v) for v in o) for k, o in artifact.get("orders", {}).items()
            }
            sentinels = {
                str(k): tuple(float(c) for c in codes)
                for k, codes in artifact.get("sentinels", {}).items()
            }
            best_params = dict(artifact.get("best_params", {}))
            search_results = list(artifact.get("search_results", []))
            booster = lgb.Booster(model_str=str(artifact["model"]))
        except (KeyError, TypeError, ValueError, lgb.basic.LightGBMError) as exc:
            raise _invalid(("artifact",), f"malformed GBM artifact: {exc}") from exc
        if booster.num_feature() != len(features) or len(constraints) != len(features):
            raise _invalid(("features",), "feature list does not match the model")
        if not set(categories) | set(orders) | set(sentinels) <= set(features):
            raise _invalid(("categories",), "categories name features the model lacks")
        model._check_parameters()
        model.feature_names_in_ = np.asarray(features, dtype=object)
        model.n_features_in_ = len(features)
        model.categories_ = categories
        model.orders_ = orders
        model.sentinels_ = sentinels
        model.monotone_constraints_ = constraints
        model.classes_ = np.array([0, 1])
        model.booster_ = booster
        model.n_estimators_ = int(booster.num_trees())
        bad_keys = sorted(str(k) for k in best_params if k not in SEARCHABLE)
        if bad_keys:
            raise _invalid(("best_params",), f"not searchable parameters: {bad_keys}")
        model.best_params_ = best_params
        model.search_results_ = search_results
        model.lgb_params_ = {
            **model._candidate(best_params)._lgb_params(),
            "monotone_constraints": list(constraints),
        }
        return model
