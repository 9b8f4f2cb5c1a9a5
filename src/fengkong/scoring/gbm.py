"""Gradient-boosting challenger: LightGBM behind the scikit-learn estimator contract.

`GBMModel` takes a pandas DataFrame. Numeric columns go in as floats (NaN = missing);
categorical columns (pandas category, string or object dtype, or named in
`categorical_features`) are encoded with the category list fixed at fit and handed to LightGBM
as native categoricals. A category never seen in training is encoded as missing, so LightGBM
routes it exactly as it routes a missing value of that feature: the model gives no credit or
penalty for a value it has never seen.

Number of trees. With `n_estimators=None` (the default) the number of boosting rounds is
chosen inside `fit`: with a validation set, by early stopping on it; without one, by
stratified `inner_folds`-fold cross-validation on the training data (LightGBM's `cv`), after
which the model is refitted on all of it. Only the training data passed to `fit` is used, so
an outer evaluation stays honest. An integer `n_estimators` without a validation set trains
exactly that many rounds; with a validation set it is the cap for early stopping.

Hyperparameter search. With `param_grid` (a mapping of parameter name to candidate values, or
`"standard"` for `STANDARD_GRID`) `fit` tries every combination and keeps the one with the best
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
from typing import Any, ClassVar

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from fengkong.core.errors import FieldError, Invalid
from fengkong.scoring.param_grid import grid_errors

FloatArray = npt.NDArray[np.float64]

BIAS_COLUMN = "(bias)"
"""Column of `GBMModel.contributions` holding the model's expected log-odds (the intercept)."""

ARTIFACT_KIND = "fengkong.scoring.gbm"
ARTIFACT_FORMAT = 1

CategoryValue = str | int | float | bool

_EXACT_INT = 2**53  # integers up to this size are exact as float64

SEARCHABLE: tuple[str, ...] = (
    "learning_rate",
    "num_leaves",
    "max_depth",
    "min_child_samples",
    "subsample",
    "colsample_bytree",
    "reg_lambda",
    "reg_alpha",
    "min_split_gain",
    "cat_smooth",
    "min_data_per_group",
    "max_cat_to_onehot",
)
"""Parameters `param_grid` may search over."""

STANDARD_GRID: Mapping[str, tuple[float, ...]] = {
    "min_child_samples": (5, 10, 20, 40),
    "reg_lambda": (1.0, 20.0),
}
"""The grid `param_grid="standard"` searches: how many applicants a leaf needs and how strongly
leaf values are shrunk, the two settings that decide how closely the trees follow small data.
Eight candidates, the same for every data set; the tree count is chosen for each of them."""

GridSpec = Mapping[str, Sequence[float]] | str


def _invalid(loc: tuple[str | int, ...], msg: str) -> Invalid:
    return Invalid((FieldError(loc, msg),))


class GBMModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """LightGBM binary classifier of default (1 = bad) on tabular applicant data.

    The defaults suit small tabular credit data (hundreds to tens of thousands of rows):
    a low learning rate, shallow trees (8 leaves), strong L2 and row/column subsampling,
    with the number of trees chosen by early stopping (see the module docstring). One thread
    by default: on data this size more threads were not faster, and batch jobs parallelise
    across partitions instead. `deterministic=True` with a fixed `random_state` gives the
    same trees on every run.

    Fitted attributes: `booster_`, `feature_names_in_`, `n_features_in_`, `categories_`
    (feature -> tuple of training categories), `monotone_constraints_` (one per feature),
    `n_estimators_` (trees kept), `classes_` (0, 1), `lgb_params_` (what LightGBM got).
    """

    _ALLOWED_CONSTRAINTS: ClassVar[frozenset[int]] = frozenset({-1, 0, 1})

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
        early_stopping_rounds: int = 100,
        max_estimators: int = 3000,
        inner_folds: int = 5,
        param_grid: GridSpec | None = None,
        random_state: int = 0,
        num_threads: int = 1,
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
        errors: list[FieldError] = []

        def need(name: str, ok: bool, msg: str) -> None:
            if not ok:
                errors.append(FieldError((name,), f"{msg}, got {getattr(self, name)!r}"))

        def is_int(v: object) -> bool:
            return isinstance(v, int | np.integer) and not isinstance(v, bool)

        def is_num(v: object) -> bool:
            return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)

        n = self.n_estimators
        need("n_estimators", n is None or (is_int(n) and n >= 1), "must be None or an int >= 1")
        lr = self.learning_rate
        need("learning_rate", is_num(lr) and 0 < lr <= 1, "must be in (0, 1]")
        need("num_leaves", is_int(self.num_leaves) and self.num_leaves >= 2, "must be int >= 2")
        md = self.max_depth
        need("max_depth", is_int(md) and (md == -1 or md >= 1), "must be -1 or an int >= 1")
        for name in ("min_child_samples", "min_data_per_group", "max_cat_to_onehot"):
            v = getattr(self, name)
            need(name, is_int(v) and v >= 1, "must be an int >= 1")
        for name in ("subsample", "colsample_bytree"):
            v = getattr(self, name)
            need(name, is_num(v) and 0 < v <= 1, "must be in (0, 1]")
        need("subsample_freq", is_int(self.subsample_freq) and self.subsample_freq >= 0, ">= 0")
        for name in ("reg_lambda", "reg_alpha", "min_split_gain", "cat_smooth"):
            v = getattr(self, name)
            need(name, is_num(v) and v >= 0, "must be a number >= 0")
        for name in ("early_stopping_rounds", "max_estimators"):
            v = getattr(self, name)
            need(name, is_int(v) and v >= 1, "must be an int >= 1")
        need("inner_folds", is_int(self.inner_folds) and self.inner_folds >= 2, "int >= 2")
        need("random_state", is_int(self.random_state), "must be an int")
        need("num_threads", is_int(self.num_threads) and self.num_threads >= 0, "int >= 0")
        need("deterministic", isinstance(self.deterministic, bool), "must be True or False")
        cf = self.categorical_features
        need(
            "categorical_features",
            cf is None or (not isinstance(cf, str) and all(isinstance(c, str) for c in cf)),
            "must be None or a sequence of column names",
        )
        mc = self.monotone_constraints
        need(
            "monotone_constraints",
            mc is None
            or (
                isinstance(mc, Mapping)
                and all(isinstance(k, str) for k in mc)
                and all(is_int(v) and int(v) in self._ALLOWED_CONSTRAINTS for v in mc.values())
            ),
            "must be None or a mapping of column name to -1, 0 or 1",
        )
        errors += self._grid_errors()
        if errors:
            raise Invalid(tuple(errors))

    def _grid_errors(self) -> list[FieldError]:
        return grid_errors(self.param_grid, SEARCHABLE, self._value_errors)

    def _value_errors(self, name: str, value: Any) -> list[FieldError]:
        try:
            self._candidate({name: value})._check_parameters()
        except Invalid as exc:
            return [e for e in exc.errors]
        return []

    def _grid(self) -> Mapping[str, Sequence[float]]:
        if self.param_grid == "standard":
            return STANDARD_GRID
        grid = self.param_grid
        return grid if isinstance(grid, Mapping) else {}

    def _candidate(self, values: Mapping[str, Any]) -> GBMModel:
        """A copy of this model's settings with `values` in place, without a search of its own."""
        params = {**self.get_params(), **values, "param_grid": None}
        return type(self)(**params)

    def _lgb_params(self) -> dict[str, Any]:
        return {
            "objective": "binary",
            "learning_rate": float(self.learning_rate),
            "num_leaves": int(self.num_leaves),
            "max_depth": int(self.max_depth),
            "min_data_in_leaf": int(self.min_child_samples),
            "bagging_fraction": float(self.subsample),
            "bagging_freq": int(self.subsample_freq),
            "feature_fraction": float(self.colsample_bytree),
            "lambda_l2": float(self.reg_lambda),
            "lambda_l1": float(self.reg_alpha),
            "min_gain_to_split": float(self.min_split_gain),
            "cat_smooth": float(self.cat_smooth),
            "min_data_per_group": int(self.min_data_per_group),
            "max_cat_to_onehot": int(self.max_cat_to_onehot),
            "seed": int(self.random_state),
            "num_threads": int(self.num_threads),
            "deterministic": bool(self.deterministic),
            # Row-wise histograms keep results independent of LightGBM's timing-based choice.
            "force_row_wise": True,
            "verbosity": -1,
        }

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
        features = _check_frame(X, "X")
        target = _check_target(y, len(X), "y")
        if (X_valid is None) != (y_valid is None):
            raise _invalid(("X_valid",), "X_valid and y_valid must be given together")

        categorical = self._categorical_names(X, features)
        categories = {name: _training_categories(X[name], name) for name in categorical}
        constraints = self._constraints(features, categorical)

        self.feature_names_in_ = np.asarray(features, dtype=object)
        self.n_features_in_ = len(features)
        self.categories_ = categories
        self.monotone_constraints_ = constraints
        self.classes_ = np.array([0, 1])

        cat_index = [i for i, name in enumerate(features) if name in categories]
        train_set = lgb.Dataset(
            self._encode(X),
            label=target,
            feature_name=list(features),
            categorical_feature=cat_index,
            params={"verbosity": -1},
            free_raw_data=False,
        )
        valid_set: lgb.Dataset | None = None
        if X_valid is not None:
            _check_frame(X_valid, "X_valid")
            valid_target = _check_target(y_valid, len(X_valid), "y_valid")
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

    def _categorical_names(self, X: pd.DataFrame, features: tuple[str, ...]) -> tuple[str, ...]:
        if self.categorical_features is None:
            return tuple(name for name in features if not _is_numeric_column(X[name]))
        missing = [name for name in self.categorical_features if name not in features]
        if missing:
            raise _invalid(("categorical_features",), f"not columns of X: {missing}")
        declared = set(self.categorical_features)
        undeclared = [n for n in features if n not in declared and not _is_numeric_column(X[n])]
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
        """The float matrix LightGBM sees: numeric columns as floats, categorical columns as
        codes into the training category list, NaN for missing and for unseen categories."""
        names = [str(n) for n in self.feature_names_in_]
        absent = [n for n in names if n not in X.columns]
        if absent:
            raise _invalid(("X",), f"missing feature columns: {absent}")
        matrix = np.empty((len(X), len(names)), dtype=np.float64)
        for j, name in enumerate(names):
            matrix[:, j] = self._encode_column(name, X[name])
        return matrix

    def _encode_column(self, name: str, column: pd.Series) -> FloatArray:
        if name in self.categories_:
            index = pd.Index(list(self.categories_[name]), dtype=object)
            codes = index.get_indexer(np.asarray(column, dtype=object))
            return np.asarray(np.where(codes < 0, np.nan, codes), dtype=np.float64)
        return _numeric_values(column, name)

    def _row_plan(self) -> tuple[tuple[str, Mapping[Any, int] | None], ...]:
        """Per feature, in model order: its name and, for a categorical, category -> code.
        Built once per fitted model and kept (a private cache, rebuilt after a refit)."""
        cached: tuple[Any, tuple[tuple[str, Mapping[Any, int] | None], ...]] | None
        cached = getattr(self, "_row_plan_cache", None)
        if cached is not None and cached[0] is self.booster_:
            known: tuple[tuple[str, Mapping[Any, int] | None], ...] = cached[1]
            return known
        plan = tuple(
            (
                str(name),
                {c: i for i, c in enumerate(self.categories_[str(name)])}
                if str(name) in self.categories_
                else None,
            )
            for name in self.feature_names_in_
        )
        self._row_plan_cache = (self.booster_, plan)
        return plan

    def encode_row(self, row: Mapping[str, object]) -> FloatArray:
        """One application as the 1×n matrix LightGBM sees, without building a DataFrame: equal,
        value for value, to `_encode` of a one-row object frame of it (a missing key is a
        missing value). Strings, Python ints and floats and None take a dictionary look-up;
        any other value goes through the batch path's own column encoding, so the two
        cannot disagree."""
        if not hasattr(self, "booster_"):
            check_is_fitted(self)  # raises NotFittedError
        plan = self._row_plan()
        matrix = np.empty((1, len(plan)), dtype=np.float64)
        out = matrix[0]
        for j, (name, codes) in enumerate(plan):
            value = row.get(name)
            if value is None or (isinstance(value, float) and value != value):
                out[j] = np.nan  # NaN: missing, for a categorical as for a number
            elif codes is not None:
                if isinstance(value, str):
                    code = codes.get(value)
                    out[j] = np.nan if code is None else code
                else:
                    out[j] = self._encode_column(name, pd.Series([value], dtype=object))[0]
            elif isinstance(value, float) or (
                isinstance(value, int)
                and not isinstance(value, bool)
                and -_EXACT_INT <= value <= _EXACT_INT
            ):
                out[j] = value
            else:
                out[j] = _numeric_values(pd.Series([value], dtype=object), name)[0]
        return matrix

    @property
    def row_features(self) -> tuple[str, ...]:
        """The feature names in model order, as `encode_row` lays them out."""
        return tuple(name for name, _ in self._row_plan())

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
            best_params = dict(artifact.get("best_params", {}))
            search_results = list(artifact.get("search_results", []))
            booster = lgb.Booster(model_str=str(artifact["model"]))
        except (KeyError, TypeError, ValueError, lgb.basic.LightGBMError) as exc:
            raise _invalid(("artifact",), f"malformed GBM artifact: {exc}") from exc
        if booster.num_feature() != len(features) or len(constraints) != len(features):
            raise _invalid(("features",), "feature list does not match the model")
        if not set(categories) <= set(features):
            raise _invalid(("categories",), "categories name features the model lacks")
        model._check_parameters()
        model.feature_names_in_ = np.asarray(features, dtype=object)
        model.n_features_in_ = len(features)
        model.categories_ = categories
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


