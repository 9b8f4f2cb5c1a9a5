"""A fitted scorecard as plain data: bins, integer points and the scaling, scoring a row with a
few look-ups (online) or many rows with numpy (batch). Nothing here needs scikit-learn or pandas
to load, so the decision service scores an application without importing them; the batch routes
import pandas, Polars or pyarrow only for a column of their kind. `fengkong.scoring.scorecard`
fits these (and re-exports them)."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal

import numpy as np

from fengkong.core.errors import FieldError, Invalid

MISSING: Final = "missing"
SPECIAL: Final = "special"
MAX_REASONS = 4
DEFAULT_REASON_FLOOR = 5.0
"""Points a characteristic must cost an applicant (more than this) to be given as a reason: a
quarter of the default 20 points to double the odds, i.e. odds of default about 19% worse
than the best bin (scorecard) or than the average applicant (GBM). Smaller costs are noise to
the applicant, not a reason."""


@dataclass(frozen=True, slots=True)
class Bin:
    """One row of the points table. Numeric bins are `[lower, upper)`; categorical bins list their
    categories; the missing bin also takes categories never seen in training."""

    label: str
    points: int
    woe: float
    count: int
    event_rate: float
    lower: float | None = None
    upper: float | None = None
    categories: tuple[str, ...] = ()
    kind: Literal["range", "categories", "missing", "special"] = "range"


@dataclass(frozen=True, slots=True)
class Characteristic:
    name: str
    dtype: Literal["numerical", "categorical"]
    bins: tuple[Bin, ...]
    coefficient: float
    iv: float
    splits: tuple[float, ...] = ()
    special_codes: tuple[float, ...] = ()
    _category_index: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)
    # Derived once for the vectorized path (never serialized): bin points, split edges, and the
    # category strings with their bin indices.
    _points: np.ndarray = field(init=False, repr=False, compare=False)
    _splits: np.ndarray = field(init=False, repr=False, compare=False)
    _category_names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _category_bins: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {c: i for i, b in enumerate(self.bins) for c in b.categories}
        object.__setattr__(self, "_category_index", index)
        object.__setattr__(self, "_points", np.asarray([b.points for b in self.bins], np.int64))
        object.__setattr__(self, "_splits", np.asarray(self.splits, dtype=np.float64))
        object.__setattr__(self, "_category_names", tuple(index))
        object.__setattr__(self, "_category_bins", np.asarray(list(index.values()), np.int64))

    @property
    def missing_index(self) -> int:
        return next(i for i, b in enumerate(self.bins) if b.kind == MISSING)

    @property
    def special_index(self) -> int:
        return next(i for i, b in enumerate(self.bins) if b.kind == SPECIAL)

    @property
    def max_points(self) -> int:
        return max(b.points for b in self.bins if b.count > 0 or b.kind == "range")

    def bin_index(self, value: object) -> int:
        """Which bin a raw value falls in. Missing, NaN and unseen categories → the missing bin."""
        if value is None:
            return self.missing_index
        if self.dtype == "categorical":
            return self._category_index.get(str(value), self.missing_index)
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise Invalid((FieldError((self.name,), f"expected a number, got {value!r}"),))
        number = float(value)
        if math.isnan(number):
            return self.missing_index
        if math.isinf(number):
            raise Invalid((FieldError((self.name,), "must be finite"),))
        if number in self.special_codes:
            return self.special_index
        return bisect_right(self.splits, number)


@dataclass(frozen=True, slots=True)
class Scaling:
    """Points scaling: `base_score` points at good:bad odds of `base_odds`, `pdo` points to double."""

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * math.log(self.base_odds)

    def probability_of_default(self, score: float) -> float:
        log_odds_good = (score - self.offset) / self.factor
        return 1.0 / (1.0 + math.exp(log_odds_good))


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one characteristic did to an applicant's score. `points_lost` is what the reasons
    rank by: below the best bin of the characteristic (scorecard), or the feature's SHAP value
    in points when it pushes towards default (GBM). `bin` is the scorecard bin the value fell
    in (None for a GBM, whose `bin_label` is the value itself, or "missing")."""

    feature: str
    bin_label: str
    points: int
    points_lost: int
    bin: Bin | None = None
    model_kind: Literal["scorecard", "gbm"] = "scorecard"


