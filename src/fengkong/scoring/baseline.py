"""A model's training baseline: the binned distribution of its score and of each feature on the
development (train) sample, kept in the registry's metrics under `baseline` when the model is
registered, so that the scores and features of later decisions can be compared with it (PSI,
CSI) without the training data.

The score is kept on the scale decisions store: scorecard points, or a GBM's calibrated PD on
the points scale (`registry.LoadedGBM`). Numeric bins are the equal-count cut points of
`stability` (right-closed, open at both ends); categorical bins are the training categories,
with an `(other)` bin for unseen ones. Missing values are counted in a bin of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fengkong.scoring.stability import (
    MISSING_BIN,
    OTHER_BIN,
    StabilityRow,
    numeric_bin_counts,
    numeric_bin_labels,
    numeric_cut_points,
    stability_rows,
)

BASELINE_KEY = "baseline"
SCORE_BINS = 10


@dataclass(frozen=True, slots=True)
class NumericBins:
    """Counts of a numeric distribution over `cuts` (n cuts → n + 1 bins) and of its missing
    values."""

    cuts: tuple[float, ...]
    counts: tuple[int, ...]
    missing: int = 0


@dataclass(frozen=True, slots=True)
class CategoryBins:
    """Counts of a categorical distribution per training category, and of missing values."""

    categories: tuple[str, ...]
    counts: tuple[int, ...]
    missing: int = 0


Bins = NumericBins | CategoryBins


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a model's training sample looked like: its score and its features, binned."""

    sample: str
    score: NumericBins
    features: Mapping[str, Bins]


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def numeric_bins(values: Sequence[object], bins: int = SCORE_BINS) -> NumericBins:
    """Equal-count bins over the present values of a numeric sample, and their counts."""
    present = np.asarray([float(v) for v in values if not _is_missing(v)], dtype=np.float64)  # type: ignore[arg-type]
    missing = len(values) - present.size
    if present.size == 0:
        return NumericBins((), (0,), missing)
    cuts = numeric_cut_points(present, bins)
    counts = numeric_bin_counts(present, cuts)
    return NumericBins(tuple(float(c) for c in cuts), tuple(int(c) for c in counts), missing)


def category_bins(values: Sequence[object]) -> CategoryBins:
    present = [str(v) for v in values if not _is_missing(v)]
    categories = tuple(sorted(set(present)))
    counts = tuple(present.count(c) for c in categories)
    return CategoryBins(categories, counts, len(values) - len(present))


def feature_bins(values: Sequence[object], bins: int = SCORE_BINS) -> Bins:
    """Numeric when every present value is a number, categorical otherwise."""
    present = [v for v in values if not _is_missing(v)]
    if present and all(_is_number(v) for v in present):
        return numeric_bins(values, bins)
    return category_bins(values)


def baseline_document(
    scores: Sequence[float], features: Mapping[str, Sequence[object]], sample: str = "train"
) -> dict[str, Any]:
    """The `baseline` entry of a model's metrics: its score and features on `sample`, binned."""
    return {
        "sample": sample,
        "score": _bins_document(numeric_bins(list(scores))),
        "features": {name: _bins_document(feature_bins(list(v))) for name, v in features.items()},
    }


def _bins_document(bins: Bins) -> dict[str, Any]:
    if isinstance(bins, NumericBins):
        return {"cuts": list(bins.cuts), "counts": list(bins.counts), "missing": bins.missing}
    return {
        "categories": list(bins.categories),
        "counts": list(bins.counts),
        "missing": bins.missing,
    }


def _bins_from(doc: Mapping[str, Any]) -> Bins:
    if "categories" in doc:
        return CategoryBins(
            tuple(str(c) for c in doc["categories"]),
            tuple(int(c) for c in doc["counts"]),
            int(doc.get("missing", 0)),
        )
    return NumericBins(
        tuple(float(c) for c in doc["cuts"]),
        tuple(int(c) for c in doc["counts"]),
        int(doc.get("missing", 0)),
    )


def baseline_from_metrics(metrics: Mapping[str, Any]) -> Baseline | None:
    """The baseline a registered model keeps in its metrics; None for a model registered before
    baselines were kept."""
    doc = metrics.get(BASELINE_KEY)
    if not isinstance(doc, Mapping) or "score" not in doc:
        return None
    features = doc.get("features") or {}
    return Baseline(
        sample=str(doc.get("sample", "train")),
        score=_bins_from(doc["score"]),  # type: ignore[arg-type]
        features={str(name): _bins_from(bins) for name, bins in features.items()},
    )


def _with_missing(
    labels: list[str], expected: list[int], actual: list[int], e_missing: int, a_missing: int
) -> tuple[StabilityRow, ...]:
    if e_missing or a_missing:
        labels, expected, actual = (
            [*labels, MISSING_BIN],
            [*expected, e_missing],
            [*actual, a_missing],
        )
    return stability_rows(labels, np.asarray(expected), np.asarray(actual))


def against(bins: Bins, values: Sequence[object]) -> tuple[StabilityRow, ...]:
    """The PSI/CSI table of recent `values` against the baseline `bins`. A numeric bin set
    counts a non-numeric value as missing; a categorical one counts an unseen category in
    `(other)`. Needs at least one value."""
    missing = sum(
        1 for v in values if _is_missing(v) or (isinstance(bins, NumericBins) and not _is_number(v))
    )
    if isinstance(bins, NumericBins):
        cuts = np.asarray(bins.cuts, dtype=np.float64)
        numbers = np.asarray(
            [float(v) for v in values if not _is_missing(v) and _is_number(v)],  # type: ignore[arg-type]
            dtype=np.float64,
        )
        counts = numeric_bin_counts(numbers, cuts)
        return _with_missing(
            numeric_bin_labels(cuts), list(bins.counts), [int(c) for c in counts],
            bins.missing, missing,
        )  # fmt: skip
    words = [str(v) for v in values if not _is_missing(v)]
    known = set(bins.categories)
    actual = [words.count(c) for c in bins.categories]
    other = sum(1 for v in words if v not in known)
    return _with_missing(
        [*bins.categories, OTHER_BIN], [*bins.counts, 0], [*actual, other], bins.missing, missing
    )


def index_of(rows: Sequence[StabilityRow]) -> float:
    """PSI (of a score) or CSI (of a feature): the sum of the rows' contributions."""
    return float(sum(r.contribution for r in rows))