# --------------------------------------------------------------------------------------------
# Input checks


def _check_frame(X: Any, loc: str) -> tuple[str, ...]:
    if not isinstance(X, pd.DataFrame):
        raise _invalid((loc,), f"must be a pandas DataFrame, got {type(X).__name__}")
    if len(X) == 0 or X.shape[1] == 0:
        raise _invalid((loc,), "must have at least one row and one column")
    names = tuple(X.columns)
    if not all(isinstance(n, str) for n in names):
        raise _invalid((loc,), "column names must be strings")
    if len(set(names)) != len(names):
        raise _invalid((loc,), "column names must be unique")
    return tuple(str(n) for n in names)


def _check_target(y: Any, n_rows: int, loc: str) -> npt.NDArray[np.float64]:
    try:
        target = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise _invalid((loc,), f"must be 0/1: {exc}") from exc
    if target.ndim != 1 or target.size != n_rows:
        raise _invalid((loc,), f"must be one-dimensional of length {n_rows}")
    if np.isnan(target).any() or not np.isin(target, (0.0, 1.0)).all():
        raise _invalid((loc,), "must hold only 0 (good) and 1 (bad), no missing values")
    if target.min() == target.max():
        raise _invalid((loc,), "holds a single class; both 0 and 1 are needed")
    return target


