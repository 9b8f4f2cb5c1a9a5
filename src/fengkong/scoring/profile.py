"""The data profile a modeller reads before training: per column its type, missing share,
distinct count, sentinel candidates, information value, single-column AUC and a verdict with
its reason. `train_model` trains only on the columns whose verdict is `feature`.

    profile = profile_frame(frame, "bad", exclude=("phone",), keep=("id",))
    profile.features                 # the columns a model may learn from
    profile.column("id").reason      # why a column is (not) a feature

Verdicts, tried in this order (the first that applies wins):

- `target`: the outcome column itself.
- `excluded`: named by `exclude` (`--exclude`), or the split's time column; and, after the
  rules below, a date (a date dtype, or text of which 95% reads as dates): a model learns
  from what is derived from a date (age of an account), not from the date itself.
- `feature` (kept): named by `keep` (`--keep`), whatever the rules below would say.
- `constant`: at most one distinct non-missing value; carries no information.
- `id`: an id or a row index, by any of
  * its name: `Unnamed: 0` (a pandas row index written to CSV), `index`, `rownames`,
    `row_names`, `rowid`, `row_id`, `id`, `idx`, `level_0`; or a name ending in `_id` / ` id`
    (`member_id`) with at least half its values distinct (a `region_id` of 30 codes is a
    category, not an id);
  * a text column whose every value is distinct (one per row);
  * a numeric column whose every value is distinct and either strictly monotone with the
    row order (a counter) or integer-valued and dense (its span is under twice the rows).
- `leakage`: a suspect of knowing the outcome: its single-column AUC (below) is at least
  `LEAKAGE_AUC` = 0.95. No honest application characteristic separates goods from bads that
  well; a column filled in after the outcome (recoveries, collection status) does.
- `feature`: everything else.

Sentinel candidates (numeric columns): a value from `SENTINEL_CODES` (-1, -9…, 96–99,
996–999, 9999…, 365243) present in the column is a candidate when it sits far outside the
rest of the distribution: above every other value and at least twice the largest of them
(96/98 in a count of 0–10; 365243 days when the rest is under 20,000), or negative below a
column that is otherwise never negative (-1 in an amount). Such codes mean "not applicable"
or "unknown", not a magnitude; `ScorecardModel(special_codes=…)` gives them a bin of their own.

IV and single-column AUC are measured on a coarse binning of the column: numeric values in up
to `PROFILE_BINS` quantile bins plus one for missing; categories with at least `MIN_CATEGORY`
rows (or 0.5% of rows) each in their own bin, rarer ones pooled, missing apart. The AUC ranks
the rows by their bin's bad rate (max(AUC, 1 − AUC)); IV uses a 0.5 count correction so that
an empty cell does not make it infinite. These are screening figures, not the model's bins. Given `screen_rows` (the lab passes its
training part), IV and AUC, and so the leakage verdict, are measured on those rows only: a
verdict that decides what the model may learn must not have looked at the test part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from fengkong.core.errors import FieldError, Invalid
from fengkong.scoring.train import binary_target

Verdict = Literal["feature", "id", "constant", "leakage", "excluded", "target"]
ColumnType = Literal["numeric", "categorical", "datetime"]

LEAKAGE_AUC = 0.95
PROFILE_BINS = 10
MIN_CATEGORY = 5
SENTINEL_CODES: frozenset[float] = frozenset(
    {-1.0, -9.0, -99.0, -999.0, -9999.0, 96.0, 97.0, 98.0, 99.0, 996.0, 997.0, 998.0, 999.0}
    | {9999.0, 99999.0, 999999.0, 9999999.0, 365243.0}
)
_INDEX_NAMES = frozenset(
    {"index", "rownames", "row_names", "row.names", "rowid", "row_id", "id", "idx", "level_0"}
)
_UNNAMED = re.compile(r"^unnamed:\s*\d+$", re.IGNORECASE)
_DATE = re.compile(
    r"^(\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?([ T]\d{1,2}:\d{2}(:\d{2})?)?"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|[A-Za-z]{3}-\d{2,4})$"
)


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """One column of the profile. `iv` and `auc` are None where they do not apply (the target,
    a constant, or a column the outcome cannot be measured against)."""

    name: str
    type: ColumnType
    missing_share: float
    distinct: int
    sentinels: tuple[float, ...]
    iv: float | None
    auc: float | None
    verdict: Verdict
    reason: str
    order: tuple[str, ...] = ()  # an ordered text column's values, lowest first (`ordinal_order`)


@dataclass(frozen=True, slots=True)
class DataProfile:
    target: str
    rows: int
    bad_rate: float
    columns: tuple[ColumnProfile, ...]

    @property
    def features(self) -> tuple[str, ...]:
        """The columns a model may learn from, in file order."""
        return tuple(c.name for c in self.columns if c.verdict == "feature")

    @property
    def column_names(self) -> tuple[str, ...]:
        """Every column of the data, in file order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnProfile:
        found = next((c for c in self.columns if c.name == name), None)
        if found is None:
            raise KeyError(name)
        return found

    def sentinels(self) -> dict[str, tuple[float, ...]]:
        """Feature → its sentinel candidates, for the features that have any."""
        return {c.name: c.sentinels for c in self.columns if c.verdict == "feature" and c.sentinels}

    def orders(self) -> dict[str, tuple[str, ...]]:
        """Feature → the order of its values, for the ordered text features."""
        return {c.name: c.order for c in self.columns if c.verdict == "feature" and c.order}

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "rows": self.rows,
            "bad_rate": self.bad_rate,
            "columns": [
                {**asdict(c), "sentinels": list(c.sentinels), "order": list(c.order)}
                for c in self.columns
            ],
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> DataProfile:
        return cls(
            target=str(doc["target"]),
            rows=int(doc["rows"]),
            bad_rate=float(doc["bad_rate"]),
            columns=tuple(
                ColumnProfile(
                    **{
                        **c,
                        "sentinels": tuple(c.get("sentinels", ())),
                        "order": tuple(c.get("order", ())),
                    }
                )
                for c in doc["columns"]
            ),
        )