@dataclass(frozen=True, slots=True)
class ScoreResult:
    score: int
    pd: float
    contributions: tuple[Contribution, ...]
    reason_floor: float = 0.0  # the model's materiality floor in points (`DEFAULT_REASON_FLOOR`)

    def top_adverse(
        self, n: int = MAX_REASONS, floor: float | None = None
    ) -> tuple[Contribution, ...]:
        """At most `n` contributions that cost more than the floor (the model's unless given),
        most points lost first, ties by feature name."""
        limit = self.reason_floor if floor is None else floor
        ranked = sorted(
            (c for c in self.contributions if c.points_lost > 0 and c.points_lost > limit),
            key=lambda c: (-c.points_lost, c.feature),
        )
        return tuple(ranked[:n])


@dataclass(frozen=True, slots=True)
class Scorecard:
    characteristics: tuple[Characteristic, ...]
    scaling: Scaling

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.characteristics)

    def score(self, row: Mapping[str, object]) -> ScoreResult:
        contributions = []
        total = 0
        for ch in self.characteristics:
            b = ch.bins[ch.bin_index(row.get(ch.name))]
            total += b.points
            contributions.append(
                Contribution(ch.name, b.label, b.points, ch.max_points - b.points, bin=b)
            )
        pd_ = self.scaling.probability_of_default(total)
        return ScoreResult(total, pd_, tuple(contributions))

    def score_batch(self, columns: Mapping[str, Any]) -> np.ndarray:
        """Vectorized scores for many rows; equal, row for row, to `score`.

        A column may be a numpy array or a sequence, a pandas Series (object, Arrow string or
        category dtype) or `pd.Categorical`, or a Polars Series (String, Categorical or Enum
        for a categorical characteristic). Category columns are the fastest input: only their
        few distinct values are looked up, then the codes pick the points."""
        n = len(next(iter(columns.values())))
        total = np.zeros(n, dtype=np.int64)
        for ch in self.characteristics:
            total += ch._points[_bin_indices(ch, columns[ch.name])]
        return total


def _bin_indices(ch: Characteristic, values: Any) -> np.ndarray:
    """Bin index of every value: the vectorized `Characteristic.bin_index`."""
    if ch.dtype == "categorical":
        return _categorical_bins(ch, values)
    x = np.asarray(values, dtype=np.float64)
    if np.isinf(x).any():
        raise Invalid((FieldError((ch.name,), "must be finite"),))
    idx = np.searchsorted(ch._splits, x, side="right")
    if ch.special_codes:
        idx = np.where(np.isin(x, ch.special_codes), ch.special_index, idx)
    numeric: np.ndarray = np.where(np.isnan(x), ch.missing_index, idx).astype(np.int64)
    return numeric


def _categorical_bins(ch: Characteristic, values: Any) -> np.ndarray:
    """Categories → bin indices, each input kind by its cheapest exact route. Every route means
    what `bin_index` means: `str(value)` looked up among the bins' categories; None, NaN and
    unseen categories → the missing bin. A pandas Categorical is looked up by its categories,
    as pandas built them (it has already merged 10 with 10.0)."""
    import pandas as pd  # a batch route: the online path (`bin_index`) never comes here

    if isinstance(values, pd.Series | pd.Categorical) and isinstance(
        values.dtype, pd.CategoricalDtype
    ):
        categorical = values.array if isinstance(values, pd.Series) else values
        lookup = _lookup(ch, np.asarray(categorical.categories, dtype=object))
        return lookup[np.asarray(categorical.codes, dtype=np.int64)]  # code -1 = NaN: missing
    if _is_polars_series(values):
        return _polars_bins(ch, values)
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.ArrowDtype | pd.StringDtype):
        arrow = getattr(values.array, "__arrow_array__", None)
        if arrow is not None:
            return _arrow_string_bins(ch, arrow())
    objects = np.asarray(values, dtype=object)
    found = _known_category_positions(ch, objects)
    if found is not None:
        bins = np.full(len(objects), ch.missing_index, dtype=np.int64)
        hit = found >= 0
        bins[hit] = ch._category_bins[found[hit]]
        rest = ~hit
        if rest.any():  # missing, unseen, or not a string (an int 1 may still mean "1")
            bins[rest] = _factorized_bins(ch, objects[rest])
        return bins
    return _factorized_bins(ch, objects)


