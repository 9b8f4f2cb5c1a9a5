"""Reason codes: the characteristics that cost an applicant the most points, as stable codes with
text in Chinese and English."""

from __future__ import annotations

from fengkong.core.reason import Reason
from fengkong.features.definition import FeatureSet
from fengkong.scoring.points import Contribution


def reason_code(feature: str) -> str:
    return f"SC_{feature.upper()}"


def scorecard_reasons(
    adverse: tuple[Contribution, ...], features: FeatureSet
) -> tuple[Reason, ...]:
    reasons = []
    for c in adverse:
        try:
            f = features.by_name(c.feature)
            en, zh = f.label_en, f.label_zh
        except StopIteration:
            en = zh = c.feature
        reasons.append(
            Reason(
                reason_code(c.feature),
                f"{en} ({c.bin_label}) lowered the score by {c.points_lost} points",
                f"{zh}（{c.bin_label}）使评分降低 {c.points_lost} 分",
            )
        )
    return tuple(reasons)