def is_index_name(name: str) -> bool:
    """True for a name that alone says the column is a row index or an id."""
    text = name.strip()
    return bool(_UNNAMED.match(text) or text.lower() in _INDEX_NAMES)


def _id_suffix(name: str) -> bool:
    lower = name.strip().lower()
    return lower.endswith("_id") or lower.endswith(" id")


def column_type(column: pd.Series) -> ColumnType:
    """numeric, categorical, or datetime: a date dtype, or text of which at least 95% of the
    values are written as dates (2024-01-31, 31/01/2024, Jan-2024)."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return "datetime"
    if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
        values = column.dropna().astype(str)
        sample = values.iloc[:: max(1, len(values) // 2000)]  # a few thousand suffice
        if len(sample) and sample.str.match(_DATE).mean() >= 0.95:
            return "datetime"
    if pd.api.types.is_bool_dtype(column.dtype) or isinstance(column.dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(column.dtype):
        return "numeric"
    return "categorical"


_GRADE = re.compile(r"^[A-Z]$")
_SUB_GRADE = re.compile(r"^([A-Z])(\d)$")
_AMOUNT = re.compile(r"^(?P<less><\s*)?(?P<n>\d+(\.\d+)?)(?P<more>\s*\+)?\s*(?P<unit>[^\d<>+]*)$")


def ordinal_order(column: pd.Series) -> tuple[str, ...] | None:
    """The order of an ordered text column, lowest first, or None. Ordered: grades (every
    value one capital letter: A–G), sub-grades (a capital and a digit: A1–G5, by letter then
    digit), and amounts of one unit ("< 1 year", "2 years", "10+ years": every value one
    number with an optional leading "<" or trailing "+" and the same word after it, singular
    or plural). At least two distinct values, at most 60."""
    values = sorted({str(v).strip() for v in column.dropna()})
    if not 2 <= len(values) <= 60 or pd.api.types.is_numeric_dtype(column.dtype):
        return None
    if all(_GRADE.match(v) for v in values):
        return tuple(values)
    if all(_SUB_GRADE.match(v) for v in values):
        return tuple(sorted(values, key=lambda v: (v[0], int(v[1:]))))
    parsed = [_AMOUNT.match(v) for v in values]
    if not all(parsed):
        return None
    units = {m.group("unit").strip().lower().rstrip("s") for m in parsed if m}
    if len(units) != 1:
        return None

    def rank(m: re.Match[str]) -> float:
        n = float(m.group("n"))
        return n - 0.5 if m.group("less") else n + 0.5 if m.group("more") else n

    ranked = sorted((rank(m), v) for m, v in zip(parsed, values, strict=True) if m)
    if len({r for r, _ in ranked}) != len(ranked):
        return None
    return tuple(v for _, v in ranked)


def sentinel_candidates(column: pd.Series) -> tuple[float, ...]:
    """The sentinel codes of a numeric column, by the rule of the module docstring."""
    values = pd.to_numeric(column, errors="coerce").dropna().to_numpy(dtype=np.float64)
    if values.size == 0:
        return ()
    present = sorted(set(np.unique(values).tolist()) & SENTINEL_CODES)
    if not present:
        return ()
    rest = values[~np.isin(values, present)]
    if rest.size == 0:
        return ()
    low, high = float(rest.min()), float(rest.max())
    found = []
    for code in present:
        above = code > high and code >= 2 * max(high, 1.0)
        below = code < 0 <= low
        if above or below:
            found.append(float(code))
    return tuple(found)


def _bins(column: pd.Series, kind: ColumnType) -> npt.NDArray[np.int64]:
    """Coarse screening bins of a column (see the module docstring): a bin number per row."""
    missing = column.isna().to_numpy()
    if kind == "numeric":
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
        missing = missing | np.isnan(values)
        finite = values[~missing]
        if finite.size == 0:
            return np.zeros(len(column), dtype=np.int64)
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, PROFILE_BINS + 1)[1:-1]))
        # bins (-inf, e0], (e0, e1], ...: a mass point at a quantile (many zeros) keeps a bin of its own
        idx = np.searchsorted(edges, np.where(missing, 0.0, values), side="left") + 1
        return np.where(missing, 0, idx).astype(np.int64)
    text = column.astype(str).to_numpy()
    counts = pd.Series(text[~missing]).value_counts()
    floor = max(MIN_CATEGORY, int(0.005 * len(column)))
    common = {c: i + 2 for i, c in enumerate(counts.index[counts >= floor])}
    idx = np.fromiter((common.get(t, 1) for t in text), dtype=np.int64, count=len(text))
    return np.where(missing, 0, idx).astype(np.int64)


def screening(bins: npt.NDArray[np.int64], y: npt.NDArray[np.int64]) -> tuple[float, float]:
    """IV and single-column AUC (max(AUC, 1 − AUC)) of rows grouped in `bins`."""
    n_bins = int(bins.max()) + 1
    bad = np.bincount(bins, weights=y, minlength=n_bins)
    total = np.bincount(bins, minlength=n_bins).astype(np.float64)
    good = total - bad
    used = total > 0
    bad, good = bad[used], good[used]
    share_bad = (bad + 0.5) / (bad.sum() + 0.5 * used.sum())
    share_good = (good + 0.5) / (good.sum() + 0.5 * used.sum())
    iv = float(np.sum((share_good - share_bad) * np.log(share_good / share_bad)))
    # AUC of the bin bad rate as a score: pairs (bad, good) ranked by their bins' rates.
    rate = bad / (bad + good)
    order = np.argsort(rate, kind="stable")
    b, g, r = bad[order], good[order], rate[order]
    auc = 0.0
    goods_below = 0.0
    i = 0
    while i < len(r):
        j = i
        while j + 1 < len(r) and r[j + 1] == r[i]:
            j += 1
        tie_bad, tie_good = b[i : j + 1].sum(), g[i : j + 1].sum()
        auc += tie_bad * (goods_below + tie_good / 2)
        goods_below += tie_good
        i = j + 1
    pairs = bad.sum() * good.sum()
    auc = auc / pairs if pairs > 0 else 0.5
    return iv, float(max(auc, 1.0 - auc))


def _id_reason(name: str, column: pd.Series, kind: ColumnType) -> str | None:
    if is_index_name(name):
        return f"named like a row index or an id ({name!r})"
    values = column.dropna()
    if _id_suffix(name) and values.nunique() >= 0.5 * max(len(values), 1):
        return f"named like an id ({name!r}) with mostly distinct values"
    if len(values) < 20 or len(values) < len(column) or values.nunique() < len(values):
        return None  # not one distinct value per row
    if kind == "categorical":
        return "a text value unique to each row"
    if kind != "numeric":
        return None
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    steps = np.diff(numbers)
    if (steps > 0).all() or (steps < 0).all():
        return "unique per row and monotone with the row order (a counter)"
    integral = bool(np.all(np.mod(numbers, 1.0) == 0))
    if integral and numbers.max() - numbers.min() < 2 * len(numbers):
        return "integer values unique per row over a dense range (a shuffled row number)"
    return None


def profile_frame(
    frame: pd.DataFrame,
    target: str,
    *,
    exclude: Iterable[str] = (),
    keep: Iterable[str] = (),
    time_col: str | None = None,
    screen_rows: Sequence[int] | npt.NDArray[np.int64] | None = None,
) -> DataProfile:
    """Profile every column of `frame` against the binary `target` (see the module docstring);
    IV and AUC on the positions `screen_rows` only when given. An unknown target, a target
    that is not binary, or an unknown `exclude`/`keep` name is `Invalid`."""
    if target not in frame.columns:
        raise Invalid((FieldError(("target",), f"no column {target!r} in the data"),))
    excluded, kept = list(exclude), list(keep)
    for loc, names in (("exclude", excluded), ("keep", kept)):
        unknown = [n for n in names if n not in frame.columns]
        if unknown:
            raise Invalid((FieldError((loc,), f"not columns of the data: {unknown}"),))
    both = sorted(set(excluded) & set(kept))
    if both:
        raise Invalid((FieldError(("keep",), f"both kept and excluded: {both}"),))
    frame = frame.reset_index(drop=True)
    y = binary_target(frame[target]).astype(np.int64)
    rows = None if screen_rows is None else np.asarray(screen_rows, dtype=np.int64)
    columns = [
        _profile_column(str(name), frame[name], y, target, set(excluded), set(kept), time_col, rows)
        for name in frame.columns
    ]
    return DataProfile(target, len(frame), float(y.mean()), tuple(columns))


def _profile_column(
    name: str,
    column: pd.Series,
    y: npt.NDArray[np.int64],
    target: str,
    excluded: set[str],
    kept: set[str],
    time_col: str | None,
    screen_rows: npt.NDArray[np.int64] | None = None,
) -> ColumnProfile:
    kind = column_type(column)
    missing = float(column.isna().mean()) if len(column) else 0.0
    distinct = int(column.nunique(dropna=True))
    sentinels = sentinel_candidates(column) if kind == "numeric" else ()
    order = (ordinal_order(column) or ()) if kind == "categorical" else ()
    iv = auc = None
    if name != target and distinct >= 2 and kind != "datetime":
        bins = _bins(column, kind)
        if screen_rows is None:
            iv, auc = screening(bins, y)
        else:
            iv, auc = screening(bins[screen_rows], y[screen_rows])

    def made(verdict: Verdict, reason: str) -> ColumnProfile:
        return ColumnProfile(
            name, kind, missing, distinct, sentinels, iv, auc, verdict, reason, order
        )

    if name == target:
        return made("target", "the outcome to predict")
    if name in excluded:
        return made("excluded", "excluded by --exclude")
    if name == time_col:
        return made("excluded", "the time column the split orders by")
    if name in kept:
        return made("feature", "kept by --keep")
    if distinct <= 1:
        return made("constant", "a single value" if distinct else "every value is missing")
    id_reason = _id_reason(name, column, kind)
    if id_reason is not None:
        return made("id", id_reason)
    if auc is not None and auc >= LEAKAGE_AUC:
        return made(
            "leakage",
            f"single-column AUC {auc:.3f} ≥ {LEAKAGE_AUC}: likely known only after the outcome",
        )
    if kind == "datetime":
        return made("excluded", "a date: derive features from it (age of account…) instead")
    return made("feature", "informative" if (iv or 0.0) >= 0.02 else "weak (IV < 0.02)")


def profile_rows(profile: DataProfile) -> Sequence[Mapping[str, Any]]:
    """The profile as rows for a table a person reads (CLI, report)."""
    return [
        {
            "column": c.name,
            "type": c.type,
            "missing": c.missing_share,
            "distinct": c.distinct,
            "sentinels": ", ".join(f"{v:g}" for v in c.sentinels),
            "order": " < ".join(c.order),
            "iv": c.iv,
            "auc": c.auc,
            "verdict": c.verdict,
            "reason": c.reason,
        }
        for c in profile.columns
    ]
