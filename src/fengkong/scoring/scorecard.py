"""WOE scorecards: optimal binning (optbinning), logistic regression, points scaling.

`ScorecardModel` is the scikit-learn estimator a modeler fits; its product is a `Scorecard`, plain
data (bins and integer points) that scores a row with a few look-ups and serializes to JSON. The
score shown to an officer is exactly the sum of the points in the table an auditor reads.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from fengkong.core.errors import FieldError, Invalid
from fengkong.scoring.points import (
    MISSING,
    SPECIAL,
    Bin,
    Characteristic,
    Scaling,
    Scorecard,
    _bin_indices,
    scale_points,
)
from fengkong.scoring.scorecard_ordinal import ordinal_bins, rank_values
from fengkong.scoring.scorecard_params import (
    GridSpec,
    MissingRisk,
    MonotonicTrend,
    parameter_errors,
    search_grid,
)


class ScorecardModel(BaseEstimator):  # type: ignore[misc]
    """Fit a WOE scorecard: bin every feature, keep the informative and uncorrelated ones, fit a
    logistic regression on their WOE, and scale to points.

    With `param_grid` (a mapping of `scorecard_params.SEARCHABLE` parameter to candidate values,
    or `"standard"` for `scorecard_params.STANDARD_GRID`), `fit` first chooses those parameters
    by stratified `inner_folds`-fold cross-validation of the training data it is given (bins
    fitted on each inner training part, AUC measured on the inner held-out part), then fits on
    all of it with the winner.
    `best_params_` holds the winner and `search_results_` every candidate's mean AUC.

    `monotonic_trend="auto_asc_desc"` makes every numeric feature's bins monotone in risk,
    ascending or descending as the data says, so that no reason reads "declined for an income
    between 3,000 and 4,000 but fine above and below": the scoring lab (`model train`) asks
    for it; the estimator's own default stays "auto", which the demo's scorecard and the
    policies cut on its score bands were built with. `missing_risk="worst"` gives a value never
    seen in training (a missing value, a special code, or a category, which falls in the
    missing bin) the risk of the worst bin observed rather than a neutral WOE of 0
    (`missing_risk="neutral"`, the estimator's default for the same reason; the lab asks for
    "worst"). A missing or special bin that training did see keeps its own observed risk."""

    def __init__(
        self,
        *,
        categorical: Sequence[str] = (),
        monotonic_trend: MonotonicTrend | Mapping[str, MonotonicTrend] = "auto",
        min_iv: float = 0.02,
        max_correlation: float = 0.7,
        max_n_bins: int | None = None,
        min_bin_size: float = 0.05,
        special_codes: Sequence[float] | Mapping[str, Sequence[float]] = (),
        C: float = 1.0,
        missing_risk: MissingRisk = "neutral",
        ordinal: Mapping[str, Sequence[str]] | None = None,
        base_score: float = 600.0,
        base_odds: float = 50.0,
        pdo: float = 20.0,
        param_grid: GridSpec | None = None,
        inner_folds: int = 3,
    ) -> None:
        self.categorical = categorical
        self.monotonic_trend = monotonic_trend
        self.min_iv = min_iv
        self.max_correlation = max_correlation
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.special_codes = special_codes
        self.C = C
        self.missing_risk = missing_risk
        self.ordinal = ordinal
        self.base_score = base_score
        self.base_odds = base_odds
        self.pdo = pdo
        self.param_grid = param_grid
        self.inner_folds = inner_folds

    def _check_parameters(self) -> None:
        errors = parameter_errors(self.get_params())
        if errors:
            raise Invalid(tuple(errors))

    def _grid(self) -> Mapping[str, Sequence[float]]:
        return search_grid(self.param_grid)

    def _candidate(self, values: Mapping[str, Any]) -> ScorecardModel:
        """A copy of these settings with `values` in place, without a search of its own."""
        return type(self)(**{**self.get_params(), **values, "param_grid": None})

    def _trend_for(self, name: str, dtype: str) -> str:
        if dtype == "categorical":
            return "auto"  # categories are ordered by event rate, so any trend is monotonic
        if isinstance(self.monotonic_trend, str):
            return self.monotonic_trend
        return self.monotonic_trend.get(name, "auto")

    def _order_for(self, name: str) -> tuple[str, ...] | None:
        order = (self.ordinal or {}).get(name)
        return None if order is None else tuple(str(v) for v in order)

    def _values(self, column: pd.Series, dtype: str, name: str) -> np.ndarray:
        order = self._order_for(name)
        if dtype == "ordinal" and order is not None:
            return rank_values(column, order)
        return _binning_values(column, dtype, name)

    def _special_codes_for(self, name: str) -> tuple[float, ...]:
        codes = self.special_codes
        chosen = codes.get(name, ()) if isinstance(codes, Mapping) else codes
        return tuple(float(c) for c in chosen)

    def _check_names(self, X: pd.DataFrame) -> None:
        columns = set(X.columns)
        named = {
            "categorical": list(self.categorical),
            "monotonic_trend": list(self.monotonic_trend)
            if isinstance(self.monotonic_trend, Mapping)
            else [],
            "special_codes": list(self.special_codes)
            if isinstance(self.special_codes, Mapping)
            else [],
            "ordinal": list(self.ordinal or {}),
        }
        errors = [
            FieldError((param,), f"not columns of X: {sorted(set(names) - columns)}")
            for param, names in named.items()
            if set(names) - columns
        ]
        categorical = set(self.categorical)
        if isinstance(self.special_codes, Mapping):
            on_categorical = sorted(n for n in self.special_codes if n in categorical)
            if on_categorical:
                errors.append(
                    FieldError(
                        ("special_codes",),
                        f"special codes apply to numeric features, not {on_categorical}",
                    )
                )
        if errors:
            raise Invalid(tuple(errors))

    def fit(
        self,
        X: pd.DataFrame,
        y: Sequence[int] | np.ndarray,
        sample_weight: Sequence[float] | np.ndarray | None = None,
    ) -> ScorecardModel:
        """Bin, select and fit. `sample_weight` (one non-negative weight per row) lets reject
        inference enter a declined application twice, as good and as bad, with fractional
        weights; binning, WOE and the regression all honour it."""
        self._check_parameters()
        self._check_names(X)
        target = _check_target(y, len(X))
        weights = _check_weights(sample_weight, len(X))
        # The regressions are small: extra BLAS threads only contend with each other and with
        # the other jobs on the machine, so one thread is the faster choice.
        with threadpool_limits(limits=1, user_api="blas"):
            return self._fit(X, target, weights)

    def _fit(
        self, X: pd.DataFrame, target: np.ndarray, weights: np.ndarray | None
    ) -> ScorecardModel:
        scaling = Scaling(self.base_score, self.base_odds, self.pdo)
        chosen, results = self._search(X, target, weights)
        settings = self._candidate(chosen)
        binned, ivs = self._bin(X, target, weights)
        selected = settings._select_and_fit(binned, ivs, target, weights)
        if selected is None:
            raise Invalid((FieldError(("X",), f"no feature reaches IV {settings.min_iv}"),))
        kept, lr = selected
        ivs = {n: iv for n, iv in ivs.items() if iv >= settings.min_iv}
        intercept = float(lr.intercept_[0])
        characteristics = tuple(
            _characteristic(
                name,
                binned[name][0],
                binned[name][2],
                float(coef),
                intercept,
                len(kept),
                ivs[name],
                scaling,
                self._special_codes_for(name) if binned[name][2] == "numerical" else (),
                self.missing_risk,
                self._order_for(name) or (),
            )
            for name, coef in zip(kept, lr.coef_[0], strict=True)
        )
        self.scorecard_ = Scorecard(characteristics, scaling)
        self.features_in_ = tuple(X.columns)
        self.selected_ = tuple(kept)
        self.iv_ = ivs
        self.intercept_ = intercept
        self.best_params_ = chosen
        self.search_results_ = results
        return self

    def _bin(
        self, X: pd.DataFrame, target: np.ndarray, weights: np.ndarray | None
    ) -> tuple[dict[str, tuple[Any, np.ndarray, str]], dict[str, float]]:
        """Optimal bins of every informative column: name -> (binning, WOE of each row, dtype),
        and name -> information value."""
        from optbinning import OptimalBinning

        binned: dict[str, tuple[Any, np.ndarray, str]] = {}
        ivs: dict[str, float] = {}
        categorical = set(self.categorical)
        for name in X.columns:
            dtype = "categorical" if name in categorical else "numerical"
            dtype = "ordinal" if self._order_for(name) is not None else dtype
            column = X[name]
            if column.isna().all() or column.nunique(dropna=True) < 2:
                continue  # constant or empty: carries no information
            values = self._values(column, dtype, name)
            specials = self._special_codes_for(name) if dtype == "numerical" else ()
            as_numbers = "categorical" if dtype == "categorical" else "numerical"
            ob = OptimalBinning(
                name=name,
                dtype=as_numbers,
                monotonic_trend=self._trend_for(name, as_numbers),
                max_n_bins=self.max_n_bins,
                min_bin_size=self.min_bin_size,
                special_codes=list(specials) or None,
            )
            ob.fit(values, target, sample_weight=weights)
            table = ob.binning_table.build()
            binned[name] = (ob, ob.transform(values, metric="woe"), dtype)
            ivs[name] = float(table.loc["Totals", "IV"])
        return binned, ivs

    def _select_and_fit(
        self,
        binned: Mapping[str, tuple[Any, np.ndarray, str]],
        ivs: Mapping[str, float],
        target: np.ndarray,
        weights: np.ndarray | None,
    ) -> tuple[list[str], LogisticRegression] | None:
        """Keep features by IV and correlation and fit the regression; None if none is kept."""
        strong = {n: b[1] for n, b in binned.items() if ivs[n] >= self.min_iv}
        if not strong:
            return None
        kept = _decorrelate(strong, ivs, self.max_correlation)
        # A coefficient with the wrong sign would make points contradict the bins' bad-rate order:
        # drop the weakest such feature and refit until every sign agrees.
        while True:
            matrix = np.column_stack([strong[n] for n in kept])
            lr = LogisticRegression(C=self.C, max_iter=1000)
            lr.fit(matrix, target, sample_weight=weights)
            wrong = [n for n, c in zip(kept, lr.coef_[0], strict=True) if c >= 0]
            if not wrong or len(kept) == 1:
                return kept, lr
            kept.remove(min(wrong, key=lambda n: ivs[n]))

    def _search(
        self, X: pd.DataFrame, target: np.ndarray, weights: np.ndarray | None
    ) -> tuple[dict[str, float], list[dict[str, Any]]]:
        """The grid candidate with the best mean AUC over the inner folds of the training data
        (ties: the earlier candidate), and every candidate's result. No grid: nothing to do."""
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import StratifiedKFold

        grid = self._grid()
        if not grid:
            return {}, []
        names = sorted(grid)
        candidates = [
            dict(zip(names, values, strict=True))
            for values in itertools.product(*(grid[n] for n in names))
        ]
        aucs: list[list[float]] = [[] for _ in candidates]
        folds = StratifiedKFold(self.inner_folds, shuffle=True, random_state=0)
        for inner_train, inner_valid in folds.split(np.zeros(len(target)), target):
            part_weights = None if weights is None else weights[inner_train]
            binned, ivs = self._bin(X.iloc[inner_train], target[inner_train], part_weights)
            valid_x = X.iloc[inner_valid]
            valid_woe = {
                n: ob.transform(self._values(valid_x[n], dtype, n), metric="woe")
                for n, (ob, _, dtype) in binned.items()
            }
            valid_weights = None if weights is None else weights[inner_valid]
            for i, values in enumerate(candidates):
                selected = self._candidate(values)._select_and_fit(
                    binned, ivs, target[inner_train], part_weights
                )
                if selected is None:
                    aucs[i].append(0.5)  # no feature: no better than chance
                    continue
                kept, lr = selected
                risk = lr.decision_function(np.column_stack([valid_woe[n] for n in kept]))
                aucs[i].append(
                    float(roc_auc_score(target[inner_valid], risk, sample_weight=valid_weights))
                )
        results = [
            {"params": values, "auc": float(np.mean(scores))}
            for values, scores in zip(candidates, aucs, strict=True)
        ]
        best = max(range(len(results)), key=lambda i: (results[i]["auc"], -i))
        return candidates[best], results

    def _fitted(self) -> Scorecard:
        if not hasattr(self, "scorecard_"):
            raise NotFittedError("ScorecardModel is not fitted yet; call fit first")
        sc: Scorecard = self.scorecard_
        return sc

    def score(self, X: pd.DataFrame) -> np.ndarray:
        sc = self._fitted()
        return sc.score_batch({n: X[n].to_numpy() for n in sc.features})

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Columns P(good), P(bad), from the points through the scaling (uncalibrated)."""
        sc = self._fitted()
        points = self.score(X).astype(float)
        pd_bad = 1.0 / (1.0 + np.exp((points - sc.scaling.offset) / sc.scaling.factor))
        return np.column_stack([1.0 - pd_bad, pd_bad])

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """The WOE of each row's bin, one column per selected feature: what the regression saw
        (missing and unseen categories take the missing bin's WOE)."""
        sc = self._fitted()
        return pd.DataFrame(
            {
                ch.name: np.asarray([b.woe for b in ch.bins], dtype=np.float64)[
                    _bin_indices(ch, X[ch.name].to_numpy())
                ]
                for ch in sc.characteristics
            },
            index=X.index,
        )


def _binning_values(column: pd.Series, dtype: str, name: str) -> np.ndarray:
    if dtype == "categorical":
        text = column.astype(str).to_numpy()
        return np.where(column.isna().to_numpy(), np.nan, text).astype(object)
    try:
        values: np.ndarray = pd.to_numeric(column, errors="raise").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    except (TypeError, ValueError) as exc:
        raise Invalid(
            (FieldError((name,), f"not numeric; declare it categorical ({exc})"),)
        ) from exc
    if np.isinf(values).any():
        raise Invalid((FieldError((name,), "has infinite values"),))
    return values


def _check_weights(
    sample_weight: Sequence[float] | np.ndarray | None, n_rows: int
) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != (n_rows,):
        raise Invalid(
            (FieldError(("sample_weight",), f"needs one weight for each of {n_rows} rows"),)
        )
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise Invalid((FieldError(("sample_weight",), "weights must be finite, >= 0, not all 0"),))
    return weights


def _check_target(y: Sequence[int] | np.ndarray, n_rows: int) -> np.ndarray:
    target = np.asarray(y)
    if len(target) != n_rows:
        raise Invalid((FieldError(("y",), f"{len(target)} targets for {n_rows} rows"),))
    if pd.isna(target).any():
        raise Invalid((FieldError(("y",), "target has missing values"),))
    values = set(np.unique(target).tolist())
    if not values <= {0, 1}:
        raise Invalid(
            (FieldError(("y",), f"target must be 0/1 (1 = bad), found {sorted(values)}"),)
        )
    if len(values) < 2:
        raise Invalid((FieldError(("y",), "target has a single class"),))
    return target.astype(int)


def _decorrelate(
    woe: Mapping[str, np.ndarray], ivs: Mapping[str, float], limit: float
) -> list[str]:
    """Walk features by IV, strongest first, keeping one only if no kept feature correlates past
    `limit` with it."""
    kept: list[str] = []
    for name in sorted(woe, key=lambda n: -ivs[n]):
        column = woe[name]
        if all(abs(_corr(column, woe[k])) <= limit for k in kept):
            kept.append(name)
    return kept


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _characteristic(
    name: str,
    ob: Any,
    dtype: str,
    coefficient: float,
    intercept: float,
    n_features: int,
    iv: float,
    scaling: Scaling,
    special_codes: tuple[float, ...],
    missing_risk: str = "worst",
    order: Sequence[str] = (),
) -> Characteristic:
    table = ob.binning_table.build()
    rows = table.drop(index="Totals")
    splits = tuple(float(s) for s in ob.splits) if dtype != "categorical" else ()
    seen = rows[rows["Count"] > 0]
    worst = seen.loc[seen["Event rate"].astype(float).idxmax()]

    def common(row: pd.Series) -> dict[str, Any]:
        woe, event_rate = float(row["WoE"]), float(row["Event rate"])
        unseen = str(row["Bin"]) in ("Missing", "Special") and int(row["Count"]) == 0
        if unseen and missing_risk == "worst":
            # never seen in training: no evidence it is safe, so the worst observed risk
            woe, event_rate = float(worst["WoE"]), float(worst["Event rate"])
        return {
            "points": scale_points(woe, coefficient, intercept, n_features, scaling),
            "woe": woe,
            "count": int(row["Count"]),
            "event_rate": event_rate,
        }

    if dtype == "ordinal":
        return Characteristic(
            name=name,
            dtype="categorical",
            bins=tuple(ordinal_bins(rows, splits, order, common)),
            coefficient=coefficient,
            iv=iv,
        )
    bins = []
    for i, (_, row) in enumerate(rows.iterrows()):
        label = str(row["Bin"])
        if label == "Special":
            bins.append(Bin(label="special", kind=SPECIAL, **common(row)))
        elif label == "Missing":
            bins.append(Bin(label="missing", kind=MISSING, **common(row)))
        elif dtype == "categorical":
            cats = tuple(str(c) for c in ob.splits[i])
            bins.append(
                Bin(label=", ".join(cats), categories=cats, kind="categories", **common(row))
            )
        else:
            lower = splits[i - 1] if i > 0 else None
            upper = splits[i] if i < len(splits) else None
            bins.append(Bin(label=label, lower=lower, upper=upper, **common(row)))
    return Characteristic(
        name=name,
        dtype=dtype,  # type: ignore[arg-type]
        bins=tuple(bins),
        coefficient=coefficient,
        iv=iv,
        splits=splits,
        special_codes=special_codes,
    )