def _is_numeric_column(column: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(column.dtype)) and not isinstance(
        column.dtype, pd.CategoricalDtype
    )


def _numeric_values(column: pd.Series, name: str) -> FloatArray:
    try:
        values = pd.to_numeric(column, errors="raise")
        return np.asarray(values.astype("float64").to_numpy(na_value=np.nan), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise _invalid((name,), f"numeric feature has non-numeric values: {exc}") from exc


def _plain(value: Any) -> CategoryValue:
    """A category as a JSON-able Python scalar (numpy scalars unwrapped)."""
    plain = value.item() if isinstance(value, np.generic) else value
    if not isinstance(plain, str | int | float | bool):
        raise _invalid((), f"category {value!r} is not a string, number or boolean")
    return plain


def _training_categories(column: pd.Series, name: str) -> tuple[CategoryValue, ...]:
    observed = pd.unique(np.asarray(column.dropna(), dtype=object))
    if observed.size == 0:
        raise _invalid((name,), "categorical feature has no non-missing value")
    try:
        plain = [_plain(v) for v in observed]
    except Invalid as exc:
        raise _invalid((name,), exc.detail) from exc
    try:
        return tuple(sorted(plain))
    except TypeError:
        return tuple(sorted(plain, key=lambda v: (type(v).__name__, str(v))))
