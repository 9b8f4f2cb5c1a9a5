"""How applicant data becomes the float matrix LightGBM sees, for a frame and for one row.

Numeric columns go in as floats (NaN = missing). Categorical columns are encoded as codes into
the category list fixed at fit; a category never seen in training becomes NaN, so LightGBM routes
it exactly as it routes a missing value of that feature. Ordered categories (`orders`: grades
A–G, "< 1 year" … "10+ years") go in as their rank (0 = lowest), so a tree splits them as a
range, as the scorecard bins them; a value outside the order is missing. A numeric feature's
sentinel codes (`sentinels`: 98 in a count, 365243 days) are "not applicable" or "unknown", not
magnitudes: they go in as missing, which LightGBM routes on its own learned side of every split.
The one-row path (`encode_row`) gives, value for value, what `encode_frame` gives for a one-row
object frame of the same application.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fengkong.core.errors import FieldError, Invalid

FloatArray = npt.NDArray[np.float64]

CategoryValue = str | int | float | bool

Categories = Mapping[str, tuple[CategoryValue, ...]]
"""Feature name -> the categories seen in training, in code order."""

Orders = Mapping[str, Sequence[str]]
"""Feature name -> its ordered values, lowest first (an ordinal feature)."""

Sentinels = Mapping[str, Sequence[float]]
"""Feature name -> the numeric codes that mean missing."""

RowPlan = tuple[tuple[str, Mapping[Any, int] | None, bool, frozenset[float]], ...]
"""Per feature, in model order: its name; for a categorical, category -> code, for an ordinal,
value text -> rank; whether it is ordinal; its sentinel codes."""

_EXACT_INT = 2**53  # integers up to this size are exact as float64
_UNSAFE = re.compile(r"[^0-9A-Za-z_]+")


def lightgbm_names(features: Sequence[str]) -> list[str]:
    """The names LightGBM is given for `features`: position plus the name's ASCII letters,
    digits and underscores (`Unnamed: 0` → `f0_Unnamed_0`). LightGBM refuses JSON's special
    characters in feature names and rewrites spaces; the model keeps the original names
    (`feature_names_in_`), which every report, reason and artifact list shows. The position
    makes two names that differ only in such characters stay distinct."""
    return [f"f{i}_{_UNSAFE.sub('_', name).strip('_')}"[:64] for i, name in enumerate(features)]


def _invalid(loc: tuple[str | int, ...], msg: str) -> Invalid:
    return Invalid((FieldError(loc, msg),))


# --------------------------------------------------------------------------------------------
# Input checks


def check_frame(X: Any, loc: str) -> tuple[str, ...]:
    """The column names of `X`, after checking it is a non-empty frame with unique string names."""
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


def check_target(y: Any, n_rows: int, loc: str) -> npt.NDArray[np.float64]:
    """`y` as floats 0 (good) / 1 (bad), one per row, with both classes present."""
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


def is_numeric_column(column: pd.Series) -> bool:
    """True for a numeric dtype that is not a pandas category."""
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


def training_categories(column: pd.Series, name: str) -> tuple[CategoryValue, ...]:
    """The sorted non-missing categories of a training column, as plain Python scalars."""
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


# --------------------------------------------------------------------------------------------
# Encoding


def encode_frame(
    features: Sequence[str],
    categories: Categories,
    X: pd.DataFrame,
    orders: Orders | None = None,
    sentinels: Sentinels | None = None,
) -> FloatArray:
    """The float matrix LightGBM sees: numeric columns as floats, categorical columns as
    codes into the training category list, ordinal columns as ranks, NaN for missing, unseen
    categories and sentinel codes."""
    absent = [n for n in features if n not in X.columns]
    if absent:
        raise _invalid(("X",), f"missing feature columns: {absent}")
    matrix = np.empty((len(X), len(features)), dtype=np.float64)
    for j, name in enumerate(features):
        matrix[:, j] = encode_column(categories, name, X[name], orders, sentinels)
    return matrix


def _lookup(column: pd.Series, code_of: Any) -> FloatArray:
    """`code_of(value)` (an int, or -1 when unknown) for every value of `column`, NaN for
    missing and unknown values. The column is factorised first and only its distinct values
    are looked up: hashing every value of a string column into an object index was the
    slowest part of batch encoding."""
    positions, distinct = pd.factorize(column)  # position -1: missing
    lookup = np.append(np.asarray(code_of(np.asarray(distinct, dtype=object))), -1)
    codes = lookup[positions]
    return np.asarray(np.where(codes < 0, np.nan, codes), dtype=np.float64)


def encode_column(
    categories: Categories,
    name: str,
    column: pd.Series,
    orders: Orders | None = None,
    sentinels: Sentinels | None = None,
) -> FloatArray:
    """One column of `encode_frame`."""
    if name in categories:
        index = pd.Index(list(categories[name]), dtype=object)
        return _lookup(column, index.get_indexer)
    if orders and name in orders:
        ranks = {str(v): i for i, v in enumerate(orders[name])}
        return _lookup(column, lambda values: [ranks.get(str(v), -1) for v in values])
    values = _numeric_values(column, name)
    if sentinels and sentinels.get(name):
        codes = np.isin(values, np.asarray(sentinels[name], dtype=np.float64))
        return np.where(codes, np.nan, values)  # `values` may be a read-only view of X
    return values


def row_plan(
    features: Sequence[str],
    categories: Categories,
    orders: Orders | None = None,
    sentinels: Sentinels | None = None,
) -> RowPlan:
    """What `encode_row` needs to look each value up, built once per fitted model."""
    ordered = orders or {}
    codes = sentinels or {}

    def lookup(name: str) -> Mapping[Any, int] | None:
        if name in categories:
            return {c: i for i, c in enumerate(categories[name])}
        if name in ordered:
            return {str(v): i for i, v in enumerate(ordered[name])}
        return None

    return tuple(
        (
            name,
            lookup(name),
            name in ordered and name not in categories,
            frozenset(float(c) for c in codes.get(name, ())),
        )
        for name in features
    )


def encode_row(plan: RowPlan, categories: Categories, row: Mapping[str, object]) -> FloatArray:
    """One application as the 1×n matrix LightGBM sees, without building a DataFrame: equal,
    value for value, to `encode_frame` of a one-row object frame of it (a missing key is a
    missing value). Strings, Python ints and floats and None take a dictionary look-up;
    any other value goes through the frame path's own column encoding, so the two
    cannot disagree."""
    matrix = np.empty((1, len(plan)), dtype=np.float64)
    out = matrix[0]
    for j, (name, codes, ordinal, sentinel) in enumerate(plan):
        value = row.get(name)
        if value is None or (isinstance(value, float) and value != value):
            out[j] = np.nan  # NaN: missing, for a categorical as for a number
        elif ordinal:
            assert codes is not None
            rank = codes.get(str(value))  # ranks match text, as the frame path's
            out[j] = np.nan if rank is None else rank
        elif codes is not None:
            if isinstance(value, str):
                code = codes.get(value)
                out[j] = np.nan if code is None else code
            else:
                out[j] = encode_column(categories, name, pd.Series([value], dtype=object))[0]
        elif isinstance(value, float) or (
            isinstance(value, int)
            and not isinstance(value, bool)
            and -_EXACT_INT <= value <= _EXACT_INT
        ):
            out[j] = np.nan if value in sentinel else value
        else:
            number = _numeric_values(pd.Series([value], dtype=object), name)[0]
            out[j] = np.nan if number in sentinel else number
    return matrix
