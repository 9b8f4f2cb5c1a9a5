"""Development samples: train / validation / test, either a seeded stratified random split or an
out-of-time split (oldest rows train, newer validate, newest test), and the time periods over
which a score's stability is watched.

A split holds row positions, not copies: `frame.iloc[split.train]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.model_selection import train_test_split

from fengkong.core.errors import FieldError, Invalid

Positions = npt.NDArray[np.int64]
SplitMethod = Literal["stratified", "out_of_time"]
SPLITS: tuple[str, ...] = ("train", "validation", "test")


@dataclass(frozen=True, slots=True)
class Split:
    """Row positions of each sample. For an out-of-time split `windows` gives each sample's
    first and last time value (as text), oldest sample first."""

    train: Positions
    validation: Positions
    test: Positions
    method: SplitMethod
    windows: tuple[tuple[str, str, str], ...] = ()

    def parts(self) -> tuple[tuple[str, Positions], ...]:
        return (("train", self.train), ("validation", self.validation), ("test", self.test))


def _check_sizes(validation_size: float, test_size: float) -> None:
    errors = [
        FieldError((name,), f"must be in (0, 0.5), got {value!r}")
        for name, value in (("validation_size", validation_size), ("test_size", test_size))
        if not 0 < value < 0.5
    ]
    if not errors and validation_size + test_size >= 0.8:
        errors.append(FieldError(("test_size",), "validation and test leave under 20% to train"))
    if errors:
        raise Invalid(tuple(errors))


def _check_classes(y: npt.NDArray[np.int64], split: Split) -> Split:
    for name, rows in split.parts():
        if len(rows) == 0 or y[rows].min() == y[rows].max():
            raise Invalid(
                (
                    FieldError(
                        (name,),
                        f"the {name} sample ({len(rows)} rows) needs both goods and bads",
                    ),
                )
            )
    return split


def stratified_split(
    y: npt.ArrayLike, *, validation_size: float = 0.2, test_size: float = 0.2, seed: int = 0
) -> Split:
    """Random split keeping the bad rate of each sample equal to the whole's (60/20/20 by
    default), reproducible from `seed`."""
    _check_sizes(validation_size, test_size)
    target = np.asarray(y, dtype=np.int64)
    rows = np.arange(len(target), dtype=np.int64)
    try:
        rest, test = train_test_split(rows, test_size=test_size, stratify=target, random_state=seed)
        train, validation = train_test_split(
            rest,
            test_size=validation_size / (1 - test_size),
            stratify=target[rest],
            random_state=seed,
        )
    except ValueError as exc:  # too few bads to stratify
        raise Invalid((FieldError(("target",), f"cannot split the data: {exc}"),)) from exc
    split = Split(
        train=np.sort(train).astype(np.int64),
        validation=np.sort(validation).astype(np.int64),
        test=np.sort(test).astype(np.int64),
        method="stratified",
    )
    return _check_classes(target, split)


def time_values(column: pd.Series) -> pd.Series:
    """The time column as sortable values: datetimes when it parses as dates, else numbers.
    Missing times are refused: a row without a date cannot be placed in time."""
    name = str(column.name)
    if column.isna().any():
        raise Invalid((FieldError((name,), f"{int(column.isna().sum())} rows have no time"),))
    if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return column
    try:
        return pd.to_datetime(column, errors="raise", format="mixed")
    except (TypeError, ValueError) as exc:
        raise Invalid(
            (FieldError((name,), f"not dates or numbers, cannot order rows by it: {exc}"),)
        ) from exc


def out_of_time_split(
    times: pd.Series,
    y: npt.ArrayLike,
    *,
    validation_size: float = 0.2,
    test_size: float = 0.2,
) -> Split:
    """Oldest rows train, the next validate, the newest test. Rows sharing a time value stay in
    one sample, so the cut falls at the first time at or past the wanted share."""
    _check_sizes(validation_size, test_size)
    target = np.asarray(y, dtype=np.int64)
    ordered = time_values(times).reset_index(drop=True)
    order = np.argsort(ordered.to_numpy(), kind="stable")
    sorted_times = ordered.to_numpy()[order]
    n = len(order)

    def cut(share: float) -> int:
        position = round(n * share)
        position = min(max(position, 1), n - 1)
        # Move the cut back to the first row of its time value: equal times stay together.
        return int(np.searchsorted(sorted_times, sorted_times[position], side="left"))

    first = cut(1 - validation_size - test_size)
    second = cut(1 - test_size)
    if not 0 < first < second < n:
        raise Invalid(
            (FieldError((str(times.name),), "too few distinct times for an out-of-time split"),)
        )
    parts = (order[:first], order[first:second], order[second:])
    windows = tuple(
        (name, str(sorted_times[lo]), str(sorted_times[hi - 1]))
        for name, lo, hi in (
            ("train", 0, first),
            ("validation", first, second),
            ("test", second, n),
        )
    )
    split = Split(
        train=np.sort(parts[0]).astype(np.int64),
        validation=np.sort(parts[1]).astype(np.int64),
        test=np.sort(parts[2]).astype(np.int64),
        method="out_of_time",
        windows=windows,
    )
    return _check_classes(target, split)


def time_periods(times: pd.Series, *, max_periods: int = 12) -> npt.NDArray[np.str_]:
    """A period label for each row, for PSI over time: calendar months when the column holds
    dates spanning at most `max_periods` months, else up to `max_periods` equal-count bands of
    time labelled by number and first value. Labels sort in time order."""
    values = time_values(times).reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(values):
        months = values.dt.strftime("%Y-%m")
        if months.nunique() <= max_periods:
            return np.asarray(months.to_numpy(), dtype=np.str_)
    ranks = values.rank(method="min").to_numpy() - 1
    band = np.minimum((ranks * max_periods // len(values)).astype(np.int64), max_periods - 1)
    starts = {
        b: f"{i + 1:02d}: from {values[band == b].min()}" for i, b in enumerate(np.unique(band))
    }
    return np.asarray([starts[b] for b in band], dtype=np.str_)


def split_summary(split: Split, y: npt.ArrayLike, time_col: str | None = None) -> dict[str, object]:
    """How the rows were split and each sample's size and bad rate, as the report states it."""
    target = np.asarray(y, dtype=np.int64)
    how = (
        f"out of time by {time_col}: oldest rows train, newer validate, newest test"
        if split.method == "out_of_time"
        else "random, stratified by the outcome (seeded)"
    )
    return {
        "method": split.method,
        "how": how,
        "samples": {
            name: {
                "rows": len(rows),
                "bads": int(target[rows].sum()),
                "bad_rate": float(target[rows].mean()) if len(rows) else 0.0,
            }
            for name, rows in split.parts()
        },
        "windows": [list(w) for w in split.windows],
    }
