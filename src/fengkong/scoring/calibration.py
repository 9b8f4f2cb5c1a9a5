"""Calibration: map a raw model score (log-odds, points, any monotone risk score) to a PD.

Fit on data the model did not train on (a validation or recent out-of-time sample). Two
methods:

- "platt": PD = 1 / (1 + exp(−(slope·s + intercept))), fitted by maximum likelihood with
  Platt's smoothed targets ((bads + 1)/(bads + 2) and 1/(goods + 2)), which keep the fit
  finite when the score separates the classes perfectly. Smooth, two numbers, extrapolates.
- "isotonic": the non-decreasing step function that best fits the outcomes (pool adjacent
  violators), stored as threshold arrays and interpolated linearly between them; flat beyond
  the fitted range. Needs more data than Platt (thousands of rows, hundreds of bads).

`s` is the score turned so that higher means riskier: with `higher_is_riskier=False`
(scorecard points) the calibrator negates the score first. PDs are clipped to
[min_pd, 1 − min_pd], so a band without defaults does not get a PD of exactly zero.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt

from fengkong.core.errors import FieldError, Invalid
from fengkong.scoring.metric_inputs import as_float, check_pair

FloatArray = npt.NDArray[np.float64]

ARTIFACT_KIND = "fengkong.scoring.calibrator"
ARTIFACT_FORMAT = 1


def _invalid(loc: str, msg: str) -> Invalid:
    return Invalid((FieldError((loc,), msg),))


class Calibrator:
    """Score-to-PD map, a scikit-learn estimator: `fit(score, y)` then `predict_pd(score)`.

    Fitted attributes: "platt" sets `slope_` and `intercept_`; "isotonic" sets
    `x_thresholds_` and `y_thresholds_` (both in the riskier-is-higher orientation).

    It keeps scikit-learn's estimator contract (`get_params`/`set_params` from `__init__`'s
    arguments, so `sklearn.base.clone` copies it; `NotFittedError` before `fit`) without
    inheriting `BaseEstimator`: the decision service loads calibrators with every model, and
    importing scikit-learn there would cost each API worker and `fengkong apply` its start-up.
    """

    METHODS: ClassVar[tuple[str, ...]] = ("platt", "isotonic")

    def __init__(
        self, method: str = "platt", *, higher_is_riskier: bool = True, min_pd: float = 1e-4
    ) -> None:
        self.method = method
        self.higher_is_riskier = higher_is_riskier
        self.min_pd = min_pd

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, by name (scikit-learn's contract)."""
        names = [n for n in inspect.signature(type(self).__init__).parameters if n != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> Self:
        """Set constructor arguments by name; an unknown name is refused, as scikit-learn does."""
        known = self.get_params()
        for name, value in params.items():
            if name not in known:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "slope_") or hasattr(self, "x_thresholds_")

    def _check_is_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' first."
            )

    def _check_parameters(self) -> None:
        errors: list[FieldError] = []
        if self.method not in self.METHODS:
            errors.append(
                FieldError(("method",), f"must be one of {self.METHODS}, got {self.method!r}")
            )
        if not isinstance(self.higher_is_riskier, bool):
            errors.append(FieldError(("higher_is_riskier",), "must be True or False"))
        if (
            not isinstance(self.min_pd, int | float)
            or isinstance(self.min_pd, bool)
            or not 0.0 <= self.min_pd < 0.5
        ):
            errors.append(FieldError(("min_pd",), f"must be in [0, 0.5), got {self.min_pd!r}"))
        if errors:
            raise Invalid(tuple(errors))

    def fit(self, score: Any, y: Any) -> Calibrator:
        """Fit on raw scores and outcomes (1 = bad) of a sample the model did not train on."""
        self._check_parameters()
        outcome, s = check_pair(y, score, higher_is_riskier=self.higher_is_riskier)
        if self.method == "platt":
            slope, intercept = _fit_platt(s, outcome)
            if slope <= 0.0:
                raise _invalid(
                    "score",
                    "riskier scores do not go with more defaults (fitted slope "
                    f"{slope:.4g}); check higher_is_riskier",
                )
            self.slope_ = slope
            self.intercept_ = intercept
        else:
            x, pd_ = _fit_isotonic(s, outcome.astype(np.float64))
            self.x_thresholds_ = x
            self.y_thresholds_ = pd_
        return self

    def predict_pd(self, score: Any) -> FloatArray:
        """PD for each raw score, non-decreasing in risk, within [min_pd, 1 − min_pd]."""
        self._check_is_fitted()
        s = as_float(score, "score")
        if not self.higher_is_riskier:
            s = -s
        if self.method == "platt":
            pd_ = _sigmoid(self.slope_ * s + self.intercept_)
        else:
            pd_ = np.interp(s, self.x_thresholds_, self.y_thresholds_)
        return np.asarray(np.clip(pd_, self.min_pd, 1.0 - self.min_pd), dtype=np.float64)

    def to_artifact(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        self._check_is_fitted()
        fitted: dict[str, Any]
        if self.method == "platt":
            fitted = {"slope": float(self.slope_), "intercept": float(self.intercept_)}
        else:
            fitted = {
                "x_thresholds": [float(v) for v in self.x_thresholds_],
                "y_thresholds": [float(v) for v in self.y_thresholds_],
            }
        return {
            "kind": ARTIFACT_KIND,
            "format": ARTIFACT_FORMAT,
            "method": self.method,
            "higher_is_riskier": self.higher_is_riskier,
            "min_pd": float(self.min_pd),
            "fitted": fitted,
        }

    @classmethod
    def from_artifact(cls, artifact: Mapping[str, Any]) -> Calibrator:
        """Rebuild a fitted calibrator from `to_artifact` output."""
        if artifact.get("kind") != ARTIFACT_KIND or artifact.get("format") != ARTIFACT_FORMAT:
            raise _invalid(
                "kind",
                f"expected a {ARTIFACT_KIND} artifact of format {ARTIFACT_FORMAT}, got "
                f"{artifact.get('kind')!r} format {artifact.get('format')!r}",
            )
        try:
            model = cls(
                str(artifact["method"]),
                higher_is_riskier=artifact["higher_is_riskier"],
                min_pd=float(artifact["min_pd"]),
            )
            model._check_parameters()
            fitted = artifact["fitted"]
            if model.method == "platt":
                model.slope_ = float(fitted["slope"])
                model.intercept_ = float(fitted["intercept"])
            else:
                x = np.asarray(fitted["x_thresholds"], dtype=np.float64)
                pd_ = np.asarray(fitted["y_thresholds"], dtype=np.float64)
                if x.ndim != 1 or x.size == 0 or x.shape != pd_.shape:
                    raise ValueError("thresholds must be two non-empty arrays of equal length")
                if (np.diff(x) < 0).any() or (np.diff(pd_) < 0).any():
                    raise ValueError("thresholds must be non-decreasing")
                model.x_thresholds_ = x
                model.y_thresholds_ = pd_
        except (KeyError, TypeError, ValueError) as exc:
            raise _invalid("artifact", f"malformed calibrator artifact: {exc}") from exc
        return model


def _sigmoid(z: FloatArray) -> FloatArray:
    # Split by sign so that exp never overflows.
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _fit_platt(s: FloatArray, y: npt.NDArray[np.int64]) -> tuple[float, float]:
    n_bad = int(y.sum())
    n_good = y.size - n_bad
    target = np.where(y == 1, (n_bad + 1.0) / (n_bad + 2.0), 1.0 / (n_good + 2.0))
    # Standardise for a well-conditioned Newton solve, then map back.
    centre = float(s.mean())
    spread = float(s.std()) or 1.0
    z = (s - centre) / spread
    design = np.column_stack([z, np.ones_like(z)])
    beta = np.array([0.0, np.log(target.mean() / (1.0 - target.mean()))])
    for _ in range(100):
        p = _sigmoid(design @ beta)
        gradient = design.T @ (target - p)
        weights = p * (1.0 - p)
        hessian = design.T @ (design * weights[:, None]) + 1e-12 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    slope = float(beta[0] / spread)
    intercept = float(beta[1] - beta[0] * centre / spread)
    return slope, intercept


def _fit_isotonic(s: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Pool adjacent violators over the distinct scores, weighted by their counts. Returns
    each block's lowest and highest score with the block's mean outcome, so that linear
    interpolation between blocks matches scikit-learn's IsotonicRegression."""
    values, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=y, minlength=values.size)
    block_sum: list[float] = []
    block_weight: list[float] = []
    block_lo: list[float] = []
    block_hi: list[float] = []
    for v, total, weight in zip(values, sums, counts, strict=True):
        block_sum.append(float(total))
        block_weight.append(float(weight))
        block_lo.append(float(v))
        block_hi.append(float(v))
        while (
            len(block_sum) > 1
            and block_sum[-2] / block_weight[-2] >= block_sum[-1] / block_weight[-1]
        ):
            merged_sum, merged_weight = block_sum.pop(), block_weight.pop()
            block_sum[-1] += merged_sum
            block_weight[-1] += merged_weight
            merged_hi = block_hi.pop()
            block_hi[-1] = merged_hi
            block_lo.pop()
    xs: list[float] = []
    ys: list[float] = []
    for lo, hi, total, weight in zip(block_lo, block_hi, block_sum, block_weight, strict=True):
        mean = total / weight
        xs.append(lo)
        ys.append(mean)
        if hi != lo:
            xs.append(hi)
            ys.append(mean)
    return np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
