"""Ordered categories in a scorecard (grades A–G, sub-grades A1–G5, "< 1 year" … "10+ years"):
binned as numbers on their rank, so the bins are runs of neighbouring categories (A–B, C,
D–G) monotone in risk, instead of unordered sets grouped by bad rate. The fitted characteristic
is an ordinary categorical one (its bins list their categories), so scoring, the points table
and the SQL export need nothing new; a category never seen in training falls in the missing
bin, as for any categorical characteristic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from fengkong.scoring.points import MISSING, SPECIAL, Bin


def rank_values(column: pd.Series, order: Sequence[str]) -> np.ndarray:
    """Each value's rank in `order` (0 = lowest) as a float; missing and unknown values NaN."""
    ranks = {str(v): float(i) for i, v in enumerate(order)}
    missing = column.isna().to_numpy()
    text = column.astype(str).to_numpy()
    values = np.fromiter((ranks.get(t, np.nan) for t in text), dtype=np.float64, count=len(text))
    values[missing] = np.nan
    return values


def ordinal_bins(
    rows: pd.DataFrame, splits: Sequence[float], order: Sequence[str], common: Any
) -> list[Bin]:
    """The bins of an ordinal characteristic from optbinning's table over ranks: each range
    bin lists the categories whose rank falls in it. `common(row)` gives a row's points, WOE,
    count and event rate."""
    bins: list[Bin] = []
    for i, (_, row) in enumerate(rows.iterrows()):
        label = str(row["Bin"])
        if label == "Special":
            bins.append(Bin(label="special", kind=SPECIAL, **common(row)))
        elif label == "Missing":
            bins.append(Bin(label="missing", kind=MISSING, **common(row)))
        else:
            lower = splits[i - 1] if i > 0 else -np.inf
            upper = splits[i] if i < len(splits) else np.inf
            cats = tuple(str(c) for r, c in enumerate(order) if lower <= r < upper)
            label = cats[0] if len(cats) == 1 else f"{cats[0]} – {cats[-1]}"
            bins.append(Bin(label=label, categories=cats, kind="categories", **common(row)))
    return bins