def _lookup(ch: Characteristic, distinct: np.ndarray) -> np.ndarray:
    """Bin index of each distinct value, with one more slot (the missing bin) at the end."""
    missing = ch.missing_index
    return np.asarray(
        [ch._category_index.get(str(u), missing) for u in distinct] + [missing], dtype=np.int64
    )


def _factorized_bins(ch: Characteristic, objects: np.ndarray) -> np.ndarray:
    """The general route, exactly `bin_index` value by value: None → the missing bin, anything
    else by its text. The text is taken before factorizing, because factorizing objects would
    merge 10 with 10.0 and True with 1, whose texts differ."""
    import pandas as pd

    is_none = np.fromiter((v is None for v in objects), dtype=bool, count=len(objects))
    text = objects.astype(str)
    codes, uniques = pd.factorize(text)
    lookup = _lookup(ch, uniques)
    bins: np.ndarray = np.where(is_none, ch.missing_index, lookup[codes])
    return bins


def _known_category_positions(ch: Characteristic, objects: np.ndarray) -> np.ndarray | None:
    """Position of each value among the bins' category strings, -1 where it is not one of them;
    None when pandas' hash table is not available. Looking values up in a small table of
    known strings costs a quarter of factorizing them (no table of uniques to build)."""
    try:
        from pandas._libs.hashtable import PyObjectHashTable
    except ImportError:  # a private pandas module: fall back to factorize if it ever moves
        return None
    if not ch._category_names:
        return None
    table = PyObjectHashTable(len(ch._category_names))
    table.map_locations(np.asarray(ch._category_names, dtype=object))
    found: np.ndarray = np.asarray(table.lookup(objects), dtype=np.int64)
    return found


def _arrow_string_bins(ch: Characteristic, array: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    value_set = pa.array(ch._category_names, type=array.type)
    found = pc.index_in(array, value_set=value_set).fill_null(-1)
    positions = np.asarray(found.to_numpy(), dtype=np.int64)
    lookup = np.append(ch._category_bins, ch.missing_index)  # position -1: missing or unseen
    bins: np.ndarray = lookup[positions]
    return bins


def _is_polars_series(values: object) -> bool:
    return type(values).__module__.startswith("polars") and type(values).__name__ == "Series"


def _polars_bins(ch: Characteristic, values: Any) -> np.ndarray:
    import polars as pl

    if values.dtype in (pl.String, pl.Categorical) or isinstance(values.dtype, pl.Enum):
        names, bins_of = list(ch._category_names), ch._category_bins.tolist()
        if isinstance(values.dtype, pl.Enum):  # an Enum refuses strings outside its list
            allowed = set(values.dtype.categories.to_list())
            kept = [i for i, c in enumerate(names) if c in allowed]
            names, bins_of = [names[i] for i in kept], [bins_of[i] for i in kept]
        bins = values.replace_strict(
            names,
            bins_of,
            default=ch.missing_index,  # null or unseen
            return_dtype=pl.Int64,
        )
        return np.asarray(bins.to_numpy(), dtype=np.int64)
    # Numbers or booleans declared categorical: as Python values, `str` decides, as in `score`.
    return _factorized_bins(ch, np.asarray(values.to_list(), dtype=object))


def scale_points(
    woe: float, coefficient: float, intercept: float, n_features: int, scaling: Scaling
) -> int:
    """Points of one bin: its share of `offset - factor * logit(bad)`, rounded half-up."""
    raw = -scaling.factor * (coefficient * woe) + (scaling.offset - scaling.factor * intercept) / (
        n_features
    )
    return int(Decimal(repr(raw)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
