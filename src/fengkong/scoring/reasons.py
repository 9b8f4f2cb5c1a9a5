"""Reason codes: the characteristics that cost an applicant the most points, as stable codes with
text in Chinese and English.

Only a characteristic that cost more than the model's materiality floor is a reason
(`points.DEFAULT_REASON_FLOOR` unless the model records another), at most
`points.MAX_REASONS`, most points lost first (`ScoreResult.top_adverse`). Codes say which kind
of model gave them: `SC_<FEATURE>` from a scorecard's points, `GB_<FEATURE>` from a GBM's SHAP
values; `is_model_reason` recognises both. Bin labels are written in each language: a range
"3,000 to 4,000" / "3,000 至 4,000", "missing" / "缺失", categories as they are.
"""

from __future__ import annotations

import math
import re
from typing import Literal, Protocol

from fengkong.core.reason import Reason
from fengkong.scoring.points import MISSING, SPECIAL, Bin, Contribution

SCORECARD_PREFIX = "SC_"
GBM_PREFIX = "GB_"
MODEL_PREFIXES: tuple[str, ...] = (SCORECARD_PREFIX, GBM_PREFIX)
_NOT_WORD = re.compile(r"\W+")


def reason_code(feature: str, kind: Literal["scorecard", "gbm"] = "scorecard") -> str:
    """`SC_` or `GB_` and the feature name in capitals, any run of characters that is not a
    letter, digit or underscore written `_` (`Unnamed: 0` → `SC_UNNAMED_0`)."""
    prefix = GBM_PREFIX if kind == "gbm" else SCORECARD_PREFIX
    return prefix + (_NOT_WORD.sub("_", feature.upper()).strip("_") or "FEATURE")


def is_model_reason(code: str) -> bool:
    """True for a reason a credit model gave (scorecard or GBM), not a policy rule's."""
    return code.startswith(MODEL_PREFIXES)


def number_text(value: float) -> str:
    """A bin edge as people write it: thousands separated, no needless decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def bin_texts(b: Bin) -> tuple[str, str]:
    """A scorecard bin's label in English and in Chinese."""
    if b.kind == MISSING:
        return "missing", "缺失"
    if b.kind == SPECIAL:
        return "a special code", "特殊代码"
    if b.kind == "categories":
        return b.label, b.label
    low = None if b.lower is None else number_text(b.lower)
    high = None if b.upper is None else number_text(b.upper)
    if low is not None and high is not None:
        return f"{low} to {high}", f"{low} 至 {high}"
    if high is not None:
        return f"below {high}", f"低于 {high}"
    if low is not None:
        return f"{low} or more", f"{low} 及以上"
    return "any value", "任意值"


def _value_texts(c: Contribution) -> tuple[str, str]:
    if c.bin is not None:
        return bin_texts(c.bin)
    if c.bin_label in ("", MISSING, "None", "nan"):
        return "missing", "缺失"
    try:
        number = float(c.bin_label)
    except ValueError:
        return c.bin_label, c.bin_label  # a category, as it is
    text = number_text(number) if math.isfinite(number) else c.bin_label
    return text, text


class _Labelled(Protocol):
    @property
    def label_en(self) -> str: ...
    @property
    def label_zh(self) -> str: ...


class FeatureLabels(Protocol):
    """Where a model's features find their labels: a `FeatureSet`, or the business model's
    (`features.business_inputs.INPUT_LABELS`); StopIteration for a name unknown."""

    def by_name(self, name: str) -> _Labelled: ...


def model_reasons(adverse: tuple[Contribution, ...], features: FeatureLabels) -> tuple[Reason, ...]:
    """The reasons of a model's adverse contributions (as `ScoreResult.top_adverse` chose
    them), with each feature's label from `features` where it has one, else its name."""
    reasons = []
    for c in adverse:
        try:
            f = features.by_name(c.feature)
            en, zh = f.label_en, f.label_zh
        except StopIteration:
            en = zh = c.feature
        value_en, value_zh = _value_texts(c)
        reasons.append(
            Reason(
                reason_code(c.feature, c.model_kind),
                f"{en} ({value_en}) lowered the score by {c.points_lost} points",
                f"{zh}（{value_zh}）使评分降低 {c.points_lost} 分",
            )
        )
    return tuple(reasons)


scorecard_reasons = model_reasons  # the name the decision service first called it by
