"""`GBMModel`'s settings: which values each accepts, the grid a search may try, and the
parameters LightGBM is given. Pure functions over the estimator's `get_params()` mapping, so a
candidate of a search is checked and translated exactly as the model itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fengkong.core.errors import FieldError
from fengkong.scoring.param_grid import grid_errors

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

MONOTONE_DIRECTIONS: frozenset[int] = frozenset({-1, 0, 1})
"""A monotone constraint: decreasing, none, increasing."""


def _is_int(v: object) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def _is_num(v: object) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def parameter_errors(params: Mapping[str, Any]) -> list[FieldError]:
    """Every setting in `params` that `GBMModel` does not accept, each naming what it allows."""
    errors: list[FieldError] = []

    def need(name: str, ok: bool, msg: str) -> None:
        if not ok:
            errors.append(FieldError((name,), f"{msg}, got {params[name]!r}"))

    n = params["n_estimators"]
    need("n_estimators", n is None or (_is_int(n) and n >= 1), "must be None or an int >= 1")
    lr = params["learning_rate"]
    need("learning_rate", _is_num(lr) and 0 < lr <= 1, "must be in (0, 1]")
    leaves = params["num_leaves"]
    need("num_leaves", _is_int(leaves) and leaves >= 2, "must be int >= 2")
    md = params["max_depth"]
    need("max_depth", _is_int(md) and (md == -1 or md >= 1), "must be -1 or an int >= 1")
    for name in ("min_child_samples", "min_data_per_group", "max_cat_to_onehot"):
        v = params[name]
        need(name, _is_int(v) and v >= 1, "must be an int >= 1")
    for name in ("subsample", "colsample_bytree"):
        v = params[name]
        need(name, _is_num(v) and 0 < v <= 1, "must be in (0, 1]")
    freq = params["subsample_freq"]
    need("subsample_freq", _is_int(freq) and freq >= 0, ">= 0")
    for name in ("reg_lambda", "reg_alpha", "min_split_gain", "cat_smooth"):
        v = params[name]
        need(name, _is_num(v) and v >= 0, "must be a number >= 0")
    for name in ("early_stopping_rounds", "max_estimators"):
        v = params[name]
        need(name, _is_int(v) and v >= 1, "must be an int >= 1")
    need("inner_folds", _is_int(params["inner_folds"]) and params["inner_folds"] >= 2, "int >= 2")
    need("random_state", _is_int(params["random_state"]), "must be an int")
    threads = params["num_threads"]
    need("num_threads", _is_int(threads) and threads >= 0, "int >= 0")
    need("deterministic", isinstance(params["deterministic"], bool), "must be True or False")
    cf = params["categorical_features"]
    need(
        "categorical_features",
        cf is None or (not isinstance(cf, str) and all(isinstance(c, str) for c in cf)),
        "must be None or a sequence of column names",
    )
    mc = params["monotone_constraints"]
    need(
        "monotone_constraints",
        mc is None
        or (
            isinstance(mc, Mapping)
            and all(isinstance(k, str) for k in mc)
            and all(_is_int(v) and int(v) in MONOTONE_DIRECTIONS for v in mc.values())
        ),
        "must be None or a mapping of column name to -1, 0 or 1",
    )

    def value_errors(name: str, value: Any) -> list[FieldError]:
        return parameter_errors({**params, name: value, "param_grid": None})

    orders = params["ordinal"]
    need(
        "ordinal",
        orders is None
        or (
            isinstance(orders, Mapping)
            and all(
                isinstance(k, str)
                and isinstance(o, list | tuple)
                and len(o) > 0
                and all(isinstance(v, str) for v in o)
                and len(set(o)) == len(o)
                for k, o in orders.items()
            )
        ),
        "must be None or a mapping of column name to its distinct values, lowest first",
    )
    codes = params["special_codes"]
    need(
        "special_codes",
        codes is None
        or (
            isinstance(codes, Mapping)
            and all(
                isinstance(k, str) and isinstance(c, list | tuple) and all(_is_num(x) for x in c)
                for k, c in codes.items()
            )
        ),
        "must be None or a mapping of column name to a list of numeric codes",
    )
    errors += grid_errors(params["param_grid"], SEARCHABLE, value_errors)
    return errors


def search_grid(param_grid: GridSpec | None) -> Mapping[str, Sequence[float]]:
    """The candidate values per parameter that a `param_grid` setting asks to search."""
    if param_grid == "standard":
        return STANDARD_GRID
    return param_grid if isinstance(param_grid, Mapping) else {}


def lightgbm_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters LightGBM's `train` and `cv` receive for these settings."""
    return {
        "objective": "binary",
        "learning_rate": float(params["learning_rate"]),
        "num_leaves": int(params["num_leaves"]),
        "max_depth": int(params["max_depth"]),
        "min_data_in_leaf": int(params["min_child_samples"]),
        "bagging_fraction": float(params["subsample"]),
        "bagging_freq": int(params["subsample_freq"]),
        "feature_fraction": float(params["colsample_bytree"]),
        "lambda_l2": float(params["reg_lambda"]),
        "lambda_l1": float(params["reg_alpha"]),
        "min_gain_to_split": float(params["min_split_gain"]),
        "cat_smooth": float(params["cat_smooth"]),
        "min_data_per_group": int(params["min_data_per_group"]),
        "max_cat_to_onehot": int(params["max_cat_to_onehot"]),
        "seed": int(params["random_state"]),
        "num_threads": int(params["num_threads"]),
        "deterministic": bool(params["deterministic"]),
        # Row-wise histograms keep results independent of LightGBM's timing-based choice.
        "force_row_wise": True,
        "verbosity": -1,
    }
